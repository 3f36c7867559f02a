package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

func init() {
	suites = append(suites, suite{name: "documents", run: benchDocuments})
}

// registrationClerks are the clerks registering at the same moment (a
// province's agencies at the start of a working day).
const registrationClerks = 32

// benchDocuments measures incoming registration (documents.RegisterIncoming:
// validation, the register's next number, the document, the register entry,
// the search index and the audit entry, one db.Tx) against the limit of the
// same run: the same document rows inserted in their own db.Tx, without
// numbering, index or audit. SQLite with FULL sync, and PostgreSQL when
// CHINHQUYEN_BENCH_POSTGRES names a server.
func benchDocuments(o *opts) ([]row, error) {
	ctx := context.Background()
	name := func(engine string) string {
		return fmt.Sprintf("incoming documents registered (number, index, audit), %d clerks at once, %s", registrationClerks, engine)
	}
	const limit = "the same document rows inserted without numbering, index and audit"
	got, plain, err := registrations(ctx, o, db.Config{SQLiteSync: "FULL"})
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rows := []row{{Name: name("SQLite FULL"), Value: got, Unit: "docs/s", Limit: limit, LimitV: plain, Goal: "≥ 1,000/s"}}
	if server := os.Getenv("CHINHQUYEN_BENCH_POSTGRES"); server != "" {
		u, drop, err := benchPostgresDB(ctx, server)
		if err != nil {
			return nil, err
		}
		got, plain, err := registrations(ctx, o, db.Config{URL: u})
		drop()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		rows = append(rows, row{Name: name("PostgreSQL"), Value: got, Unit: "docs/s", Limit: limit, LimitV: plain})
	}
	return rows, nil
}

func registrations(ctx context.Context, o *opts, cfg db.Config) (ours, plain float64, err error) {
	d, dir, done, err := freshDB(ctx, o, cfg, "documents", audit.Migrations, blob.Migrations, documents.Migrations, search.Migrations)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	lg, err := audit.New(d, audit.Options{})
	if err != nil {
		return 0, 0, err
	}
	store, err := blob.NewLocal(dir + "/files")
	if err != nil {
		return 0, 0, err
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		return 0, 0, err
	}
	up, err := blob.New(d, blob.Options{Store: store, Audit: lg, Keys: keys, SpoolDir: dir})
	if err != nil {
		return 0, 0, err
	}
	svc, err := documents.New(d, documents.Options{Audit: lg, Uploads: up, Logger: o.log})
	if err != nil {
		return 0, 0, err
	}
	idx := search.New(d, search.Options{Logger: o.log})
	idx.Register(docsearch.Kind, access.DocumentsRead)
	svc.SetIndex(func(ctx context.Context, tx *sql.Tx, doc documents.IndexDoc) error {
		r := doc.Resource
		return idx.Index(ctx, tx, search.Doc{Kind: docsearch.Kind, ID: doc.ID, AgencyID: r.AgencyID, Level: r.Level,
			People: r.People, Title: docsearch.Title(doc.Symbol, doc.Summary), Body: doc.Sender,
			Type: doc.Type, Status: doc.Status, Urgency: string(doc.Urgency)})
	})
	ctx = access.WithGuard(ctx, access.NewGuard(access.Options{DB: d, Audit: lg}))
	clerks := make([]*actor.Actor, registrationClerks)
	for i := range clerks {
		agency := int64(i%8 + 1) // eight agencies, four clerks each: registers shared under load
		clerks[i] = &actor.Actor{AccountID: int64(100 + i), Kind: actor.Official, Name: "Văn thư", AgencyID: agency,
			Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: agency}}}
	}
	issued := calendar.DateOf(clock.Now().In(locale.VN)).AddDays(-1)
	var seq atomic.Int64
	register := func(w int) error {
		n := seq.Add(1)
		_, err := svc.RegisterIncoming(ctx, clerks[w], documents.IncomingRequest{
			Symbol: fmt.Sprintf("%d/UBND-VP", n), IssuedOn: issued, Sender: "Ủy ban nhân dân tỉnh Lào Cai", Type: "CV",
			Summary: fmt.Sprintf("V/v triển khai kế hoạch chuyển đổi số năm %d, đợt %d", issued.Year, n), Urgency: "thuong", Classification: "noi_bo"})
		return err
	}
	insert := func(w int) error {
		n := seq.Add(1)
		return d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO documents (direction, agency_id, series, reg_year, symbol, symbol_key, type_code,
				issued_on, sender, sender_key, summary, urgency, classification, received_at, status, duplicate_of, created_by, created_at, reg_number)
				VALUES ('in', $1, 'normal', $2, $3, $4, 'CV', $5, 'Ủy ban nhân dân tỉnh Lào Cai', 'uy ban nhan dan tinh lao cai', $6, 'thuong', 'noi_bo', $7, 'registered', 0, $8, $7, $9)`,
				clerks[w].AgencyID, issued.Year, fmt.Sprintf("%d/UBND-VP", n), fmt.Sprintf("%d/UBND-VP", n), issued.String(),
				fmt.Sprintf("V/v triển khai kế hoạch chuyển đổi số năm %d, đợt %d", issued.Year, n), clock.Now().UnixMicro(), clerks[w].AccountID, 1_000_000+n)
			return err
		})
	}
	if ours, err = loadLoop(registrationClerks, o.duration, register); err != nil {
		return 0, 0, err
	}
	if plain, err = loadLoop(registrationClerks, o.duration, insert); err != nil {
		return 0, 0, err
	}
	return ours, plain, nil
}
