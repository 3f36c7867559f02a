package documents

import (
	"context"
	"database/sql"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
)

// IndexDoc is what a search index keeps of a document: the text to
// search, the filters, and the access resource (agency, classification,
// named readers) against which results are checked with access.Can, so a
// document no reader may open is never found or counted for them.
type IndexDoc struct {
	ID        int64
	Direction Direction
	Status    string
	Type      string
	Urgency   Urgency
	Year      int
	IssuedOn  string // yyyy-mm-dd
	// Symbol, Summary and Sender are the searchable text (NFC; fold with
	// locale.Fold before indexing, which maps đ/Đ to d).
	Symbol, Summary, Sender string
	// Attachments lists the upload ids whose extracted text belongs to
	// the document; state-secret documents have none.
	Attachments []string
	Resource    access.Resource
}

// Text joins the searchable fields.
func (d IndexDoc) Text() string {
	return strings.Join([]string{d.Symbol, d.Summary, d.Sender}, "\n")
}

func indexDocOf(d *Document) IndexDoc {
	ids := make([]string, 0, len(d.Attachments))
	for _, a := range d.Attachments {
		ids = append(ids, a.UploadID)
	}
	return IndexDoc{ID: d.ID, Direction: d.Direction, Status: d.Status, Type: d.Type, Urgency: d.Urgency, Year: d.Year,
		IssuedOn: d.IssuedOn.String(), Symbol: d.Symbol, Summary: d.Summary, Sender: d.Sender, Attachments: ids, Resource: d.Resource()}
}

func (s *Service) index(ctx context.Context, tx *sql.Tx, d *Document) error {
	if s.opts.Index == nil {
		return nil
	}
	return s.opts.Index(ctx, tx, indexDocOf(d))
}

// IndexDoc returns what the search index needs of document id, without an
// access decision: for (re)building the index, never for answering a
// reader.
func (s *Service) IndexDoc(ctx context.Context, id int64) (IndexDoc, error) {
	d, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return IndexDoc{}, err
	}
	return indexDocOf(d), nil
}

// EachID calls fn with every document id in order, for rebuilding an index.
func (s *Service) EachID(ctx context.Context, fn func(id int64) error) error {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM documents ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}
