package org

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"
	"unicode"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the org module's schema. It has no foreign keys into other
// modules; Main applies it after audit.Migrations.
var Migrations = db.Embedded("org", migrationFiles)

// Options configure a Service.
type Options struct {
	// Audit records every change in the change's transaction. Required.
	Audit *audit.Log
	// Now is the clock (clock.Now when nil); it decides "today" for as-of
	// queries with a zero date.
	Now func() time.Time
}

// Service is the org module: administrative units, agencies, units inside
// agencies, positions and officials. It is safe for concurrent use and keeps
// no state in memory (every replica reads the database).
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
}

// New returns the org service on d (migrated with Migrations). It does not
// write: call Seed once at start-up to load the shipped unit list.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil {
		return nil, errors.New("org.New: nil database")
	}
	if opts.Audit == nil {
		return nil, errors.New("org.New: Options.Audit is required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	return &Service{db: d, audit: opts.Audit, now: opts.Now}, nil
}

// today returns the current civil date in Vietnam.
func (s *Service) today() Date { return DateOf(s.now()) }

// asOf turns the zero Date into today.
func (s *Service) asOf(d Date) Date {
	if d.IsZero() {
		return s.today()
	}
	return d
}

// allow asks access.Can whether a may perform action on the object over
// every agency it affects; 0 stands for a platform-wide object (the unit
// list, the position catalogue, a top-level agency), which only
// platform-wide grants cover. access records a refusal in the audit log
// (with the Guard in ctx), so it runs before the change's transaction.
func (s *Service) allow(ctx context.Context, a *actor.Actor, action access.Action, objectType, objectID string, agencies ...int64) error {
	if len(agencies) == 0 {
		agencies = []int64{0}
	}
	asked := map[int64]bool{}
	for _, g := range agencies {
		if asked[g] {
			continue
		}
		asked[g] = true
		if err := access.Authorize(ctx, a, action, access.Resource{Type: objectType, ID: objectID, AgencyID: g}); err != nil {
			return err
		}
	}
	return nil
}

// unitAgency is the agency of unit id for an access decision; 0 (platform
// only) when there is no such unit, so a refusal does not reveal which ids
// exist and the change itself reports ENOTFOUND.
func (s *Service) unitAgency(ctx context.Context, id int64) int64 {
	var g int64
	_ = s.db.Reader().QueryRowContext(ctx, "SELECT agency_id FROM org_units WHERE id = $1", id).Scan(&g)
	return g
}

// officialAgency is the main agency of official id, like unitAgency.
func (s *Service) officialAgency(ctx context.Context, id int64) int64 {
	var g int64
	_ = s.db.Reader().QueryRowContext(ctx, "SELECT agency_id FROM org_officials WHERE id = $1", id).Scan(&g)
	return g
}

// record writes the audit entry of a change inside its transaction.
func (s *Service) record(ctx context.Context, tx *sql.Tx, a *actor.Actor, action, objectType, objectID string, before, after, summary any) error {
	return s.audit.Record(ctx, tx, audit.Entry{
		Actor: a, Action: action, ObjectType: objectType, ObjectID: objectID,
		Before: before, After: after, Summary: summary,
	})
}

// validOn is the SQL condition "the row is valid on day $n".
func validOn(prefix string, n int) string {
	return fmt.Sprintf("%svalid_from <= $%d AND (%svalid_to IS NULL OR %svalid_to >= $%d)", prefix, n, prefix, prefix, n)
}

// lockKey serialises structural changes of one kind on PostgreSQL, where the
// writer is a pool; SQLite already has a single writer connection with
// IMMEDIATE transactions.
func (s *Service) lock(ctx context.Context, tx *sql.Tx, key int64) error {
	if s.db.Dialect != db.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key)
	return err
}

// Lock keys (arbitrary constants, "org" in ASCII plus a number).
const (
	lockAdminUnits int64 = 0x6f7267_01
	lockAgencies   int64 = 0x6f7267_02
)

// Limits on text fields.
const (
	maxNameLen         = 300 // bytes
	maxShortNameLen    = 150
	maxCodeLen         = 32 // electronic identifier
	maxAbbreviationLen = 20
)

// cleanName is locale.CleanName: the one check of every name typed into
// org (NFC, white space collapsed, no control, invisible or bidirectional
// characters).
func cleanName(field, label, s string, max int) (string, error) {
	return locale.CleanName(field, label, s, max)
}

// ValidAgencyCode checks an electronic identifier code (mã định danh điện tử)
// of Decision 20/2020/QĐ-TTg as amended by Decision 09/2025/QĐ-TTg. The code
// is opaque, hierarchical left to right (H21, H21.17, G12.18.112.001): only
// its characters and length are checked — letters A–Z, digits and '.', 1 to
// 32 characters, not starting or ending with '.'. '-' and '_' are refused
// because they separate the parts of dossier codes (<code>-YYMMDD-XXXX) and
// digitised-document codes (<code>_CV_000021_V1). The right-to-left 2016
// pattern (000.00.01.H22) is deliberately not enforced.
func ValidAgencyCode(code string) error {
	ok := code != "" && len(code) <= maxCodeLen && code[0] != '.' && code[len(code)-1] != '.'
	for i := 0; ok && i < len(code); i++ {
		c := code[i]
		ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
	}
	if !ok {
		return apperr.FieldError("code", "Mã định danh %q không hợp lệ: từ 1 đến %d ký tự gồm chữ cái không dấu, chữ số và dấu chấm (ví dụ H21.17)", clip(code), maxCodeLen)
	}
	return nil
}

// validStaffCode checks an HR staff code: letters, digits, '.', '-', '_'.
func validStaffCode(code string) bool {
	if code == "" || len(code) > maxCodeLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ValidAbbreviation checks the abbreviation used in document symbols (UBND,
// SNV, VP, TTPVHCC, BDTTG…): 1 to 20 letters or digits, Vietnamese letters
// allowed (Đ), no spaces, '-' or '/' since those separate the symbol's parts.
func ValidAbbreviation(field, abbr string) error {
	if abbr == "" || len(abbr) > maxAbbreviationLen {
		return apperr.FieldError(field, "Chữ viết tắt %q không hợp lệ: cần từ 1 đến %d byte", abbr, maxAbbreviationLen)
	}
	for _, r := range abbr {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return apperr.FieldError(field, "Chữ viết tắt %q không hợp lệ: chỉ gồm chữ cái và chữ số, không có dấu cách, '-' hoặc '/'", abbr)
		}
	}
	return nil
}

// notFound is the ENOTFOUND error of a lookup.
func notFound(what string, key any, asOf Date) error {
	if asOf.IsZero() {
		return apperr.New(apperr.NotFound, "Không tìm thấy %s %v", what, key)
	}
	return apperr.New(apperr.NotFound, "Không tìm thấy %s %v có hiệu lực ngày %s", what, key, asOf.VN())
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullID maps 0 to NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// closeOpen sets valid_to on one open row of table, refusing with ECONFLICT
// when another transaction closed it first.
func closeOpen(ctx context.Context, tx *sql.Tx, table string, id int64, validTo Date) error {
	res, err := tx.ExecContext(ctx, "UPDATE "+table+" SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL", validTo, id)
	if err != nil {
		return fmt.Errorf("close %s %d: %w", table, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return apperr.New(apperr.Conflict, "Dữ liệu vừa được người khác thay đổi, hãy tải lại và thử lại")
	}
	return nil
}

// insertID runs an INSERT … RETURNING id.
func insertID(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}
