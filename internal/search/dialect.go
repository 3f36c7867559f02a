package search

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/db"
)

// engine is the one place where the two databases differ: how folded text
// enters the full-text index and how terms are matched and ranked. Both
// receive only folded words (letters, digits) joined by spaces, and queries
// built from such words, so neither engine's query syntax can be reached
// from what a person types.
type engine interface {
	// putMany indexes each entry's folded title and body, its scope
	// tokens (scopeTokens), which only a prefilter matches, and (SQLite)
	// the title and body words prefixed with each of the entry's
	// partitions (partitionPrefixes).
	putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts []ftsRow) error
	drop(ctx context.Context, tx *sql.Tx, id int64) error
	// matches returns a query of the entries (id, score) matching every
	// term and holding a token of every group of pf, with score higher for
	// better matches, and its arguments ($1, $2). terms may be empty when
	// pf is not: every entry pf lets through, with score 0. agencies,
	// when not nil, are the agencies whose entries the reader may see
	// (few), besides the entries holding one of the named scope tokens
	// (the reader or their unit named on an object of another agency): an
	// engine may look the words up in those agencies' and those names'
	// partitions alone.
	matches(terms []term, pf prefilter, agencies []int64, named []string) (string, []any)
}

// ftsRow is what the full-text index holds of one entry: the folded title
// and body, the scope tokens, and the title and body words prefixed with
// each of the entry's partitions.
type ftsRow struct {
	title, body, scope, gtitle, gbody string
}

func ftsRowOf(d Doc, body string) ftsRow {
	r := ftsRow{title: foldedText(d.Title, MaxTitle), body: foldedText(body, MaxBody), scope: scopeTokens(d)}
	prefixes := partitionPrefixes(d)
	r.gtitle, r.gbody = prefixedWords(prefixes, r.title), prefixedWords(prefixes, r.body)
	return r
}

// A partition is a short list of entries a reader's words may be looked
// up in instead of the whole index: an agency's entries ("g7"), or the
// entries naming one official ("p42") or one unit ("u9") as a reader.
// Each entry keeps its title and body words a second time under the
// prefix of every partition it belongs to: "g7xsua" (the prefix, "x",
// the word), so a reader who may see a few agencies' entries and those
// naming them has the engine walk those partitions' short lists of each
// word instead of the whole index's (FTS5 steps through a term's list to
// meet the other terms: a scope token ANDed with the words left it
// reading every entry holding each word).
func partitionPrefixes(d Doc) []string {
	p := []string{"g" + strconv.FormatInt(d.AgencyID, 10)}
	for _, l := range []struct {
		p   string
		ids []int64
	}{{"p", d.People}, {"u", d.Units}} {
		for _, id := range l.ids {
			p = append(p, l.p+strconv.FormatInt(id, 10))
		}
	}
	slices.Sort(p[1:])
	return slices.Compact(p)
}

// partitionWord is w as the index keeps it in the partition prefix.
func partitionWord(prefix, w string) string { return prefix + "x" + w }

func prefixedWords(prefixes []string, folded string) string {
	if folded == "" {
		return ""
	}
	ws := strings.Split(folded, " ")
	out := make([]string, 0, len(ws)*len(prefixes))
	for _, p := range prefixes {
		for _, w := range ws {
			out = append(out, partitionWord(p, w))
		}
	}
	return strings.Join(out, " ")
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

func (sqliteEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts []ftsRow) error {
	rows := make([][]any, len(ids))
	for i, t := range texts {
		rows[i] = []any{ids[i], t.title, t.body, t.scope, t.gtitle, t.gbody}
	}
	return insertMany(ctx, tx, "INSERT INTO search_fts (rowid, title, body, scope, gtitle, gbody) VALUES ", "($%d, $%d, $%d, $%d, $%d, $%d)", rows)
}

// insertMany inserts rows in one statement; row is the values of one row
// with a placeholder per value.
func insertMany(ctx context.Context, tx *sql.Tx, head, row string, rows [][]any) error {
	vals := make([]string, len(rows))
	var args []any
	for i, r := range rows {
		n := make([]any, len(r))
		for j := range r {
			n[j] = len(args) + j + 1
		}
		vals[i] = fmt.Sprintf(row, n...)
		args = append(args, r...)
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
func (sqliteEngine) matches(terms []term, pf prefilter, agencies []int64, named []string) (string, []any) {
	var expr []string
	if len(terms) > 0 && len(agencies) > 0 {
		// Each word (or phrase) in any of the reader's partitions: their
		// agencies and the entries naming them (named scope tokens are the
		// partition prefixes "p…", "u…"). The prefixed words exist only in
		// gtitle and gbody, and no word typed becomes one unprefixed.
		prefixes := make([]string, 0, len(agencies)+len(named))
		for _, g := range agencies {
			prefixes = append(prefixes, "g"+strconv.FormatInt(g, 10))
		}
		prefixes = append(prefixes, named...)
		parts := make([]string, len(terms))
		for i, t := range terms {
			alt := make([]string, len(prefixes))
			for j, p := range prefixes {
				ws := make([]string, len(t))
				for k, w := range t {
					ws[k] = partitionWord(p, w)
				}
				alt[j] = ftsString(strings.Join(ws, " "))
			}
			parts[i] = "(" + strings.Join(alt, " OR ") + ")"
		}
		return `SELECT rowid AS id, -bm25(search_fts, 10.0, 1.0, 0.0, 10.0, 1.0) AS score FROM search_fts WHERE search_fts MATCH $1`,
			[]any{strings.Join(parts, " AND ")}
	}
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
	score := "-bm25(search_fts, 10.0, 1.0, 0.0, 0.0, 0.0)"
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
//
// GIN already intersects posting lists by seeking, so PostgreSQL keeps no
// agency-prefixed words (ftsRow.gtitle, gbody).
func (postgresEngine) putMany(ctx context.Context, tx *sql.Tx, ids []int64, texts []ftsRow) error {
	rows := make([][]any, len(ids))
	for i, t := range texts {
		rows[i] = []any{ids[i], t.title, t.body, pgScope(t.scope)}
	}
	return insertMany(ctx, tx, "INSERT INTO search_fts (entry_id, tsv) VALUES ",
		"($%d, setweight(to_tsvector('simple', $%d), 'A') || setweight(to_tsvector('simple', $%d), 'B') || array_to_tsvector(string_to_array($%d, ' ')))", rows)
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
func (postgresEngine) matches(terms []term, pf prefilter, _ []int64, _ []string) (string, []any) {
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
