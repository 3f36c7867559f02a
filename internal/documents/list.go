package documents

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Subtree lists an agency and the agencies below it (org.Service.Subtree),
// so a role held over a subtree covers the documents of its agencies.
type Subtree func(ctx context.Context, root int64) ([]int64, error)

// subtrees holds each Service's Subtree (SetSubtree).
var subtrees sync.Map // *Service → Subtree

// SetSubtree installs how List resolves subtree grants. Without it a
// subtree grant covers only its own agency in lists (fewer rows, never
// more than access.Can allows).
func (s *Service) SetSubtree(f Subtree) { subtrees.Store(s, f) }

// List bounds.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ListQuery filters an agency's documents. Zero values mean "any".
type ListQuery struct {
	Direction Direction // Incoming, Outgoing, or "" for both
	AgencyID  int64     // one agency; 0 = every agency the reader reads
	Year      int       // register year
	Type      string    // Appendix III code (QĐ, CV …)
	Urgency   Urgency
	Status    string
	Page      int // from 1
	PageSize  int // DefaultPageSize when 0
}

// ListItem is a row of a list: the metadata a table shows.
type ListItem struct {
	ID             int64
	Direction      Direction
	AgencyID       int64
	Series         Series
	Year           int
	Number         int
	Symbol         string
	Type           string
	TypeName       string
	IssuedOn       string // yyyy-mm-dd
	Sender         string
	Summary        string
	Urgency        Urgency
	Classification access.Level
	Status         string
	ReceivedAt     int64 // unix microseconds
}

// ListPage is one page of a list with the total of every row the reader
// may read that matches the filters (never a hidden one).
type ListPage struct {
	Items    []ListItem
	Total    int
	Page     int
	PageSize int
}

// Pages is the number of pages of the whole list.
func (p ListPage) Pages() int {
	if p.PageSize <= 0 || p.Total == 0 {
		return 1
	}
	return (p.Total + p.PageSize - 1) / p.PageSize
}

func (q *ListQuery) validate() error {
	switch q.Direction {
	case "", Incoming, Outgoing:
	default:
		return apperr.FieldError("direction", "Chiều văn bản %q không hợp lệ: dùng in hoặc out", clipText(string(q.Direction), 10))
	}
	if q.Year != 0 && (q.Year < 1945 || q.Year > 9999) {
		return apperr.FieldError("year", "Năm %d không hợp lệ", q.Year)
	}
	if q.Type != "" {
		t, err := ParseType(q.Type)
		if err != nil {
			return err
		}
		q.Type = t.Code
	}
	if q.Urgency != "" {
		u, err := ParseUrgency(string(q.Urgency))
		if err != nil {
			return err
		}
		q.Urgency = u
	}
	q.Status = locale.NFC(q.Status)
	if len(q.Status) > 32 {
		return apperr.FieldError("status", "Trạng thái không hợp lệ")
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.Page > 100000 {
		return apperr.FieldError("page", "Trang %d không hợp lệ", q.Page)
	}
	if q.PageSize <= 0 {
		q.PageSize = DefaultPageSize
	}
	q.PageSize = min(q.PageSize, MaxPageSize)
	return nil
}

// List returns the documents a reader may read (access.DocumentsRead),
// newest register entries first. The access rules are applied in SQL
// (visibleSQL), so the total counts nothing hidden, and each returned row
// is checked again with access.Permits. A reader who may read nothing gets
// an empty list, not an error; an anonymous one EUNAUTHORIZED.
func (s *Service) List(ctx context.Context, a *actor.Actor, q ListQuery) (ListPage, error) {
	if a == nil {
		return ListPage{}, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem văn bản")
	}
	if err := q.validate(); err != nil {
		return ListPage{}, err
	}
	cond, err := s.visibleSQL(ctx, a)
	if err != nil {
		return ListPage{}, err
	}
	var where []string
	var args []any
	add := func(expr string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(expr, "?", "$"+strconv.Itoa(len(args))))
	}
	where = append(where, cond)
	if q.Direction != "" {
		add("d.direction = ?", string(q.Direction))
	}
	if q.AgencyID != 0 {
		add("d.agency_id = ?", q.AgencyID)
	}
	if q.Year != 0 {
		add("d.reg_year = ?", q.Year)
	}
	if q.Type != "" {
		add("d.type_code = ?", q.Type)
	}
	if q.Urgency != "" {
		add("d.urgency = ?", string(q.Urgency))
	}
	if q.Status != "" {
		add("d.status = ?", q.Status)
	}
	w := strings.Join(where, " AND ")
	page := ListPage{Page: q.Page, PageSize: q.PageSize, Items: []ListItem{}}
	if err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM documents d WHERE `+w, args...).Scan(&page.Total); err != nil {
		return ListPage{}, err
	}
	args = append(args, q.PageSize, (q.Page-1)*q.PageSize)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT d.id, d.direction, d.agency_id, d.series, d.reg_year, d.reg_number, d.symbol, d.type_code,
		d.issued_on, d.sender, d.summary, d.urgency, d.classification, d.status, d.received_at, d.created_by,
		CASE WHEN `+namedSQL(a)+` THEN 1 ELSE 0 END, COALESCE((SELECT o.unit_id FROM documents_outgoing o WHERE o.document_id = d.id), 0),
		CASE WHEN `+readerUnitSQL(a)+` THEN 1 ELSE 0 END
		FROM documents d WHERE `+w+` ORDER BY d.reg_year DESC, d.received_at DESC, d.id DESC
		LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return ListPage{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var it ListItem
		var dir, series, urgency, level string
		var createdBy, named, unit, unitNamed int64
		if err := rows.Scan(&it.ID, &dir, &it.AgencyID, &series, &it.Year, &it.Number, &it.Symbol, &it.Type, &it.IssuedOn, &it.Sender,
			&it.Summary, &urgency, &level, &it.Status, &it.ReceivedAt, &createdBy, &named, &unit, &unitNamed); err != nil {
			return ListPage{}, err
		}
		it.Direction, it.Series, it.Urgency = Direction(dir), Series(series), Urgency(urgency)
		if it.Classification, err = access.ParseLevel(level); err != nil {
			it.Classification = access.UltraSecret
		}
		if t, ok := LookupType(it.Type); ok {
			it.TypeName = t.Name
		}
		res := rowResource(a, it.ID, it.AgencyID, it.Classification, createdBy, named == 1, unit)
		if unitNamed == 1 && a.UnitID != 0 {
			res.Units = append(res.Units, a.UnitID)
		}
		if !access.Permits(ctx, a, access.DocumentsRead, res) {
			// The SQL and access disagree: show less, never more.
			s.opts.Logger.WarnContext(ctx, "documents list: row not permitted", "document", it.ID, "account", a.AccountID)
			continue
		}
		page.Items = append(page.Items, it)
	}
	return page, rows.Err()
}

// Years lists the register years holding documents the reader may read,
// newest first, for a year filter.
func (s *Service) Years(ctx context.Context, a *actor.Actor) ([]int, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem văn bản")
	}
	cond, err := s.visibleSQL(ctx, a)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT DISTINCT d.reg_year FROM documents d WHERE `+cond+` ORDER BY d.reg_year DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var y int
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}

// visibleSQL restates access.Can for access.DocumentsRead as a condition
// on documents d: the role step (leaders, clerks and specialists over
// their agency, or its subtree), then the classification (public to the
// role; internal to the agency's officials cleared for it; restricted to
// the named people (the registering clerk, an outgoing document's review
// chain, the readers of AddReaders) and units (an outgoing document's
// drafting unit, the units of AddReaders); state secrets to the cleared
// officials of the agency and named people). A named reader of another
// agency passes the role step when they hold a role the action grants
// agency scope (access's namedReader) and reads internal documents too.
// Numbers in the
// condition are written by strconv, never text from a request.
// TestListMatchesAccess compares it with access.Permits.
func (s *Service) visibleSQL(ctx context.Context, a *actor.Actor) (string, error) {
	if a.Kind == actor.System {
		return "TRUE", nil
	}
	def, ok := access.Lookup(access.DocumentsRead)
	if !ok || a.Kind != actor.Official {
		return "FALSE", nil
	}
	if a.Scopes != nil && !slices.Contains(a.Scopes, "documents:read") && !slices.Contains(a.Scopes, "documents:write") {
		return "FALSE", nil
	}
	var sub Subtree
	if f, ok := subtrees.Load(s); ok {
		sub = f.(Subtree)
	}
	covered := func(g actor.RoleGrant) (all bool, ids []int64, err error) {
		switch {
		case g.AgencyID == 0:
			return access.Role(g.Role).OfficialRole(), nil, nil
		case g.Subtree && sub != nil:
			ids, err := sub(ctx, g.AgencyID)
			return false, ids, err
		}
		return false, []int64{g.AgencyID}, nil
	}
	anyAgency, memberAll := false, false
	var agencies []int64
	members := []int64{0}
	if a.AgencyID != 0 {
		members = append(members, a.AgencyID)
	}
	for _, g := range a.Roles {
		all, ids, err := covered(g)
		if err != nil {
			return "", apperr.Wrap(err, apperr.Unavailable, "Không kiểm tra được phạm vi cơ quan, vui lòng thử lại sau")
		}
		memberAll = memberAll || all
		members = append(members, ids...)
		if def.Roles[access.Role(g.Role)] == access.ScopeAgency {
			anyAgency = anyAgency || all
			agencies = append(agencies, ids...)
		}
	}
	named, unit := namedSQL(a), "FALSE"
	if a.UnitID != 0 {
		// An outgoing document's drafting unit reads it (Document.Units),
		// and so do the units named by AddReaders.
		unit = "((d.agency_id = " + strconv.FormatInt(a.AgencyID, 10) +
			" AND EXISTS (SELECT 1 FROM documents_outgoing o WHERE o.document_id = d.id AND o.unit_id = " + strconv.FormatInt(a.UnitID, 10) + "))" +
			" OR " + readerUnitSQL(a) + ")"
	}
	var role string
	switch {
	case anyAgency:
		role = "TRUE"
	case len(agencies) > 0:
		role = "d.agency_id IN (" + idList(agencies) + ") OR " + named + " OR " + unit
	default:
		return "FALSE", nil
	}
	member := "TRUE"
	if !memberAll {
		member = "d.agency_id IN (" + idList(members) + ")"
	}
	cleared, err := access.ParseClearance(a.Clearance)
	if err != nil {
		cleared = access.Public
	}
	levels := []string{"'" + access.Public.String() + "'"}
	cond := []string{}
	if cleared >= access.Internal {
		cond = append(cond,
			"(d.classification = '"+access.Internal.String()+"' AND ("+member+" OR "+named+" OR "+unit+"))",
			"(d.classification = '"+access.Restricted.String()+"' AND ("+named+" OR "+unit+"))")
	}
	var secrets []string
	for _, l := range []access.Level{access.Secret, access.TopSecret, access.UltraSecret} {
		if l <= cleared {
			secrets = append(secrets, "'"+l.String()+"'")
		}
	}
	if len(secrets) > 0 {
		cond = append(cond, "(d.classification IN ("+strings.Join(secrets, ", ")+") AND ("+member+" OR "+named+"))")
	}
	cond = append(cond, "d.classification IN ("+strings.Join(levels, ", ")+")")
	return "((" + role + ") AND (" + strings.Join(cond, " OR ") + "))", nil
}

// namedSQL is whether a is one of a document's named people
// (Document.Readers: its registering clerk, an outgoing draft's review
// chain, the people named by AddReaders).
func namedSQL(a *actor.Actor) string {
	if a.AccountID == 0 {
		return "FALSE"
	}
	acc := strconv.FormatInt(a.AccountID, 10)
	return "(d.created_by = " + acc + " OR EXISTS (SELECT 1 FROM documents_chain c WHERE c.document_id = d.id AND c.account_id = " + acc + ")" +
		" OR d.id IN (SELECT r.document_id FROM documents_readers r WHERE r.account_id = " + acc + "))"
}

// readerUnitSQL is whether a's unit is among the units named by
// AddReaders (of any agency: unit ids are platform-wide).
func readerUnitSQL(a *actor.Actor) string {
	if a.UnitID == 0 {
		return "FALSE"
	}
	return "d.id IN (SELECT r.document_id FROM documents_readers r WHERE r.unit_id = " + strconv.FormatInt(a.UnitID, 10) + ")"
}

// rowResource is the access resource of a listed row: named is whether the
// reader is among its named people, unit its drafting unit (0 = none).
func rowResource(a *actor.Actor, id, agency int64, level access.Level, createdBy int64, named bool, unit int64) access.Resource {
	res := access.Resource{Type: "document", ID: strconv.FormatInt(id, 10), AgencyID: agency, Level: level, People: []int64{createdBy}}
	if named && a != nil {
		res.People = append(res.People, a.AccountID)
	}
	if unit != 0 {
		res.Units = []int64{unit}
	}
	return res
}

func idList(v []int64) string {
	v = slices.Clone(v)
	slices.Sort(v)
	v = slices.Compact(v)
	s := make([]string, len(v))
	for i, id := range v {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}
