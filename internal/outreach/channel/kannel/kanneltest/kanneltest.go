// Package kanneltest runs a real Kannel (bearerbox and smsbox, Debian
// package kannel) on loopback ports for tests, in front of a fake
// operator: a generic HTTP SMSC that records what Kannel submits and
// answers as an operator's would. Delivery reports come back through
// Kannel's own SMSC port (HandsetReport), so a test sees the whole path:
// our sender → smsbox → bearerbox → SMSC, and SMSC → bearerbox → dlr-url.
package kanneltest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// Username and Password are the sendsms user of the Kannel Start runs.
const (
	Username = "chinhquyen"
	Password = "sms-secret"
)

// BarredNumber is a number the fake operator refuses (as 84xxxxxxxxx).
const BarredNumber = "84912345666"

// Part is one submission the SMSC received from Kannel.
type Part struct {
	To, From, Coding, ID string
	UDH                  []byte
	Text                 string // decoded
}

// Seq is the part's sequence number in its concatenated message (0 when
// the message was not split).
func (p Part) Seq() int {
	if len(p.UDH) == 6 {
		return int(p.UDH[5])
	}
	return 0
}

// SMSC answers Kannel's generic HTTP SMSC as an operator's would: "ok
// id=N" with a fresh message id per part, "fail" for BarredNumber.
type SMSC struct {
	mu    sync.Mutex
	parts []Part
	seq   int
}

func (f *SMSC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("text")
	p := Part{To: q.Get("to"), From: q.Get("from"), Coding: q.Get("coding"), UDH: []byte(q.Get("udh"))}
	if p.Coding == "2" {
		u := make([]uint16, len(raw)/2)
		for i := range u {
			u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
		}
		p.Text = string(utf16.Decode(u))
	} else {
		p.Text = raw
	}
	if p.To == BarredNumber {
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

// Take returns and forgets the parts received so far.
func (f *SMSC) Take() []Part {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.parts
	f.parts = nil
	return p
}

// WaitParts waits up to 15 s for exactly n parts and returns them ordered
// by their concatenation sequence (Kannel submits a message's parts
// concurrently).
func (f *SMSC) WaitParts(t testing.TB, n int) []Part {
	t.Helper()
	var got []Part
	for i := 0; i < 150 && len(got) < n; i++ {
		got = append(got, f.Take()...)
		if len(got) < n {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(got) != n {
		t.Fatalf("SMSC received %d parts, want %d: %+v", len(got), n, got)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].Seq() < got[j].Seq() })
	return got
}

// Gateway is a running Kannel.
type Gateway struct {
	SendSMS  string // smsbox's sendsms URL
	SMSCPort int    // where the operator posts delivery reports to Kannel
	SMSC     *SMSC
}

// HandsetReport tells Kannel, as the operator does, that the message with
// the operator's id reached (or not) the handset.
func (g Gateway) HandsetReport(t testing.TB, id string, delivered bool) {
	t.Helper()
	mask := 1
	if !delivered {
		mask = 2
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/?dlr-mask=%d&dlr-mid=%s", g.SMSCPort, mask, id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// Start runs bearerbox and smsbox on free loopback ports with one generic
// HTTP SMSC, a fake operator served for the test's duration. It skips
// (outside CI) or fails (in CI) when Kannel is not installed.
func Start(t testing.TB) Gateway {
	testenv.NeedTool(t, "bearerbox", "kannel")
	testenv.NeedTool(t, "smsbox", "kannel")
	smsc := &SMSC{}
	srv := httptest.NewServer(smsc)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	admin, box, smscPort, sendsms := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
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
username = %s
password = %s
concatenation = true
max-messages = 10
`, admin, box, dir, smscPort, srv.URL, box, sendsms, dir, Username, Password)
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
	WaitPort(t, box)
	start("smsbox")
	WaitPort(t, sendsms)
	return Gateway{SendSMS: fmt.Sprintf("http://127.0.0.1:%d/cgi-bin/sendsms", sendsms), SMSCPort: smscPort, SMSC: smsc}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// FreePort returns a loopback port free at the moment of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitPort waits up to 10 s for a loopback port to accept connections.
func WaitPort(t testing.TB, port int) {
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
