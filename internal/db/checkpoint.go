package db

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointPages is where the writer checkpoints the log itself, a
// safety only: the checkpointer keeps the log far below it.
const checkpointPages = 16000

// checkpointEvery is how often the checkpointer copies the log's new pages
// into the database file.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies committed pages from the write-ahead log into the
// database file on a connection of its own. SQLite's automatic checkpoint
// runs inside the commit that crosses 1,000 pages, on the one writer
// connection: every transaction queued behind that commit waited for the
// copy and its fsync. A PASSIVE checkpoint takes no lock a writer needs,
// so commits go on while it runs.
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func startCheckpointer(conn *sql.DB) *checkpointer {
	c := &checkpointer{conn: conn, stop: make(chan struct{})}
	c.done.Go(c.run)
	return c
}

func (c *checkpointer) run() {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			// Errors are SQLITE_BUSY at worst: the next tick tries again,
			// and the writer's own checkpoint is the backstop.
			var busy, logged, copied int
			c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logged, &copied)
			cancel()
		}
	}
}

func (c *checkpointer) close() error {
	var err error
	c.once.Do(func() {
		close(c.stop)
		c.done.Wait()
		err = c.conn.Close()
	})
	return err
}
