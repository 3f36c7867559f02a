package app

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// Every module keeps two twin migration histories, one per engine. This
// test migrates all of them (Modules()) on a fresh SQLite and a fresh
// PostgreSQL database, reads back what each engine's catalog says the
// schema is, and fails on any difference: a table or column on one side
// only, a column whose type family or nullability differ, another primary
// key, index (unique or not, partial or not) or foreign key. CHECK
// constraints and defaults are not compared: neither catalog gives them in
// a comparable form.
func TestMigrationsGiveTheSameSchemaOnBothEngines(t *testing.T) {
	liteDB := dbtest.Open(t, db.SQLite, Modules()...)
	lite := readSchema(t, liteDB)
	pg := readSchema(t, dbtest.Open(t, db.Postgres, Modules()...))
	// A full-text index is each engine's own: on SQLite an FTS5 virtual
	// table, whose index lives in shadow tables FTS5 creates (readSQLiteSchema
	// lists neither), on PostgreSQL a table of the same name holding a
	// tsvector under a GIN index. They are not compared; the search
	// module's tests run the same queries on both engines.
	virtual, err := queryStrings(context.Background(), liteDB.Writer(), `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'virtual'`)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range virtual {
		delete(pg, name)
	}
	if len(lite) == 0 {
		t.Fatal("no table read from SQLite")
	}
	if diff := schemaDiff(lite, pg); len(diff) > 0 {
		t.Fatalf("the SQLite and PostgreSQL migrations give different schemas (SQLite ≠ PostgreSQL):\n%s", strings.Join(diff, "\n"))
	}
}

// tableSchema is one table as both engines can describe it.
type tableSchema struct {
	Columns map[string]string // name → "family null|not null"
	Primary string            // primary key columns, in key order
	Indexes []string          // "unique (a,b) where …", sorted
	Foreign []string          // "(a) → t (b) on delete …", sorted
}

// schemaDiff lists the differences between two schemas, one per line.
func schemaDiff(lite, pg map[string]*tableSchema) []string {
	var out []string
	for _, name := range unionKeys(lite, pg) {
		l, p := lite[name], pg[name]
		switch {
		case l == nil:
			out = append(out, "table "+name+": only on PostgreSQL")
			continue
		case p == nil:
			out = append(out, "table "+name+": only on SQLite")
			continue
		}
		for _, col := range unionKeys(l.Columns, p.Columns) {
			lc, lok := l.Columns[col]
			pc, pok := p.Columns[col]
			switch {
			case !pok:
				out = append(out, fmt.Sprintf("%s.%s: only on SQLite (%s)", name, col, lc))
			case !lok:
				out = append(out, fmt.Sprintf("%s.%s: only on PostgreSQL (%s)", name, col, pc))
			case !sameColumn(lc, pc):
				out = append(out, fmt.Sprintf("%s.%s: %s ≠ %s", name, col, lc, pc))
			}
		}
		if l.Primary != p.Primary {
			out = append(out, fmt.Sprintf("%s: primary key (%s) ≠ (%s)", name, l.Primary, p.Primary))
		}
		for _, d := range listDiff(l.Indexes, p.Indexes) {
			out = append(out, name+": index "+d)
		}
		for _, d := range listDiff(l.Foreign, p.Foreign) {
			out = append(out, name+": foreign key "+d)
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// listDiff names the items of two sorted lists found on one side only.
func listDiff(lite, pg []string) []string {
	var out []string
	for _, s := range lite {
		if !slices.Contains(pg, s) {
			out = append(out, s+": only on SQLite")
		}
	}
	for _, s := range pg {
		if !slices.Contains(lite, s) {
			out = append(out, s+": only on PostgreSQL")
		}
	}
	return out
}

// typeFamily folds a declared type into what the code may store in it.
// SQLite decides a column's affinity from its declared type
// (sqlite.org/datatype3.html §3.1), but the width is the migration's
// promise: INTEGER is 32-bit on PostgreSQL, so a BIGINT on one side must be
// BIGINT on the other. Booleans are INTEGER 0/1 on SQLite and BOOLEAN on
// PostgreSQL, which both drivers read into a Go bool.
func typeFamily(declared string) string {
	t := strings.ToLower(declared)
	switch {
	case t == "bigint", t == "int8":
		return "bigint"
	case strings.Contains(t, "int"), t == "boolean":
		return "integer"
	case strings.Contains(t, "char"), strings.Contains(t, "clob"), strings.Contains(t, "text"):
		return "text"
	case strings.Contains(t, "blob"), t == "bytea", t == "":
		return "blob"
	case strings.Contains(t, "real"), strings.Contains(t, "floa"), strings.Contains(t, "doub"):
		return "real"
	}
	return "numeric (" + t + ")"
}

// rowid is the family of a SQLite INTEGER PRIMARY KEY: the table's 64-bit
// rowid (sqlite.org/lang_createtable.html#rowid), the twin of a PostgreSQL
// BIGINT identity, or of an INTEGER key of a one-row table.
const rowid = "rowid"

// sameColumn compares a SQLite and a PostgreSQL column description.
func sameColumn(lite, pg string) bool {
	if rest, ok := strings.CutPrefix(lite, rowid+" "); ok {
		return pg == "integer "+rest || pg == "bigint "+rest
	}
	return lite == pg
}

// normPredicate makes a partial index's WHERE clause comparable: PostgreSQL
// gives it back reformatted (parentheses, casts, its own spacing).
func normPredicate(s string) string {
	s = strings.ToLower(s)
	s = regexp.MustCompile(`::[a-z ]+`).ReplaceAllString(s, "")
	s = strings.NewReplacer("(", "", ")", "", `"`, "").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

func indexKey(unique bool, columns, predicate string) string {
	k := "(" + columns + ")"
	if unique {
		k = "unique " + k
	}
	if predicate != "" {
		k += " where " + normPredicate(predicate)
	}
	return k
}

func foreignKey(columns, table, refColumns, onDelete string) string {
	onDelete = strings.ToLower(onDelete)
	if onDelete == "" || onDelete == "restrict" {
		// RESTRICT and NO ACTION differ only for deferred checks, which
		// no migration uses.
		onDelete = "no action"
	}
	return fmt.Sprintf("(%s) → %s (%s) on delete %s", columns, table, refColumns, onDelete)
}

// isVersionTable tells goose's per-module version tables (schema_<module>),
// which goose creates with each engine's own DDL, from the modules' tables.
func isVersionTable(name string) bool { return strings.HasPrefix(name, "schema_") }

func readSchema(t *testing.T, d *db.DB) map[string]*tableSchema {
	t.Helper()
	ctx := context.Background()
	var (
		s   map[string]*tableSchema
		err error
	)
	if d.Dialect == db.Postgres {
		s, err = readPostgresSchema(ctx, d.Writer())
	} else {
		s, err = readSQLiteSchema(ctx, d.Writer())
	}
	if err != nil {
		t.Fatalf("read the %s schema: %v", d.Dialect, err)
	}
	return s
}

func readSQLiteSchema(ctx context.Context, q *sql.DB) (map[string]*tableSchema, error) {
	// Ordinary tables only: virtual tables and their shadow tables have no
	// PostgreSQL twin (see TestMigrationsGiveTheSameSchemaOnBothEngines).
	names, err := queryStrings(ctx, q, `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return nil, err
	}
	out := map[string]*tableSchema{}
	for _, name := range names {
		if isVersionTable(name) {
			continue
		}
		ts := &tableSchema{Columns: map[string]string{}}
		out[name] = ts
		rows, err := q.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, name)
		if err != nil {
			return nil, err
		}
		var pk []string
		var rowidColumn string
		for rows.Next() {
			var col, typ string
			var notNull bool
			var pkPos int
			if err := rows.Scan(&col, &typ, &notNull, &pkPos); err != nil {
				rows.Close()
				return nil, err
			}
			// A primary key column is NOT NULL on PostgreSQL always; on
			// SQLite an INTEGER PRIMARY KEY is the rowid (never NULL), and
			// the platform never writes a NULL into another key column
			// (SQLite accepts one there only for backward compatibility,
			// sqlite.org/lang_createtable.html#the_primary_key).
			if pkPos > 0 {
				notNull = true
				pk = append(pk, fmt.Sprintf("%03d%s", pkPos, col))
				if strings.EqualFold(typ, "integer") {
					rowidColumn = col
				}
			}
			ts.Columns[col] = nullity(typeFamily(typ), notNull)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		// The key is the rowid itself when SQLite keeps no index for it
		// (a WITHOUT ROWID table or another key type has one).
		var keyIsRowid bool
		if err := q.QueryRowContext(ctx, `SELECT count(*) = 0 FROM pragma_index_list(?) WHERE origin = 'pk'`, name).Scan(&keyIsRowid); err != nil {
			return nil, err
		}
		if len(pk) == 1 && rowidColumn != "" && keyIsRowid {
			ts.Columns[rowidColumn] = nullity(rowid, true)
		}
		slices.Sort(pk)
		for i := range pk {
			pk[i] = pk[i][3:]
		}
		ts.Primary = strings.Join(pk, ",")

		rows, err = q.QueryContext(ctx, `SELECT l.name, l."unique", l.origin, coalesce(m.sql, '') FROM pragma_index_list(?) l
			LEFT JOIN sqlite_schema m ON m.type = 'index' AND m.name = l.name`, name)
		if err != nil {
			return nil, err
		}
		type index struct {
			name, origin, sql string
			unique            bool
		}
		var idx []index
		for rows.Next() {
			var i index
			if err := rows.Scan(&i.name, &i.unique, &i.origin, &i.sql); err != nil {
				rows.Close()
				return nil, err
			}
			idx = append(idx, i)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, i := range idx {
			if i.origin == "pk" {
				continue
			}
			cols, err := queryStrings(ctx, q, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, i.name)
			if err != nil {
				return nil, err
			}
			var pred string
			if _, where, ok := strings.Cut(strings.ToUpper(i.sql), " WHERE "); ok {
				pred = i.sql[len(i.sql)-len(where):]
			}
			ts.Indexes = append(ts.Indexes, indexKey(i.unique, strings.Join(cols, ","), pred))
		}
		slices.Sort(ts.Indexes)

		rows, err = q.QueryContext(ctx, `SELECT id, "table", "from", coalesce("to", ''), on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, name)
		if err != nil {
			return nil, err
		}
		type fk struct {
			table, onDelete string
			from, to        []string
		}
		fks := map[int]*fk{}
		var order []int
		for rows.Next() {
			var id int
			var table, from, to, onDelete string
			if err := rows.Scan(&id, &table, &from, &to, &onDelete); err != nil {
				rows.Close()
				return nil, err
			}
			f := fks[id]
			if f == nil {
				f = &fk{table: table, onDelete: onDelete}
				fks[id] = f
				order = append(order, id)
			}
			f.from, f.to = append(f.from, from), append(f.to, to)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, id := range order {
			f := fks[id]
			to := strings.Join(f.to, ",")
			if strings.Trim(to, ",") == "" {
				// REFERENCES t without columns: t's primary key.
				pk, err := queryStrings(ctx, q, `SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`, f.table)
				if err != nil {
					return nil, err
				}
				to = strings.Join(pk, ",")
			}
			ts.Foreign = append(ts.Foreign, foreignKey(strings.Join(f.from, ","), f.table, to, f.onDelete))
		}
		slices.Sort(ts.Foreign)
	}
	return out, nil
}

func readPostgresSchema(ctx context.Context, q *sql.DB) (map[string]*tableSchema, error) {
	out := map[string]*tableSchema{}
	rows, err := q.QueryContext(ctx, `SELECT c.relname, a.attname, format_type(a.atttypid, NULL), a.attnotnull
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, col, typ string
		var notNull bool
		if err := rows.Scan(&table, &col, &typ, &notNull); err != nil {
			rows.Close()
			return nil, err
		}
		if isVersionTable(table) {
			continue
		}
		ts := out[table]
		if ts == nil {
			ts = &tableSchema{Columns: map[string]string{}}
			out[table] = ts
		}
		ts.Columns[col] = nullity(typeFamily(typ), notNull)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Every index, with its key columns in order and its predicate; the
	// primary key's index gives the primary key.
	rows, err = q.QueryContext(ctx, `SELECT t.relname, x.indisprimary, x.indisunique, coalesce(pg_get_expr(x.indpred, x.indrelid), ''),
			(SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ',' ORDER BY k) FROM generate_series(1, x.indnkeyatts) k)
		FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, pred, cols string
		var primary, unique bool
		if err := rows.Scan(&table, &primary, &unique, &pred, &cols); err != nil {
			rows.Close()
			return nil, err
		}
		ts := out[table]
		if ts == nil {
			continue // a version table
		}
		cols = strings.ReplaceAll(cols, `"`, "")
		if primary {
			ts.Primary = cols
			continue
		}
		ts.Indexes = append(ts.Indexes, indexKey(unique, cols, pred))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q.QueryContext(ctx, `SELECT c.relname, r.relname, con.confdeltype,
			(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n),
			(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
				JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n)
		FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
			JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND con.contype = 'f'`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, ref, action, cols, refCols string
		if err := rows.Scan(&table, &ref, &action, &cols, &refCols); err != nil {
			rows.Close()
			return nil, err
		}
		ts := out[table]
		if ts == nil {
			continue
		}
		onDelete := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[action]
		ts.Foreign = append(ts.Foreign, foreignKey(cols, ref, refCols, onDelete))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ts := range out {
		slices.Sort(ts.Indexes)
		slices.Sort(ts.Foreign)
	}
	return out, nil
}

func nullity(family string, notNull bool) string {
	if notNull {
		return family + " not null"
	}
	return family + " null"
}

func queryStrings(ctx context.Context, q *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
