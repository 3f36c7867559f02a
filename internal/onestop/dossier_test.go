package onestop_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/calendar/calstore"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

const (
	home     = 10 // Trung tâm Phục vụ hành chính công tỉnh
	other    = 20 // Sở Xây dựng (liên thông)
	homeCode = "H15.01.01"
	otherCod = "H15.02"
)

func official(id, agency int64, role access.Role) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: fmt.Sprintf("Cán bộ %d", id), AgencyID: agency,
		Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

var (
	desk         = official(100, home, access.OneStopOfficer)
	desk2        = official(103, home, access.OneStopOfficer)
	specialist   = official(101, home, access.Specialist)
	leader       = official(102, home, access.Leader)
	otherSpec    = official(201, other, access.Specialist)
	otherLeader  = official(202, other, access.Leader)
	citizen      = &actor.Actor{AccountID: 500, Kind: actor.Citizen, Name: "Nguyễn Thị Hoa", Roles: []actor.RoleGrant{{Role: string(access.CitizenRole)}}}
	otherCitizen = &actor.Actor{AccountID: 501, Kind: actor.Citizen, Name: "Trần Văn Bình", Roles: []actor.RoleGrant{{Role: string(access.CitizenRole)}}}
)

// procedures is the fixture's catalogue.
type procedures map[string]*onestop.Procedure

func (p procedures) Procedure(_ context.Context, code string) (*onestop.Procedure, error) {
	if pr, ok := p[code]; ok {
		return pr, nil
	}
	return nil, apperr.New(apperr.NotFound, "Không có thủ tục")
}

type agencies struct{}

var agencyList = []onestop.AgencyInfo{{ID: home, Code: homeCode, Name: "Trung tâm Phục vụ hành chính công tỉnh"},
	{ID: other, Code: otherCod, Name: "Sở Xây dựng"}}

func (agencies) AgencyByID(_ context.Context, id int64) (onestop.AgencyInfo, error) {
	for _, a := range agencyList {
		if a.ID == id {
			return a, nil
		}
	}
	return onestop.AgencyInfo{}, apperr.New(apperr.NotFound, "Không có cơ quan")
}

func (agencies) AgencyByCode(_ context.Context, code string) (onestop.AgencyInfo, error) {
	for _, a := range agencyList {
		if a.Code == code {
			return a, nil
		}
	}
	return onestop.AgencyInfo{}, apperr.New(apperr.NotFound, "Không có cơ quan")
}

// mailbox records the e-mails enqueued (in the change's transaction).
type mailbox struct {
	mu   sync.Mutex
	sent []notify.Message
}

func (m *mailbox) EmailEnabled() bool { return true }
func (m *mailbox) Send(_ context.Context, _ *sql.Tx, msg notify.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, msg)
	return nil
}
func (m *mailbox) count(template string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.sent {
		if s.Template == template {
			n++
		}
	}
	return n
}

type holders struct{}

func (holders) Holders(_ context.Context, agency int64, role string) ([]onestop.Holder, error) {
	var out []onestop.Holder
	for _, a := range []*actor.Actor{desk, specialist, leader, otherSpec, otherLeader} {
		if a.AgencyID == agency && a.HasRole(role) {
			out = append(out, onestop.Holder{ID: a.AccountID, Name: a.Name, Email: fmt.Sprintf("cb%d@chinhquyen.test", a.AccountID)})
		}
	}
	return out, nil
}

func (holders) Holder(_ context.Context, id int64) (onestop.Holder, error) {
	for _, a := range []*actor.Actor{desk, specialist, leader, otherSpec, otherLeader} {
		if a.AccountID == id {
			return onestop.Holder{ID: a.AccountID, Name: a.Name, Email: fmt.Sprintf("cb%d@chinhquyen.test", a.AccountID)}, nil
		}
	}
	return onestop.Holder{}, apperr.New(apperr.NotFound, "Không có cán bộ")
}

// The fixture's procedures: a birth registration (same day, 15:00
// cut-off), a 3-day business household registration processed by the
// home agency, and a 15-day construction permit with a step at another
// agency (liên thông).
var catalogue = procedures{
	"1.001193": {Code: "1.001193", Name: "Đăng ký khai sinh", Field: "Hộ tịch", Level: onestop.LevelCommune, AgencyCode: homeCode,
		Days: 0, CutOff: "15:00", Online: true, Active: true,
		Fields: []onestop.Field{{Name: "ten_tre", Label: "Họ tên trẻ", Type: onestop.FieldText, Required: true},
			{Name: "cccd_me", Label: "Số định danh của mẹ", Type: onestop.FieldCCCD}},
		Components: []onestop.Component{{Code: "TK", Name: "Tờ khai đăng ký khai sinh", Required: true}, {Code: "GCS", Name: "Giấy chứng sinh", Required: false}},
		Steps: []onestop.Step{{Name: "Tiếp nhận", Role: "onestop_officer", Hours: 2}, {Name: "Thẩm định", Role: "specialist", Hours: 4},
			{Name: "Phê duyệt", Role: "leader", Hours: 2}}},
	"1.001612": {Code: "1.001612", Name: "Đăng ký hộ kinh doanh", Field: "Thành lập và hoạt động của hộ kinh doanh", Level: onestop.LevelCommune,
		AgencyCode: homeCode, Days: 3, Online: true, Active: true,
		Components: []onestop.Component{{Code: "GDN", Name: "Giấy đề nghị đăng ký hộ kinh doanh", Required: true}},
		Steps: []onestop.Step{{Name: "Tiếp nhận", Role: "onestop_officer", Hours: 4}, {Name: "Thẩm định", Role: "specialist", Hours: 12},
			{Name: "Phê duyệt", Role: "leader", Hours: 8}}},
	// As the demo's procedures list them: the desk's return after the
	// leader's decision.
	"2.000884": {Code: "2.000884", Name: "Chứng thực chữ ký", Field: "Chứng thực", Level: onestop.LevelCommune, AgencyCode: homeCode,
		Days: 1, Online: true, Active: true,
		Components: []onestop.Component{{Code: "GT", Name: "Giấy tờ cần chứng thực chữ ký", Required: true}},
		Steps: []onestop.Step{{Name: "Tiếp nhận", Role: "onestop_officer", Hours: 1}, {Name: "Thẩm định", Role: "specialist", Hours: 4},
			{Name: "Ký chứng thực", Role: "leader", Hours: 2}, {Name: "Trả kết quả", Role: "onestop_officer", Hours: 1}}},
	"1.000001": {Code: "1.000001", Name: "Cấp giấy phép xây dựng nhà ở riêng lẻ", Field: "Xây dựng", Level: onestop.LevelProvince,
		AgencyCode: homeCode, Days: 15, Online: true, Active: true,
		Components: []onestop.Component{{Code: "DN", Name: "Đơn đề nghị", Required: true}},
		Steps: []onestop.Step{{Name: "Tiếp nhận", Role: "onestop_officer", Hours: 4}, {Name: "Thẩm định hồ sơ", AgencyCode: otherCod, Role: "specialist", Hours: 80},
			{Name: "Phê duyệt", AgencyCode: otherCod, Role: "leader", Hours: 36}}},
}

func modules() []db.Migrations {
	return []db.Migrations{audit.Migrations, jobs.Migrations, notify.Migrations, blob.Migrations, calstore.Migrations, onestop.Migrations}
}

type fixture struct {
	d       *db.DB
	svc     *onestop.DossierService
	cal     *calendar.Calendar
	ctx     context.Context
	uploads *blob.Service
	mail    *mailbox
	mu      sync.Mutex
	now     time.Time
	t       *testing.T
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// at sets the clock to a Vietnam wall time "02/01/2006 15:04".
func (f *fixture) at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("02/01/2006 15:04", s, locale.VN)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.now = v.UTC()
	f.mu.Unlock()
	return v
}

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, mail: &mailbox{}, t: t}
	f.at(t, "07/12/2026 09:00")
	lg, err := audit.New(d, audit.Options{Now: f.clock})
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
	if f.uploads, err = blob.New(d, blob.Options{Store: store, Audit: lg, Keys: keys, Now: f.clock, MaxSize: 1 << 20, SpoolDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	cals, err := calstore.New(d, calstore.Options{Audit: lg, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cals.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.cal, err = cals.Calendar(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.svc, err = onestop.NewDossiers(d, onestop.DossierOptions{Procedures: catalogue, Agencies: agencies{}, Audit: lg, Calendar: cals,
		Uploads: f.uploads, Mail: f.mail, Holders: holders{}, BaseURL: "https://dichvucong.example.vn", Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: lg}))
	return f
}

func (f *fixture) upload(t *testing.T, a *actor.Actor) string {
	t.Helper()
	u, err := f.uploads.Upload(f.ctx, a, bytes.NewReader(blobtest.PDF()), blob.Request{Name: "to-khai.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// online submits a birth registration as the citizen.
func (f *fixture) online(t *testing.T, code string, key string) *onestop.Dossier {
	t.Helper()
	req := onestop.SubmitRequest{ProcedureCode: code, IdempotencyKey: key,
		Applicant: onestop.Applicant{IDNumber: "001190012345", Phone: "0912345678", Email: "hoa@example.vn", Address: "Số 1 đường Hoàng Liên"},
		Fields:    map[string]string{}, Files: map[string][]string{}}
	for _, fl := range catalogue[code].Fields {
		req.Fields[fl.Name] = "Nguyễn Minh An"
		if fl.Type == onestop.FieldCCCD {
			req.Fields[fl.Name] = "001190054321"
		}
	}
	for _, c := range catalogue[code].Components {
		if c.Required {
			req.Files[c.Code] = []string{f.upload(t, citizen)}
		}
	}
	d, err := f.svc.Submit(f.ctx, citizen, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) must(d *onestop.Dossier, err error) *onestop.Dossier {
	t := f.t
	t.Helper()
	if err != nil {
		t.Fatalf("%v (%s)", err, apperr.MessageOf(err))
	}
	return d
}

func vn(t time.Time) string { return t.In(locale.VN).Format("02/01/2006 15:04") }

func TestOnlineJourneyAcrossAgencies(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00") // Monday
		ds := f.online(t, "1.000001", "")
		if ds.Status != onestop.StatusNew || ds.Channel != onestop.ChannelOnline || ds.Code != homeCode+"-261207-0001" {
			t.Fatalf("submitted %+v", ds)
		}
		f.at(t, "07/12/2026 10:00")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{Version: ds.Version}))
		// 15 working days after Monday 07/12/2026: Monday 28/12/2026 17:00.
		if ds.Status != onestop.StatusAccepted || vn(ds.DueAt) != "28/12/2026 17:00" || !ds.Appointment.Equal(ds.DueAt) {
			t.Fatalf("accepted: status %v due %s", ds.Status, vn(ds.DueAt))
		}
		if len(ds.Steps) != 3 || ds.Steps[1].AgencyID != other || !ds.Steps[2].DueAt.Equal(ds.DueAt) || !ds.Steps[0].DueAt.Before(ds.Steps[1].DueAt) {
			t.Fatalf("steps %+v", ds.Steps)
		}
		// The other agency's specialist cannot act before the desk hands it over.
		if _, err := f.svc.CompleteStep(f.ctx, otherSpec, ds.ID, onestop.StepRequest{}); err == nil {
			t.Fatal("the next agency completed the desk's step")
		}
		ds = f.must(f.svc.CompleteStep(f.ctx, desk, ds.ID, onestop.StepRequest{Version: ds.Version}))
		if ds.Status != onestop.StatusProcessing || ds.CurrentStep != 1 {
			t.Fatalf("handed over: %v step %d", ds.Status, ds.CurrentStep)
		}
		// Liên thông: the other agency's specialist reads and lists it.
		if _, err := f.svc.Get(f.ctx, otherSpec, ds.ID); err != nil {
			t.Fatalf("liên thông read: %v", err)
		}
		page, err := f.svc.List(f.ctx, otherSpec, onestop.DossierFilter{})
		if err != nil || page.Total != 1 {
			t.Fatalf("liên thông queue: %v %+v", err, page)
		}
		// The home specialist holds no step of it.
		if _, err := f.svc.CompleteStep(f.ctx, specialist, ds.ID, onestop.StepRequest{}); err == nil {
			t.Fatal("the home specialist completed the other agency's step")
		}
		f.at(t, "24/12/2026 09:00") // late for its share
		ds = f.must(f.svc.CompleteStep(f.ctx, otherSpec, ds.ID, onestop.StepRequest{To: otherLeader.AccountID}))
		if ds.Steps[1].Outcome != onestop.Late || ds.Steps[2].HolderID != otherLeader.AccountID {
			t.Fatalf("step 2 %+v", ds.Steps[1])
		}
		// Only the leader decides, with a PDF result.
		if _, err := f.svc.Decide(f.ctx, otherSpec, ds.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, otherSpec)}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("specialist decided: %v", err)
		}
		ds = f.must(f.svc.Decide(f.ctx, otherLeader, ds.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, otherLeader)}))
		if ds.Status != onestop.StatusResultReady || ds.ResultUpload == "" {
			t.Fatalf("decided %+v", ds)
		}
		f.at(t, "29/12/2026 08:00")
		ds = f.must(f.svc.ReturnResult(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		if ds.Status != onestop.StatusReturned || ds.Outcome != onestop.Late || ds.ReturnedAt.IsZero() {
			t.Fatalf("returned %+v", ds)
		}
		slip, err := f.svc.ControlSlip(f.ctx, desk, ds.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Late attribution: the step held past its share is the other agency's.
		if len(slip.LateSteps) == 0 || slip.LateSteps[0].AgencyID != other || slip.LateSteps[0].Name != "Thẩm định hồ sơ" {
			t.Fatalf("late steps %+v", slip.LateSteps)
		}
		st, err := f.svc.Stats(f.ctx, leader, onestop.StatsFilter{})
		if err != nil || len(st.LateSteps) != 1 || st.LateSteps[0].Agency != "Sở Xây dựng" || st.LateSteps[0].Step != "Thẩm định hồ sơ" || st.Total.Late != 1 {
			t.Fatalf("late steps in the statistics: %v %+v", err, st)
		}
		ds = f.must(f.svc.Rate(f.ctx, citizen, ds.ID, onestop.RateRequest{Rating: onestop.RatingSatisfied, Comment: "Cán bộ nhiệt tình"}))
		if _, err := f.svc.Rate(f.ctx, citizen, ds.ID, onestop.RateRequest{Rating: onestop.RatingSatisfied}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second rating: %v", err)
		}
		if n := f.mail.count(onestop.StatusTemplate); n < 4 {
			t.Fatalf("%d status e-mails", n)
		}
	})
}

// The leader decides at the leader's step, not at the last one: a step
// after it is the desk's return of the result, which starts with the
// decision and ends with the return, and nobody completes the decision
// step as an ordinary step.
func TestDecisionAtTheLeadersStepThenTheDeskReturns(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		ds := f.online(t, "2.000884", "")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		ds = f.must(f.svc.CompleteStep(f.ctx, desk, ds.ID, onestop.StepRequest{}))
		ds = f.must(f.svc.CompleteStep(f.ctx, specialist, ds.ID, onestop.StepRequest{}))
		if ds.CurrentStep != ds.DecisionStep() || ds.DecisionStep() != 2 {
			t.Fatalf("at step %d, decision step %d", ds.CurrentStep, ds.DecisionStep())
		}
		if _, err := f.svc.CompleteStep(f.ctx, leader, ds.ID, onestop.StepRequest{}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("the decision step completed as a step: %v", err)
		}
		f.at(t, "07/12/2026 14:00")
		ds = f.must(f.svc.Decide(f.ctx, leader, ds.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, leader)}))
		if ds.Status != onestop.StatusResultReady || ds.CurrentStep != 3 || !ds.Steps[2].Done() || !ds.Steps[3].Started() || ds.Steps[3].Done() {
			t.Fatalf("decided: status %v, step %d, steps %+v", ds.Status, ds.CurrentStep, ds.Steps)
		}
		if _, err := f.svc.CompleteStep(f.ctx, desk, ds.ID, onestop.StepRequest{}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("the return step completed as a step: %v", err)
		}
		f.at(t, "07/12/2026 15:00")
		ds = f.must(f.svc.ReturnResult(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		if ds.Status != onestop.StatusReturned || !ds.Steps[3].Done() || ds.Steps[3].Outcome != onestop.Early {
			t.Fatalf("returned: status %v, return step %+v", ds.Status, ds.Steps[3])
		}
	})
}

// The legal clock across Tết 2027 (Fri 05/02 – Thu 11/02/2027 off) and
// the 15:00 cut-off (Decree 63/2024/NĐ-CP Art. 7(2)).
func TestLegalClockAcrossTetAndCutOff(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, c := range []struct{ at, code, due string }{
			{"04/02/2027 10:00", "1.001612", "16/02/2027 17:00"}, // 3 working days: Fri 12, Mon 15, Tue 16
			{"04/02/2027 15:30", "1.001612", "17/02/2027 17:00"}, // after 15:00: counted from Fri 12/02
			{"04/02/2027 14:59", "1.001193", "04/02/2027 17:00"}, // same day
			{"04/02/2027 15:01", "1.001193", "12/02/2027 17:00"}, // same-day after the cut-off: the next working day, after Tết
		} {
			f.at(t, c.at)
			ds := f.online(t, c.code, "")
			ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
			if vn(ds.DueAt) != c.due {
				t.Errorf("received %s (%s): due %s, want %s", c.at, c.code, vn(ds.DueAt), c.due)
			}
		}
	})
}

// A supplement request pauses the clock; the completed dossier's receipt
// starts it again in full (Decree 118/2025/NĐ-CP).
func TestSupplementPauseRecomputesDue(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		ds := f.online(t, "1.001612", "")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		if vn(ds.DueAt) != "10/12/2026 17:00" {
			t.Fatalf("due %s", vn(ds.DueAt))
		}
		ds = f.must(f.svc.CompleteStep(f.ctx, desk, ds.ID, onestop.StepRequest{}))
		f.at(t, "08/12/2026 10:00")
		if _, err := f.svc.RequestSupplement(f.ctx, specialist, ds.ID, onestop.SupplementAsk{Reason: "Thiếu giấy tờ"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("request without items: %v", err)
		}
		ds = f.must(f.svc.RequestSupplement(f.ctx, specialist, ds.ID, onestop.SupplementAsk{Reason: "Hồ sơ chưa đầy đủ",
			Items: []string{"Bản sao giấy tờ chứng minh chỗ ở hợp pháp"}}))
		if ds.Status != onestop.StatusSupplement || ds.Supplement == nil || ds.Supplement.FromStatus != onestop.StatusProcessing {
			t.Fatalf("supplement %+v", ds.Supplement)
		}
		// Only once.
		f.at(t, "14/12/2026 16:00") // after the cut-off
		ds = f.must(f.svc.Supplement(f.ctx, citizen, ds.ID, onestop.SupplementAnswer{Note: "Đã bổ sung",
			Files: map[string][]string{"GDN": {f.upload(t, citizen)}}}))
		// Counted again in full from Tue 15/12 (after 15:00 on Mon 14/12): 3 working days → Fri 18/12.
		if ds.Status != onestop.StatusProcessing || vn(ds.DueAt) != "18/12/2026 17:00" || !ds.Appointment.Equal(ds.DueAt) {
			t.Fatalf("after supplement: %v due %s appt %s", ds.Status, vn(ds.DueAt), vn(ds.Appointment))
		}
		_, err := f.svc.RequestSupplement(f.ctx, specialist, ds.ID, onestop.SupplementAsk{Reason: "Lần hai", Items: []string{"x"}})
		if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "một lần") {
			t.Fatalf("second request: %v", err)
		}
	})
}

func TestIdempotentSubmitAndValidation(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		created, changes := 0, 0
		f.svc.SetOnChange(func(_ context.Context, _ *sql.Tx, d *onestop.Dossier, c bool, by, note string) error {
			if c {
				created++
			} else {
				changes++
			}
			return nil
		})
		a := f.online(t, "1.001193", "key-1")
		b := f.online(t, "1.001193", "key-1")
		if a.ID != b.ID || a.Code != b.Code {
			t.Fatalf("same key gave %s and %s", a.Code, b.Code)
		}
		f.must(f.svc.Accept(f.ctx, desk, a.ID, onestop.ActionRequest{}))
		if created != 1 || changes != 1 {
			t.Fatalf("change hook: %d created, %d changes", created, changes)
		}
		var n int
		if err := d.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM onestop_dossiers`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d dossiers", n)
		}
		// Missing mandatory component; an upload of someone else; a bad ID number.
		base := onestop.SubmitRequest{ProcedureCode: "1.001193", Applicant: onestop.Applicant{IDNumber: "001190012345"},
			Fields: map[string]string{"ten_tre": "An"}}
		for name, c := range map[string]struct {
			mod   func(r *onestop.SubmitRequest)
			field string
		}{
			"component": {func(r *onestop.SubmitRequest) {}, "components.TK"},
			"foreign":   {func(r *onestop.SubmitRequest) { r.Files = map[string][]string{"TK": {f.upload(t, otherCitizen)}} }, "components.TK"},
			"cccd": {func(r *onestop.SubmitRequest) {
				r.Files = map[string][]string{"TK": {f.upload(t, citizen)}}
				r.Applicant.IDNumber = "12345"
			}, "applicant.id_number"},
			"typed": {func(r *onestop.SubmitRequest) {
				r.Files = map[string][]string{"TK": {f.upload(t, citizen)}}
				r.Fields = map[string]string{"ten_tre": "An", "cccd_me": "12ab"}
			}, "cccd_me"},
			"field": {func(r *onestop.SubmitRequest) {
				r.Files = map[string][]string{"TK": {f.upload(t, citizen)}}
				r.Fields = map[string]string{}
			}, "fields.ten_tre"},
		} {
			r := base
			c.mod(&r)
			_, err := f.svc.Submit(f.ctx, citizen, r)
			var ae *apperr.Error
			if !apperr.Is(err, apperr.Invalid) || !asAppErr(err, &ae) || ae.Field != c.field {
				t.Errorf("%s: %v", name, err)
			}
		}
		if err := d.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM onestop_dossiers`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d dossiers after refused submissions", n)
		}
	})
}

func asAppErr(err error, target **apperr.Error) bool {
	e, ok := err.(*apperr.Error)
	if ok {
		*target = e
	}
	return ok
}

// Two officers accept one dossier at once: one wins, the other is told.
func TestConcurrentAcceptOneWins(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ds := f.online(t, "1.001612", "")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, a := range []*actor.Actor{desk, desk2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.Accept(f.ctx, a, ds.ID, onestop.ActionRequest{Version: ds.Version})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Fatalf("unexpected %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d accepted: %v", ok, errs)
		}
		// A stale page is refused with the clear message.
		_, err := f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{Version: ds.Version})
		if !apperr.Is(err, apperr.Conflict) || apperr.MessageOf(err) != onestop.ErrConcurrentMessage {
			t.Fatalf("stale: %v", err)
		}
	})
}

// 200 parallel submissions to one agency on one day get 200 distinct,
// consecutive codes (Circular 03/2025/TT-VPCP: unique per agency and day).
func TestParallelCodesAreConsecutive(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		const n = 200
		ids := make([]string, n)
		for i := range ids {
			ids[i] = f.upload(t, desk)
		}
		codes := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ds, err := f.svc.Submit(f.ctx, desk, onestop.SubmitRequest{ProcedureCode: "1.001193",
					Applicant: onestop.Applicant{Name: "Lê Văn Nam", IDNumber: "001190012345"},
					Fields:    map[string]string{"ten_tre": "Lê Minh"}, Files: map[string][]string{"TK": {ids[i]}}})
				errs[i] = err
				if err == nil {
					codes[i] = ds.Code
				}
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, c := range codes {
			if errs[i] != nil {
				t.Fatalf("submission %d: %v", i, errs[i])
			}
			seen[c] = true
		}
		for i := 1; i <= n; i++ {
			if c := fmt.Sprintf("%s-261207-%04d", homeCode, i); !seen[c] {
				t.Fatalf("code %s missing (%d distinct)", c, len(seen))
			}
		}
	})
}

func TestTrackRevealsNoPersonalData(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ds := f.online(t, "1.001193", "")
		tr, err := f.svc.Track(context.Background(), strings.ToLower(ds.Code))
		if err != nil {
			t.Fatal(err)
		}
		js := fmt.Sprintf("%+v", *tr)
		for _, secret := range []string{ds.Applicant.Name, ds.Applicant.IDNumber, ds.Applicant.Phone, ds.Applicant.Email, ds.Applicant.Address} {
			if secret != "" && strings.Contains(js, secret) {
				t.Fatalf("tracking reveals %q: %s", secret, js)
			}
		}
		if tr.Status != onestop.StatusNew || tr.StatusName != "Mới đăng ký" || tr.ProcedureName != "Đăng ký khai sinh" {
			t.Fatalf("tracking %+v", tr)
		}
		if _, err := f.svc.Track(context.Background(), homeCode+"-261207-9999"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		if _, err := f.svc.Track(context.Background(), "không phải mã"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("malformed code: %v", err)
		}
		// Another citizen neither reads nor acts on it.
		if _, err := f.svc.Get(f.ctx, otherCitizen, ds.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another citizen read it: %v", err)
		}
		if _, err := f.svc.Withdraw(f.ctx, otherCitizen, ds.ID, onestop.RefuseRequest{}); err == nil {
			t.Fatal("another citizen withdrew it")
		}
		ds = f.must(f.svc.Withdraw(f.ctx, citizen, ds.ID, onestop.RefuseRequest{Reason: "Nộp nhầm"}))
		if ds.Status != onestop.StatusWithdrawn {
			t.Fatalf("withdrawn %v", ds.Status)
		}
	})
}

func TestApologyOncePerDossierBeforeDue(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.at(t, "07/12/2026 09:00")
		ds := f.online(t, "1.001612", "")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{})) // due Thu 10/12 17:00
		newDate := f.at(t, "15/12/2026 17:00")
		f.at(t, "09/12/2026 17:30") // after the last moment (close of Wed 09/12 is the day before)
		if _, err := f.svc.Apologize(f.ctx, leader, ds.ID, onestop.ApologyRequest{Reason: "Chờ xác minh", NewAppointment: newDate}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("late apology: %v", err)
		}
		f.at(t, "09/12/2026 10:00")
		if _, err := f.svc.Apologize(f.ctx, desk, ds.ID, onestop.ApologyRequest{Reason: "Chờ xác minh", NewAppointment: newDate}); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("desk apologised: %v", err)
		}
		ds = f.must(f.svc.Apologize(f.ctx, leader, ds.ID, onestop.ApologyRequest{Reason: "Chờ xác minh", NewAppointment: newDate}))
		if ds.Apology == nil || !ds.Appointment.Equal(newDate) || !ds.DueAt.Before(newDate) {
			t.Fatalf("apology %+v", ds.Apology)
		}
		if _, err := f.svc.Apologize(f.ctx, leader, ds.ID, onestop.ApologyRequest{Reason: "Lần hai", NewAppointment: newDate.AddDate(0, 0, 1)}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second apology: %v", err)
		}
	})
}
