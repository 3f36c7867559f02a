package search

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// engine is the one place where the two databases differ: how folded text
// enters the full-text index and how terms are matched and ranked. Both
// receive only folded words (letters, digits) joined by spaces, and queries
// built from such words, so neither engine's query syntax can be reached
// from what a person types.
type engine interface {
	putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][2]string) error
	drop(ctx context.Context, tx *sql.Tx, id int64) error
	// matches returns a query of the entries (id, score) matching every
	// term, with score higher for better matches, and its argument ($1).
	matches(terms []term) (string, []any)
}

func engineFor(d db.Dialect) engine {
	if d == db.Postgres {
		return postgresEngine{}
	}
	return sqliteEngine{}
}

// sqliteEngine: FTS5 over the folded words, ranked by bm25 with a title
// worth ten times the body.
type sqliteEngine struct{}

func (sqliteEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][2]string) error {
	return insertMany(ctx, tx, "INSERT INTO search_fts (rowid, title, body) VALUES ", "($%d, $%d, $%d)", ids, texts)
}

// insertMany inserts (id, title, body) rows in one statement; row is the
// values of one row with three placeholders.
func insertMany(ctx context.Context, tx *sql.Tx, head, row string, ids []int64, texts [][2]string) error {
	vals := make([]string, len(ids))
	args := make([]any, 0, 3*len(ids))
	for i, id := range ids {
		vals[i] = fmt.Sprintf(row, 3*i+1, 3*i+2, 3*i+3)
		args = append(args, id, texts[i][0], texts[i][1])
	}
	_, err := tx.ExecContext(ctx, head+strings.Join(vals, ", "), args...)
	return err
}

func (sqliteEngine) drop(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE rowid = $1", id)
	return err
}

// matches quotes every word as an FTS5 string ("…", a quote doubled), so
// nothing is an operator; a phrase is one string of several words.
func (sqliteEngine) matches(terms []term) (string, []any) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(strings.Join(t, " "), `"`, `""`) + `"`
	}
	return `SELECT rowid AS id, -bm25(search_fts, 10.0, 1.0) AS score FROM search_fts WHERE search_fts MATCH $1`,
		[]any{strings.Join(parts, " AND ")}
}

// postgresEngine: a 'simple' tsvector (no stemming, no stop words) of the
// title (weight A) and body (weight B), ranked by ts_rank.
type postgresEngine struct{}

func (postgresEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][2]string) error {
	return insertMany(ctx, tx, "INSERT INTO search_fts (entry_id, tsv) VALUES ",
		"($%d, setweight(to_tsvector('simple', $%d), 'A') || setweight(to_tsvector('simple', $%d), 'B'))", ids, texts)
}

func (postgresEngine) drop(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE entry_id = $1", id)
	return err
}

// matches writes each word as a quoted tsquery lexeme ('…', a quote
// doubled). A phrase must lie within the title or within the body, as in
// FTS5, so it is asked once per weight: the tsvector of the two joined
// would let it run across them.
func (postgresEngine) matches(terms []term) (string, []any) {
	parts := make([]string, len(terms))
	for i, t := range terms {
		if len(t) == 1 {
			parts[i] = lexeme(t[0], "")
			continue
		}
		var a, b []string
		for _, w := range t {
			a, b = append(a, lexeme(w, ":A")), append(b, lexeme(w, ":B"))
		}
		parts[i] = "((" + strings.Join(a, " <-> ") + ") | (" + strings.Join(b, " <-> ") + "))"
	}
	return `SELECT f.entry_id AS id, ts_rank(f.tsv, q.q)::float8 AS score FROM search_fts f, to_tsquery('simple', $1) q(q) WHERE f.tsv @@ q.q`,
		[]any{strings.Join(parts, " & ")}
}

func lexeme(w, weight string) string {
	return "'" + strings.ReplaceAll(w, "'", "''") + "'" + weight
}
