package kannel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel/kannel/kanneltest"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
)

const bulletin = "UBND xã Tân Phú thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30."

// reports collects what the dlr-url handler hands its sink.
type reports struct {
	mu  sync.Mutex
	got []channel.Report
	ch  chan struct{}
}

func (r *reports) Report(_ context.Context, rep channel.Report) error {
	r.mu.Lock()
	r.got = append(r.got, rep)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
	return nil
}

// wait returns the report for tracking id with the given status.
func (r *reports) wait(t *testing.T, id, status string) channel.Report {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		r.mu.Lock()
		for _, rep := range r.got {
			if rep.TrackingID == id && rep.Status == status {
				r.mu.Unlock()
				return rep
			}
		}
		got := fmt.Sprint(r.got)
		r.mu.Unlock()
		select {
		case <-r.ch:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no %q report for %s; got %s", status, id, got)
		}
	}
}

func TestKannelEndToEnd(t *testing.T) {
	gw := kanneltest.Start(t)
	smsc := gw.SMSC

	sink := &reports{ch: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	dlrSrv := httptest.NewServer(mux)
	defer dlrSrv.Close()
	s, err := New(Config{
		URL: gw.SendSMS, Username: "chinhquyen", Password: "sms-secret", From: "UBNDTANPHU",
		DLRURL: dlrSrv.URL + "/dlr", DLRToken: "dlr-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/dlr", s.Handler(sink))
	ctx := context.Background()

	t.Run("vietnamese UCS-2 in two parts", func(t *testing.T) {
		res, err := s.Send(ctx, channel.Message{TrackingID: "d-ucs2", To: "0912345678", Text: bulletin, Coding: smstext.UCS2})
		if err != nil || !res.Accepted || res.Parts != 2 {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		parts := smsc.WaitParts(t, 2)
		text := ""
		for i, p := range parts {
			if p.Coding != "2" || p.To != "84912345678" || p.From != "UBNDTANPHU" {
				t.Errorf("part %d: %+v", i, p)
			}
			// 05 00 03 ref total seq: the concatenation header (3GPP TS 23.040 §9.2.3.24.1).
			if len(p.UDH) != 6 || p.UDH[0] != 5 || p.UDH[1] != 0 || p.UDH[4] != 2 || int(p.UDH[5]) != i+1 {
				t.Errorf("part %d UDH % x", i, p.UDH)
			}
			text += p.Text
		}
		if text != bulletin {
			t.Errorf("SMSC reassembled %q", text)
		}
		rep := sink.wait(t, "d-ucs2", "smsc")
		if rep.ProviderID == "" || rep.Delivered {
			t.Errorf("smsc report %+v", rep)
		}
		// The operator reports the handset got it, to Kannel's SMSC port.
		dlr := fmt.Sprintf("http://127.0.0.1:%d/?dlr-mask=1&dlr-mid=%s&from=84912345678&to=UBNDTANPHU", gw.SMSCPort, rep.ProviderID)
		resp, err := http.Get(dlr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		final := sink.wait(t, "d-ucs2", "delivered")
		if !final.Delivered || final.ProviderID != rep.ProviderID || final.At.IsZero() {
			t.Errorf("delivered report %+v", final)
		}
	})

	t.Run("plain GSM-7 in one part, with Kannel's priority", func(t *testing.T) {
		plain := smstext.Plain(bulletin)
		res, err := s.Send(ctx, channel.Message{TrackingID: "d-gsm", To: "0912345679", Text: plain, Priority: channel.PriorityEmergency})
		if err != nil || !res.Accepted || res.Parts != 1 {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		parts := smsc.WaitParts(t, 1)
		if p := parts[0]; p.Coding != "0" || len(p.UDH) != 0 || p.Text != plain {
			t.Errorf("part %+v", p)
		}
		sink.wait(t, "d-gsm", "smsc")
	})

	t.Run("long GSM-7 in three concatenated parts", func(t *testing.T) {
		long := strings.Repeat(smstext.Plain(bulletin)+" ", 4)[:400]
		res, err := s.Send(ctx, channel.Message{TrackingID: "d-long", To: "0912345670", Text: long})
		if err != nil || !res.Accepted || res.Parts != 3 {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		parts := smsc.WaitParts(t, 3)
		text := ""
		for i, p := range parts {
			if len(p.UDH) != 6 || p.UDH[4] != 3 || int(p.UDH[5]) != i+1 {
				t.Errorf("part %d UDH % x", i, p.UDH)
			}
			text += p.Text
		}
		if text != long {
			t.Errorf("reassembled %q", text)
		}
	})

	t.Run("extension characters count twice at Kannel too", func(t *testing.T) {
		for _, tc := range []struct {
			text  string
			parts int
		}{
			{strings.Repeat("a", 158) + "€", 1},  // 160 units
			{strings.Repeat("a", 159) + "€", 2},  // 161 units
			{strings.Repeat("a", 156) + "{}", 1}, // 160 units
			{strings.Repeat("a", 157) + "{}", 2}, // 161 units
		} {
			res, err := s.Send(ctx, channel.Message{TrackingID: "d-ext", To: "0912345671", Text: tc.text, Coding: smstext.GSM7})
			if err != nil || res.Parts != tc.parts {
				t.Fatalf("Send = %+v, %v; want %d parts", res, err, tc.parts)
			}
			got := smsc.WaitParts(t, tc.parts)
			text := ""
			for _, p := range got {
				text += p.Text
			}
			if text != tc.text {
				t.Errorf("SMSC reassembled %q", text)
			}
		}
	})

	t.Run("a surrogate pair on a part boundary", func(t *testing.T) {
		// smstext never splits a pair and counts 3 parts; Kannel 1.4.5
		// cuts at 67 UTF-16 units, pair or not, and sends 2. The count may
		// be one high in this case, never low.
		text := strings.Repeat("ư", 66) + "😀" + strings.Repeat("ư", 66)
		res, err := s.Send(ctx, channel.Message{TrackingID: "d-pair", To: "0912345671", Text: text, Coding: smstext.UCS2})
		if err != nil || res.Parts != 3 {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		if got := smsc.WaitParts(t, 2); len(got) > res.Parts {
			t.Errorf("Kannel sent %d parts, more than counted", len(got))
		}
	})

	t.Run("the SMSC refuses: a rejected report", func(t *testing.T) {
		res, err := s.Send(ctx, channel.Message{TrackingID: "d-barred", To: "0912345666", Text: "Thong bao"})
		if err != nil || !res.Accepted {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		if rep := sink.wait(t, "d-barred", "rejected"); rep.Delivered {
			t.Errorf("report %+v", rep)
		}
	})

	t.Run("wrong password is permanent", func(t *testing.T) {
		bad, _ := New(Config{URL: gw.SendSMS, Username: "chinhquyen", Password: "wrong"})
		_, err := bad.Send(ctx, channel.Message{TrackingID: "d-bad", To: "0912345678", Text: "x"})
		if err == nil || !channel.IsPermanent(err) {
			t.Fatalf("err = %v, want permanent", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error leaks the password: %v", err)
		}
	})
}
