package outreach_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

const (
	home  = 10 // UBND xã Một (commune 00001)
	other = 20 // UBND xã Hai (commune 00002)
)

func official(id, agency int64, role access.Role) *actor.Actor {
	return &actor.Actor{AccountID: id, Kind: actor.Official, Name: fmt.Sprintf("Cán bộ %d", id), AgencyID: agency,
		Roles: []actor.RoleGrant{{Role: string(role), AgencyID: agency}}}
}

var (
	officer      = official(100, home, access.OutreachOfficer)
	leader       = official(101, home, access.Leader)
	otherLeader  = official(200, other, access.Leader)
	otherOfficer = official(201, other, access.OutreachOfficer)
)

// fakeOrg has three communes: 00001 and 00002, and 00003, which merges
// into 00001 when merged is set.
type fakeOrg struct {
	mu     sync.Mutex
	merged bool
}

func (o *fakeOrg) AdminUnit(_ context.Context, code string, _ org.Date) (*org.AdminUnit, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case code == "00001" || code == "00002" || (code == "00003" && !o.merged):
		return &org.AdminUnit{Code: code, Level: org.LevelCommune, Name: "Xã " + code}, nil
	}
	return nil, apperr.New(apperr.NotFound, "không có đơn vị hành chính mã %s", code)
}

func (o *fakeOrg) AdminUnitsOn(ctx context.Context, code string, on org.Date) ([]org.AdminUnit, error) {
	o.mu.Lock()
	merged := o.merged
	o.mu.Unlock()
	if code == "00003" && merged {
		return []org.AdminUnit{{Code: "00001", Level: org.LevelCommune}}, nil
	}
	u, err := o.AdminUnit(ctx, code, on)
	if err != nil {
		return nil, err
	}
	return []org.AdminUnit{*u}, nil
}

func (o *fakeOrg) Agency(_ context.Context, id int64, _ org.Date) (*org.Agency, error) {
	switch id {
	case home:
		return &org.Agency{ID: home, AdminUnitCode: "00001"}, nil
	case other:
		return &org.Agency{ID: other, AdminUnitCode: "00002"}, nil
	}
	return nil, apperr.New(apperr.NotFound, "không có cơ quan")
}

// fakeSender records messages and fails as told.
type fakeSender struct {
	kind channel.Kind
	mu   sync.Mutex
	sent []channel.Message
	fail error
}

func (f *fakeSender) Kind() channel.Kind { return f.kind }

func (f *fakeSender) Send(_ context.Context, m channel.Message) (channel.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return channel.Result{}, f.fail
	}
	f.sent = append(f.sent, m)
	return channel.Result{ProviderID: "p" + m.TrackingID, Parts: 1, Accepted: true}, nil
}

func (f *fakeSender) messages() []channel.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channel.Message(nil), f.sent...)
}

type fixture struct {
	t    *testing.T
	d    *db.DB
	ctx  context.Context
	svc  *outreach.Service
	org  *fakeOrg
	sms  *fakeSender
	zns  *fakeSender
	loud *fakeSender
	mu   sync.Mutex
	now  time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func modules() []db.Migrations {
	return []db.Migrations{audit.Migrations, jobs.Migrations, outreach.Migrations}
}

func setup(t *testing.T, d *db.DB) *fixture {
	return setupWithSMS(t, d, nil)
}

// setupWithSMS builds the fixture with sms as the SMS gateway (nil: a fake).
func setupWithSMS(t *testing.T, d *db.DB, sms channel.Sender) *fixture {
	t.Helper()
	f := &fixture{t: t, d: d, org: &fakeOrg{}, now: clock.Now(),
		sms: &fakeSender{kind: channel.SMS}, zns: &fakeSender{kind: channel.ZNS}, loud: &fakeSender{kind: channel.Loudspeaker}}
	if sms == nil {
		sms = f.sms
	}
	log, err := audit.New(d, audit.Options{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	f.svc, err = outreach.New(d, outreach.Options{Audit: log, Org: f.org, SecretKey: bytes.Repeat([]byte{9}, 32),
		Senders: map[channel.Kind]channel.Sender{channel.SMS: sms, channel.ZNS: f.zns, channel.Loudspeaker: f.loud},
		Prices:  outreach.Prices{SMSSegment: 300, ZNS: 200}, Now: f.clock, BaseURL: "https://xa.example.vn"})
	if err != nil {
		t.Fatal(err)
	}
	f.ctx = access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log}))
	return f
}

// runJobs runs every due outreach job once, as the runner would on its
// attempt (attempt = the stored attempts + 1), deleting those that succeed;
// it returns the errors of those that failed.
func (f *fixture) runJobs() []error {
	f.t.Helper()
	var errs []error
	for round := 0; round < 5; round++ {
		rows, err := f.d.Reader().QueryContext(context.Background(), "SELECT id, kind, payload, attempts, max_attempts FROM jobs WHERE state = 'queued' AND run_at <= $1 ORDER BY id",
			db.Micros(f.clock()))
		if err != nil {
			f.t.Fatal(err)
		}
		var list []jobs.Job
		for rows.Next() {
			var j jobs.Job
			var p string
			if err := rows.Scan(&j.ID, &j.Kind, &p, &j.Attempt, &j.MaxAttempts); err != nil {
				f.t.Fatal(err)
			}
			j.Payload = json.RawMessage(p)
			j.Attempt++
			list = append(list, j)
		}
		rows.Close()
		if len(list) == 0 {
			return errs
		}
		for _, j := range list {
			var err error
			switch j.Kind {
			case outreach.KindDeliver:
				err = f.svc.Deliver(context.Background(), j)
			case outreach.KindOTP:
				err = f.svc.SendOTP(context.Background(), j)
			default:
				continue
			}
			q := "DELETE FROM jobs WHERE id = $1"
			args := []any{j.ID}
			if err != nil {
				errs = append(errs, err)
				if jobs.IsPermanent(err) || j.Attempt >= j.MaxAttempts {
					q = "UPDATE jobs SET state = 'failed', attempts = $2 WHERE id = $1"
				} else {
					q = "UPDATE jobs SET attempts = $2 WHERE id = $1"
				}
				args = append(args, j.Attempt)
			}
			if err := f.d.Tx(context.Background(), func(tx *sql.Tx) error { _, err := tx.ExecContext(context.Background(), q, args...); return err }); err != nil {
				f.t.Fatal(err)
			}
		}
		if len(errs) > 0 {
			return errs
		}
	}
	return errs
}

func (f *fixture) register(a *actor.Actor, phone, commune string, zalo bool) *outreach.Resident {
	f.t.Helper()
	r, err := f.svc.RegisterResident(f.ctx, a, outreach.Subscription{Phone: phone, CommuneCode: commune, Zalo: zalo, Purpose: "Nhận bản tin của xã"})
	if err != nil {
		f.t.Fatalf("register %s: %v", phone, err)
	}
	return r
}

func (f *fixture) draft(a *actor.Actor, priority int) *outreach.Bulletin {
	f.t.Helper()
	b, err := f.svc.Create(f.ctx, a, outreach.DraftRequest{Title: "Lịch tiêm chủng", Body: "Thứ Hai 14/12/2026 lúc 7h30 trạm y tế xã tiêm chủng cho trẻ dưới 5 tuổi.",
		Priority: priority, Communes: []string{"00001"}})
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return b
}

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
}

func TestStateMachineAndAccess(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.register(officer, "0912345678", "00001", false)
		b := f.draft(officer, outreach.PriorityNormal)
		if b.Status != outreach.Draft {
			t.Fatalf("status %s", b.Status)
		}
		_, err := f.svc.Create(f.ctx, otherOfficer, outreach.DraftRequest{AgencyID: home, Title: "x", Body: "y", Communes: []string{"00001"}})
		wantCode(t, err, apperr.Forbidden)
		_, err = f.svc.Get(f.ctx, otherLeader, b.ID)
		wantCode(t, err, apperr.Forbidden)
		_, _, err = f.svc.Send(f.ctx, officer, b.ID)
		wantCode(t, err, apperr.Conflict) // not approved
		if _, err := f.svc.Submit(f.ctx, officer, b.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Approve(f.ctx, officer, b.ID)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.svc.Approve(f.ctx, otherLeader, b.ID)
		wantCode(t, err, apperr.Forbidden)
		if b, err = f.svc.Approve(f.ctx, leader, b.ID); err != nil || b.Status != outreach.Approved || b.ApprovedBy != leader.AccountID {
			t.Fatalf("approve: %v %+v", err, b)
		}
		_, _, err = f.svc.SendEmergency(f.ctx, leader, b.ID)
		wantCode(t, err, apperr.Conflict) // not an emergency
		b, reach, err := f.svc.Send(f.ctx, officer, b.ID)
		if err != nil || b.Status != outreach.Sending || reach.SMS != 1 || reach.Loudspeaker != 1 || reach.Cost != int64(reach.Segments)*300 {
			t.Fatalf("send: %v %+v %+v", err, b, reach)
		}
		_, _, err = f.svc.Send(f.ctx, officer, b.ID)
		wantCode(t, err, apperr.Conflict)
		if errs := f.runJobs(); len(errs) > 0 {
			t.Fatal(errs)
		}
		if b, _ = f.svc.Get(f.ctx, leader, b.ID); b.Status != outreach.Sent {
			t.Fatalf("after delivery: %s", b.Status)
		}
		if m := f.sms.messages(); len(m) != 1 || m[0].To != "0912345678" || m[0].Coding != "UCS2" {
			t.Fatalf("sms: %+v", m)
		}

		// Emergency: the officer may not send it at once, the leader may.
		e := f.draft(officer, outreach.PriorityEmergency)
		_, _, err = f.svc.SendEmergency(f.ctx, officer, e.ID)
		wantCode(t, err, apperr.Forbidden)
		e, _, err = f.svc.SendEmergency(f.ctx, leader, e.ID)
		if err != nil || !e.NeedsReview || e.Status != outreach.Sending {
			t.Fatalf("emergency: %v %+v", err, e)
		}
	})
}

func TestMergedCommuneReachesPredecessorSubscribers(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.register(officer, "0912000001", "00001", false)
		f.register(otherOfficer, "0912000002", "00002", false)
		// A resident subscribed to 00003 before it merged into 00001.
		id, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912000003", CommuneCode: "00003"})
		if err != nil {
			t.Fatal(err)
		}
		f.runJobs()
		code := regexp.MustCompile(`\d{6}`).FindString(f.sms.messages()[0].Text)
		if err := f.svc.Confirm(f.ctx, id, code); err != nil {
			t.Fatal(err)
		}
		f.org.mu.Lock()
		f.org.merged = true
		f.org.mu.Unlock()
		b := f.draft(leader, outreach.PriorityNormal)
		if _, err := f.svc.Approve(f.ctx, leader, b.ID); err != nil {
			t.Fatal(err)
		}
		_, reach, err := f.svc.Send(f.ctx, leader, b.ID)
		if err != nil || reach.Residents != 2 || reach.SMS != 2 {
			t.Fatalf("reach through the merged commune: %v %+v", err, reach)
		}
		f.runJobs()
		got := map[string]bool{}
		for _, m := range f.sms.messages()[1:] {
			got[m.To] = true
		}
		if !got["0912000001"] || !got["0912000003"] || got["0912000002"] {
			t.Fatalf("recipients %v", got)
		}
	})
}

func TestFallbackZNSToSMS(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.register(officer, "0987654321", "00001", true)
		f.register(officer, "0987654322", "00001", true)
		f.zns.fail = channel.Permanent(errors.New("số điện thoại chưa dùng Zalo"))
		b := f.draft(leader, outreach.PriorityHigh)
		f.svc.Approve(f.ctx, leader, b.ID)
		_, reach, err := f.svc.Send(f.ctx, leader, b.ID)
		if err != nil || reach.ZNS != 2 || reach.SMS != 0 || reach.Cost != 400 {
			t.Fatalf("reach: %v %+v", err, reach)
		}
		if errs := f.runJobs(); len(errs) > 0 {
			t.Fatal(errs)
		}
		if m := f.sms.messages(); len(m) != 2 {
			t.Fatalf("sms fallback: %d messages", len(m))
		}
		sum, err := f.svc.Deliveries(f.ctx, officer, b.ID, 10)
		if err != nil || sum.Counts["zns"]["replaced"] != 2 || sum.Counts["sms"]["sent"] != 2 {
			t.Fatalf("deliveries: %v %+v", err, sum)
		}
		for _, r := range sum.Rows {
			switch {
			case r.Channel == "loudspeaker" && (r.Status != "failed" || r.Error == ""):
				t.Fatalf("a programme without audio nor synthesiser: %+v", r)
			case r.Channel != "loudspeaker" && r.Phone != "098****321" && r.Phone != "098****322":
				t.Fatalf("masked phone %q", r.Phone)
			}
		}
		if b, _ := f.svc.Get(f.ctx, leader, b.ID); b.Status != outreach.Sent {
			t.Fatalf("status %s", b.Status)
		}

		// A ZNS reported undelivered falls back too, and an SMS report marks it delivered.
		f.zns.fail = nil
		b2 := f.draft(leader, outreach.PriorityHigh)
		f.svc.Approve(f.ctx, leader, b2.ID)
		f.svc.Send(f.ctx, leader, b2.ID)
		f.runJobs()
		zm := f.zns.messages()
		if len(zm) != 2 {
			t.Fatalf("zns: %d", len(zm))
		}
		if err := f.svc.Report(f.ctx, channel.Report{TrackingID: zm[0].TrackingID, Delivered: false, Status: "-124", Detail: "người dùng chặn OA"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Report(f.ctx, channel.Report{TrackingID: zm[1].TrackingID, Delivered: true}); err != nil {
			t.Fatal(err)
		}
		f.runJobs()
		sum, _ = f.svc.Deliveries(f.ctx, officer, b2.ID, 10)
		if sum.Counts["zns"]["replaced"] != 1 || sum.Counts["zns"]["delivered"] != 1 || sum.Counts["sms"]["sent"] != 1 {
			t.Fatalf("after reports: %+v", sum.Counts)
		}
		wantCode(t, f.svc.Report(f.ctx, channel.Report{TrackingID: "abc"}), apperr.Invalid)
	})
}

func TestGatewayDownIsRetriedAndShown(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.register(officer, "0912345670", "00001", false)
		f.sms.fail = errors.New("kết nối bị từ chối")
		b := f.draft(leader, outreach.PriorityNormal)
		f.svc.Approve(f.ctx, leader, b.ID)
		f.svc.Send(f.ctx, leader, b.ID)
		if errs := f.runJobs(); len(errs) != 1 || jobs.IsPermanent(errs[0]) {
			t.Fatalf("want one transient failure, got %v", errs)
		}
		sum, _ := f.svc.Deliveries(f.ctx, leader, b.ID, 10)
		var sms outreach.DeliveryRow
		for _, r := range sum.Rows {
			if r.Channel == "sms" {
				sms = r
			}
		}
		if sms.Status != "queued" || sms.Attempts != 1 || sms.Error == "" {
			t.Fatalf("row after a failed attempt: %+v", sms)
		}
		f.sms.fail = nil
		if errs := f.runJobs(); len(errs) > 0 {
			t.Fatal(errs)
		}
		sum, _ = f.svc.Deliveries(f.ctx, leader, b.ID, 10)
		if sum.Counts["sms"]["sent"] != 1 {
			t.Fatalf("after retry: %+v", sum.Counts)
		}
	})
}

func TestOTPThrottling(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		_, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "+1 202 555 0100", CommuneCode: "00001"})
		wantCode(t, err, apperr.Invalid)
		_, err = f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345678", CommuneCode: "99999"})
		wantCode(t, err, apperr.Invalid)
		id, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "+84 912 345 678", CommuneCode: "00001", Lang: "hmn"})
		if err != nil {
			t.Fatal(err)
		}
		f.runJobs()
		code := regexp.MustCompile(`\d{6}`).FindString(f.sms.messages()[0].Text)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i < outreach.OTPMaxTries; i++ {
			wantCode(t, f.svc.Confirm(f.ctx, id, wrong), apperr.Invalid)
		}
		wantCode(t, f.svc.Confirm(f.ctx, id, wrong), apperr.TooMany)
		wantCode(t, f.svc.Confirm(f.ctx, id, code), apperr.TooMany) // locked, even with the right code
		_, err = f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345678", CommuneCode: "00001"})
		wantCode(t, err, apperr.TooMany)
		f.advance(outreach.OTPLockout + time.Minute)
		wantCode(t, f.svc.Confirm(f.ctx, id, code), apperr.Invalid) // the old code is gone
		if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345678", CommuneCode: "00001"}); err != nil {
			t.Fatal(err)
		}
		f.runJobs()
		msgs := f.sms.messages()
		code = regexp.MustCompile(`\d{6}`).FindString(msgs[len(msgs)-1].Text)
		if err := f.svc.Confirm(f.ctx, id, code); err != nil {
			t.Fatal(err)
		}
		rs, err := f.svc.Residents(f.ctx, officer, home)
		if err != nil || len(rs) != 1 || rs[0].Phone != "0912345678" || rs[0].Status != "active" {
			t.Fatalf("residents: %v %+v", err, rs)
		}
		_, err = f.svc.Residents(f.ctx, leader, home)
		wantCode(t, err, apperr.Forbidden)
		_, err = f.svc.Residents(f.ctx, otherOfficer, home)
		wantCode(t, err, apperr.Forbidden)

		// Unsubscribe by link and by SMS.
		wantCode(t, f.svc.Unsubscribe(f.ctx, fmt.Sprintf("%d.AAAA", id)), apperr.Invalid)
		if err := f.svc.Unsubscribe(f.ctx, f.svc.UnsubscribeToken(id)); err != nil {
			t.Fatal(err)
		}
		f.register(officer, "0912345678", "00001", false)
		reply, err := f.svc.InboundSMS(f.ctx, "84912345678", "Huỷ")
		if err != nil || reply != "Da huy nhan ban tin. Cam on ban." {
			t.Fatalf("HUY: %q %v", reply, err)
		}
		rs, _ = f.svc.Residents(f.ctx, officer, home)
		if rs[0].Status != "unsubscribed" || rs[0].WithdrawnAt.IsZero() {
			t.Fatalf("after HUY: %+v", rs[0])
		}
	})
}

func TestBadInput(t *testing.T) {
	f := setup(t, dbtest.SQLite(t, modules()...))
	long := bytes.Repeat([]byte("Thông báo lịch họp thôn. "), 40)
	cases := []struct {
		name  string
		r     outreach.DraftRequest
		field string
	}{
		{"no title", outreach.DraftRequest{Body: "x", Communes: []string{"00001"}}, "title"},
		{"unknown commune", outreach.DraftRequest{Title: "t", Body: "x", Communes: []string{"99999"}}, "communes"},
		{"bad commune", outreach.DraftRequest{Title: "t", Body: "x", Communes: []string{"1"}}, "communes"},
		{"too long for SMS", outreach.DraftRequest{Title: "t", Body: string(long), Communes: []string{"00001"}}, "body"},
		{"bad priority", outreach.DraftRequest{Title: "t", Body: "x", Priority: 3, Communes: []string{"00001"}}, "priority"},
		{"unknown language", outreach.DraftRequest{Title: "t", Body: "x", Communes: []string{"00001"}, Translations: []outreach.Translation{{Lang: "xx", Body: "y"}}}, "translations"},
	}
	for _, c := range cases {
		_, err := f.svc.Create(f.ctx, officer, c.r)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid || e.Field != c.field {
			t.Errorf("%s: want EINVALID on %s, got %v", c.name, c.field, err)
		}
	}
	var n int
	d := f.d
	d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM outreach_bulletins").Scan(&n)
	if n != 0 {
		t.Fatalf("%d bulletins written by refused drafts", n)
	}
	b := f.draft(officer, 0)
	wantCode(t, f.svc.PutAudio(f.ctx, officer, b.ID, "hmn", []byte("%PDF-1.7")), apperr.Invalid)
	if err := f.svc.PutAudio(f.ctx, officer, b.ID, "hmn", append([]byte("OggS"), make([]byte, 100)...)); err != nil {
		t.Fatal(err)
	}
	data, typ, err := f.svc.Audio(f.ctx, officer, b.ID, "hmn")
	if err != nil || typ != "audio/ogg" || len(data) != 104 {
		t.Fatalf("audio: %v %s %d", err, typ, len(data))
	}
	_, _, err = f.svc.Audio(f.ctx, nil, b.ID, "hmn")
	if apperr.CodeOf(err) == "" {
		t.Fatal("audio of an unsent bulletin served anonymously")
	}
}

func TestPreview(t *testing.T) {
	p, err := outreach.PreviewText("Đề nghị bà con đến UBND xã")
	if err != nil {
		t.Fatal(err)
	}
	if p.SMS.Encoding != "UCS2" || p.SMSPlain.Encoding != "GSM7" || p.SMSPlain.Text != "De nghi ba con den UBND xa" || p.SMS.Segments != 1 {
		t.Fatalf("%+v", p)
	}
	if _, err := outreach.PreviewText(" "); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatal(err)
	}
}

func TestSniffAudio(t *testing.T) {
	for _, c := range []struct {
		data []byte
		typ  string
	}{
		{[]byte("OggS\x00\x02"), "audio/ogg"},
		{[]byte("ID3\x04\x00"), "audio/mpeg"},
		{[]byte{0xFF, 0xFB, 0x90, 0x00}, "audio/mpeg"},
		{[]byte("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav"},
		{[]byte("\x00\x00\x00\x20ftypM4A \x00\x00"), "audio/mp4"},
		{[]byte("%PDF-1.7"), ""},
		{[]byte("\x89PNG\r\n\x1a\n"), ""},
		{nil, ""},
	} {
		typ, err := outreach.SniffAudio(c.data)
		if typ != c.typ || (c.typ == "" && apperr.CodeOf(err) != apperr.Invalid) {
			t.Errorf("%q: %q %v", c.data, typ, err)
		}
	}
}

func FuzzSniffAudio(f *testing.F) {
	for _, s := range []string{"OggS", "ID3", "RIFF....WAVE", "....ftypM4A ", "%PDF", "\xff\xfb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, err := outreach.SniffAudio(data)
		if (typ == "") == (err == nil) {
			t.Fatalf("%q: %q %v", data, typ, err)
		}
	})
}

func FuzzPreview(f *testing.F) {
	for _, s := range []string{"Đề nghị bà con", "{}[]~|€\\^", "", "😀 thông báo"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := outreach.PreviewText(s)
		if err == nil && (p.SMS.Segments < 1 || p.SMSPlain.Segments < 1) {
			t.Fatalf("%q: %+v", s, p)
		}
	})
}

// failingRecorder fails the audit entry of one action, as any failure in
// the sending transaction would.
type failingRecorder struct {
	log    *audit.Log
	action string
}

func (r failingRecorder) Record(ctx context.Context, tx *sql.Tx, e audit.Entry) error {
	if e.Action == r.action {
		return errors.New("ghi nhật ký thất bại")
	}
	return r.log.Record(ctx, tx, e)
}

func TestSendEnqueuesAllOrNothing(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		const n = 300
		for i := 0; i < n; i++ {
			f.register(officer, fmt.Sprintf("09120%05d", i), "00001", i%3 == 0)
		}
		log, _ := audit.New(d, audit.Options{Now: f.clock})
		failing, err := outreach.New(d, outreach.Options{Audit: failingRecorder{log, "outreach.bulletin.send"}, Org: f.org, SecretKey: bytes.Repeat([]byte{9}, 32),
			Senders: map[channel.Kind]channel.Sender{channel.SMS: f.sms, channel.ZNS: f.zns}, Now: f.clock})
		if err != nil {
			t.Fatal(err)
		}
		b := f.draft(leader, 0)
		f.svc.Approve(f.ctx, leader, b.ID)
		if _, _, err := failing.Send(f.ctx, leader, b.ID); err == nil {
			t.Fatal("send succeeded with a failing audit entry")
		}
		count := func(q string) int {
			var c int
			if err := d.Reader().QueryRowContext(context.Background(), q).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := count("SELECT count(*) FROM outreach_deliveries") + count("SELECT count(*) FROM jobs WHERE kind = 'outreach.deliver'"); c != 0 {
			t.Fatalf("a rolled back send left %d rows", c)
		}
		if b, _ := f.svc.Get(f.ctx, leader, b.ID); b.Status != outreach.Approved {
			t.Fatalf("status %s", b.Status)
		}
		_, reach, err := f.svc.Send(f.ctx, leader, b.ID)
		if err != nil || reach.ZNS != n/3 || reach.SMS != n-n/3 {
			t.Fatalf("%v %+v", err, reach)
		}
		if d, j := count("SELECT count(*) FROM outreach_deliveries"), count("SELECT count(*) FROM jobs WHERE kind = 'outreach.deliver'"); d != n+1 || j != n+1 {
			t.Fatalf("deliveries %d, jobs %d, want %d", d, j, n+1)
		}
	})
}

func TestLaterWaitsWithoutFailing(t *testing.T) {
	f := setup(t, dbtest.SQLite(t, modules()...))
	f.register(officer, "0912345671", "00001", false)
	f.sms.fail = channel.Later(f.clock().Add(time.Hour), errors.New("giờ yên tĩnh"))
	b := f.draft(leader, outreach.PriorityNormal)
	f.svc.Approve(f.ctx, leader, b.ID)
	f.svc.Send(f.ctx, leader, b.ID)
	if errs := f.runJobs(); len(errs) > 0 {
		t.Fatal(errs)
	}
	f.sms.fail = nil
	if errs := f.runJobs(); len(errs) > 0 || len(f.sms.messages()) != 0 {
		t.Fatalf("sent before its moment: %v %d", errs, len(f.sms.messages()))
	}
	f.advance(time.Hour + time.Second)
	f.runJobs()
	if len(f.sms.messages()) != 1 {
		t.Fatalf("not sent after the quiet hours: %d", len(f.sms.messages()))
	}
}

func TestSubscribeResendThrottled(t *testing.T) {
	f := setup(t, dbtest.SQLite(t, modules()...))
	if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345600", CommuneCode: "00001"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345600", CommuneCode: "00001"})
	wantCode(t, err, apperr.TooMany)
	f.advance(outreach.OTPResendAfter + time.Second)
	if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912345600", CommuneCode: "00001"}); err != nil {
		t.Fatal(err)
	}
}

// Inbound texts and unsubscribe tokens come from anyone: never a panic,
// only apperr refusals, and nothing withdrawn by a token not signed here.
func FuzzInboundAndToken(f *testing.F) {
	d := dbtest.SQLite(f, modules()...)
	fx := &fixture{d: d, org: &fakeOrg{}, now: clock.Now(), sms: &fakeSender{kind: channel.SMS}}
	log, _ := audit.New(d, audit.Options{Now: fx.clock})
	svc, err := outreach.New(d, outreach.Options{Audit: log, Org: fx.org, SecretKey: bytes.Repeat([]byte{9}, 32), Now: fx.clock})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []string{"HUY", "huỷ", "  Huy abc", "0912345678", "1.AAAA", "", "\x00\xff"} {
		f.Add("0912345678", s)
	}
	f.Fuzz(func(t *testing.T, from, text string) {
		if len(from)+len(text) > 2000 {
			return
		}
		if _, err := svc.InboundSMS(ctx, from, text); err != nil && apperr.CodeOf(err) == apperr.Internal {
			t.Fatalf("InboundSMS(%q, %q): %v", from, text, err)
		}
		if err := svc.Unsubscribe(ctx, text); apperr.CodeOf(err) != apperr.Invalid && text != svc.UnsubscribeToken(1) {
			t.Fatalf("Unsubscribe(%q) = %v", text, err)
		}
	})
}

// fakeMail takes e-mail in the sending transaction.
type fakeMail struct {
	mu   sync.Mutex
	sent []string
}

func (m *fakeMail) EmailEnabled() bool { return true }

func (m *fakeMail) Send(_ context.Context, _ *sql.Tx, msg notify.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if msg.Template != "outreach.bulletin" || msg.Data["Unsubscribe"] == "" {
		return errors.New("bad message")
	}
	m.sent = append(m.sent, msg.To)
	return nil
}

func TestEmailAndStats(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		mail := &fakeMail{}
		log, _ := audit.New(d, audit.Options{Now: f.clock})
		svc, err := outreach.New(d, outreach.Options{Audit: log, Org: f.org, SecretKey: bytes.Repeat([]byte{9}, 32), Mail: mail,
			Senders: map[channel.Kind]channel.Sender{channel.SMS: f.sms}, Prices: outreach.Prices{SMSSegment: 300}, Now: f.clock})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		if _, err := svc.RegisterResident(f.ctx, officer, outreach.Subscription{Phone: "0912000777", Email: "dan@example.vn", Lang: "tay"}); err != nil {
			t.Fatal(err)
		}
		b := f.draft(leader, 0)
		svc.Approve(f.ctx, leader, b.ID)
		_, reach, err := svc.Send(f.ctx, leader, b.ID)
		if err != nil || reach.Email != 1 || reach.SMS != 1 || reach.ByLang["tay"] != 1 {
			t.Fatalf("%v %+v", err, reach)
		}
		if errs := f.runJobs(); len(errs) > 0 {
			t.Fatal(errs)
		}
		if len(mail.sent) != 1 || mail.sent[0] != "dan@example.vn" {
			t.Fatalf("mail %v", mail.sent)
		}
		st, err := svc.Stats(f.ctx, officer, home)
		if err != nil || st.Bulletins != 1 || st.Residents != 1 || len(st.Rows) != 2 {
			t.Fatalf("%v %+v", err, st)
		}
		var cost int64
		for _, c := range st.CostMonth {
			cost += c
		}
		if cost != 300 {
			t.Fatalf("cost %d", cost)
		}
		_, err = svc.Stats(f.ctx, otherLeader, home)
		wantCode(t, err, apperr.Forbidden)
		var buf bytes.Buffer
		if err := outreach.WriteStatsXLSX(&buf, st); err != nil || buf.Len() < 1000 || !bytes.HasPrefix(buf.Bytes(), []byte("PK")) {
			t.Fatalf("xlsx: %v %d", err, buf.Len())
		}
		// Cancel: the author withdraws a draft; a sent one cannot be.
		c := f.draft(officer, 0)
		if c, err = svc.Cancel(f.ctx, officer, c.ID); err != nil || c.Status != outreach.Cancelled {
			t.Fatalf("cancel: %v", err)
		}
		_, err = svc.Cancel(f.ctx, leader, b.ID)
		wantCode(t, err, apperr.Conflict)
	})
}

// One number gets at most OTPPerNumber codes within a code's lifetime,
// whichever communes it is subscribed to: nobody floods a stranger's phone
// by subscribing it to commune after commune.
func TestOTPPerNumberAcrossCommunes(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		for _, c := range []string{"00001", "00002", "00003"} {
			if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912000111", CommuneCode: c}); err != nil {
				t.Fatalf("subscribe to %s: %v", c, err)
			}
		}
		f.advance(outreach.OTPResendAfter + time.Second)
		_, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912000111", CommuneCode: "00001"})
		wantCode(t, err, apperr.TooMany)
		if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912000112", CommuneCode: "00001"}); err != nil {
			t.Fatalf("another number: %v", err)
		}
		f.advance(outreach.OTPLifetime)
		if _, err := f.svc.Subscribe(f.ctx, outreach.Subscription{Phone: "0912000111", CommuneCode: "00001"}); err != nil {
			t.Fatalf("after the codes expired: %v", err)
		}
	})
}
