package apitest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// The one-stop fixture's agencies: the receiving agency and another one
// that holds no step of the fixture's procedure.
const (
	DeskAgency      = 10
	DeskAgencyCode  = "H15.01.01"
	OtherAgency     = 20
	OtherAgencyCode = "H15.02"
)

// DeskModules are the migrations the one-stop fixture needs.
func DeskModules() []db.Migrations {
	return []db.Migrations{audit.Migrations, jobs.Migrations, notify.Migrations, blob.Migrations, calstore.Migrations, onestop.Migrations}
}

// Desk is a one-stop service on a real database for the tests of the
// officers' pages and API: a catalogue with one procedure (business
// household registration, 3 working days: reception, appraisal by a
// specialist, the leader's decision), the dossier service, uploads and the
// stored calendar, with a clock set to a working Monday morning.
type Desk struct {
	DB        *db.DB
	Dossiers  *onestop.DossierService
	Catalogue *onestop.Catalogue
	Uploads   *blob.Service
	Calendar  *calstore.Service
	Guard     *access.Guard
	// Ctx carries the access guard, as the session middleware puts it.
	Ctx context.Context

	Officer, Officer2, Specialist, Leader, Outsider, Citizen *actor.Actor
	// OtherSpecialist and OtherLeader are of the other agency, which holds
	// the appraisal and the decision of the liên thông procedure.
	OtherSpecialist, OtherLeader *actor.Actor
	// Holders lists the fixture's officials by agency and role.
	Holders onestop.HolderDirectory

	mu  sync.Mutex
	now time.Time
}

// DeskProcedure is the fixture's procedure code; LinkedProcedure the
// liên thông one (received here, appraised and decided by the other agency).
const (
	DeskProcedure   = "1.001612"
	LinkedProcedure = "1.000001"
)

// Now is the fixture's clock.
func (f *Desk) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to a Vietnam wall time.
func (f *Desk) Set(t time.Time) {
	f.mu.Lock()
	f.now = t.UTC()
	f.mu.Unlock()
}

func deskOfficial(id, agency int64, role access.Role, name string) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: name, AgencyID: agency,
		Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

type deskOrg struct{}

func (deskOrg) AgencyByCode(_ context.Context, code string, _ org.Date) (*org.Agency, error) {
	switch code {
	case DeskAgencyCode:
		return &org.Agency{ID: DeskAgency, Code: code, Name: "Trung tâm Phục vụ hành chính công tỉnh"}, nil
	case OtherAgencyCode:
		return &org.Agency{ID: OtherAgency, Code: code, Name: "Sở Xây dựng"}, nil
	}
	return nil, apperr.New(apperr.NotFound, "Không có cơ quan %q", code)
}

func (deskOrg) Communes(context.Context, string, org.Date) ([]org.AdminUnit, error) { return nil, nil }

type deskAgencies struct{}

func (deskAgencies) AgencyByID(ctx context.Context, id int64) (onestop.AgencyInfo, error) {
	for _, c := range []string{DeskAgencyCode, OtherAgencyCode} {
		if g, _ := (deskOrg{}).AgencyByCode(ctx, c, org.Date{}); g.ID == id {
			return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
		}
	}
	return onestop.AgencyInfo{}, apperr.New(apperr.NotFound, "Không có cơ quan")
}

func (deskAgencies) AgencyByCode(ctx context.Context, code string) (onestop.AgencyInfo, error) {
	g, err := deskOrg{}.AgencyByCode(ctx, code, org.Date{})
	if err != nil {
		return onestop.AgencyInfo{}, err
	}
	return onestop.AgencyInfo{ID: g.ID, Code: g.Code, Name: g.Name}, nil
}

type deskHolders struct{ f *Desk }

func (h deskHolders) all() []*actor.Actor {
	f := h.f
	return []*actor.Actor{f.Officer, f.Officer2, f.Specialist, f.Leader, f.Outsider, f.OtherSpecialist, f.OtherLeader}
}

func (h deskHolders) Holders(_ context.Context, agency int64, role string) ([]onestop.Holder, error) {
	var out []onestop.Holder
	for _, a := range h.all() {
		if a.AgencyID == agency && a.HasRole(role) {
			out = append(out, onestop.Holder{ID: a.AccountID, Name: a.Name})
		}
	}
	return out, nil
}

func (h deskHolders) Holder(_ context.Context, id int64) (onestop.Holder, error) {
	for _, a := range h.all() {
		if a.AccountID == id {
			return onestop.Holder{ID: a.AccountID, Name: a.Name}, nil
		}
	}
	return onestop.Holder{}, apperr.New(apperr.NotFound, "Không có cán bộ")
}

type deskProcedures struct{ c *onestop.Catalogue }

func (p deskProcedures) Procedure(ctx context.Context, code string) (*onestop.Procedure, error) {
	return p.c.Get(ctx, code)
}

// NewDesk builds the fixture on d (migrated with DeskModules).
func NewDesk(t testing.TB, d *db.DB) *Desk {
	t.Helper()
	f := &Desk{DB: d}
	f.Set(time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN)) // a Monday, a working day
	lg, err := audit.New(d, audit.Options{Now: f.Now})
	if err != nil {
		t.Fatal(err)
	}
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if f.Uploads, err = blob.New(d, blob.Options{Store: store, Audit: lg, Keys: keys, Now: f.Now, MaxSize: 1 << 20, SpoolDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if f.Calendar, err = calstore.New(d, calstore.Options{Audit: lg, Now: f.Now}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Calendar.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.Guard = access.NewGuard(access.Options{DB: d, Audit: lg})
	f.Ctx = access.WithGuard(context.Background(), f.Guard)
	if f.Catalogue, err = onestop.NewCatalogue(d, onestop.CatalogueOptions{Audit: lg, Org: deskOrg{}, Now: f.Now}); err != nil {
		t.Fatal(err)
	}
	proc := onestop.Procedure{Code: DeskProcedure, Name: "Đăng ký thành lập hộ kinh doanh", Field: "Thành lập và hoạt động của hộ kinh doanh",
		Level: onestop.LevelCommune, AgencyCode: DeskAgencyCode, Days: 3, CutOff: "15:00", Online: true, Active: true,
		ResultType: "Giấy chứng nhận đăng ký hộ kinh doanh",
		Fees:       []onestop.Fee{{Name: "Lệ phí đăng ký hộ kinh doanh", Amount: 100000}},
		Fields:     []onestop.Field{{Name: "ten_ho", Label: "Tên hộ kinh doanh", Type: onestop.FieldText, Required: true}},
		Components: []onestop.Component{{Code: "GDN", Name: "Giấy đề nghị đăng ký hộ kinh doanh", Required: true}},
		Steps: []onestop.Step{{Name: "Tiếp nhận hồ sơ", Role: "onestop_officer", Hours: 4}, {Name: "Thẩm định", Role: "specialist", Hours: 12},
			{Name: "Phê duyệt", Role: "leader", Hours: 8}}}
	linked := proc
	linked.Code, linked.Name, linked.Field, linked.Level, linked.Days = LinkedProcedure, "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", onestop.LevelProvince, 15
	linked.Components = []onestop.Component{{Code: "DN", Name: "Đơn đề nghị cấp giấy phép xây dựng", Required: true}}
	linked.Fields = nil
	linked.Steps = []onestop.Step{{Name: "Tiếp nhận hồ sơ", Role: "onestop_officer", Hours: 4}, {Name: "Thẩm định hồ sơ", AgencyCode: OtherAgencyCode, Role: "specialist", Hours: 80},
		{Name: "Phê duyệt", AgencyCode: OtherAgencyCode, Role: "leader", Hours: 36}}
	for _, p := range []onestop.Procedure{proc, linked} {
		if _, err := f.Catalogue.Save(f.Ctx, actor.SystemActor("test"), p); err != nil {
			t.Fatalf("save the fixture's procedure %s: %v (%s)", p.Code, err, apperr.MessageOf(err))
		}
	}
	f.Holders = deskHolders{f}
	if f.Dossiers, err = onestop.NewDossiers(d, onestop.DossierOptions{Procedures: deskProcedures{f.Catalogue}, Agencies: deskAgencies{},
		Audit: lg, Calendar: f.Calendar, Uploads: f.Uploads, Holders: f.Holders, Now: f.Now}); err != nil {
		t.Fatal(err)
	}
	f.Officer = deskOfficial(100, DeskAgency, access.OneStopOfficer, "Lê Thị Một Cửa")
	f.Officer2 = deskOfficial(103, DeskAgency, access.OneStopOfficer, "Phạm Văn Tiếp")
	f.Specialist = deskOfficial(101, DeskAgency, access.Specialist, "Hoàng Văn Thẩm")
	f.Leader = deskOfficial(102, DeskAgency, access.Leader, "Nguyễn Văn Lãnh")
	f.Outsider = deskOfficial(201, OtherAgency, access.OneStopOfficer, "Đỗ Thị Khác")
	f.OtherSpecialist = deskOfficial(202, OtherAgency, access.Specialist, "Vũ Văn Xây")
	f.OtherLeader = deskOfficial(203, OtherAgency, access.Leader, "Bùi Thị Sở")
	f.Citizen = &actor.Actor{AccountID: 500, Kind: actor.Citizen, Name: "Nguyễn Thị Hoa", Roles: []actor.RoleGrant{{Role: string(access.CitizenRole)}}}
	return f
}

// Upload stores a PDF as a's upload and returns its id.
func (f *Desk) Upload(t testing.TB, a *actor.Actor, name string) string {
	t.Helper()
	u, err := f.Uploads.Upload(f.Ctx, a, bytes.NewReader(blobtest.PDF()), blob.Request{Name: name, PersonalData: true})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// Online submits a dossier of DeskProcedure as the citizen (status 1,
// waiting at the desk).
func (f *Desk) Online(t testing.TB, n int) *onestop.Dossier {
	t.Helper()
	d, err := f.Dossiers.Submit(f.Ctx, f.Citizen, onestop.SubmitRequest{ProcedureCode: DeskProcedure,
		Applicant: onestop.Applicant{IDNumber: "001190012345", Phone: "0912345678", Address: "Số 5 đường Hoàng Liên"},
		Fields:    map[string]string{"ten_ho": fmt.Sprintf("Hộ kinh doanh Hoa Sen %d", n)},
		Files:     map[string][]string{"GDN": {f.Upload(t, f.Citizen, "giay-de-nghi.pdf")}}})
	if err != nil {
		t.Fatalf("submit: %v (%s)", err, apperr.MessageOf(err))
	}
	return d
}

// Linked submits a dossier of LinkedProcedure as the citizen.
func (f *Desk) Linked(t testing.TB) *onestop.Dossier {
	t.Helper()
	d, err := f.Dossiers.Submit(f.Ctx, f.Citizen, onestop.SubmitRequest{ProcedureCode: LinkedProcedure,
		Applicant: onestop.Applicant{IDNumber: "001190012345", Address: "Số 5 đường Hoàng Liên"},
		Files:     map[string][]string{"DN": {f.Upload(t, f.Citizen, "don-de-nghi.pdf")}}})
	if err != nil {
		t.Fatalf("submit: %v (%s)", err, apperr.MessageOf(err))
	}
	return d
}
