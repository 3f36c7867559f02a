package app

import (
	"bytes"
	"context"
	"flag"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// relay is a mail server on loopback that keeps what it accepts and
// refuses (550) the recipients in refuse.
type relay struct {
	mu     sync.Mutex
	got    []*mail.Message
	to     []string
	refuse string
}

func (r *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{r: r}, nil }

type relaySession struct {
	r  *relay
	to string
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.r.refuse {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = to
	return nil
}
func (s *relaySession) Data(rd io.Reader) error {
	b, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.got, s.r.to = append(s.r.got, m), append(s.r.to, s.to)
	s.r.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        {}
func (s *relaySession) Logout() error { return nil }

// subjects lists the decoded subjects received for addr.
func (r *relay) subjects(addr string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i, m := range r.got {
		if r.to[i] == addr {
			s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			out = append(out, s)
		}
	}
	return out
}

func startRelay(t *testing.T, refuse string) (*relay, string) {
	r := &relay{refuse: refuse}
	srv := smtp.NewServer(r)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r, "smtp://" + l.Addr().String() + "?tls=none"
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := clock.Now().Add(20 * time.Second)
	for !cond() {
		if clock.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Account events reach the holder's mailbox through the job runner: a
// sign-in from a new browser (once, not again from the same browser), a
// password change; a mailbox that refuses shows on the holder's account
// page and leaves a failed job for /admin/jobs.
func TestAccountEventsAreMailedToTheHolder(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			box, smtpURL := startRelay(t, "tuchoi@example.vn")
			cfg := cheap(install(t, engine))
			cfg.Notify = NotifyConfig{SMTPURL: smtpURL, SMTPFrom: "Cổng dịch vụ công <noreply@chinhquyen.test>"}
			a, srv, _ := open(t, cfg)
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); a.Jobs.Run(ctx) }()
			t.Cleanup(func() { stop(); <-done })

			const pw = "Sông Hồng chảy về biển 2026"
			for _, r := range []identity.Registration{
				{Kind: actor.Citizen, ID: "079301004567", Name: "Nguyễn Thị Hằng", Email: "hang@example.vn", Password: pw, IP: "192.0.2.1"},
				{Kind: actor.Citizen, ID: "079301004568", Name: "Trần Văn Tú", Email: "tuchoi@example.vn", Password: pw, IP: "192.0.2.1"},
			} {
				if _, err := a.Identity.Register(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}

			b := newBrowser(t, srv).signIn("079301004567", pw)
			eventually(t, "the new-device mail", func() bool { return len(box.subjects("hang@example.vn")) == 1 })
			b.signIn("079301004567", pw) // the same browser: no mail
			code, _, _ := b.post("/account/password", url.Values{"current": {pw}, "password": {pw + "!"}, "password2": {pw + "!"}})
			if code >= 400 {
				t.Fatalf("change password: %d", code)
			}
			eventually(t, "the password mail", func() bool { return len(box.subjects("hang@example.vn")) >= 2 })
			if got := box.subjects("hang@example.vn"); strings.Join(got, "|") != "Đăng nhập mới vào tài khoản của bạn|Mật khẩu tài khoản của bạn vừa được thay đổi" {
				t.Errorf("mails to the holder: %q", got)
			}

			refused := newBrowser(t, srv).signIn("079301004568", pw)
			eventually(t, "the failed delivery", func() bool {
				var n int
				_ = a.DB.Reader().QueryRowContext(context.Background(),
					"SELECT count(*) FROM jobs WHERE kind = $1 AND state = 'failed' AND last_error LIKE '%550%'", notify.KindEmail).Scan(&n)
				return n == 1
			})
			if _, body := refused.get("/account"); !strings.Contains(body, "không gửi được thư thông báo bảo mật") {
				t.Errorf("the account page does not show the failed delivery:\n%s", body)
			}
			if _, body := b.get("/account"); strings.Contains(body, "không gửi được thư") {
				t.Error("another holder's page shows the failure")
			}
		})
	}
}

// Every notice identity sends has a template in both languages.
func TestEveryIdentityNoticeHasATemplate(t *testing.T) {
	have := map[string]bool{}
	for _, n := range notify.Templates() {
		have[n] = true
	}
	for _, k := range []string{identity.NoticePasswordChanged, identity.NoticeTOTPEnabled, identity.NoticeNewDevice, identity.NoticeLocked, identity.NoticeRegisterAgain} {
		if !have["account."+k] {
			t.Errorf("no template account.%s", k)
		}
	}
}

func TestSMTPFlagsAreChecked(t *testing.T) {
	for _, c := range []NotifyConfig{
		{SMTPURL: "smtp://mail.example.vn:587"},                       // no From
		{SMTPFrom: "noreply@example.vn"},                              // From without a relay
		{SMTPURL: "http://mail.example.vn", SMTPFrom: "a@example.vn"}, // scheme
		{SMTPURL: "smtp://mail.example.vn", SMTPFrom: "không hợp lệ"}, // address
	} {
		cfg := Config{DataDir: t.TempDir(), LogFormat: "text", LogLevel: "error", Notify: c}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// The relay's URL carries its password: it may come from a file, and
// --help never shows it.
func TestSMTPURLFromAFileAndHiddenFromHelp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "smtp-url")
	if err := os.WriteFile(path, []byte("smtps://noreply:m%E1%BA%ADt-kh%E1%BA%A9u@mail.example.vn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHINHQUYEN_SMTP_URL_FILE", path)
	t.Setenv("CHINHQUYEN_SMTP_FROM", "noreply@example.vn")
	var cfg Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var help bytes.Buffer
	fs.SetOutput(&help)
	b := config.NewBinder(fs)
	cfg.BindServe(b)
	if err := b.Parse([]string{"--data", t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	relayCfg, err := cfg.Notify.smtp()
	if err != nil || relayCfg == nil || relayCfg.Password != "mật-khẩu" || !relayCfg.ImplicitTLS || relayCfg.From != "noreply@example.vn" {
		t.Fatalf("relay %+v, %v", relayCfg, err)
	}
	fs.PrintDefaults()
	if strings.Contains(help.String(), "noreply:") || !strings.Contains(help.String(), "CHINHQUYEN_SMTP_URL_FILE") {
		t.Errorf("--help:\n%s", help.String())
	}
}
