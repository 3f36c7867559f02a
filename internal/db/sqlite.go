package db

import (
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers "sqlite"
)

// sqliteDSN builds the modernc DSN. Order matters (as in PocketBase):
// busy_timeout first so every later pragma already waits instead of failing,
// then WAL, synchronous, foreign keys. The writer takes IMMEDIATE transactions
// so a read-then-write never fails half-way with SQLITE_BUSY_SNAPSHOT when
// another process (a CLI import next to `serve`) writes too.
//
// synchronous=FULL is the default: in WAL mode it fsyncs the log on every
// commit, so an acknowledged change survives power loss (nothing
// acknowledged may be lost). NORMAL survives process crashes only.
func sqliteDSN(path, sync string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "cache_size(-16000)")
	if readOnly {
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Set("_txlock", "immediate")
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", checkpointPages))
	}
	return "file:" + path + "?" + q.Encode()
}
