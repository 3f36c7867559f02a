package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// noticeLog collects the notices handed to the Notifier; fail makes it
// refuse them, which must roll the event back.
type noticeLog struct {
	mu   sync.Mutex
	got  []Notice
	fail bool
}

func (l *noticeLog) AccountNotice(_ context.Context, tx *sql.Tx, n Notice) error {
	if tx == nil {
		return errors.New("notice outside a transaction")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return errors.New("queue unavailable")
	}
	l.got = append(l.got, n)
	return nil
}

func (l *noticeLog) take() []Notice {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

func kinds(ns []Notice) string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return strings.Join(out, ",")
}

func TestAccountEventsNotifyTheHolder(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		notes := &noticeLog{}
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey, Notifier: notes})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		acc, err := svc.CreateOfficial(f.ctx, f.sys, NewOfficial{Username: "hang.nt", Name: "Nguyễn Thị Hằng", Email: "hang@example.vn",
			Password: strongPassword, AgencyID: 4, Positions: []int64{1}})
		if err != nil {
			t.Fatal(err)
		}
		f.official(t, "khongthu", 4) // no e-mail address
		login := func(name, device string) LoginResult {
			t.Helper()
			res, err := svc.Login(f.ctx, LoginRequest{Login: name, Password: strongPassword, IP: "203.0.113.7", UserAgent: "Firefox/140", Device: device})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}

		// A browser without a device token: the holder hears of it, and
		// the browser gets a seen-device token.
		res := login("hang.nt", "")
		got := notes.take()
		if kinds(got) != NoticeNewDevice || got[0].Email != "hang@example.vn" || got[0].Name != "Nguyễn Thị Hằng" ||
			got[0].Login != "hang.nt" || got[0].UserAgent != "Firefox/140" || got[0].IP != "203.0.113.7" || got[0].AccountID != acc.ID {
			t.Fatalf("first sign-in: %+v", got)
		}
		if !strings.HasPrefix(res.Device, "s1.") {
			t.Fatalf("device token %q", res.Device)
		}
		seen := res.Device
		if res := login("hang.nt", seen); kinds(notes.take()) != "" || res.Device != "" {
			t.Errorf("the same browser again was told as new (device %q)", res.Device)
		}
		// Someone else's token is no token of this account.
		login("khongthu", "")
		if n := notes.take(); len(n) != 0 {
			t.Errorf("an account without e-mail was notified: %+v", n)
		}
		if kinds(notes.take()) != "" {
			t.Fatal("stray notices")
		}

		a, _ := f.signIn(t, "hang.nt")
		notes.take()
		if _, err := svc.ChangePassword(f.ctx, a, strongPassword, strongPassword+"!"); err != nil {
			t.Fatal(err)
		}
		if got := notes.take(); kinds(got) != NoticePasswordChanged || got[0].IP != "192.0.2.1" {
			t.Errorf("password change: %+v", got)
		}

		// A Notifier that fails rolls the event back with it.
		a, _ = f.signIn2(t, "hang.nt", strongPassword+"!")
		notes.take()
		notes.fail = true
		if _, err := svc.ChangePassword(f.ctx, a, strongPassword+"!", strongPassword+"?"); err == nil {
			t.Fatal("the change committed without its notice")
		}
		notes.fail = false
		a, _ = f.signIn2(t, "hang.nt", strongPassword+"!") // the old password still works
		notes.take()

		enr, err := svc.BeginTOTP(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.ConfirmTOTP(f.ctx, a, f.code(t, enr.Secret)); err != nil {
			t.Fatal(err)
		}
		if got := notes.take(); kinds(got) != NoticeTOTPEnabled {
			t.Errorf("TOTP enrolment: %+v", got)
		}
	})
}

func TestLockAndRegisterAgainNotifyAndSeenTokensPassNoLock(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		notes := &noticeLog{}
		svc, err := New(d, Options{Audit: f.svc.audit, Now: f.clock.Now, Argon2: testParams, SecretKey: testKey, Notifier: notes})
		if err != nil {
			t.Fatal(err)
		}
		f.svc = svc
		acc, err := svc.Register(f.ctx, Registration{Kind: actor.Business, ID: "0100109106", Name: "Công ty Cổ phần Bình Minh", Email: "ketoan@songhong.vn",
			Password: strongPassword, IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Login(f.ctx, LoginRequest{Login: "0100109106", Password: strongPassword, IP: "192.0.2.1"})
		if err != nil || !strings.HasPrefix(res.Device, "s1.") {
			t.Fatalf("sign-in: %q %v", res.Device, err)
		}
		seen := res.Device
		notes.take()

		var lockErr error
		for i := 0; i < svc.opts.LockAfter; i++ {
			_, lockErr = svc.Login(f.ctx, LoginRequest{Login: "0100109106", Password: "đoán sai mật khẩu", IP: "198.51.100.3"})
		}
		if !IsLocked(lockErr) {
			t.Fatalf("not locked: %v", lockErr)
		}
		got := notes.take()
		if kinds(got) != NoticeLocked || got[0].IP != "198.51.100.3" || !got[0].Until.After(got[0].At) || got[0].AccountID != acc.ID {
			t.Fatalf("lock notices: %+v", got)
		}
		// A seen-device token is no second factor: it does not pass a lock.
		if _, err := svc.Login(f.ctx, LoginRequest{Login: "0100109106", Password: strongPassword, IP: "192.0.2.1", Device: seen}); !IsLocked(err) {
			t.Fatalf("a seen-device token passed the lock: %v", err)
		}

		if _, err := svc.Register(f.ctx, Registration{Kind: actor.Business, ID: "0100109106", Name: "Người khác", Email: "khac@example.vn",
			Password: strongPassword, IP: "198.51.100.9"}); err != nil {
			t.Fatal(err)
		}
		if got := notes.take(); kinds(got) != NoticeRegisterAgain || got[0].Email != "ketoan@songhong.vn" || got[0].IP != "198.51.100.9" {
			t.Errorf("register again: %+v", got)
		}
		// Repeats the same day are listed on the account page, not mailed.
		again := func(ip string) {
			t.Helper()
			if _, err := svc.Register(f.ctx, Registration{Kind: actor.Business, ID: "0100109106", Name: "Người khác", Email: "khac@example.vn",
				Password: strongPassword, IP: ip}); err != nil {
				t.Fatal(err)
			}
		}
		again("198.51.100.10")
		again("198.51.100.11")
		if got := notes.take(); len(got) != 0 {
			t.Errorf("repeated attempts mailed again: %+v", got)
		}
		f.clock.Add(25 * time.Hour)
		again("198.51.100.12")
		if got := notes.take(); kinds(got) != NoticeRegisterAgain {
			t.Errorf("the next day's attempt: %+v", got)
		}

		// A message that could not be delivered shows on the account page.
		if err := d.Tx(f.ctx, func(tx *sql.Tx) error { return svc.RecordDeliveryFailure(f.ctx, tx, acc.ID) }); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(svc.opts.LockMax + time.Minute)
		a, _ := f.signIn(t, "0100109106")
		events, err := svc.Events(f.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		var failed bool
		for _, e := range events {
			failed = failed || e.Kind == EventDeliveryFailed
		}
		if !failed {
			t.Errorf("events %+v lack the delivery failure", events)
		}
	})
}
