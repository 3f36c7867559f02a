// Package search is the platform's full-text index: documents (and later
// one-stop dossiers) are indexed in the transaction that changes them and
// found by any reader the access policy lets see them, whatever the accents
// typed ("da nang" finds "Đà Nẵng", "DUONG" finds "đường"). Text is folded
// in Go (locale.Fold, đ → d) and the folded words go to FTS5 on SQLite or a
// 'simple' tsvector on PostgreSQL (dialect.go is the one place where they
// differ); highlights are computed in Go on the original text, so results
// read the same on both engines. See docs/search.md.
package search

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the search index's schema.
var Migrations = db.Embedded("search", migrationFiles)

// Limits of one page of results.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Doc is one object as the index keeps it. The access fields are those of
// access.Resource and mean the same.
type Doc struct {
	Kind string // registered with Service.Register: "document", …
	ID   int64

	AgencyID     int64
	OwnerID      int64
	Level        access.Level
	Units        []int64 // readers of a Restricted object
	People       []int64
	PersonalData bool
	Handlers     []int64

	Title string // number, symbol and summary: what a match ranks highest
	Body  string // metadata and extracted text (up to MaxBody bytes indexed)

	Type, Status, Urgency string
	Date                  calendar.Date // filtered by Query.From/To and sorted on
}

// Options configure a Service.
type Options struct {
	// Subtree lists an agency's subtree so a subtree grant covers it (the
	// access.Guard's tree answers the same question one agency at a time).
	// Nil: a grant covers its own agency only.
	Subtree Subtree
	Logger  *slog.Logger
}

// Service indexes and searches.
type Service struct {
	db     *db.DB
	eng    engine
	opts   Options
	mu     sync.RWMutex
	kinds  map[string]access.Action
	logger *slog.Logger
}

// New returns a Service on d, migrated with Migrations.
func New(d *db.DB, opts Options) *Service {
	l := opts.Logger
	if l == nil {
		l = slog.Default()
	}
	return &Service{db: d, eng: engineFor(d.Dialect), opts: opts, kinds: map[string]access.Action{}, logger: l}
}

// Register declares a kind of object and the access action that reads one;
// only registered kinds are indexed and found.
func (s *Service) Register(kind string, read access.Action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds[kind] = read
}

func (s *Service) action(kind string) (access.Action, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.kinds[kind]
	return a, ok
}

// Index puts d in the index, replacing what it held for (d.Kind, d.ID),
// inside the caller's transaction: the index changes with the object.
func (s *Service) Index(ctx context.Context, tx *sql.Tx, d Doc) error {
	return s.IndexMany(ctx, tx, []Doc{d})
}

// IndexMany is Index for many documents at once, in multi-row statements:
// for (re)building an index or loading one in bulk. Documents already in
// the index are replaced.
func (s *Service) IndexMany(ctx context.Context, tx *sql.Tx, docs []Doc) error {
	// Rows per statement: SQLite looks a $N placeholder up in a list of
	// the statement's names, so statements of thousands of arguments
	// spend their time there; 50 rows take most of the gain of batching.
	const batch = 50
	for len(docs) > batch {
		if err := s.IndexMany(ctx, tx, docs[:batch]); err != nil {
			return err
		}
		docs = docs[batch:]
	}
	if len(docs) == 0 {
		return nil
	}
	var vals []string
	var args []any
	type key struct {
		kind string
		id   int64
	}
	at := map[key]int{}
	for i, d := range docs {
		if err := s.check(d); err != nil {
			return err
		}
		if _, dup := at[key{d.Kind, d.ID}]; dup {
			return fmt.Errorf("search: %s %d twice in one batch", d.Kind, d.ID)
		}
		at[key{d.Kind, d.ID}] = i
		n := len(args)
		ph := make([]string, 12)
		for j := range ph {
			ph[j] = "$" + strconv.Itoa(n+j+1)
		}
		vals = append(vals, "("+strings.Join(ph, ", ")+")")
		args = append(args, d.Kind, d.ID, d.AgencyID, d.OwnerID, int(d.Level), d.PersonalData, clip(d.Title, MaxTitle), clip(d.Body, MaxBody),
			d.Type, d.Status, d.Urgency, d.Date.String())
	}
	if err := s.removeMany(ctx, tx, docs); err != nil {
		return err
	}
	extras, err := doneTexts(ctx, tx, docs)
	if err != nil {
		return err
	}
	for i, d := range docs {
		vals[i] = strings.TrimSuffix(vals[i], ")") + ", $" + strconv.Itoa(len(args)+1) + ")"
		args = append(args, clip(extras[i], max(0, MaxBody-len(d.Body)-1)))
	}
	rows, err := tx.QueryContext(ctx, `INSERT INTO search_entries (kind, object_id, agency_id, owner_id, level, personal, title, body, doc_type, status, urgency, on_date, extra)
		VALUES `+strings.Join(vals, ", ")+" RETURNING id, kind, object_id", args...)
	if err != nil {
		return fmt.Errorf("search: index: %w", err)
	}
	entries := make([]int64, len(docs))
	for rows.Next() {
		var k key
		var id int64
		if err := rows.Scan(&id, &k.kind, &k.id); err != nil {
			rows.Close()
			return err
		}
		entries[at[k]] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("search: index: %w", err)
	}
	for i, d := range docs {
		if err := s.putReaders(ctx, tx, entries[i], d); err != nil {
			return err
		}
	}
	texts := make([]ftsRow, len(docs))
	for i, d := range docs {
		texts[i] = ftsRowOf(d, joinBody(d.Body, extras[i]))
	}
	if err := s.eng.putMany(ctx, tx, entries, texts); err != nil {
		return fmt.Errorf("search: index text: %w", err)
	}
	return nil
}

// removeMany takes docs out of the index before they are put back.
func (s *Service) removeMany(ctx context.Context, tx *sql.Tx, docs []Doc) error {
	byKind := map[string][]int64{}
	for _, d := range docs {
		byKind[d.Kind] = append(byKind[d.Kind], d.ID)
	}
	for kind, objects := range byKind {
		rows, err := tx.QueryContext(ctx, "SELECT id FROM search_entries WHERE kind = $1 AND object_id IN ("+ids(objects)+")", kind)
		if err != nil {
			return fmt.Errorf("search: remove: %w", err)
		}
		var found []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found = append(found, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range found {
			if err := s.removeEntry(ctx, tx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) check(d Doc) error {
	if _, ok := s.action(d.Kind); !ok {
		return fmt.Errorf("search: kind %q not registered", d.Kind)
	}
	if d.Level < access.Public || d.Level > access.UltraSecret {
		return apperr.New(apperr.Invalid, "Độ mật không hợp lệ")
	}
	for _, list := range [][]int64{d.Units, d.People, d.Handlers} {
		if slices.ContainsFunc(list, func(id int64) bool { return id <= 0 }) {
			return fmt.Errorf("search: reader id must be positive")
		}
	}
	return nil
}

func (s *Service) putReaders(ctx context.Context, tx *sql.Tx, entry int64, d Doc) error {
	for _, role := range []string{"unit", "person", "handler"} {
		list := slices.Clone(map[string][]int64{"unit": d.Units, "person": d.People, "handler": d.Handlers}[role])
		slices.Sort(list)
		for _, r := range slices.Compact(list) {
			if _, err := tx.ExecContext(ctx, "INSERT INTO search_readers (entry_id, role, reader_id) VALUES ($1, $2, $3)", entry, role, r); err != nil {
				return fmt.Errorf("search: index readers: %w", err)
			}
		}
	}
	return nil
}

// Remove takes (kind, id) out of the index, inside the caller's
// transaction; removing what is not there is not an error.
func (s *Service) Remove(ctx context.Context, tx *sql.Tx, kind string, id int64) error {
	var entry int64
	err := tx.QueryRowContext(ctx, "SELECT id FROM search_entries WHERE kind = $1 AND object_id = $2", kind, id).Scan(&entry)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return fmt.Errorf("search: remove: %w", err)
	}
	return s.removeEntry(ctx, tx, entry)
}

func (s *Service) removeEntry(ctx context.Context, tx *sql.Tx, entry int64) error {
	if err := s.eng.drop(ctx, tx, entry); err != nil {
		return fmt.Errorf("search: remove text: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_readers WHERE entry_id = $1", entry); err != nil {
		return fmt.Errorf("search: remove readers: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM search_entries WHERE id = $1", entry); err != nil {
		return fmt.Errorf("search: remove: %w", err)
	}
	return nil
}

// Filters narrow a search; empty fields do not.
type Filters struct {
	Type, Status, Urgency string
	AgencyID              int64
}

// Query is a search. Text empty lists by date, newest first; otherwise
// results are ranked, best first.
type Query struct {
	Text     string
	Kind     string // "" = every registered kind
	Filters  Filters
	From, To calendar.Date // the period of Doc.Date, inclusive; zero = open
	Limit    int           // 0 = DefaultLimit; at most MaxLimit
	Cursor   string        // Results.Next of the previous page
	// Page is a page number (1, 2, …) for who pages by number, as a
	// person does; 0 is the first page or Cursor's. Results beyond
	// MaxOffset are not paged to: a narrower search finds them.
	Page int
}

// MaxOffset bounds how far page numbers reach into the results.
const MaxOffset = 10_000

// Hit is one result.
type Hit struct {
	Kind     string        `json:"kind"`
	ID       int64         `json:"id"`
	AgencyID int64         `json:"agency_id"`
	Level    access.Level  `json:"-"`
	Type     string        `json:"type,omitempty"`
	Status   string        `json:"status,omitempty"`
	Urgency  string        `json:"urgency,omitempty"`
	Date     calendar.Date `json:"date"`
	Score    float64       `json:"score"`
	// Title is the whole title with its matches marked; Snippet a piece of
	// the body around the first match.
	Title   Fragment `json:"title"`
	Snippet Fragment `json:"snippet"`
}

// Results is one page.
type Results struct {
	Items []Hit `json:"items"`
	// Total counts every result the reader may see, over all pages.
	Total int64 `json:"total"`
	// Next is the cursor of the following page, "" on the last one.
	Next string `json:"next,omitempty"`
}

// Search finds what reader may see. Restricted objects the reader may not
// read are neither listed nor counted.
func (s *Service) Search(ctx context.Context, reader *actor.Actor, q Query) (Results, error) {
	terms, err := parseQuery(q.Text)
	if err != nil {
		return Results{}, err
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return Results{}, apperr.FieldError("limit", "Số kết quả mỗi trang phải từ 1 đến %d", MaxLimit)
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return Results{}, apperr.FieldError("to", "Ngày kết thúc phải sau ngày bắt đầu")
	}
	if len(terms) == 0 && strings.TrimSpace(q.Text) != "" {
		// Only punctuation: nothing can match it, and listing everything
		// would answer a question not asked.
		return Results{Items: []Hit{}}, nil
	}
	ranked := len(terms) > 0
	cur, err := parseCursor(q.Cursor, ranked)
	if err != nil {
		return Results{}, err
	}
	offset := 0
	if q.Page != 0 {
		if q.Page < 0 || (q.Page-1)*limit >= MaxOffset {
			return Results{}, apperr.FieldError("page", "Số trang phải từ 1 đến %d", (MaxOffset-1)/limit+1)
		}
		if cur != nil {
			return Results{}, apperr.FieldError("page", "Chỉ dùng một trong hai: số trang hoặc con trỏ trang")
		}
		offset = (q.Page - 1) * limit
	}
	for _, f := range []string{q.Kind, q.Filters.Type, q.Filters.Status, q.Filters.Urgency} {
		if len(f) > 64 {
			return Results{}, apperr.FieldError("filter", "Giá trị lọc quá dài")
		}
	}

	// Which kinds, and the visible part of each.
	s.mu.RLock()
	kinds := make([]string, 0, len(s.kinds))
	for k := range s.kinds {
		if q.Kind == "" || q.Kind == k {
			kinds = append(kinds, k)
		}
	}
	s.mu.RUnlock()
	slices.Sort(kinds)
	if len(kinds) == 0 {
		return Results{Items: []Hit{}}, nil
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var visible []string
	var scopes []scope
	for _, k := range kinds {
		act, _ := s.action(k)
		sc, err := visibility(ctx, reader, act, s.opts.Subtree)
		if err != nil {
			return Results{}, apperr.Wrap(err, apperr.Unavailable, "Không kiểm tra được phạm vi cơ quan, vui lòng thử lại sau")
		}
		scopes = append(scopes, sc)
	}
	// The prefilter narrows inside the full-text index; with several
	// kinds, only when they all share it (one kind today).
	pf := scopes[0].prefilter()
	parts := scopes[0].partition()
	for _, sc := range scopes[1:] {
		if !slices.EqualFunc(pf, sc.prefilter(), slices.Equal) {
			pf = nil
		}
		if !slices.Equal(parts, sc.partition()) {
			parts = nil
		}
	}
	var named []string
	if parts != nil {
		for _, sc := range scopes {
			named = append(named, sc.namedTokens()...)
		}
		slices.Sort(named)
		named = slices.Compact(named)
	}
	from := "search_entries e"
	score := "0.0"
	if ranked || pf != nil {
		body, a := s.eng.matches(terms, pf, parts, named)
		args = append(args, a...)
		from = "(" + body + ") m JOIN search_entries e ON e.id = m.id"
		score = "m.score"
	}
	for i, k := range kinds {
		visible = append(visible, "(e.kind = "+arg(k)+" AND "+scopes[i].where()+")")
	}
	where := []string{"(" + strings.Join(visible, " OR ") + ")"}
	if f := q.Filters.Type; f != "" {
		where = append(where, "e.doc_type = "+arg(f))
	}
	if f := q.Filters.Status; f != "" {
		where = append(where, "e.status = "+arg(f))
	}
	if f := q.Filters.Urgency; f != "" {
		where = append(where, "e.urgency = "+arg(f))
	}
	if f := q.Filters.AgencyID; f != 0 {
		where = append(where, "e.agency_id = "+arg(f))
	}
	if !q.From.IsZero() {
		where = append(where, "e.on_date >= "+arg(q.From.String()))
	}
	if !q.To.IsZero() {
		where = append(where, "e.on_date <> '' AND e.on_date <= "+arg(q.To.String()))
	}
	// One pass of the engine: the visible matches are gathered once,
	// counted, and the page read from them.
	cte := "WITH v AS MATERIALIZED (SELECT e.id AS id, " + score + " AS score, e.on_date AS on_date FROM " + from +
		" WHERE " + strings.Join(where, " AND ") + ") "
	countSQL := cte + "SELECT count(*) FROM v"
	countArgs := slices.Clone(args)

	order := "v.on_date DESC, v.id DESC"
	page := []string{"TRUE"}
	if ranked {
		order = "v.score DESC, v.id ASC"
		if cur != nil {
			sc := arg(cur.score)
			page = append(page, "(v.score < "+sc+" OR (v.score = "+sc+" AND v.id > "+arg(cur.id)+"))")
		}
	} else if cur != nil {
		d := arg(cur.date)
		page = append(page, "(v.on_date < "+d+" OR (v.on_date = "+d+" AND v.id < "+arg(cur.id)+"))")
	}
	pageSQL := cte + "SELECT e.id, e.kind, e.object_id, e.agency_id, e.owner_id, e.level, e.personal, e.title, e.body, e.extra, e.doc_type, e.status, e.urgency, e.on_date, v.score, (SELECT count(*) FROM v)" +
		" FROM v JOIN search_entries e ON e.id = v.id WHERE " + strings.Join(page, " AND ") + " ORDER BY " + order + " LIMIT " + arg(limit+1) + " OFFSET " + arg(offset)

	var res Results
	type row struct {
		entry, ownerID int64
		personal       bool
		body, extra    string
		hit            Hit
	}
	var rows []row
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, pageSQL, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			var level int
			var title string
			if err := rs.Scan(&r.entry, &r.hit.Kind, &r.hit.ID, &r.hit.AgencyID, &r.ownerID, &level, &r.personal, &title, &r.body, &r.extra,
				&r.hit.Type, &r.hit.Status, &r.hit.Urgency, &r.hit.Date, &r.hit.Score, &res.Total); err != nil {
				return err
			}
			r.hit.Level = access.Level(level)
			r.hit.Title.Text = title
			rows = append(rows, r)
		}
		if err := rs.Err(); err != nil {
			return err
		}
		rs.Close()
		if len(rows) == 0 {
			// Past the last page (or nothing at all): counted on its own.
			if err := tx.QueryRowContext(ctx, countSQL, countArgs...).Scan(&res.Total); err != nil {
				return err
			}
		}
		if len(rows) > limit {
			last := rows[limit-1]
			res.Next = cursor{score: last.hit.Score, date: last.hit.Date.String(), id: last.entry}.encode(ranked)
			rows = rows[:limit]
		}
		// Belt and braces: each row is checked against the policy itself.
		m := matcher{terms: terms}
		res.Items = make([]Hit, 0, len(rows))
		for _, r := range rows {
			res2 := access.Resource{Type: r.hit.Kind, ID: strconv.FormatInt(r.hit.ID, 10), AgencyID: r.hit.AgencyID, OwnerID: r.ownerID,
				Level: r.hit.Level, PersonalData: r.personal}
			loaded := r.hit.Level == access.Restricted || r.hit.Level.StateSecret() || r.personal
			if loaded {
				if err := readers(ctx, tx, r.entry, &res2); err != nil {
					return err
				}
			}
			act, _ := s.action(r.hit.Kind)
			ok := access.Permits(ctx, reader, act, res2)
			if !ok && !loaded {
				// A named reader of another agency (access's named
				// readers) is let through by the names.
				if err := readers(ctx, tx, r.entry, &res2); err != nil {
					return err
				}
				ok = access.Permits(ctx, reader, act, res2)
			}
			if !ok {
				s.logger.ErrorContext(ctx, "search: the index's visibility and access disagree; row dropped", "kind", r.hit.Kind, "id", r.hit.ID)
				res.Total--
				continue
			}
			h := r.hit
			h.Title = m.highlight(h.Title.Text)
			h.Snippet = m.snippet(joinBody(r.body, r.extra))
			res.Items = append(res.Items, h)
		}
		return nil
	})
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

func readers(ctx context.Context, tx *sql.Tx, entry int64, res *access.Resource) error {
	rs, err := tx.QueryContext(ctx, "SELECT role, reader_id FROM search_readers WHERE entry_id = $1", entry)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var role string
		var id int64
		if err := rs.Scan(&role, &id); err != nil {
			return err
		}
		switch role {
		case "unit":
			res.Units = append(res.Units, id)
		case "person":
			res.People = append(res.People, id)
		case "handler":
			res.Handlers = append(res.Handlers, id)
		}
	}
	return rs.Err()
}

// cursor is where the next page starts: after (score, id) when ranked,
// after (date, id) when listed by date.
type cursor struct {
	score float64
	date  string
	id    int64
}

func (c cursor) encode(ranked bool) string {
	var s string
	if ranked {
		s = "s" + strconv.FormatFloat(c.score, 'g', -1, 64)
	} else {
		s = "d" + c.date
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s + "|" + strconv.FormatInt(c.id, 10)))
}

// parseCursor reads a cursor sent back by a client: outside input.
func parseCursor(s string, ranked bool) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.FieldError("cursor", "Con trỏ trang kết quả không hợp lệ: hãy tìm lại từ trang đầu")
	if len(s) > 128 {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(raw) < 3 {
		return nil, bad
	}
	pos, idText, ok := strings.Cut(string(raw[1:]), "|")
	if !ok {
		return nil, bad
	}
	var c cursor
	if c.id, err = strconv.ParseInt(idText, 10, 64); err != nil {
		return nil, bad
	}
	switch {
	case raw[0] == 's' && ranked:
		if c.score, err = strconv.ParseFloat(pos, 64); err != nil || c.score != c.score {
			return nil, bad
		}
	case raw[0] == 'd' && !ranked:
		if pos != "" {
			if _, err := calendar.ParseISO(pos); err != nil {
				return nil, bad
			}
		}
		c.date = pos
	default:
		return nil, bad
	}
	return &c, nil
}
