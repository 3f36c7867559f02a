package documents_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

const (
	home  = 10
	other = 20
)

// official is an official of the agency's first unit: unit 1 at home,
// agency*100+1 elsewhere (unit ids are org's, unique on the platform).
func official(id int64, agency int64, role access.Role, clearance string) *actor.Actor {
	unit := int64(1)
	if agency != home {
		unit = agency*100 + 1
	}
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: fmt.Sprintf("Cán bộ %d", id), AgencyID: agency, UnitID: unit,
		Clearance: clearance, Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

var (
	clerk        = official(200, home, access.Clerk, "noi_bo")
	clearedClerk = official(201, home, access.Clerk, "mat")
	specialist   = official(202, home, access.Specialist, "noi_bo")
	leader       = official(203, home, access.Leader, "mat")
	otherClerk   = official(300, other, access.Clerk, "noi_bo")
)

func modules() []db.Migrations {
	return []db.Migrations{audit.Migrations, blob.Migrations, pki.Migrations, documents.Migrations}
}

type fixture struct {
	d     *db.DB
	svc   *documents.Service
	blob  *blob.Service
	audit *audit.Log
	ctx   context.Context
	mu    sync.Mutex
	now   time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func setup(t *testing.T, d *db.DB, lg *audit.Log, v documents.Verifier) *fixture {
	t.Helper()
	f := &fixture{d: d, now: clock.Now()}
	var err error
	if lg == nil {
		if lg, err = audit.New(d, audit.Options{Now: f.clock}); err != nil {
			t.Fatal(err)
		}
	}
	f.audit = lg
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := blob.NewKeyring(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.blob, err = blob.New(d, blob.Options{Store: store, Audit: lg, Keys: keys, Now: f.clock, MaxSize: 4 << 20, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = documents.New(d, documents.Options{Audit: lg, Uploads: f.blob, Verifier: v, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: lg}))
	return f
}

func (f *fixture) today() calendar.Date { return calendar.DateOf(f.clock().In(locale.VN)) }

func (f *fixture) req(symbol string) documents.IncomingRequest {
	return documents.IncomingRequest{Symbol: symbol, IssuedOn: f.today().AddDays(-1), Sender: "UBND tỉnh Lào Cai", Type: "CV",
		Summary: "V/v triển khai kế hoạch chuyển đổi số năm 2026", Urgency: "khan", Classification: "noi_bo"}
}

func (f *fixture) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.d.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func pngBytes() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)))
	return b.Bytes()
}

func (f *fixture) upload(t *testing.T, a *actor.Actor, name string, data []byte, level access.Level) string {
	t.Helper()
	u, err := f.blob.Upload(f.ctx, a, bytes.NewReader(data), blob.Request{Name: name, Level: level})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// 200 registrations at once into one register get exactly the numbers
// 1..200, each recorded once in the register and audited once.
func TestParallelRegistrationsNumberOneToTwoHundred(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		const n = 200
		var wg sync.WaitGroup
		nums := make([]int, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				doc, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req(fmt.Sprintf("%d/UBND-VP", i+1)))
				if err == nil {
					nums[i] = doc.Number
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("registration %d: %v", i, err)
			}
		}
		sort.Ints(nums)
		for i, got := range nums {
			if got != i+1 {
				t.Fatalf("numbers %v…: want exactly 1..%d", nums[:min(len(nums), i+3)], n)
			}
		}
		year := documents.RegisterYear(f.clock())
		entries, err := f.svc.Entries(f.ctx, documents.Register{AgencyID: home, Direction: documents.Incoming, Series: documents.Normal, Year: year})
		if err != nil || len(entries) != n || entries[0].Number != 1 || entries[n-1].Number != n {
			t.Fatalf("register: %d entries, %v", len(entries), err)
		}
		if got := f.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'documents.incoming.register'`); got != n {
			t.Errorf("%d audit entries, want %d", got, n)
		}
	})
}

// The register year is the calendar year in Vietnam time: numbers restart
// at 1 when 1 January begins in Hà Nội (17:00 UTC on 31 December), each
// series and each agency counting on its own.
func TestNumbersRestartEachYearInVietnamTime(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		y := clock.Now().In(locale.VN).Year()
		f.set(time.Date(y, 12, 31, 16, 30, 0, 0, time.UTC)) // 23:30 in Vietnam
		for i := 1; i <= 3; i++ {
			doc, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req(fmt.Sprintf("%d/QĐ-UBND", i)))
			if err != nil || doc.Number != i || doc.Year != y {
				t.Fatalf("before new year: %+v %v", doc, err)
			}
		}
		f.set(time.Date(y, 12, 31, 17, 10, 0, 0, time.UTC)) // 00:10 on 1 January in Vietnam
		doc, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("4/QĐ-UBND"))
		if err != nil || doc.Number != 1 || doc.Year != y+1 {
			t.Fatalf("after new year: %+v %v", doc, err)
		}
		// Another agency and the confidential series start at 1 too.
		doc, err = f.svc.RegisterIncoming(f.ctx, otherClerk, f.req("5/QĐ-UBND"))
		if err != nil || doc.Number != 1 {
			t.Fatalf("other agency: %+v %v", doc, err)
		}
		secret := f.req("6/QĐ-UBND")
		secret.Classification = "mat"
		doc, err = f.svc.RegisterIncoming(f.ctx, clearedClerk, secret)
		if err != nil || doc.Number != 1 || doc.Series != documents.Confidential {
			t.Fatalf("confidential series: %+v %v", doc, err)
		}
		doc, err = f.svc.RegisterIncoming(f.ctx, clerk, f.req("7/QĐ-UBND"))
		if err != nil || doc.Number != 2 {
			t.Fatalf("normal series goes on: %+v %v", doc, err)
		}
	})
}

// A withdrawn number stays in the register, marked withdrawn with its
// reason, and the next registration takes the next number.
func TestWithdrawnNumberIsNeverReused(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		a, _ := f.svc.RegisterIncoming(f.ctx, clerk, f.req("1/TB-SNV"))
		b, _ := f.svc.RegisterIncoming(f.ctx, clerk, f.req("2/TB-SNV"))
		if err := f.svc.WithdrawIncoming(f.ctx, specialist, b.ID, "Vào sổ nhầm"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a specialist withdraws: %v", err)
		}
		if err := f.svc.WithdrawIncoming(f.ctx, clerk, b.ID, "Vào sổ nhầm"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.WithdrawIncoming(f.ctx, clerk, b.ID, "Lần nữa"); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("withdrawn twice: %v", err)
		}
		c, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("2/TB-SNV")) // the same document, now registered properly
		if err != nil || c.Number != 3 {
			t.Fatalf("after a withdrawal: %+v %v (first %d)", c, err, a.Number)
		}
		entries, _ := f.svc.Entries(f.ctx, documents.Register{AgencyID: home, Direction: documents.Incoming, Series: documents.Normal, Year: c.Year})
		if len(entries) != 3 || entries[1].Number != 2 || !entries[1].Withdrawn || entries[1].Note != "Vào sổ nhầm" || entries[2].Withdrawn {
			t.Fatalf("register: %+v", entries)
		}
	})
}

// The same sender, symbol and date twice: refused with ECONFLICT naming the
// first registration, whatever the case, spacing and leading zero of the
// symbol and the diacritics of the sender; with Force it is registered and
// points at the first.
func TestDuplicateRegistrationNamesTheFirst(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		first, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("05/TTr-STC"))
		if err != nil {
			t.Fatal(err)
		}
		again := f.req(" Số: 5/TTR-STC")
		again.Sender = "UBND  Tỉnh Lao Cai"
		_, err = f.svc.RegisterIncoming(f.ctx, clerk, again)
		if id, ok := documents.FirstOf(err); !apperr.Is(err, apperr.Conflict) || !ok || id != first.ID {
			t.Fatalf("duplicate: %v (first %d)", err, id)
		}
		other := f.req("05/TTr-STC")
		other.IssuedOn = other.IssuedOn.AddDays(-1)
		if _, err := f.svc.RegisterIncoming(f.ctx, clerk, other); err != nil {
			t.Fatalf("another date is another document: %v", err)
		}
		again.Force = true
		dup, err := f.svc.RegisterIncoming(f.ctx, clerk, again)
		if err != nil || dup.DuplicateOf != first.ID || dup.Number != 3 {
			t.Fatalf("forced: %+v %v", dup, err)
		}
	})
}

// Refused input writes nothing: no document, no number, no audit entry,
// no reference on the uploads.
func TestRegisterIncomingRefusesBadInputAndWritesNothing(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		img := f.upload(t, clerk, "anh.png", pngBytes(), access.Internal)
		othersUpload := f.upload(t, specialist, "anh.png", pngBytes(), access.Internal)
		clearUpload := f.upload(t, clerk, "anh2.png", pngBytes(), access.Internal)
		cases := []struct {
			name  string
			field string
			code  apperr.Code
			edit  func(r *documents.IncomingRequest)
			who   *actor.Actor
		}{
			{"malformed symbol", "symbol", apperr.Invalid, func(r *documents.IncomingRequest) { r.Symbol = "QĐ UBND 05" }, clerk},
			{"future date", "issued_on", apperr.Invalid, func(r *documents.IncomingRequest) { r.IssuedOn = f.today().AddDays(1) }, clerk},
			{"no date", "issued_on", apperr.Invalid, func(r *documents.IncomingRequest) { r.IssuedOn = calendar.Date{} }, clerk},
			{"unknown type", "type", apperr.Invalid, func(r *documents.IncomingRequest) { r.Type = "QD" }, clerk},
			{"bad urgency", "urgency", apperr.Invalid, func(r *documents.IncomingRequest) { r.Urgency = "gap" }, clerk},
			{"bad classification", "classification", apperr.Invalid, func(r *documents.IncomingRequest) { r.Classification = "bi_mat" }, clerk},
			{"empty summary", "summary", apperr.Invalid, func(r *documents.IncomingRequest) { r.Summary = "  " }, clerk},
			{"hidden character in sender", "sender", apperr.Invalid, func(r *documents.IncomingRequest) { r.Sender = "UBND\u202e tỉnh" }, clerk},
			{"file of a state secret", "attachments", apperr.Forbidden, func(r *documents.IncomingRequest) {
				r.Classification, r.Attachments = "mat", []string{img}
			}, clearedClerk},
			{"someone else's upload", "attachments", apperr.Invalid, func(r *documents.IncomingRequest) { r.Attachments = []string{img, othersUpload} }, clerk},
			{"unknown upload", "attachments", apperr.Invalid, func(r *documents.IncomingRequest) { r.Attachments = []string{"nope"} }, clerk},
			{"same file twice", "attachments", apperr.Invalid, func(r *documents.IncomingRequest) { r.Attachments = []string{img, img} }, clerk},
			{"restricted document with a clear upload", "attachments", apperr.Invalid, func(r *documents.IncomingRequest) {
				r.Classification, r.Attachments = "han_che", []string{clearUpload}
			}, clerk},
			{"a specialist registers", "", apperr.Forbidden, func(r *documents.IncomingRequest) {}, specialist},
			{"another agency's register", "", apperr.Forbidden, func(r *documents.IncomingRequest) { r.AgencyID = other }, clerk},
			{"state secret without clearance", "", apperr.Forbidden, func(r *documents.IncomingRequest) { r.Classification = "mat" }, clerk},
		}
		for _, c := range cases {
			r := f.req("09/KH-UBND")
			r.Attachments = nil
			c.edit(&r)
			_, err := f.svc.RegisterIncoming(f.ctx, c.who, r)
			var e *apperr.Error
			if err == nil || apperr.CodeOf(err) != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
				continue
			}
			if c.field != "" {
				if ae, ok := err.(*apperr.Error); ok {
					e = ae
				}
				if e == nil || e.Field != c.field {
					t.Errorf("%s: %v, want field %s", c.name, err, c.field)
				}
			}
		}
		if n := f.count(t, `SELECT count(*) FROM documents`) + f.count(t, `SELECT count(*) FROM documents_counters`) +
			f.count(t, `SELECT count(*) FROM audit_entries WHERE action = 'documents.incoming.register' AND outcome = 'ok'`) +
			f.count(t, `SELECT count(*) FROM blob_uploads WHERE refs > 0`); n != 0 {
			t.Fatalf("refused registrations left %d rows", n)
		}
	})
}

// Who reads a document: the agency's officials within their clearance;
// another agency's, or one not cleared, gets the answer a missing id gets;
// a state secret is metadata only.
func TestWhoReadsADocument(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		img := f.upload(t, clerk, "cong-van.png", pngBytes(), access.Internal)
		r := f.req("125/UBND-VP")
		r.Attachments = []string{img}
		internal, err := f.svc.RegisterIncoming(f.ctx, clerk, r)
		if err != nil {
			t.Fatal(err)
		}
		if n := f.count(t, `SELECT refs FROM blob_uploads WHERE id = $1`, img); n != 1 {
			t.Fatalf("attachment referenced %d times", n)
		}
		secretReq := f.req("03/QĐ-BCA")
		secretReq.Classification = "mat"
		secret, err := f.svc.RegisterIncoming(f.ctx, clearedClerk, secretReq)
		if err != nil {
			t.Fatal(err)
		}
		enc := f.upload(t, clerk, "han-che.png", pngBytes(), access.Restricted)
		restrictedReq := f.req("04/BC-SYT")
		restrictedReq.Classification, restrictedReq.Attachments = "han_che", []string{enc}
		restricted, err := f.svc.RegisterIncoming(f.ctx, clerk, restrictedReq)
		if err != nil {
			t.Fatal(err)
		}
		missing := restricted.ID + 1000
		for _, c := range []struct {
			who *actor.Actor
			id  int64
			ok  bool
		}{
			{clerk, internal.ID, true}, {specialist, internal.ID, true}, {leader, internal.ID, true},
			{otherClerk, internal.ID, false}, {otherClerk, missing, false}, {specialist, missing, false},
			{leader, secret.ID, true}, {clearedClerk, secret.ID, true}, {specialist, secret.ID, false}, {clerk, secret.ID, false},
			{clerk, restricted.ID, true}, {specialist, restricted.ID, false}, {leader, restricted.ID, false},
		} {
			doc, err := f.svc.Get(f.ctx, c.who, c.id)
			if c.ok && (err != nil || doc.ID != c.id) {
				t.Errorf("account %d reading %d: %v", c.who.AccountID, c.id, err)
			}
			if !c.ok && (err == nil || apperr.CodeOf(err) != apperr.NotFound || apperr.MessageOf(err) != "Không tìm thấy văn bản") {
				t.Errorf("account %d reading %d: %v, want the not-found answer", c.who.AccountID, c.id, err)
			}
		}
		if _, err := f.svc.Get(f.ctx, nil, internal.ID); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("anonymous: %v", err)
		}
		doc, _ := f.svc.Get(f.ctx, leader, internal.ID)
		if len(doc.Attachments) != 1 || doc.Attachments[0].UploadID != img || doc.Attachments[0].SignatureStatus != "" || doc.Symbol != "125/UBND-VP" {
			t.Errorf("document read back: %+v", doc)
		}
		doc, _ = f.svc.Get(f.ctx, leader, secret.ID)
		if len(doc.Attachments) != 0 || doc.Summary == "" {
			t.Errorf("state secret: %+v", doc)
		}
	})
}

// The same document sent twenty times at once is registered once: the
// others are refused as duplicates of it, on PostgreSQL too, where the
// register's counter row orders the checks.
func TestConcurrentDuplicatesRegisterOnce(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.RegisterIncoming(f.ctx, clerk, f.req("77/KH-UBND"))
			}()
		}
		wg.Wait()
		ok, dup := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
				dup++
			default:
				t.Errorf("registration: %v", err)
			}
		}
		if ok != 1 || dup != n-1 {
			t.Fatalf("%d registered, %d duplicates", ok, dup)
		}
		if c := f.count(t, `SELECT last_number FROM documents_counters`); c != 1 {
			t.Errorf("counter at %d after one registration", c)
		}
	})
}
