package search

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// The states of a file's extracted text.
const (
	TextPending     = "pending"     // waiting for the extraction job
	TextDone        = "done"        // extracted and indexed
	TextEmpty       = "empty"       // read, but no text in it (a blank scan)
	TextUnavailable = "unavailable" // the programs are not installed here
	TextUnsupported = "unsupported" // a kind of file not read (DOCX, XLSX, …)
	TextFailed      = "failed"      // the file could not be read (detail says why)
)

// Text is how far the extraction of one file of an object got.
type Text struct {
	Source    string    `json:"source"` // the upload id
	Status    string    `json:"status"`
	Method    string    `json:"method,omitempty"` // text, ocr
	Detail    string    `json:"detail,omitempty"`
	Chars     int       `json:"chars"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MarkPending records the files of (kind, id) not yet known to the index
// as pending, in the caller's transaction, and returns them: the caller
// enqueues the extraction in the same transaction.
func (s *Service) MarkPending(ctx context.Context, tx *sql.Tx, kind string, id int64, sources []string, now time.Time) ([]string, error) {
	known := map[string]bool{}
	rs, err := tx.QueryContext(ctx, "SELECT source FROM search_texts WHERE kind = $1 AND object_id = $2", kind, id)
	if err != nil {
		return nil, fmt.Errorf("search: texts: %w", err)
	}
	for rs.Next() {
		var src string
		if err := rs.Scan(&src); err != nil {
			rs.Close()
			return nil, err
		}
		known[src] = true
	}
	rs.Close()
	if err := rs.Err(); err != nil {
		return nil, err
	}
	var added []string
	for _, src := range sources {
		if known[src] {
			continue
		}
		known[src] = true
		if _, err := tx.ExecContext(ctx, "INSERT INTO search_texts (kind, object_id, source, status, updated_at) VALUES ($1, $2, $3, $4, $5)",
			kind, id, src, TextPending, db.Micros(now)); err != nil {
			return nil, fmt.Errorf("search: texts: %w", err)
		}
		added = append(added, src)
	}
	return added, nil
}

// SetText records the outcome of one file's extraction (text is kept only
// when status is TextDone), in the caller's transaction; Refresh then puts
// it in the index.
func (s *Service) SetText(ctx context.Context, tx *sql.Tx, kind string, id int64, t Text, text string) error {
	if t.Status != TextDone {
		text = ""
	}
	text = clip(text, MaxBody)
	_, err := tx.ExecContext(ctx, `INSERT INTO search_texts (kind, object_id, source, status, method, detail, text, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (kind, object_id, source) DO UPDATE SET status = excluded.status, method = excluded.method, detail = excluded.detail,
		text = excluded.text, updated_at = excluded.updated_at`,
		kind, id, t.Source, t.Status, t.Method, clip(t.Detail, 500), text, db.Micros(t.UpdatedAt))
	if err != nil {
		return fmt.Errorf("search: texts: %w", err)
	}
	return nil
}

// Texts lists the files of (kind, id) and how far their extraction got,
// for a page to say when the content is not searchable yet. It makes no
// access decision: the caller has shown the object to the reader.
func (s *Service) Texts(ctx context.Context, kind string, id int64) ([]Text, error) {
	rs, err := s.db.Reader().QueryContext(ctx, `SELECT source, status, method, detail, length(text), updated_at FROM search_texts
		WHERE kind = $1 AND object_id = $2 ORDER BY source`, kind, id)
	if err != nil {
		return nil, fmt.Errorf("search: texts: %w", err)
	}
	defer rs.Close()
	var out []Text
	for rs.Next() {
		var t Text
		var at int64
		if err := rs.Scan(&t.Source, &t.Status, &t.Method, &t.Detail, &t.Chars, &at); err != nil {
			return nil, err
		}
		t.UpdatedAt = db.FromMicros(at)
		out = append(out, t)
	}
	return out, rs.Err()
}

// Refresh indexes (kind, id) again from what the index holds of it, with
// the extracted texts as they are now, in the caller's transaction; an
// object not in the index is left alone.
func (s *Service) Refresh(ctx context.Context, tx *sql.Tx, kind string, id int64) error {
	var d Doc
	var level int
	var date string
	var entry int64
	err := tx.QueryRowContext(ctx, `SELECT id, agency_id, owner_id, level, personal, title, body, doc_type, status, urgency, on_date
		FROM search_entries WHERE kind = $1 AND object_id = $2`, kind, id).Scan(&entry, &d.AgencyID, &d.OwnerID, &level, &d.PersonalData,
		&d.Title, &d.Body, &d.Type, &d.Status, &d.Urgency, &date)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("search: refresh: %w", err)
	}
	d.Kind, d.ID, d.Level = kind, id, access.Level(level)
	if date != "" {
		if err := d.Date.Scan(date); err != nil {
			return err
		}
	}
	var res access.Resource
	if err := readers(ctx, tx, entry, &res); err != nil {
		return err
	}
	d.Units, d.People, d.Handlers = res.Units, res.People, res.Handlers
	return s.IndexMany(ctx, tx, []Doc{d})
}

// doneTexts returns, for each doc, the extracted texts of its files that
// are done, joined.
func doneTexts(ctx context.Context, tx *sql.Tx, docs []Doc) ([]string, error) {
	out := make([]string, len(docs))
	byKind := map[string][]int64{}
	for _, d := range docs {
		byKind[d.Kind] = append(byKind[d.Kind], d.ID)
	}
	texts := map[string]map[int64][]string{}
	for kind, objects := range byKind {
		rs, err := tx.QueryContext(ctx, "SELECT object_id, text FROM search_texts WHERE kind = $1 AND status = 'done' AND object_id IN ("+ids(objects)+") ORDER BY object_id, source", kind)
		if err != nil {
			return nil, fmt.Errorf("search: texts: %w", err)
		}
		texts[kind] = map[int64][]string{}
		for rs.Next() {
			var id int64
			var t string
			if err := rs.Scan(&id, &t); err != nil {
				rs.Close()
				return nil, err
			}
			texts[kind][id] = append(texts[kind][id], t)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	for i, d := range docs {
		out[i] = strings.Join(texts[d.Kind][d.ID], "\n")
	}
	return out, nil
}

// joinBody is the body an entry is searched and highlighted in: its own
// text, then its files' text.
func joinBody(body, extra string) string {
	if extra == "" {
		return body
	}
	return body + "\n" + extra
}
