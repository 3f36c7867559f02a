package pki

import (
	"context"
	"database/sql"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
)

// Directory is where the identity written into a certificate comes from:
// the platform's register of agencies and officials. A certificate binds a
// key to an identity (Decree 23/2025/NĐ-CP on electronic signatures), so
// the identity is the register's, as of the issuing day, never text typed
// by whoever issues it.
type Directory interface {
	// AgencySeal returns the subject of an agency's seal certificate: the
	// agency's name (CN and O), its electronic identifier code (AgencyCode),
	// the province (Province) and commune (Locality) it serves, as
	// registered on day. ENOTFOUND when no such agency exists that day.
	AgencySeal(ctx context.Context, agencyID int64, day time.Time) (Subject, error)
	// Official returns the subject of the personal certificate of the
	// official who signs in with account: full name (CN), staff code (UID),
	// position (Title), agency (O), unit (OU), province and commune, e-mail,
	// as on day, and the agency they serve in. ENOTFOUND when the account
	// is not linked to an official serving that day.
	Official(ctx context.Context, account int64, day time.Time) (Subject, int64, error)
}

// subjectFor resolves the identity of a requested certificate: a personal
// certificate's from its holder's official record, a seal's from its
// agency. It returns the agency the certificate belongs to.
func (s *Service) subjectFor(ctx context.Context, p Profile, req IssueRequest) (Subject, int64, error) {
	if s.cfg.Directory == nil {
		return Subject{}, 0, apperr.New(apperr.Unavailable, "Dịch vụ chứng thư số chưa được nối với danh bạ cơ quan, cán bộ: không cấp được chứng thư số")
	}
	day := s.now()
	switch {
	case req.Holder != 0:
		if p.Name == "seal" {
			return Subject{}, 0, apperr.FieldError("holder", "Con dấu số là của cơ quan, không cấp cho cá nhân")
		}
		subj, agency, err := s.cfg.Directory.Official(ctx, req.Holder, day)
		if err != nil {
			return Subject{}, 0, err
		}
		if req.AgencyID != 0 && req.AgencyID != agency {
			return Subject{}, 0, apperr.FieldError("agency", "Người nhận chứng thư số không công tác tại cơ quan đã chọn")
		}
		return subj, agency, nil
	case req.AgencyID != 0:
		if p.Name != "seal" {
			return Subject{}, 0, apperr.FieldError("holder", "Chứng thư số cá nhân cần chọn cán bộ nhận")
		}
		subj, err := s.cfg.Directory.AgencySeal(ctx, req.AgencyID, day)
		return subj, req.AgencyID, err
	}
	return Subject{}, 0, apperr.FieldError("holder", "Hãy chọn cán bộ nhận chứng thư số, hoặc cơ quan của con dấu số")
}

// refuseSelfIssue refuses, and records in the audit log like every
// refusal, a certificate issued by its own holder: a certificate is the
// issuer's attestation of someone else's identity.
func (s *Service) refuseSelfIssue(ctx context.Context, a *actor.Actor, action access.Action, res access.Resource) error {
	err := apperr.New(apperr.Forbidden, "Không được tự cấp hoặc gia hạn chứng thư số cho chính mình: việc này do một cán bộ có thẩm quyền khác thực hiện")
	rerr := s.db.Tx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		return s.audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(action), ObjectType: res.Type, ObjectID: res.ID,
			Outcome: audit.OutcomeDenied, Reason: "pki.self: " + apperr.MessageOf(err)})
	})
	if rerr != nil {
		s.log.ErrorContext(ctx, "record refused self-issuance", "account", a.AccountID, "err", rerr)
	}
	return err
}
