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
	// putMany indexes each entry's folded title and body and its scope
	// tokens (scopeTokens), which only a prefilter matches.
	putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][3]string) error
	drop(ctx context.Context, tx *sql.Tx, id int64) error
	// matches returns a query of the entries (id, score) matching every
	// term and holding a token of every group of pf, with score higher for
	// better matches, and its arguments ($1, $2). terms may be empty when
	// pf is not: every entry pf lets through, with score 0.
	matches(terms []term, pf prefilter) (string, []any)
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

func (sqliteEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][3]string) error {
	return insertMany(ctx, tx, "INSERT INTO search_fts (rowid, title, body, scope) VALUES ", "($%d, $%d, $%d, $%d)", ids, texts)
}

// insertMany inserts (id, title, body, scope) rows in one statement; row
// is the values of one row with four placeholders.
func insertMany(ctx context.Context, tx *sql.Tx, head, row string, ids []int64, texts [][3]string) error {
	vals := make([]string, len(ids))
	args := make([]any, 0, 4*len(ids))
	for i, id := range ids {
		vals[i] = fmt.Sprintf(row, 4*i+1, 4*i+2, 4*i+3, 4*i+4)
		args = append(args, id, texts[i][0], texts[i][1], texts[i][2])
	}
	_, err := tx.ExecContext(ctx, head+strings.Join(vals, ", "), args...)
	return err
}

func (sqliteEngine) drop(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE rowid = $1", id)
	return err
}

// matches quotes every word as an FTS5 string ("…", a quote doubled), so
// nothing is an operator; a phrase is one string of several words. The
// words are looked for in the title and body only ({title body}: a word
// typed never meets a scope token), the prefilter in the scope column only;
// FTS5 intersects the two inside the index, so a reader who may see a few
// thousand documents of a million has only those ranked.
func (sqliteEngine) matches(terms []term, pf prefilter) (string, []any) {
	var expr []string
	if len(terms) > 0 {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = ftsString(strings.Join(t, " "))
		}
		expr = append(expr, "{title body} : ("+strings.Join(parts, " AND ")+")")
	}
	for _, g := range pf {
		alt := make([]string, len(g))
		for i, tok := range g {
			alt[i] = ftsString(tok)
		}
		expr = append(expr, "scope : ("+strings.Join(alt, " OR ")+")")
	}
	score := "-bm25(search_fts, 10.0, 1.0, 0.0)"
	if len(terms) == 0 {
		score = "0.0"
	}
	return `SELECT rowid AS id, ` + score + ` AS score FROM search_fts WHERE search_fts MATCH $1`,
		[]any{strings.Join(expr, " AND ")}
}

func ftsString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// postgresEngine: a 'simple' tsvector (no stemming, no stop words) of the
// title (weight A) and body (weight B), ranked by ts_rank.
type postgresEngine struct{}

// putMany adds the scope tokens as lexemes of their own, each prefixed
// with '#' (pgScope): a folded word never holds a '#', so no word typed
// meets one. They are made with array_to_tsvector, which takes lexemes as
// they are, not through the parser (which would split "#a7").
func (postgresEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts [][3]string) error {
	pg := make([][3]string, len(texts))
	for i, t := range texts {
		pg[i] = [3]string{t[0], t[1], pgScope(t[2])}
	}
	return insertMany(ctx, tx, "INSERT INTO search_fts (entry_id, tsv) VALUES ",
		"($%d, setweight(to_tsvector('simple', $%d), 'A') || setweight(to_tsvector('simple', $%d), 'B') || array_to_tsvector(string_to_array($%d, ' ')))", ids, pg)
}

// pgScope prefixes each space-separated scope token with '#'.
func pgScope(tokens string) string {
	f := strings.Fields(tokens)
	for i := range f {
		f[i] = "#" + f[i]
	}
	return strings.Join(f, " ")
}

func (postgresEngine) drop(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, "DELETE FROM search_fts WHERE entry_id = $1", id)
	return err
}

// matches writes each word as a quoted tsquery lexeme ('…', a quote
// doubled). A phrase must lie within the title or within the body, as in
// FTS5, so it is asked once per weight: the tsvector of the two joined
// would let it run across them.
//
// The prefilter's groups are ANDed to the words in one tsquery, cast (not
// parsed) so '#a7' stays one lexeme, and GIN intersects the posting lists:
// the rare scope lexemes skip through the long lists of common words. The
// rank is of the words alone.
func (postgresEngine) matches(terms []term, pf prefilter) (string, []any) {
	var scope []string
	for _, g := range pf {
		alt := make([]string, len(g))
		for i, tok := range g {
			alt[i] = lexeme("#"+tok, "")
		}
		scope = append(scope, "("+strings.Join(alt, " | ")+")")
	}
	if len(terms) == 0 {
		return `SELECT f.entry_id AS id, 0.0::float8 AS score FROM search_fts f WHERE f.tsv @@ $1::tsquery`,
			[]any{strings.Join(scope, " & ")}
	}
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
	if len(scope) == 0 {
		return `SELECT f.entry_id AS id, ts_rank(f.tsv, q.q)::float8 AS score FROM search_fts f, to_tsquery('simple', $1) q(q) WHERE f.tsv @@ q.q`,
			[]any{strings.Join(parts, " & ")}
	}
	return `SELECT f.entry_id AS id, ts_rank(f.tsv, q.q)::float8 AS score FROM search_fts f, to_tsquery('simple', $1) q(q) WHERE f.tsv @@ (q.q && $2::tsquery)`,
		[]any{strings.Join(parts, " & "), strings.Join(scope, " & ")}
}

func lexeme(w, weight string) string {
	return "'" + strings.ReplaceAll(w, "'", "''") + "'" + weight
}
