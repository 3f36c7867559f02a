// Package auditview is the audit log as auditors and security officers
// read it: the viewer's pages, the CSV export, inclusion proofs and the
// published checkpoint, each decided by access.Can. (Package audit itself
// cannot ask access: access records its refusals in the audit log.)
//
// Reading is not audited — every page of the viewer would add entries about
// reading entries — but an export is: the file leaves the platform, so an
// "audit.export" entry records who took which filter, before the first
// byte is written.
package auditview

import (
	"context"
	"database/sql"
	"io"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Service reads the audit log for people allowed to.
type Service struct {
	db  *db.DB
	log *audit.Log
}

// New returns the viewer service over the log l stored in d.
func New(d *db.DB, l *audit.Log) *Service { return &Service{db: d, log: l} }

// logResource is what a filter shows: the entries of one actor agency
// (Filter.Agency), or with agency 0 those of every agency, which only a
// platform-wide grant covers.
func logResource(agency int64) access.Resource {
	id := "all"
	if agency != 0 {
		id = strconv.FormatInt(agency, 10)
	}
	return access.Resource{Type: "audit_log", ID: id, AgencyID: agency}
}

// Query returns one page of entries matching f, newest first. The actor
// needs audit.read over f.Agency (0 = every agency: a platform-wide grant).
// EINVALID for a bad filter, EUNAUTHORIZED/EFORBIDDEN as access decides.
func (s *Service) Query(ctx context.Context, a *actor.Actor, f audit.Filter) (*audit.Page, error) {
	if err := access.Authorize(ctx, a, access.AuditRead, logResource(f.Agency)); err != nil {
		return nil, err
	}
	return audit.Query(ctx, s.db, f)
}

// Export writes every entry matching f as CSV (audit.ExportCSV) to the
// writer open returns, streaming. It needs audit.export over f.Agency and
// records an "audit.export" entry with the filter before open is called:
// when it returns an error open was not called, so the caller can still
// answer with an error page.
func (s *Service) Export(ctx context.Context, a *actor.Actor, f audit.Filter, open func() io.Writer) error {
	if err := f.Validate(); err != nil {
		return err
	}
	res := logResource(f.Agency)
	if err := access.Authorize(ctx, a, access.AuditExport, res); err != nil {
		return err
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.log.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.AuditExport), ObjectType: res.Type, ObjectID: res.ID,
			Summary: filterSummary(f)})
	})
	if err != nil {
		return err
	}
	return audit.ExportCSV(ctx, s.db, f, open())
}

// filterSummary is the export entry's summary: the filter, without the
// page cursor.
func filterSummary(f audit.Filter) map[string]any {
	m := map[string]any{}
	if f.Account != 0 {
		m["account"] = f.Account
	}
	if f.Agency != 0 {
		m["agency"] = f.Agency
	}
	for k, v := range map[string]string{"object_type": f.ObjectType, "object_id": f.ObjectID, "action": f.ActionPrefix, "outcome": f.Outcome} {
		if v != "" {
			m[k] = v
		}
	}
	if !f.From.IsZero() {
		m["from"] = f.From.In(locale.VN).Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		m["to"] = f.To.In(locale.VN).Format(time.RFC3339)
	}
	return m
}

// Prove returns the inclusion proof of entry id against the latest signed
// checkpoint (signing one when it does not cover the entry yet). The actor
// needs audit.read over the agency of the entry's actor.
//
// Whether an entry exists is itself something to hide (entries are numbered
// in order, and a refusal would confirm an id that "not found" denies), so
// access is decided before the entry is read, and an entry the actor may
// not read answers exactly as a missing one: a missing entry is decided as
// an entry of no agency, which only a platform-wide reader may see and
// learn is missing (ENOTFOUND); anyone else gets the refusal an entry of
// another agency gets.
func (s *Service) Prove(ctx context.Context, a *actor.Actor, id int64) (*audit.InclusionProof, error) {
	res := access.Resource{Type: "audit_entry", ID: strconv.FormatInt(id, 10)}
	if err := access.Authorize(ctx, a, access.AuditRead, s.anyScope(a, res)); err != nil {
		return nil, err
	}
	r, err := audit.Get(ctx, s.db, id)
	missing := apperr.Is(err, apperr.NotFound)
	switch {
	case missing:
		res.AgencyID = 0
	case err != nil:
		return nil, err
	default:
		res.AgencyID = r.ActorAgency
	}
	if err := access.Authorize(ctx, a, access.AuditRead, res); err != nil {
		return nil, err
	}
	if missing {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy bản ghi nhật ký %d", id)
	}
	return s.log.ProveLatest(ctx, id)
}

// Checkpoint is the latest signed checkpoint with the key that verifies it.
type Checkpoint struct {
	audit.Checkpoint
	// VerifierKey is the log's public note verifier key
	// ("name+hash+base64"); compare it with the published one.
	VerifierKey string `json:"verifier_key"`
}

// Checkpoint returns the latest signed checkpoint, signing the first one
// when none exists yet. A checkpoint reveals only the size and root of the
// whole log, so anyone holding audit.read in some agency may read it.
// EUNAVAILABLE when the log has no signing key.
func (s *Service) Checkpoint(ctx context.Context, a *actor.Actor) (*Checkpoint, error) {
	if err := access.Authorize(ctx, a, access.AuditRead, s.anyScope(a, access.Resource{Type: "audit_checkpoint", ID: "latest"})); err != nil {
		return nil, err
	}
	cp, err := audit.LatestCheckpoint(ctx, s.db)
	if apperr.Is(err, apperr.NotFound) {
		cp, err = s.log.Checkpoint(ctx)
	}
	if err != nil {
		return nil, err
	}
	return &Checkpoint{Checkpoint: *cp, VerifierKey: s.log.VerifierKey()}, nil
}

// anyScope is res (the checkpoint, an entry not yet read) placed in an
// agency where a holds a role allowed to read the log, if any (else a's own
// agency, so Can refuses with its usual reason and records the refusal).
func (s *Service) anyScope(a *actor.Actor, res access.Resource) access.Resource {
	if a == nil {
		return res
	}
	res.AgencyID = a.AgencyID
	def, _ := access.Lookup(access.AuditRead)
	for _, g := range a.Roles {
		if def.Roles[access.Role(g.Role)] != access.ScopeNone {
			res.AgencyID = g.AgencyID
			break
		}
	}
	return res
}
