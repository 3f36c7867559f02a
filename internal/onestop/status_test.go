package onestop_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// legal is the table of one-stop.md §3.3 restated: the statuses each
// action may start from (national codes of Decree 118/2025/NĐ-CP).
var legal = map[onestop.Action][]onestop.Status{
	onestop.ActAccept:        {1},
	onestop.ActRefuse:        {1, 5},
	onestop.ActRequestSupply: {1, 2, 4},
	onestop.ActSupply:        {5},
	onestop.ActHandOver:      {2, 4},
	onestop.ActRequestFee:    {4},
	onestop.ActFeePaid:       {6},
	onestop.ActWithdraw:      {1, 2, 4, 5, 6},
	onestop.ActStop:          {2, 4, 5, 6},
	onestop.ActApprove:       {4},
	onestop.ActDecideRefuse:  {4},
	onestop.ActReturn:        {9},
}

func TestStatusNamesAndCodes(t *testing.T) {
	want := []string{"Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý", "Yêu cầu bổ sung giấy tờ",
		"Yêu cầu thực hiện nghĩa vụ tài chính", "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong", "Đã trả kết quả"}
	for i, s := range onestop.Statuses() {
		if int(s) != i+1 || s.Name() != want[i] {
			t.Errorf("status %d: %d %q", i+1, s, s.Name())
		}
		if p, err := onestop.ParseStatus(s.String()); err != nil || p != s {
			t.Errorf("parse %s: %v", s, err)
		}
	}
	for _, bad := range []string{"0", "11", "", "x"} {
		if _, err := onestop.ParseStatus(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("ParseStatus(%q): %v", bad, err)
		}
	}
}

// Every (status, action) pair: legal ones lead somewhere, illegal ones
// fail with ECONFLICT and a Vietnamese message.
func TestTransitionTableEveryPair(t *testing.T) {
	for _, act := range onestop.Actions() {
		for _, from := range onestop.Statuses() {
			allowed := false
			for _, s := range legal[act] {
				allowed = allowed || s == from
			}
			to, err := onestop.Transition(from, act)
			switch {
			case allowed && (err != nil || !to.Valid()):
				t.Errorf("%s from %d refused: %v", act, from, err)
			case !allowed && (!apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "Không thể")):
				t.Errorf("%s from %d allowed or wrong error: %v", act, from, err)
			}
		}
	}
}

// Every illegal pair through the service itself (as the system, which
// passes access): the dossier is put in each status and every action the
// table forbids from it is refused with ECONFLICT, changing nothing.
func TestServiceRefusesEveryIllegalTransition(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		sys := actor.SystemActor("test")
		ds := f.online(t, "1.001612", "")
		f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		calls := map[onestop.Action]func(id int64) error{
			onestop.ActAccept: func(id int64) error { _, err := f.svc.Accept(f.ctx, sys, id, onestop.ActionRequest{}); return err },
			onestop.ActRefuse: func(id int64) error {
				_, err := f.svc.Refuse(f.ctx, sys, id, onestop.RefuseRequest{Reason: "Không thuộc thẩm quyền"})
				return err
			},
			onestop.ActRequestSupply: func(id int64) error {
				_, err := f.svc.RequestSupplement(f.ctx, sys, id, onestop.SupplementAsk{Reason: "Thiếu", Items: []string{"Tờ khai"}})
				return err
			},
			onestop.ActSupply: func(id int64) error {
				_, err := f.svc.Supplement(f.ctx, sys, id, onestop.SupplementAnswer{Note: "Đã bổ sung"})
				return err
			},
			onestop.ActHandOver: func(id int64) error { _, err := f.svc.CompleteStep(f.ctx, sys, id, onestop.StepRequest{}); return err },
			onestop.ActRequestFee: func(id int64) error {
				_, err := f.svc.RequestFee(f.ctx, sys, id, onestop.ActionRequest{Note: "Lệ phí"})
				return err
			},
			onestop.ActFeePaid:  func(id int64) error { _, err := f.svc.FeePaid(f.ctx, sys, id, onestop.ActionRequest{}); return err },
			onestop.ActWithdraw: func(id int64) error { _, err := f.svc.Withdraw(f.ctx, sys, id, onestop.RefuseRequest{}); return err },
			onestop.ActStop: func(id int64) error {
				_, err := f.svc.Stop(f.ctx, sys, id, onestop.RefuseRequest{Reason: "Không đủ điều kiện"})
				return err
			},
			onestop.ActApprove: func(id int64) error {
				_, err := f.svc.Decide(f.ctx, sys, id, onestop.DecideRequest{Approve: true, ResultUpload: "none"})
				return err
			},
			onestop.ActDecideRefuse: func(id int64) error {
				_, err := f.svc.Decide(f.ctx, sys, id, onestop.DecideRequest{Reason: "Không đủ điều kiện"})
				return err
			},
			onestop.ActReturn: func(id int64) error {
				_, err := f.svc.ReturnResult(f.ctx, sys, id, onestop.ActionRequest{})
				return err
			},
		}
		for _, from := range onestop.Statuses() {
			if _, err := d.Writer().ExecContext(f.ctx, `UPDATE onestop_dossiers SET status = $1 WHERE id = $2`, int(from), ds.ID); err != nil {
				t.Fatal(err)
			}
			for _, act := range onestop.Actions() {
				if _, err := onestop.Transition(from, act); err == nil {
					continue
				}
				err := calls[act](ds.ID)
				if !apperr.Is(err, apperr.Conflict) || !strings.Contains(apperr.MessageOf(err), "hồ sơ") {
					t.Errorf("%s from %d: %v", act, from, err)
				}
				got, gerr := f.svc.Get(f.ctx, sys, ds.ID)
				if gerr != nil || got.Status != from {
					t.Fatalf("%s from %d changed the dossier: %v %v", act, from, got.Status, gerr)
				}
			}
		}
	})
}

// The half-day rule (BetimeUtils of OpenCPS, decree118-forms §2): on time
// within the due moment's session, early before it, late after the due.
func TestHalfDayClassification(t *testing.T) {
	ss := onestop.DefaultSessions()
	due := time.Date(2026, 12, 10, 17, 0, 0, 0, locale.VN)
	noonDue := time.Date(2026, 12, 10, 11, 30, 0, 0, locale.VN)
	for _, c := range []struct {
		done, due time.Time
		want      onestop.Timeliness
	}{
		{time.Date(2026, 12, 10, 13, 30, 0, 0, locale.VN), due, onestop.OnTime},
		{time.Date(2026, 12, 10, 16, 59, 0, 0, locale.VN), due, onestop.OnTime},
		{time.Date(2026, 12, 10, 17, 0, 0, 0, locale.VN), due, onestop.OnTime},
		{time.Date(2026, 12, 10, 17, 1, 0, 0, locale.VN), due, onestop.Late},
		{time.Date(2026, 12, 10, 11, 0, 0, 0, locale.VN), due, onestop.Early}, // the morning of the due day
		{time.Date(2026, 12, 9, 16, 0, 0, 0, locale.VN), due, onestop.Early},
		{time.Date(2026, 12, 10, 7, 0, 0, 0, locale.VN), noonDue, onestop.OnTime},
		{time.Date(2026, 12, 10, 6, 59, 0, 0, locale.VN), noonDue, onestop.Early},
		{time.Date(2026, 12, 10, 13, 30, 0, 0, locale.VN), noonDue, onestop.Late},
	} {
		if got := ss.Classify(c.done, c.due); got != c.want {
			t.Errorf("done %s due %s: %v, want %v", c.done.Format("02/01 15:04"), c.due.Format("02/01 15:04"), got, c.want)
		}
	}
}

func TestDossierCodeFormatAndParse(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC) // 06:30 on 08/12 in Vietnam
	if got := onestop.FormatCode("H15.01.01", at, 12); got != "H15.01.01-261208-0012" {
		t.Errorf("FormatCode %q", got)
	}
	if got := onestop.FormatCode("H15.01.01", at, 12345); got != "H15.01.01-261208-12345" {
		t.Errorf("FormatCode past 9999: %q", got)
	}
	for in, want := range map[string]string{" h15.01.01-261208-0012 ": "H15.01.01-261208-0012", "000.00.01.H22-250714-0012": "000.00.01.H22-250714-0012"} {
		if got, err := onestop.ParseDossierCode(in); err != nil || got != want {
			t.Errorf("ParseDossierCode(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "H15-261208-12", "H15-261308-0012", "H15 01-261208-0012", "-261208-0012", "H15-2612080-0012"} {
		if _, err := onestop.ParseDossierCode(bad); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("ParseDossierCode(%q): %v", bad, err)
		}
	}
}

func FuzzParseDossierCode(f *testing.F) {
	for _, s := range []string{"H15.01.01-261208-0012", "000.00.01.H22-250714-0012", "a-b-c", "--", "H15-261208-99999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := onestop.ParseDossierCode(s)
		if err != nil {
			return
		}
		again, err := onestop.ParseDossierCode(code)
		if err != nil || again != code {
			t.Fatalf("not stable: %q → %q → %q %v", s, code, again, err)
		}
		if len(code) > 80 || strings.ContainsAny(code, " <>\"'") {
			t.Fatalf("accepted %q", code)
		}
	})
}

func TestDossierJSONNamesStatusAndChannel(t *testing.T) {
	d := onestop.Dossier{Code: "H15-261207-0001", Status: onestop.StatusProcessing, Channel: onestop.ChannelPostal,
		DueAt: time.Date(2026, 12, 10, 17, 0, 0, 0, locale.VN)}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"status":4`, `"status_name":"Đang xử lý"`, `"channel_name":"Bưu chính công ích"`, `"code":"H15-261207-0001"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	if !d.Overdue(d.DueAt.Add(time.Minute)) || d.Overdue(d.DueAt) || !d.DueWithin(d.DueAt.Add(-time.Hour), 24*time.Hour) {
		t.Error("overdue/due soon")
	}
}

func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{"1", "10", "0", "11", "-1", "04", "+3", " 2", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := onestop.ParseStatus(s)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if !st.Valid() || st.Name() == "Không xác định" {
			t.Fatalf("%q parsed to %d", s, st)
		}
	})
}
