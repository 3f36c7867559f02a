// Package audit is the platform's append-only, tamper-evident audit log.
//
// Every state change of every module records an Entry with Log.Record inside
// the transaction that makes the change, so the entry commits or rolls back
// with it. Entries become leaves of an RFC 6962 Merkle tree: an integrator
// (Log.Integrate, run in the background by Log.Run) gives committed entries
// contiguous leaf indexes in commit order, stores the tree nodes, and signs
// checkpoints in the signed-note format used by Go's checksum database and by
// transparency logs. Verify recomputes everything from the stored rows;
// Log.Prove returns an inclusion proof anyone can check offline.
//
// What is stored about an entry: who (account id, kind, agency, IP, session
// id), what (action, object type and id), when (unix microseconds from the
// injected clock), the outcome and reason, and SHA-256 digests of the
// canonical, redacted JSON of the object before and after — never the values
// themselves, so no password, secret or file content enters the log.
package audit

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// Outcomes of an audited action.
const (
	OutcomeOK     = "ok"     // the change was made (default)
	OutcomeDenied = "denied" // access refused it
	OutcomeFailed = "failed" // it was attempted and failed (e.g. a wrong password)
)

// Limits on entry fields, so one entry stays small and the viewer readable.
const (
	MaxActionLen     = 100
	MaxObjectTypeLen = 50
	MaxObjectIDLen   = 200
	MaxReasonLen     = 1000
	MaxSummaryLen    = 2000
)

// Entry is one audited action.
type Entry struct {
	Actor      *actor.Actor // who acted; nil = the system
	Action     string       // dotted, lower case, e.g. "org.units.import", "identity.login.fail", "pki.cert.revoke"
	ObjectType string       // e.g. "unit", "account", "certificate"
	ObjectID   string       // the object's id as text
	// Before and After are the object before and after the change (nil when
	// it did not exist): anything encoding/json can marshal. Only the
	// SHA-256 of their canonical redacted JSON is stored (see Digest).
	Before, After any
	// Summary is an optional small value shown in the viewer, e.g. the
	// changed field names (ChangedFields) or a new status. It is redacted (see Redact) and
	// stored as canonical JSON of at most MaxSummaryLen bytes. Never put
	// personal data here that the viewer's readers may not see.
	Summary any
	Outcome string // OutcomeOK (default when empty), OutcomeDenied or OutcomeFailed
	Reason  string // why, e.g. the access decision reason or the failure cause
}

// Options configure a Log.
type Options struct {
	// Now is the clock; clock.Now when nil.
	Now func() time.Time
	// Logger receives the integrator's messages; slog.Default when nil.
	Logger *slog.Logger
	// DataDir holds the checkpoint signing key (audit-signing.key, created on
	// first start) and its public verifier key (audit-verifier.pub). Empty
	// together with SignerKey: the log records and integrates but cannot sign
	// checkpoints (tests of other modules).
	DataDir string
	// SignerKey, if set, is the note signer key text ("PRIVATE+KEY+…") to use
	// instead of the key file — for replicas sharing one PostgreSQL database
	// (CHINHQUYEN_AUDIT_SIGNER_KEY_FILE).
	SignerKey string
	// Origin is the name of a newly generated signing key, and so the
	// origin line of this log's checkpoints (the key's name is used, so a
	// later change of this option does not rename the log); default
	// "chinhquyen/audit". Make it unique per deployment, e.g.
	// "audit.egov.example-province.gov.vn".
	Origin string
	// CheckpointEvery signs a checkpoint once this many entries were
	// integrated since the last one (default 1000).
	CheckpointEvery int
	// CheckpointInterval signs a checkpoint when the tree has grown and the
	// last checkpoint is older than this (default 1 minute).
	CheckpointInterval time.Duration
	// IntegrateInterval is how often Run integrates (default 1 s).
	IntegrateInterval time.Duration
	// BatchSize is the most entries one integration transaction takes
	// (default 4096), so the SQLite writer is never held long.
	BatchSize int
}

// Log is the platform's audit log. It is safe for concurrent use; it keeps no
// state another replica needs (all of it is in the database).
type Log struct {
	db     *db.DB
	now    func() time.Time
	log    *slog.Logger
	opts   Options
	signer *signer // nil: checkpoints cannot be signed

	insert *sql.Stmt // SQLite: Record's INSERT prepared once on the single writer

	mu    sync.Mutex // guards cache
	cache *treeCache // compact range of the tree last integrated by this process
}

// New returns the audit log stored in d (migrated with Migrations). With a
// DataDir or SignerKey it loads, or on first start generates, the checkpoint
// signing key and registers its verifier key in the database.
func New(d *db.DB, opts Options) (*Log, error) {
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Origin == "" {
		opts.Origin = "chinhquyen/audit"
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 1000
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = time.Minute
	}
	if opts.IntegrateInterval <= 0 {
		opts.IntegrateInterval = time.Second
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 4096
	}
	l := &Log{db: d, now: opts.Now, log: opts.Logger, opts: opts}
	s, err := loadSigner(opts)
	if err != nil {
		return nil, err
	}
	l.signer = s
	if d.Dialect == db.SQLite {
		// Parsing the INSERT costs more than running it; the writer has one
		// connection, so a statement prepared on it serves every Record.
		// (pgx caches prepared statements by itself.)
		if l.insert, err = d.Writer().Prepare(insertEntry); err != nil {
			return nil, fmt.Errorf("prepare audit insert: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.register(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// Close releases the log's prepared statement. The log must not be used
// afterwards; closing the database also releases it.
func (l *Log) Close() error {
	if l.insert != nil {
		return l.insert.Close()
	}
	return nil
}

const insertEntry = `INSERT INTO audit_entries (at, actor_kind, actor_account, actor_agency, actor_ip, actor_session,
 action, object_type, object_id, before_digest, after_digest, summary, outcome, reason, leaf_hash)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

// Record appends e inside the caller's transaction tx: the entry commits or
// rolls back WITH the change. It returns EINVALID for a malformed entry (a
// programming error in the caller, whose transaction should then roll back).
func (l *Log) Record(ctx context.Context, tx *sql.Tx, e Entry) error {
	f, err := l.prepare(e)
	if err != nil {
		return err
	}
	h, _ := leafHashOf(make([]byte, 0, 512), &f)
	exec := tx.ExecContext
	if l.insert != nil {
		exec = func(ctx context.Context, q string, args ...any) (sql.Result, error) {
			res, err := tx.StmtContext(ctx, l.insert).ExecContext(ctx, args...)
			if err != nil && strings.Contains(err.Error(), "statement from different database") {
				// tx is not from this DB's writer (a second handle on the file).
				return tx.ExecContext(ctx, q, args...)
			}
			return res, err
		}
	}
	if _, err := exec(ctx, insertEntry, f.At, f.ActorKind, f.ActorAccount, f.ActorAgency,
		f.ActorIP, f.ActorSession, f.Action, f.ObjectType, f.ObjectID, f.Before, f.After,
		f.Summary, f.Outcome, f.Reason, h[:]); err != nil {
		return fmt.Errorf("record audit entry %s: %w", e.Action, err)
	}
	return nil
}

// prepare validates e and turns it into the stored fields.
func (l *Log) prepare(e Entry) (fields[string], error) {
	f := fields[string]{
		At:         db.Micros(l.now()),
		ActorKind:  string(actor.System),
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Outcome:    e.Outcome,
		Reason:     e.Reason,
	}
	if a := e.Actor; a != nil {
		f.ActorKind = string(a.Kind)
		f.ActorAccount = a.AccountID
		f.ActorAgency = a.AgencyID
		f.ActorIP = a.IP
		f.ActorSession = a.SessionID
		if f.ActorKind == "" {
			f.ActorKind = string(actor.System)
		}
	}
	if f.Outcome == "" {
		f.Outcome = OutcomeOK
	}
	if err := validAction(f.Action); err != nil {
		return f, err
	}
	switch f.Outcome {
	case OutcomeOK, OutcomeDenied, OutcomeFailed:
	default:
		return f, apperr.FieldError("outcome", "Kết quả nhật ký %q không hợp lệ (ok, denied hoặc failed)", f.Outcome)
	}
	for _, c := range []struct {
		name, v string
		max     int
	}{
		{"object_type", f.ObjectType, MaxObjectTypeLen},
		{"object_id", f.ObjectID, MaxObjectIDLen},
		{"reason", f.Reason, MaxReasonLen},
		{"actor_kind", f.ActorKind, 20},
		{"actor_ip", f.ActorIP, 64},
		{"actor_session", f.ActorSession, 128},
	} {
		if len(c.v) > c.max || !validText(c.v) {
			return f, apperr.FieldError(c.name, "Trường %s của nhật ký quá dài (tối đa %d byte) hoặc không phải UTF-8 hợp lệ", c.name, c.max)
		}
	}
	var err error
	if f.Before, err = Digest(e.Before); err != nil {
		return f, apperr.Wrap(err, apperr.Invalid, "Không tính được mã băm trạng thái trước của %s", e.Action)
	}
	if f.After, err = Digest(e.After); err != nil {
		return f, apperr.Wrap(err, apperr.Invalid, "Không tính được mã băm trạng thái sau của %s", e.Action)
	}
	if !isNil(e.Summary) {
		s, err := CanonicalJSON(e.Summary)
		if err != nil {
			return f, apperr.Wrap(err, apperr.Invalid, "Không ghi được tóm tắt nhật ký của %s", e.Action)
		}
		if len(s) > MaxSummaryLen || !validText(string(s)) {
			return f, apperr.FieldError("summary", "Tóm tắt nhật ký quá dài (tối đa %d byte)", MaxSummaryLen)
		}
		f.Summary = string(s)
	}
	return f, nil
}

// validAction accepts dotted lower-case names: "org.units.import".
func validAction(a string) error {
	ok := a != "" && len(a) <= MaxActionLen && a[0] != '.' && a[len(a)-1] != '.' && !strings.Contains(a, "..")
	for i := 0; ok && i < len(a); i++ {
		c := a[i]
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'
	}
	if !ok {
		return apperr.FieldError("action", "Hành động nhật ký %q không hợp lệ: cần dạng chữ thường có dấu chấm, ví dụ org.units.import", a)
	}
	return nil
}
