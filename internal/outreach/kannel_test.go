package outreach_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/kannel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/kannel/kanneltest"
)

// A bulletin through a real Kannel (bearerbox and smsbox) to a loopback
// operator: the Vietnamese text in UCS-2 parts and the text without accents
// in GSM-7, each resident's message reassembled at the operator, the
// operator's acceptance kept as "sent" (an interim report), and the
// handset reports back on the bulletin's deliveries: one delivered, one
// undelivered with its reason.
func TestBulletinThroughKannel(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		gw := kanneltest.Start(t)
		mux := http.NewServeMux()
		dlr := httptest.NewServer(mux)
		defer dlr.Close()
		sms, err := kannel.New(kannel.Config{URL: gw.SendSMS, Username: kanneltest.Username, Password: kanneltest.Password,
			From: "UBNDXAMOT", DLRURL: dlr.URL + "/dlr", DLRToken: "dlr-token"})
		if err != nil {
			t.Fatal(err)
		}
		f := setupWithSMS(t, d, sms)
		mux.Handle("/dlr", sms.Handler(f.svc))
		f.register(officer, "0912000001", "00001", false)
		f.register(officer, "0912000002", "00001", false)

		for _, tc := range []struct {
			name, coding string
			plain        bool
			body         string
			parts        int
		}{
			{"Vietnamese in UCS-2", "2", false, "UBND xã Một thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30.", 2},
			{"without accents in GSM-7", "0", true, "UBND xã Một thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30.", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b, err := f.svc.Create(f.ctx, officer, outreach.DraftRequest{Title: "Tiêm chủng", Body: tc.body, SMSPlain: tc.plain,
					Priority: outreach.PriorityHigh, Communes: []string{"00001"}})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.Approve(f.ctx, leader, b.ID); err != nil {
					t.Fatal(err)
				}
				if _, _, err := f.svc.Send(f.ctx, leader, b.ID); err != nil {
					t.Fatal(err)
				}
				if errs := f.runJobs(); len(errs) > 0 {
					t.Fatal(errs)
				}
				parts := gw.SMSC.WaitParts(t, 2*tc.parts)
				byPhone := map[string][]kanneltest.Part{}
				for _, p := range parts {
					if p.Coding != tc.coding || p.From != "UBNDXAMOT" {
						t.Errorf("part %+v", p)
					}
					byPhone[p.To] = append(byPhone[p.To], p)
				}
				for _, to := range []string{"84912000001", "84912000002"} {
					text := ""
					for _, p := range byPhone[to] {
						text += p.Text
					}
					want := tc.body
					if tc.plain {
						want = "UBND xa Mot thong bao: ngay 10/12/2026 tiem vac xin soi cho tre duoi 5 tuoi tai tram y te xa, tu 7h30."
					}
					if text != want {
						t.Errorf("%s received %q, want %q", to, text, want)
					}
				}
				// The operator's acceptance (dlr-mask 8) is not an outcome.
				waitCounts(t, f, b.ID, func(c map[string]int) bool { return c["sent"] == 2 }, "two SMS sent")
				time.Sleep(300 * time.Millisecond)
				if c := counts(t, f, b.ID); c["sent"] != 2 || c["failed"] != 0 {
					t.Fatalf("after the operator's acceptance: %v", c)
				}
				gw.HandsetReport(t, byPhone["84912000001"][0].ID, true)
				gw.HandsetReport(t, byPhone["84912000002"][0].ID, false)
				waitCounts(t, f, b.ID, func(c map[string]int) bool { return c["delivered"] == 1 && c["failed"] == 1 }, "one delivered, one failed")
				sum, err := f.svc.Deliveries(f.ctx, officer, b.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range sum.Rows {
					if r.Channel == "sms" && r.Status == "failed" && r.Error == "" {
						t.Errorf("an undelivered SMS without its reason: %+v", r)
					}
				}
			})
		}
	})
}

func counts(t *testing.T, f *fixture, bulletin int64) map[string]int {
	t.Helper()
	sum, err := f.svc.Deliveries(f.ctx, officer, bulletin, 10)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Counts["sms"]
}

func waitCounts(t *testing.T, f *fixture, bulletin int64, ok func(map[string]int) bool, what string) {
	t.Helper()
	for i := 0; i < 150; i++ {
		if ok(counts(t, f, bulletin)) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", what, counts(t, f, bulletin))
}
