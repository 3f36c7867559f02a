package kannel

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

const bulletin = "UBND xã Tân Phú thông báo: ngày 10/12/2026 tiêm vắc xin sởi cho trẻ dưới 5 tuổi tại trạm y tế xã, từ 7h30."

// smscPart is one submission the SMSC received from Kannel.
type smscPart struct {
	To, From, Coding, ID string
	UDH                  []byte
	Text                 string // decoded
}

// fakeSMSC answers Kannel's generic HTTP SMSC as an operator's would:
// "ok id=N" with a fresh message id per part.
type fakeSMSC struct {
	mu    sync.Mutex
	parts []smscPart
	seq   int
}

func (f *fakeSMSC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("text")
	p := smscPart{To: q.Get("to"), From: q.Get("from"), Coding: q.Get("coding"), UDH: []byte(q.Get("udh"))}
	if p.Coding == "2" {
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		p.Text = string(utf16.Decode(u))
	} else {
		p.Text = raw
	}
	if p.To == "84912345666" {
		fmt.Fprint(w, "fail: subscriber barred")
		return
	}
	f.mu.Lock()
	f.seq++
	p.ID = fmt.Sprintf("m%d", f.seq)
	f.parts = append(f.parts, p)
	f.mu.Unlock()
	fmt.Fprintf(w, "ok id=%s", p.ID)
}

func (f *fakeSMSC) take() []smscPart {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.parts
	f.parts = nil
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type gateway struct {
	sendsms  string // smsbox's sendsms URL
	smscPort int    // where the SMSC posts delivery reports to Kannel
	logs     string
}

// startKannel runs bearerbox and smsbox on loopback ports with one generic
// HTTP SMSC pointing at smsc.
func startKannel(t *testing.T, smsc string) gateway {
	testenv.NeedTool(t, "bearerbox", "kannel")
	testenv.NeedTool(t, "smsbox", "kannel")
	dir := t.TempDir()
	admin, box, smscPort, sendsms := freePort(t), freePort(t), freePort(t), freePort(t)
	conf := fmt.Sprintf(`group = core
admin-port = %d
admin-password = admin-secret
smsbox-port = %d
box-allow-ip = 127.0.0.1
admin-interface = 127.0.0.1
log-file = "%s/bearerbox.log"
log-level = 1
dlr-storage = internal

group = smsc
smsc = http
smsc-id = loopback
system-type = generic
port = %d
connect-allow-ip = 127.0.0.1
send-url = "%s/send?to=%%p&from=%%P&text=%%b&coding=%%c&udh=%%u"
status-success-regex = "^ok"
status-permfail-regex = "^fail"
generic-foreign-id-regex = "id=([0-9a-z]+)"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %d
sendsms-port = %d
sendsms-interface = 127.0.0.1
log-file = "%s/smsbox.log"
log-level = 1

group = sendsms-user
username = chinhquyen
password = sms-secret
concatenation = true
max-messages = 10
`, admin, box, dir, smscPort, smsc, box, sendsms, dir)
	cfgPath := filepath.Join(dir, "kannel.conf")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(name string) {
		cmd := exec.Command(name, cfgPath)
		cmd.Dir = dir
		out := &testenv.SyncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				b, _ := os.ReadFile(filepath.Join(dir, name+".log"))
				t.Logf("%s output:\n%s\nlog tail:\n%s", name, out.String(), tail(string(b), 3000))
			}
		})
	}
	start("bearerbox")
	waitPort(t, box)
	start("smsbox")
	waitPort(t, sendsms)
	return gateway{sendsms: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/sendsms", sendsms), smscPort: smscPort, logs: dir}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func waitPort(t *testing.T, port int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("port %d did not open", port)
}

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

func waitParts(t *testing.T, f *fakeSMSC, n int) []smscPart {
	t.Helper()
	var got []smscPart
	for i := 0; i < 150 && len(got) < n; i++ {
		got = append(got, f.take()...)
		if len(got) < n {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(got) != n {
		t.Fatalf("SMSC received %d parts, want %d: %+v", len(got), n, got)
	}
	// Kannel submits the parts of one message concurrently: order them by
	// the sequence number of their concatenation header.
	sort.SliceStable(got, func(i, j int) bool { return seq(got[i]) < seq(got[j]) })
	return got
}

func seq(p smscPart) int {
	if len(p.UDH) == 6 {
		return int(p.UDH[5])
	}
	return 0
}

func TestKannelEndToEnd(t *testing.T) {
	smsc := &fakeSMSC{}
	smscSrv := httptest.NewServer(smsc)
	defer smscSrv.Close()
	gw := startKannel(t, smscSrv.URL)

	sink := &reports{ch: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	dlrSrv := httptest.NewServer(mux)
	defer dlrSrv.Close()
	s, err := New(Config{
		URL: gw.sendsms, Username: "chinhquyen", Password: "sms-secret", From: "UBNDTANPHU",
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
		parts := waitParts(t, smsc, 2)
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
		dlr := fmt.Sprintf("http://127.0.0.1:%d/?dlr-mask=1&dlr-mid=%s&from=84912345678&to=UBNDTANPHU", gw.smscPort, rep.ProviderID)
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
		parts := waitParts(t, smsc, 1)
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
		parts := waitParts(t, smsc, 3)
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
			got := waitParts(t, smsc, tc.parts)
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
		if got := waitParts(t, smsc, 2); len(got) > res.Parts {
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
		bad, _ := New(Config{URL: gw.sendsms, Username: "chinhquyen", Password: "wrong"})
		_, err := bad.Send(ctx, channel.Message{TrackingID: "d-bad", To: "0912345678", Text: "x"})
		if err == nil || !channel.IsPermanent(err) {
			t.Fatalf("err = %v, want permanent", err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Errorf("error leaks the password: %v", err)
		}
	})
}
