package onestop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// CatalogueOrg finds agencies by electronic code and lists the current
// communes; *org.Service implements it.
type CatalogueOrg interface {
	AgencyByCode(ctx context.Context, code string, asOf org.Date) (*org.Agency, error)
	Communes(ctx context.Context, provinceCode string, asOf org.Date) ([]org.AdminUnit, error)
}

// CatalogueOptions configure the Catalogue.
type CatalogueOptions struct {
	// Audit writes the audit entries in the change's transaction;
	// *audit.Log implements it.
	Audit interface {
		Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error
	}
	Org CatalogueOrg
	// Province is the province whose communes CommuneOptions lists for an
	// address select ("15", Lào Cai, in the demo); "" lists every commune.
	Province string
	Now      func() time.Time // clock.Now when nil
	Logger   *slog.Logger
}

// Catalogue keeps the procedure catalogue (danh mục thủ tục hành chính).
// Reading is public; every change asks access.Can for
// OnestopProcedureManage on the responsible agency and is written with its
// audit entry in one db.Tx.
type Catalogue struct {
	db   *db.DB
	opts CatalogueOptions

	mu       sync.Mutex
	communes *communeList
}

// NewCatalogue returns the catalogue service.
func NewCatalogue(d *db.DB, opts CatalogueOptions) (*Catalogue, error) {
	if d == nil || opts.Audit == nil || opts.Org == nil {
		return nil, errors.New("onestop.NewCatalogue: DB, Audit and Org are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Catalogue{db: d, opts: opts}, nil
}

func (c *Catalogue) today() org.Date { return calendar.DateOf(c.opts.Now().In(locale.VN)) }

// communeList is the current communes read on one day.
type communeList struct {
	day   org.Date
	read  time.Time
	names map[string]string // code → name
	all   []org.AdminUnit
}

func (l *communeList) HasCommune(code string) bool { _, ok := l.names[code]; return ok }

// communeSet returns the communes valid today, read from org at most every
// five minutes (an import of a new unit list shows within that time).
func (c *Catalogue) communeSet(ctx context.Context) (*communeList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, day := c.opts.Now(), c.today()
	if l := c.communes; l != nil && l.day == day && now.Sub(l.read) < 5*time.Minute && now.Sub(l.read) >= 0 {
		return l, nil
	}
	units, err := c.opts.Org.Communes(ctx, "", day)
	if err != nil {
		return nil, err
	}
	l := &communeList{day: day, read: now, names: make(map[string]string, len(units)), all: units}
	for _, u := range units {
		l.names[u.Code] = u.Name
	}
	c.communes = l
	return l, nil
}

// CommuneOption is one commune of an address select.
type CommuneOption struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CommuneOptions lists the current communes of the configured province
// (every commune when none is configured) for an address field's select,
// in official code order.
func (c *Catalogue) CommuneOptions(ctx context.Context) ([]CommuneOption, error) {
	l, err := c.communeSet(ctx)
	if err != nil {
		return nil, err
	}
	var out []CommuneOption
	for _, u := range l.all {
		if c.opts.Province == "" || u.ProvinceCode == c.opts.Province {
			out = append(out, CommuneOption{Code: u.Code, Name: u.Name})
		}
	}
	return out, nil
}

// CommuneName returns the current name of a commune code, "" if none.
func (c *Catalogue) CommuneName(ctx context.Context, code string) string {
	l, err := c.communeSet(ctx)
	if err != nil {
		return ""
	}
	return l.names[code]
}

// agencyID resolves a responsible agency's code to its id, ENOTFOUND as a
// field error when no current agency has it.
func (c *Catalogue) agencyID(ctx context.Context, code, field string) (int64, error) {
	g, err := c.opts.Org.AgencyByCode(ctx, code, c.today())
	if apperr.Is(err, apperr.NotFound) {
		return 0, apperr.FieldError(field, "Không có cơ quan đang hoạt động mang mã định danh %q", clip(code, 40))
	}
	if err != nil {
		return 0, err
	}
	return g.ID, nil
}

// AgencyName returns the name of the agency with this code today, "" when
// none.
func (c *Catalogue) AgencyName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	g, err := c.opts.Org.AgencyByCode(ctx, code, c.today())
	if err != nil {
		return ""
	}
	return g.Name
}

// check normalises and validates p, including its agencies, and returns
// the responsible agency's id.
func (c *Catalogue) check(ctx context.Context, p Procedure) (Procedure, int64, error) {
	p = p.Normalize()
	if err := p.Validate(); err != nil {
		return p, 0, err
	}
	id, err := c.agencyID(ctx, p.AgencyCode, "agency_code")
	if err != nil {
		return p, 0, err
	}
	for i, s := range p.Steps {
		if s.AgencyCode != "" && s.AgencyCode != p.AgencyCode {
			if _, err := c.agencyID(ctx, s.AgencyCode, fmt.Sprintf("steps[%d].agency_code", i)); err != nil {
				return p, 0, err
			}
		}
	}
	return p, id, nil
}

func procResource(code string, agency int64) access.Resource {
	return access.Resource{Type: "procedure", ID: code, AgencyID: agency}
}

// Save creates or updates a procedure (found by code) after validating it
// whole; the actor must manage the procedures of its responsible agency
// (and of the agency that was responsible before, on a change). The
// stored procedure is returned.
func (c *Catalogue) Save(ctx context.Context, a *actor.Actor, p Procedure) (*Procedure, error) {
	p, agency, err := c.check(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.OnestopProcedureManage, procResource(p.Code, agency)); err != nil {
		return nil, err
	}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := c.save(ctx, tx, a, p, "onestop.procedure.save")
		return err
	})
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, p.Code)
}

// save writes p (checked) and its audit entry in tx; it reports whether
// anything changed.
func (c *Catalogue) save(ctx context.Context, tx *sql.Tx, a *actor.Actor, p Procedure, action string) (string, error) {
	old, err := getProcedure(ctx, tx, p.Code)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", err
	}
	if old != nil && old.AgencyCode != p.AgencyCode {
		oldID, err := c.agencyID(ctx, old.AgencyCode, "agency_code")
		if err == nil {
			err = access.Authorize(ctx, a, access.OnestopProcedureManage, procResource(p.Code, oldID))
		}
		if err != nil && !apperr.Is(err, apperr.Invalid) { // a retired old agency does not block the move
			return "", err
		}
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	outcome := "created"
	if old != nil {
		prev, _ := json.Marshal(old)
		if bytes.Equal(prev, doc) {
			return "unchanged", nil
		}
		outcome = "updated"
	}
	folded := locale.Fold(p.Name + " " + p.Code + " " + p.Field)
	active := 0
	if p.Active {
		active = 1
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO onestop_procedures
		(code, agency_code, level, field, name, name_folded, field_folded, active, days, doc, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (code) DO UPDATE SET agency_code = excluded.agency_code, level = excluded.level, field = excluded.field,
			name = excluded.name, name_folded = excluded.name_folded, field_folded = excluded.field_folded, active = excluded.active,
			days = excluded.days, doc = excluded.doc, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		p.Code, p.AgencyCode, string(p.Level), p.Field, p.Name, folded, locale.Fold(p.Field), active, p.Days, string(doc),
		db.Micros(c.opts.Now()), actorName(a))
	if err != nil {
		return "", fmt.Errorf("save procedure %s: %w", p.Code, err)
	}
	var before any
	var summary any = map[string]any{"outcome": outcome}
	if old != nil {
		before = old
		if fields, err := audit.ChangedFields(old, p); err == nil {
			summary = map[string]any{"outcome": outcome, "changed": fields}
		}
	}
	return outcome, c.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: action, ObjectType: "procedure", ObjectID: p.Code,
		Before: before, After: p, Summary: summary})
}

func actorName(a *actor.Actor) string {
	if a == nil {
		return ""
	}
	return a.Name
}

// SetActive offers a procedure again (true) or stops offering it (false:
// deactivated procedures are kept, hidden from the portal, and take no new
// dossiers).
func (c *Catalogue) SetActive(ctx context.Context, a *actor.Actor, code string, active bool) error {
	p, err := c.Get(ctx, code)
	if err != nil {
		return err
	}
	agency, err := c.agencyID(ctx, p.AgencyCode, "agency_code")
	if err != nil {
		return err
	}
	if err := access.Authorize(ctx, a, access.OnestopProcedureManage, procResource(p.Code, agency)); err != nil {
		return err
	}
	if p.Active == active {
		return nil
	}
	return c.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getProcedure(ctx, tx, p.Code)
		if err != nil {
			return err
		}
		cur.Active = active
		action := "onestop.procedure.deactivate"
		if active {
			action = "onestop.procedure.activate"
		}
		_, err = c.save(ctx, tx, a, *cur, action)
		return err
	})
}

// Deactivate stops offering a procedure (SetActive false).
func (c *Catalogue) Deactivate(ctx context.Context, a *actor.Actor, code string) error {
	return c.SetActive(ctx, a, code, false)
}

func getProcedure(ctx context.Context, q db.Querier, code string) (*Procedure, error) {
	var doc string
	err := q.QueryRowContext(ctx, "SELECT doc FROM onestop_procedures WHERE code = $1", code).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy thủ tục hành chính mã %q", clip(code, 40))
	}
	if err != nil {
		return nil, fmt.Errorf("read procedure %s: %w", code, err)
	}
	var p Procedure
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("decode procedure %s: %w", code, err)
	}
	return &p, nil
}

// Get returns a procedure by code, active or not (Active says which), with
// the current communes attached for ValidateForm; ENOTFOUND when there is
// no such procedure. The catalogue is public: no actor is needed.
func (c *Catalogue) Get(ctx context.Context, code string) (*Procedure, error) {
	p, err := getProcedure(ctx, c.db.Reader(), locale.NFC(code))
	if err != nil {
		return nil, err
	}
	if l, err := c.communeSet(ctx); err == nil {
		p.communes = l
	} else {
		c.opts.Logger.WarnContext(ctx, "onestop: communes not read; addresses checked by form only", "error", err)
	}
	return p, nil
}

// SearchQuery filters the catalogue.
type SearchQuery struct {
	// Q is matched, folded (no diacritics, đ = d, any case), against the
	// name, code and field: every word must occur.
	Q      string
	Level  Level  // "" = both
	Field  string // lĩnh vực, compared folded; "" = all
	Agency string // responsible agency's code; "" = all
	// All includes deactivated procedures (the administrators' list).
	All   bool
	Limit int // 0 = 500
}

// Search lists the procedures matching q in Vietnamese name order.
func (c *Catalogue) Search(ctx context.Context, q SearchQuery) ([]Procedure, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, w := range strings.Fields(locale.Fold(locale.NFC(q.Q))) {
		if len(args) >= 10 {
			break
		}
		where = append(where, "name_folded LIKE "+arg("%"+likeEscape(w)+"%")+` ESCAPE '\'`)
	}
	if q.Level != "" {
		where = append(where, "level = "+arg(string(q.Level)))
	}
	if f := locale.Fold(locale.NFC(q.Field)); f != "" {
		where = append(where, "field_folded = "+arg(strings.Join(strings.Fields(f), " ")))
	}
	if q.Agency != "" {
		where = append(where, "agency_code = "+arg(locale.NFC(q.Agency)))
	}
	if !q.All {
		where = append(where, "active = 1")
	}
	query := "SELECT doc FROM onestop_procedures"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 5000 {
		limit = 500
	}
	query += " ORDER BY name_folded, code LIMIT " + fmt.Sprint(limit)
	rows, err := c.db.Reader().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search procedures: %w", err)
	}
	defer rows.Close()
	var out []Procedure
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var p Procedure
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return nil, fmt.Errorf("decode procedure: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	locale.SortFunc(out, func(p Procedure) string { return p.Name })
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Fields lists the fields (lĩnh vực) of the active procedures, for the
// portal's filter, in Vietnamese order.
func (c *Catalogue) Fields(ctx context.Context) ([]string, error) {
	rows, err := c.db.Reader().QueryContext(ctx, "SELECT DISTINCT field FROM onestop_procedures WHERE active = 1")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	locale.SortFunc(out, func(s string) string { return s })
	return out, rows.Err()
}

// ExportFormat names the JSON document Export writes and Import reads.
const ExportFormat = "chinhquyen.onestop.procedures/1"

// ExportFile is the JSON document of an export.
type ExportFile struct {
	Format     string      `json:"format"`
	ExportedAt string      `json:"exported_at"` // RFC 3339
	Agency     string      `json:"agency,omitempty"`
	Procedures []Procedure `json:"procedures"`
}

// Export writes the catalogue, or the procedures of one responsible agency,
// active or not, as JSON that Import reads back. The catalogue is public
// information: no actor is needed.
func (c *Catalogue) Export(ctx context.Context, agency string) ([]byte, error) {
	list, err := c.Search(ctx, SearchQuery{Agency: agency, All: true, Limit: 5000})
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []Procedure{}
	}
	return json.MarshalIndent(ExportFile{Format: ExportFormat, ExportedAt: c.opts.Now().UTC().Format(time.RFC3339),
		Agency: locale.NFC(agency), Procedures: list}, "", "  ")
}

// MaxImportBytes bounds an import file.
const MaxImportBytes = 8 << 20

// ImportReport says what an import did.
type ImportReport struct {
	Created   int      `json:"created"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	Codes     []string `json:"codes"`
}

// Import reads an export (ExportFile, or a bare JSON array of procedures)
// and saves every procedure in it, in one transaction: the file is
// validated as a whole first, and one bad procedure, one the actor may not
// manage or a code given twice stores nothing. Errors name the procedure
// (its position and code) and the field, e.g. procedures[3].steps.
func (c *Catalogue) Import(ctx context.Context, a *actor.Actor, r io.Reader) (*ImportReport, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp nhập")
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.FieldError("file", "Tệp nhập quá lớn (tối đa %d MB)", MaxImportBytes>>20)
	}
	list, err := ParseImport(data)
	if err != nil {
		return nil, err
	}
	checked := make([]Procedure, len(list))
	seen := map[string]int{}
	for i, p := range list {
		q, agency, err := c.check(ctx, p)
		if err != nil {
			return nil, importError(i, p.Code, err)
		}
		if j, dup := seen[q.Code]; dup {
			return nil, importError(i, q.Code, apperr.FieldError("code", "Mã thủ tục trùng với thủ tục thứ %d trong tệp", j+1))
		}
		seen[q.Code] = i
		if err := access.Authorize(ctx, a, access.OnestopProcedureManage, procResource(q.Code, agency)); err != nil {
			return nil, importError(i, q.Code, err)
		}
		checked[i] = q
	}
	rep := &ImportReport{Codes: []string{}}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		*rep = ImportReport{Codes: []string{}}
		for i, p := range checked {
			outcome, err := c.save(ctx, tx, a, p, "onestop.procedure.import")
			if err != nil {
				return importError(i, p.Code, err)
			}
			switch outcome {
			case "created":
				rep.Created++
			case "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
			rep.Codes = append(rep.Codes, p.Code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// ParseImport decodes an import file: an ExportFile object or a bare array
// of procedures, unknown keys refused (a misspelt key would otherwise be
// dropped silently). It is the parser of outside input the fuzz test runs.
func ParseImport(data []byte) ([]Procedure, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, apperr.FieldError("file", "Tệp nhập trống")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var list []Procedure
	if trimmed[0] == '[' {
		if err := dec.Decode(&list); err != nil {
			return nil, jsonError(err)
		}
	} else {
		var f ExportFile
		if err := dec.Decode(&f); err != nil {
			return nil, jsonError(err)
		}
		if f.Format != "" && f.Format != ExportFormat {
			return nil, apperr.FieldError("format", "Định dạng tệp %q không được hỗ trợ: dùng %s", clip(f.Format, 60), ExportFormat)
		}
		list = f.Procedures
	}
	if dec.More() {
		return nil, apperr.FieldError("file", "Tệp nhập có dữ liệu thừa sau nội dung JSON")
	}
	if len(list) == 0 {
		return nil, apperr.FieldError("procedures", "Tệp nhập không có thủ tục nào")
	}
	if len(list) > 5000 {
		return nil, apperr.FieldError("procedures", "Tệp nhập có quá 5.000 thủ tục")
	}
	return list, nil
}

func jsonError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "json: unknown field "); i >= 0 {
		return apperr.Wrap(err, apperr.Invalid, "Tệp nhập có trường không được hỗ trợ: %s", clip(strings.TrimPrefix(msg[i:], "json: unknown field "), 60))
	}
	return &apperr.Error{Code: apperr.Invalid, Field: "file", Message: "Tệp nhập không phải JSON hợp lệ của danh mục thủ tục", Err: err}
}

func importError(i int, code string, err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	field := fmt.Sprintf("procedures[%d]", i)
	if e.Field != "" {
		field += "." + e.Field
	}
	name := code
	if name == "" {
		name = "(chưa có mã)"
	}
	return &apperr.Error{Code: e.Code, Field: field, Message: fmt.Sprintf("Thủ tục thứ %d (%s): %s", i+1, clip(name, 40), e.Message), Err: e.Err}
}

// Procedure returns a procedure by code as Get does (active or not: a
// dossier already received keeps its procedure); it is the
// ProcedureSource the dossiers read.
func (c *Catalogue) Procedure(ctx context.Context, code string) (*Procedure, error) {
	return c.Get(ctx, code)
}

// CanManage reports whether a may change p (access.Permits: records
// nothing), for pages that offer the edit and deactivation only where
// they would be allowed; the change itself still asks access.Can.
func (c *Catalogue) CanManage(ctx context.Context, a *actor.Actor, p *Procedure) bool {
	if a == nil {
		return false
	}
	id, err := c.agencyID(ctx, p.AgencyCode, "agency_code")
	if err != nil {
		return false
	}
	return access.Permits(ctx, a, access.OnestopProcedureManage, procResource(p.Code, id))
}
