package db

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
)

// SQLite spends a good part of a short statement's time parsing and planning
// it, and database/sql hands every ExecContext and QueryContext to the driver
// as text, which modernc prepares anew each time (a dossier's submission runs
// about a dozen statements inside the one writer). So each SQLite connection
// keeps its statements prepared, by text, and runs them again with new
// arguments: SQLite resets a statement between runs and re-prepares it by
// itself when the schema changes.

// stmtCacheSize bounds the statements one connection keeps; the least
// recently used goes first (texts that vary, such as IN lists of varying
// length, come and go).
const stmtCacheSize = 256

// maxCachedQuery is the longest text kept: longer ones are multi-row
// inserts whose text changes with the rows.
const maxCachedQuery = 4096

// cachingConnector opens the driver's connections wrapped in cachingConn.
type cachingConnector struct {
	drv driver.Driver
	dsn string
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	cn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(cn)
}

func (c cachingConnector) Driver() driver.Driver { return c.drv }

// openCached opens the named driver's dsn with the statement cache.
func openCached(driverName, dsn string) (*sql.DB, error) {
	probe, err := sql.Open(driverName, "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(cachingConnector{drv: drv, dsn: dsn}), nil
}

// The driver's connection must run statements with contexts.
type fullConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

type cachingConn struct {
	fullConn
	stmts map[string]*list.Element // of *cachedStmt
	lru   *list.List               // front: most recently used
}

type cachedStmt struct {
	query string
	st    driver.Stmt
	busy  bool // its rows are open: a second use of the text prepares anew
}

func newCachingConn(cn driver.Conn) (driver.Conn, error) {
	fc, ok := cn.(fullConn)
	if !ok {
		cn.Close()
		return nil, errors.New("db: the SQLite driver's connection lacks context methods")
	}
	return &cachingConn{fullConn: fc, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

func cacheable(query string) bool {
	return len(query) <= maxCachedQuery && !strings.Contains(query, ";")
}

// stmt returns the prepared statement of query, nil when it cannot be
// used now (not cacheable, or busy with open rows).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if !cacheable(query) {
		return nil, nil
	}
	if e, ok := c.stmts[query]; ok {
		s := e.Value.(*cachedStmt)
		if s.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return s, nil
	}
	st, err := c.fullConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{query: query, st: st}
	c.stmts[query] = c.lru.PushFront(s)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return s, nil
}

func (c *cachingConn) evict(e *list.Element) {
	s := e.Value.(*cachedStmt)
	c.lru.Remove(e)
	delete(c.stmts, s.query)
	if !s.busy {
		s.st.Close()
	}
	// A busy statement is closed with its rows.
	s.query = ""
}

// forget drops a statement after an error, which may have left it unusable.
func (c *cachingConn) forget(s *cachedStmt) {
	if e, ok := c.stmts[s.query]; ok && e.Value.(*cachedStmt) == s {
		c.evict(e)
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.fullConn.ExecContext(ctx, query, args)
	}
	res, err := s.st.(driver.StmtExecContext).ExecContext(ctx, args)
	if err != nil {
		c.forget(s)
	}
	return res, err
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.fullConn.QueryContext(ctx, query, args)
	}
	rows, err := s.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.forget(s)
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

// Close closes the statements, then the connection.
func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		if s := e.Value.(*cachedStmt); !s.busy {
			s.st.Close()
		}
	}
	c.stmts, c.lru = map[string]*list.Element{}, list.New()
	return c.fullConn.Close()
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.fullConn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.fullConn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.fullConn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	if r.s.query == "" { // evicted while its rows were open
		r.s.st.Close()
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
