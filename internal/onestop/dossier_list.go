package onestop

import (
	"context"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Page sizes of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// List returns the dossiers a reads that match f, most urgent first (due
// moment, then submission): an officer's queue (the dossiers received by
// their agency and those holding a step of their agency, liên thông), or
// a citizen's or business's own dossiers. Every row is rechecked with
// access.Permits.
func (s *DossierService) List(ctx context.Context, a *actor.Actor, f DossierFilter) (*DossierPage, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem hồ sơ")
	}
	if f.PageSize <= 0 {
		f.PageSize = DefaultPageSize
	}
	f.PageSize = min(f.PageSize, MaxPageSize)
	f.Page = max(f.Page, 1)
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	switch a.Kind {
	case actor.Citizen, actor.Business:
		where = append(where, "d.applicant_account = "+arg(a.AccountID))
	case actor.System:
		if f.AgencyID != 0 {
			p := arg(f.AgencyID)
			where = append(where, "(d.agency_id = "+p+" OR EXISTS (SELECT 1 FROM onestop_dossier_steps st WHERE st.dossier_id = d.id AND st.agency_id = "+p+"))")
		}
	default:
		agency := f.AgencyID
		if agency == 0 {
			agency = a.AgencyID
		}
		if err := access.Authorize(ctx, a, access.OnestopDossierRead, access.Resource{Type: "onestop_dossier", AgencyID: agency}); err != nil {
			return nil, err
		}
		p := arg(agency)
		where = append(where, "(d.agency_id = "+p+" OR EXISTS (SELECT 1 FROM onestop_dossier_steps st WHERE st.dossier_id = d.id AND st.agency_id = "+p+" AND st.started_at > 0))")
	}
	if f.Mine && a.Kind == actor.Official {
		where = append(where, "EXISTS (SELECT 1 FROM onestop_dossier_steps st WHERE st.dossier_id = d.id AND st.seq = d.current_step + 1 AND st.agency_id = "+arg(a.AgencyID)+")")
	}
	if len(f.Statuses) > 0 {
		var ps []string
		for _, st := range f.Statuses {
			ps = append(ps, arg(int(st)))
		}
		where = append(where, "d.status IN ("+strings.Join(ps, ", ")+")")
	}
	if f.ProcedureCode != "" {
		where = append(where, "d.procedure_code = "+arg(f.ProcedureCode))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "d.due_at > 0 AND d.due_at < "+arg(f.DueBefore.UnixMicro()))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if len(q) > 100 {
			return nil, apperr.FieldError("q", "Từ khóa quá dài")
		}
		folded := strings.NewReplacer(`\`, "", "%", "", "_", "").Replace(locale.Fold(q))
		where = append(where, "d.search_folded LIKE "+arg("%"+folded+"%"))
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	page := &DossierPage{Page: f.Page, PageSize: f.PageSize}
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM onestop_dossiers d WHERE `+cond, args...).Scan(&page.Total); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+prefixed("d.", dossierColumns)+` FROM onestop_dossiers d WHERE `+cond+
		` ORDER BY CASE WHEN d.due_at = 0 THEN 1 ELSE 0 END, d.due_at, d.submitted_at, d.id LIMIT `+arg(f.PageSize)+` OFFSET `+arg((f.Page-1)*f.PageSize), args...)
	if err != nil {
		return nil, err
	}
	var items []*Dossier
	for rows.Next() {
		d, err := scanDossier(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range items {
		if err := s.loadParts(ctx, s.db.Reader(), d); err != nil {
			return nil, err
		}
		if a.Kind == actor.System || d.canRead(ctx, a) {
			page.Items = append(page.Items, d)
		}
	}
	return page, nil
}

// prefixed puts p before every column of a comma-separated list.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
