package app

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// OnestopConfig holds the one-stop dossiers' settings.
type OnestopConfig struct {
	// Sessions are the two half-day sessions a returned result is classed
	// early, on time or late against (on time within the due moment's
	// session): "07:00-11:30,13:30-17:00".
	Sessions string
}

func (c *OnestopConfig) bind(b *config.Binder) {
	b.String(&c.Sessions, "onestop-sessions", "07:00-11:30,13:30-17:00",
		"the office's two half-day sessions for classing one-stop results early, on time or late (on time = within the session of the due moment)")
}

// sessions parses Sessions ("" = the defaults).
func (c *OnestopConfig) sessions() (onestop.Sessions, error) {
	if strings.TrimSpace(c.Sessions) == "" {
		return onestop.DefaultSessions(), nil
	}
	bad := apperr.FieldError("onestop-sessions", "--onestop-sessions %q không đúng dạng hh:mm-hh:mm,hh:mm-hh:mm (ví dụ 07:00-11:30,13:30-17:00)", c.Sessions)
	halves := strings.Split(c.Sessions, ",")
	if len(halves) != 2 {
		return onestop.Sessions{}, bad
	}
	var t [4]calendar.TimeOfDay
	for i, h := range halves {
		from, to, ok := strings.Cut(strings.TrimSpace(h), "-")
		if !ok {
			return onestop.Sessions{}, bad
		}
		var err1, err2 error
		t[2*i], err1 = calendar.ParseTimeOfDay(strings.TrimSpace(from))
		t[2*i+1], err2 = calendar.ParseTimeOfDay(strings.TrimSpace(to))
		if err1 != nil || err2 != nil {
			return onestop.Sessions{}, bad
		}
	}
	if !(t[0] < t[1] && t[1] <= t[2] && t[2] < t[3]) {
		return onestop.Sessions{}, bad
	}
	return onestop.Sessions{MorningStart: t[0], MorningEnd: t[1], AfternoonStart: t[2], AfternoonEnd: t[3]}, nil
}

// buildDossiers creates the one-stop dossier service over the catalogue,
// org's agencies, the stored calendar, uploads and e-mail, and schedules
// its daily step reminders. It runs after buildCatalogue.
func (a *App) buildDossiers() error {
	sessions, err := a.Config.Onestop.sessions()
	if err != nil {
		return err
	}
	a.Dossiers, err = onestop.NewDossiers(a.DB, onestop.DossierOptions{Procedures: a.Catalogue, Sessions: sessions,
		Agencies: dossierAgencies{a.Org}, Audit: a.Audit, Calendar: a.Calendar, Uploads: a.Blob, Mail: a.Notify,
		Holders: dossierHolders{a.Identity}, BaseURL: a.Config.PublicURL(a.Config.Addr), Now: a.Now, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("one-stop dossiers: %w", err)
	}
	a.Dossiers.SetSealer(dossierSealer{a})
	// Every change queues its push to the national portal (when on) in
	// its own transaction; the adapter is built after this service.
	a.Dossiers.SetOnChange(func(ctx context.Context, tx *sql.Tx, d *onestop.Dossier, created bool, by, note string) error {
		if a.DVCQG == nil {
			return nil
		}
		return a.pushDossier(ctx, tx, d, created, by, note)
	})
	a.Dossiers.Register(a.Jobs)
	return nil
}

// dossierSealer seals receipts and results with the agency's newest valid
// seal certificate whose key the platform keeps, as the system.
type dossierSealer struct{ a *App }

func (s dossierSealer) SealPDF(ctx context.Context, agency int64, pdf []byte, reason string) ([]byte, error) {
	if s.a.PKI == nil || s.a.Signing == nil {
		return nil, apperr.New(apperr.Unavailable, "Chưa cấu hình chữ ký số: không đóng dấu được")
	}
	// The agency's own seal, else the nearest parent's (a commune's or
	// province's public administration centre is part of its people's
	// committee, whose seal it uses when it has none of its own).
	var best *pki.Certificate
	for depth := 0; agency != 0 && best == nil && depth < 8; depth++ {
		notRevoked := false
		certs, err := s.a.PKI.List(ctx, dossierDirectoryActor, pki.ListFilter{Profile: "seal", AgencyID: agency, Revoked: &notRevoked})
		if err != nil {
			return nil, err
		}
		now := s.a.Now()
		for _, c := range certs {
			if c.KeyRef != "" && c.NotBefore.Before(now) && c.NotAfter.After(now) && (best == nil || c.NotBefore.After(best.NotBefore)) {
				best = c
			}
		}
		g, err := s.a.Org.Agency(ctx, agency, org.Date{})
		if err != nil {
			return nil, err
		}
		agency = g.ParentID
	}
	if best == nil {
		return nil, apperr.New(apperr.Conflict, "Cơ quan chưa có chứng thư số con dấu còn hiệu lực: chưa đóng dấu được")
	}
	signed, err := s.a.Signing.Sign(ctx, dossierDirectoryActor, signing.SignRequest{PDF: pdf, Serial: best.Serial, Reason: reason})
	if err != nil {
		return nil, err
	}
	return signed.PDF, nil
}

// dossierAgencies resolves receiving and liên thông agencies in org, as
// they are today.
type dossierAgencies struct{ org *org.Service }

func (d dossierAgencies) AgencyByID(ctx context.Context, id int64) (onestop.AgencyInfo, error) {
	g, err := d.org.Agency(ctx, id, org.Date{})
	if err != nil {
		return onestop.AgencyInfo{}, err
	}
	return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
}

func (d dossierAgencies) AgencyByCode(ctx context.Context, code string) (onestop.AgencyInfo, error) {
	g, err := d.org.AgencyByCode(ctx, code, org.Date{})
	if err != nil {
		return onestop.AgencyInfo{}, err
	}
	return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
}

// dossierHolders finds the officials a step reminder goes to.
type dossierHolders struct{ id *identity.Service }

var dossierDirectoryActor = actor.SystemActor("onestop")

func (h dossierHolders) Holders(ctx context.Context, agency int64, role string) ([]onestop.Holder, error) {
	accs, err := h.id.Officials(ctx, dossierDirectoryActor, agency)
	if err != nil {
		return nil, err
	}
	var out []onestop.Holder
	for _, acc := range accs {
		if acc.Disabled {
			continue
		}
		for _, g := range acc.Roles {
			if g.Role == role && g.AgencyID == agency {
				out = append(out, onestop.Holder{ID: acc.ID, Name: acc.Name, Email: acc.Email})
				break
			}
		}
	}
	return out, nil
}

func (h dossierHolders) Holder(ctx context.Context, id int64) (onestop.Holder, error) {
	acc, err := h.id.Account(ctx, dossierDirectoryActor, id)
	if err != nil {
		return onestop.Holder{}, err
	}
	if acc.Kind != actor.Official || acc.Disabled {
		return onestop.Holder{}, apperr.New(apperr.NotFound, "Không tìm thấy cán bộ")
	}
	return onestop.Holder{ID: acc.ID, Name: acc.Name, Email: acc.Email}, nil
}
