package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
	"k8s.io/klog/v2"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditbench"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

func init() {
	suites = append(suites, suite{name: "audit", run: benchAudit})
}

// Workers of the append measurements: concurrent requests, as a server
// under load has them (each waits for its own durable commit).
const auditWorkers = 32

// peerWorkers are Tessera's concurrent adders: it acknowledges an entry when
// a checkpoint including it is published (batches of up to 256, checkpoint
// every 100 ms), so it needs many requests in flight to fill its batches
// (its own load tests use thousands).
const peerWorkers = 512

// benchAudit measures the audit log (internal/audit/auditbench, the same
// code paths as real requests):
//
//   - durable appends/s: each request is one db.Tx writing one small domain
//     row and its audit.Record entry, auditWorkers at once, the integrator
//     running alongside, SQLite with the default FULL sync (and PostgreSQL
//     when CHINHQUYEN_BENCH_POSTGRES names a server); the limit of the same
//     run is the same transactions without the audit entry;
//   - the peer: Tessera's POSIX log (transparency-dev/tessera, the
//     reference tile-based transparency log) appending the same entry bytes
//     on the same disk, each add acknowledged once a published checkpoint
//     includes it (as its examples wait), with peerWorkers adders;
//   - `audit verify` of 1 M entries (20,000 with -short): audit.Verify
//     recomputing every leaf hash, the tree and the checkpoints; the limit
//     of the same run is one sequential scan of the columns Verify hashes
//     (SELECT … ORDER BY leaf_index, values read, nothing hashed): the cost
//     of reading the log, which no verifier of a stored log avoids.
func benchAudit(o *opts) ([]row, error) {
	ctx := context.Background()
	var rows []row
	sqliteApp, sqlitePlain, err := auditAppends(ctx, o, db.Config{SQLiteSync: "FULL"})
	if err != nil {
		return nil, fmt.Errorf("sqlite appends: %w", err)
	}
	rows = append(rows,
		row{Name: fmt.Sprintf("durable audit appends: db.Tx (domain row + audit.Record), %d workers, SQLite FULL", auditWorkers),
			Value: sqliteApp, Unit: "appends/s", Limit: "same transactions without the audit entry", LimitV: sqlitePlain, Goal: "≥ 5,000/s"})
	if server := os.Getenv("CHINHQUYEN_BENCH_POSTGRES"); server != "" {
		u, drop, err := benchPostgresDB(ctx, server)
		if err != nil {
			return nil, err
		}
		pgApp, pgPlain, err := auditAppends(ctx, o, db.Config{URL: u})
		drop()
		if err != nil {
			return nil, fmt.Errorf("postgres appends: %w", err)
		}
		rows = append(rows, row{Name: fmt.Sprintf("durable audit appends: db.Tx (domain row + audit.Record), %d workers, PostgreSQL", auditWorkers),
			Value: pgApp, Unit: "appends/s", Limit: "same transactions without the audit entry", LimitV: pgPlain, Goal: "≥ 5,000/s"})
	}
	peer, err := tesseraAppends(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("tessera: %w", err)
	}
	rows = append(rows, row{Name: "durable audit appends (SQLite FULL, above) vs the PEER",
		Value: sqliteApp, Unit: "appends/s", Limit: fmt.Sprintf("PEER: Tessera v1.0.4 POSIX log, same entry bytes, same disk, acknowledged at publication, %d adders", peerWorkers),
		LimitV: peer, Goal: "ahead of the peer (> 1)"})

	n := 1_000_000
	if o.short {
		n = 20_000
	}
	took, scan, err := auditVerify(ctx, o, n)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	rows = append(rows, row{Name: fmt.Sprintf("audit verify of %s entries (leaf hashes, tree, checkpoints), SQLite", group(strconv.Itoa(n))),
		Value: took.Seconds(), Unit: "s", Limit: "one sequential scan of the hashed columns", LimitV: scan.Seconds(),
		Goal: "≤ 5 s for 1 M", Lower: true})
	return rows, nil
}

// auditAppends returns durable appends/s and the plain limit on a fresh
// database of cfg's engine.
func auditAppends(ctx context.Context, o *opts, cfg db.Config) (appends, plain float64, err error) {
	d, dir, done, err := freshDB(ctx, o, cfg, "audit", audit.Migrations)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	if err := auditbench.Setup(ctx, d); err != nil {
		return 0, 0, err
	}
	l, err := audit.New(d, audit.Options{DataDir: dir, Logger: o.log})
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	p, err := auditbench.Plain(ctx, d, auditWorkers, o.duration)
	if err != nil {
		return 0, 0, err
	}
	a, err := auditbench.Appends(ctx, d, l, auditWorkers, o.duration)
	if err != nil {
		return 0, 0, err
	}
	return a.PerSecond(), p.PerSecond(), nil
}

// benchPostgresDB creates a fresh database on the server and returns its
// URL and a function dropping it.
func benchPostgresDB(ctx context.Context, server string) (string, func(), error) {
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "cqbench_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("CHINHQUYEN_BENCH_POSTGRES: create database: %w", err)
	}
	u, err := url.Parse(server)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return strings.TrimSuffix(u.String(), "?"), func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}, nil
}

// peerEntry is an entry of the size and shape of our canonical entry bytes
// for the bench's request (one line of JSON, about 330 bytes).
func peerEntry(i int64) []byte {
	after := sha256.Sum256([]byte(strconv.FormatInt(i, 10)))
	return []byte(`{"v":1,"at":` + strconv.FormatInt(clock.Now().UnixMicro(), 10) +
		`,"actor":{"kind":"official","account":7,"agency":42,"ip":"10.1.2.3","session":"bench-7"},"action":"bench.dossier.create","object":{"type":"dossier","id":"` +
		strconv.FormatInt(i, 10) + `"},"before":null,"after":"` + hex.EncodeToString(after[:]) + `","summary":"","outcome":"ok","reason":""}`)
}

// tesseraAppends measures Tessera's POSIX log: peerWorkers adders, each add
// awaited until a published checkpoint includes it.
func tesseraAppends(ctx context.Context, o *opts) (float64, error) {
	dir, err := os.MkdirTemp("", "cqbench-tessera-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	skey, _, err := note.GenerateKey(rand.Reader, "bench.chinhquyen/tessera")
	if err != nil {
		return 0, err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return 0, err
	}
	// Tessera logs through klog and slog; keep the table clean.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(prev)
	driver, err := posix.New(ctx, posix.Config{Path: dir})
	if err != nil {
		return 0, err
	}
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := tessera.NewAppendOptions().WithCheckpointSigner(signer).
		WithBatching(256, 50*time.Millisecond).WithCheckpointInterval(100 * time.Millisecond)
	appender, shutdown, reader, err := tessera.NewAppender(tctx, driver, opts)
	if err != nil {
		return 0, err
	}
	defer shutdown(ctx)
	await := tessera.NewPublicationAwaiter(tctx, reader.ReadCheckpoint, 20*time.Millisecond)
	var next atomic.Int64
	add := func() error {
		_, _, err := await.Await(tctx, appender.Add(tctx, tessera.NewEntry(peerEntry(next.Add(1)))))
		return err
	}
	// Warm up: the first checkpoint.
	if err := add(); err != nil {
		return 0, err
	}
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := clock.Now()
	deadline := start.Add(o.duration)
	for range peerWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clock.Now().Before(deadline) {
				if err := add(); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// auditVerify fills a SQLite log with n entries and returns Verify's time
// and the time of one sequential scan of the hashed columns.
func auditVerify(ctx context.Context, o *opts, n int) (verify, scan time.Duration, err error) {
	d, dir, done, err := freshDB(ctx, o, db.Config{SQLiteSync: "NORMAL"}, "verify", audit.Migrations)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	if err := auditbench.Setup(ctx, d); err != nil {
		return 0, 0, err
	}
	l, err := audit.New(d, audit.Options{DataDir: dir, Logger: o.log, BatchSize: 20000})
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	if err := auditbench.Fill(ctx, d, l, n); err != nil {
		return 0, 0, err
	}
	// The limit first, so both run on a warm page cache.
	start := clock.Now()
	rows, err := d.Reader().QueryContext(ctx, `SELECT id, leaf_index, leaf_hash, at, actor_kind, actor_account, actor_agency, actor_ip, actor_session,
 action, object_type, object_id, before_digest, after_digest, summary, outcome, reason FROM audit_entries WHERE leaf_index >= 0 ORDER BY leaf_index`)
	if err != nil {
		return 0, 0, err
	}
	var seen int
	var id, idx, at, account, agency int64
	var hash, kind, ip, session, action, otype, oid, before, after, summary, outcome, reason sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &idx, &hash, &at, &kind, &account, &agency, &ip, &session, &action, &otype, &oid, &before, &after, &summary, &outcome, &reason); err != nil {
			rows.Close()
			return 0, 0, err
		}
		seen++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	scan = time.Since(start)
	if seen != n {
		return 0, 0, fmt.Errorf("scan saw %d entries of %d", seen, n)
	}
	took, rep, err := auditbench.VerifyTime(ctx, d, audit.VerifyOptions{DataDir: dir})
	if err != nil {
		return 0, 0, err
	}
	if rep.TreeSize != uint64(n) {
		return 0, 0, fmt.Errorf("verify checked %d entries of %d", rep.TreeSize, n)
	}
	return took, scan, nil
}
