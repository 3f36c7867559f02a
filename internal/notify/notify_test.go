package notify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

var modules = []db.Migrations{jobs.Migrations, notify.Migrations}

// --- a real SMTP server on loopback (go-smtp) ---

type received struct {
	From string
	To   []string
	Data []byte
}

type mailbox struct {
	mu       sync.Mutex
	msgs     []received
	rcptErr  error // returned by RCPT TO when set
	user     string
	password string
}

func (m *mailbox) messages() []received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]received(nil), m.msgs...)
}

type session struct {
	box  *mailbox
	cur  received
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.box.user || pass != s.box.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.box.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.box.rcptErr != nil {
		return s.box.rcptErr
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, s.cur)
	s.box.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
// Validity is around clock.Now, and the client checks it against
// clock.Now, so the test passes under a shifted clock.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// startSMTP starts a relay on 127.0.0.1:0 that offers STARTTLS and AUTH
// PLAIN, and returns the client configuration that reaches it.
func startSMTP(t *testing.T, box *mailbox) notify.SMTPConfig {
	t.Helper()
	cert, pool := selfSigned(t)
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, Time: clock.Now}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	box.user, box.password = "noreply", "mật-khẩu thư"
	return notify.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, Username: box.user, Password: box.password,
		From: "Cổng dịch vụ công <noreply@chinhquyen.test>", Timeout: 5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: pool, Time: clock.Now}}
}

// --- the platform under test ---

type failures struct {
	mu  sync.Mutex
	got []notify.Failure
}

func (f *failures) list() []notify.Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notify.Failure(nil), f.got...)
}

type env struct {
	d      *db.DB
	svc    *notify.Service
	failed *failures
	stop   func() // stops the runner
}

func newEnv(t *testing.T, d *db.DB, opts notify.Options) *env {
	t.Helper()
	e := &env{d: d, failed: &failures{}}
	opts.OnFailure = func(ctx context.Context, tx *sql.Tx, f notify.Failure) error {
		e.failed.mu.Lock()
		e.failed.got = append(e.failed.got, f)
		e.failed.mu.Unlock()
		return nil
	}
	opts.SecretKey = bytes.Repeat([]byte{7}, 32)
	svc, err := notify.New(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	r := jobs.NewRunner(d, jobs.Options{PollInterval: 10 * time.Millisecond, RetryBase: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond})
	svc.Register(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	var once sync.Once
	e.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(e.stop)
	return e
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := clock.Now().Add(20 * time.Second)
	for !cond() {
		if clock.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type attempt struct {
	status, errText, providerID, recipient string
	attempt                                int
	account                                int64
}

func attempts(t *testing.T, d *db.DB) []attempt {
	t.Helper()
	rows, err := d.Reader().QueryContext(context.Background(),
		"SELECT status, error, provider_id, recipient, attempt, account_id FROM notify_deliveries ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []attempt
	for rows.Next() {
		var a attempt
		if err := rows.Scan(&a.status, &a.errText, &a.providerID, &a.recipient, &a.attempt, &a.account); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func jobStates(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	rows, err := d.Reader().QueryContext(context.Background(), "SELECT state, last_error FROM jobs WHERE kind IN ($1, $2)", notify.KindEmail, notify.KindWebhook)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state, last string
		if err := rows.Scan(&state, &last); err != nil {
			t.Fatal(err)
		}
		out[state]++
		if state == "failed" && last == "" {
			t.Errorf("a failed job without its reason")
		}
	}
	return out
}

func send(t *testing.T, e *env, m notify.Message) {
	t.Helper()
	if err := e.d.Tx(context.Background(), func(tx *sql.Tx) error { return e.svc.Send(context.Background(), tx, m) }); err != nil {
		t.Fatal(err)
	}
}

func passwordChanged(to string) notify.Message {
	return notify.Message{AccountID: 42, To: to, Template: "account.password_changed",
		Data: map[string]string{"Name": "Nguyễn Thị Hằng", "Login": "hang.nt", "At": "07/12/2026 10:15", "IP": "203.0.113.9",
			"AccountURL": "https://dichvucong.example.vn/account"}}
}

// --- e-mail ---

func TestEmailDeliveredWithHeadersAndVietnameseEncoding(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		box := &mailbox{}
		cfg := startSMTP(t, box)
		e := newEnv(t, d, notify.Options{SMTP: &cfg})
		send(t, e, passwordChanged("hang.nt@example.vn"))
		waitFor(t, "the message", func() bool { return len(box.messages()) == 1 })

		got := box.messages()[0]
		if got.From != "noreply@chinhquyen.test" || len(got.To) != 1 || got.To[0] != "hang.nt@example.vn" {
			t.Errorf("envelope from %q to %q", got.From, got.To)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
		if err != nil {
			t.Fatal(err)
		}
		h := msg.Header
		raw := h.Get("Subject")
		if !strings.HasPrefix(strings.ToUpper(raw), "=?UTF-8?") {
			t.Errorf("Subject is not an RFC 2047 encoded-word: %q", raw)
		}
		for _, r := range raw {
			if r > 0x7e {
				t.Errorf("Subject header carries raw non-ASCII: %q", raw)
				break
			}
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(raw)
		if err != nil || subject != "Mật khẩu tài khoản của bạn vừa được thay đổi" {
			t.Errorf("decoded Subject %q (%v)", subject, err)
		}
		from, err := mail.ParseAddress(h.Get("From"))
		if err != nil || from.Name != "Cổng dịch vụ công" || from.Address != "noreply@chinhquyen.test" {
			t.Errorf("From %q → %v (%v)", h.Get("From"), from, err)
		}
		if h.Get("To") != "<hang.nt@example.vn>" && h.Get("To") != "hang.nt@example.vn" {
			t.Errorf("To %q", h.Get("To"))
		}
		msgID := h.Get("Message-Id")
		if !strings.HasPrefix(msgID, "<") || !strings.HasSuffix(msgID, "@chinhquyen.test>") {
			t.Errorf("Message-ID %q", msgID)
		}
		if h.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("Auto-Submitted %q", h.Get("Auto-Submitted"))
		}
		if _, err := h.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil || mt != "multipart/alternative" {
			t.Fatalf("Content-Type %q", h.Get("Content-Type"))
		}
		parts := map[string]string{}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if !strings.EqualFold(cp["charset"], "utf-8") {
				t.Errorf("%s part charset %q", ct, cp["charset"])
			}
			var body []byte
			if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
				body, err = io.ReadAll(quotedprintable.NewReader(p))
			} else {
				body, err = io.ReadAll(p)
			}
			if err != nil {
				t.Fatal(err)
			}
			parts[ct] = string(body)
		}
		if !strings.Contains(parts["text/plain"], "Kính gửi Nguyễn Thị Hằng,") || !strings.Contains(parts["text/plain"], "đã được thay đổi lúc 07/12/2026 10:15") {
			t.Errorf("text part:\n%s", parts["text/plain"])
		}
		if !strings.Contains(parts["text/html"], "<strong>hang.nt</strong>") || !strings.Contains(parts["text/html"], `lang="vi"`) {
			t.Errorf("html part:\n%s", parts["text/html"])
		}

		waitFor(t, "the attempt's record", func() bool { return len(attempts(t, d)) == 1 })
		a := attempts(t, d)[0]
		if a.status != notify.StatusSent || a.attempt != 1 || a.providerID != msgID || a.account != 42 || a.errText != "" {
			t.Errorf("recorded %+v, Message-ID %s", a, msgID)
		}
		waitFor(t, "the job to finish", func() bool { return len(jobStates(t, d)) == 0 })
	})
}

func TestEmailInEnglishWhenTheRecipientChoseIt(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		box := &mailbox{}
		cfg := startSMTP(t, box)
		e := newEnv(t, d, notify.Options{SMTP: &cfg})
		m := passwordChanged("hang.nt@example.vn")
		m.Lang = locale.EN
		send(t, e, m)
		waitFor(t, "the message", func() bool { return len(box.messages()) == 1 })
		msg, err := mail.ReadMessage(bytes.NewReader(box.messages()[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); s != "Your account password was changed" {
			t.Errorf("Subject %q", s)
		}
	})
}

func TestNothingSentForAChangeThatRolledBack(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		box := &mailbox{}
		cfg := startSMTP(t, box)
		e := newEnv(t, d, notify.Options{SMTP: &cfg})
		ctx := context.Background()
		boom := errors.New("the change failed")
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			if err := e.svc.Send(ctx, tx, passwordChanged("rolled.back@example.vn")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx: %v", err)
		}
		// A committed message after it: once it has arrived, the runner
		// has looked at the queue, and the rolled-back one was not there.
		send(t, e, passwordChanged("committed@example.vn"))
		waitFor(t, "the committed message", func() bool { return len(box.messages()) >= 1 })
		waitFor(t, "the queue to drain", func() bool { return len(jobStates(t, d)) == 0 })
		for _, m := range box.messages() {
			if m.To[0] != "committed@example.vn" {
				t.Errorf("sent to %v, whose change rolled back", m.To)
			}
		}
		if n := len(box.messages()); n != 1 {
			t.Errorf("%d messages, want 1", n)
		}
		for _, a := range attempts(t, d) {
			if a.recipient != "committed@example.vn" {
				t.Errorf("an attempt for a rolled-back change: %+v", a)
			}
		}
	})
}

func TestSMTPRefusalIsPermanentAndRecorded(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		box := &mailbox{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Hộp thư không tồn tại"}}
		cfg := startSMTP(t, box)
		e := newEnv(t, d, notify.Options{SMTP: &cfg, MaxAttempts: 5})
		send(t, e, passwordChanged("no.such.user@example.vn"))
		waitFor(t, "the failed job", func() bool { return jobStates(t, d)["failed"] == 1 })
		got := attempts(t, d)
		if len(got) != 1 || got[0].status != notify.StatusFailed || !strings.Contains(got[0].errText, "550") {
			t.Fatalf("attempts %+v: want one failed with the relay's 550 (no retry of a permanent refusal)", got)
		}
		f := e.failed.list()
		if len(f) != 1 || f[0].AccountID != 42 || f[0].Channel != notify.ChannelEmail || f[0].Template != "account.password_changed" {
			t.Errorf("failure reported %+v", f)
		}
		if len(box.messages()) != 0 {
			t.Error("a refused message was stored")
		}
	})
}

// A relay that accepts the connection and never answers: the attempt ends
// at the timeout, is recorded and retried; the last attempt dead-letters
// the job and reports the failure.
func TestSMTPThatHangsTimesOutAndIsRetried(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns sync.WaitGroup
		var held []net.Conn
		var mu sync.Mutex
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				held = append(held, c) // silent: no greeting, ever
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			l.Close()
			mu.Lock()
			for _, c := range held {
				c.Close()
			}
			mu.Unlock()
			conns.Wait()
		})
		cfg := notify.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "noreply@chinhquyen.test",
			Timeout: 300 * time.Millisecond}
		e := newEnv(t, d, notify.Options{SMTP: &cfg, MaxAttempts: 2})
		start := clock.Now()
		send(t, e, passwordChanged("hang.nt@example.vn"))
		waitFor(t, "the dead-lettered job", func() bool { return jobStates(t, d)["failed"] == 1 })
		if took := clock.Now().Sub(start); took > 10*time.Second {
			t.Errorf("two attempts took %v with a 300ms timeout", took)
		}
		got := attempts(t, d)
		if len(got) != 2 || got[0].status != notify.StatusRetry || got[1].status != notify.StatusFailed || got[1].attempt != 2 {
			t.Fatalf("attempts %+v: want retry then failed", got)
		}
		if !strings.Contains(got[0].errText, "timeout") {
			t.Errorf("first attempt's error %q does not name the timeout", got[0].errText)
		}
		if f := e.failed.list(); len(f) != 1 || f[0].AccountID != 42 {
			t.Errorf("failure reported %+v", f)
		}
	})
}

func TestSendRefusesABadAddressAndSkipsWithoutSMTP(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	ctx := context.Background()
	e := newEnv(t, d, notify.Options{})
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		return e.svc.Send(ctx, tx, passwordChanged("không phải địa chỉ\r\nBcc: x@example.vn"))
	})
	if err == nil {
		t.Error("a malformed address was accepted")
	}
	// Without --smtp-url nothing is queued (no job to dead-letter).
	send(t, e, passwordChanged("hang.nt@example.vn"))
	if n := len(jobStates(t, d)); n != 0 {
		t.Errorf("%d job states queued without SMTP", n)
	}
}

// --- webhooks ---

type hookServer struct {
	srv      *httptest.Server
	secret   []byte
	statuses []int // answers, in order; the last one repeats
	calls    atomic.Int64
	bad      atomic.Int64 // requests whose signature did not verify
	bodies   chan []byte
}

func startHook(t *testing.T, secret []byte, statuses ...int) *hookServer {
	h := &hookServer{secret: secret, statuses: statuses, bodies: make(chan []byte, 10)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(h.calls.Add(1))
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature(h.secret, r.Header.Get(notify.TimestampHeader), r.Header.Get(notify.SignatureHeader), body, clock.Now()); err != nil ||
			r.Header.Get("Content-Type") != "application/json" || r.Header.Get(notify.DeliveryHeader) == "" || r.Header.Get(notify.EventHeader) != "document.received" {
			h.bad.Add(1)
		}
		h.bodies <- body
		w.WriteHeader(h.statuses[min(n, len(h.statuses))-1])
		io.WriteString(w, "thông báo của bên nhận")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func webhookEnv(t *testing.T, d *db.DB, h *hookServer, maxAttempts int) (*env, int64) {
	e := newEnv(t, d, notify.Options{MaxAttempts: maxAttempts, WebhookTimeout: 2 * time.Second})
	var id int64
	ctx := context.Background()
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = e.svc.CreateWebhook(ctx, tx, h.srv.URL+"/hook?token=abc", h.secret); err != nil {
			return err
		}
		return e.svc.SendWebhook(ctx, tx, id, "document.received", map[string]any{"so_ky_hieu": "12/UBND-VP", "trich_yeu": "Về việc nghỉ Tết"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, id
}

func TestWebhookSignedAndRetriedAfter500(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		h := startHook(t, []byte("bí mật chung của hai bên, đủ dài"), 500, 200)
		webhookEnv(t, d, h, 5)
		waitFor(t, "the job to finish", func() bool { return h.calls.Load() == 2 && len(jobStates(t, d)) == 0 })
		if h.bad.Load() != 0 {
			t.Errorf("%d requests did not verify", h.bad.Load())
		}
		body := <-h.bodies
		if !strings.Contains(string(body), `"trich_yeu":"Về việc nghỉ Tết"`) {
			t.Errorf("body %s", body)
		}
		if second := <-h.bodies; !bytes.Equal(second, body) {
			t.Errorf("the retry sent another body: %s", second)
		}
		got := attempts(t, d)
		if len(got) != 2 || got[0].status != notify.StatusRetry || !strings.Contains(got[0].errText, "500") || got[1].status != notify.StatusSent {
			t.Fatalf("attempts %+v", got)
		}
		if strings.Contains(got[0].recipient, "token") || strings.Contains(got[0].errText, "token=abc") {
			t.Errorf("the endpoint's query leaked into the record: %+v", got[0])
		}
	})
}

func TestWebhook400IsDeadLettered(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		h := startHook(t, []byte("bí mật chung của hai bên, đủ dài"), 400)
		webhookEnv(t, d, h, 5)
		waitFor(t, "the failed job", func() bool { return jobStates(t, d)["failed"] == 1 })
		if h.calls.Load() != 1 {
			t.Errorf("%d calls: a 400 must not be retried", h.calls.Load())
		}
		got := attempts(t, d)
		if len(got) != 1 || got[0].status != notify.StatusFailed || !strings.Contains(got[0].errText, "400") {
			t.Fatalf("attempts %+v", got)
		}
	})
}

func TestWebhookStatusClasses(t *testing.T) {
	// 408 and 429 are "try later"; other 4xx are refusals.
	for _, tc := range []struct {
		status int
		retry  bool
	}{{408, true}, {429, true}, {302, true}, {503, true}, {404, false}, {410, false}, {422, false}} {
		d := dbtest.SQLite(t, modules...)
		h := startHook(t, []byte("bí mật chung của hai bên, đủ dài"), tc.status)
		webhookEnv(t, d, h, 2)
		waitFor(t, "the failed job", func() bool { return jobStates(t, d)["failed"] == 1 })
		if got, want := h.calls.Load(), map[bool]int64{true: 2, false: 1}[tc.retry]; got != want {
			t.Errorf("status %d: %d calls, want %d", tc.status, got, want)
		}
	}
}

func TestWebhookSecretsAreSealed(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	e := newEnv(t, d, notify.Options{})
	secret := []byte("bí mật chung của hai bên, đủ dài")
	ctx := context.Background()
	var id int64
	if err := d.Tx(ctx, func(tx *sql.Tx) (err error) {
		id, err = e.svc.CreateWebhook(ctx, tx, "https://doitac.example.vn/hook", secret)
		return
	}); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := d.Reader().QueryRowContext(ctx, "SELECT secret FROM notify_webhooks WHERE id = $1", id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, "bí mật") {
		t.Errorf("stored secret %q", stored)
	}
	for _, bad := range []struct{ url, secret string }{
		{"ftp://doitac.example.vn/", "bí mật chung của hai bên, đủ dài"},
		{"https://user:pw@doitac.example.vn/", "bí mật chung của hai bên, đủ dài"},
		{"/relative", "bí mật chung của hai bên, đủ dài"},
		{"https://doitac.example.vn/", "ngắn"},
	} {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			_, err := e.svc.CreateWebhook(ctx, tx, bad.url, []byte(bad.secret))
			return err
		})
		if err == nil {
			t.Errorf("CreateWebhook(%q, %q) accepted", bad.url, bad.secret)
		}
	}
}

func TestImplicitTLSAndRefusedCredentials(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		box := &mailbox{}
		cert, pool := selfSigned(t)
		srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: box}, nil }))
		srv.Domain = "localhost"
		l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, Time: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		box.user, box.password = "noreply", "đúng"
		cfg, err := notify.ParseSMTPURL("smtps://noreply:sai@" + l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		cfg.From, cfg.Timeout, cfg.TLSConfig = "noreply@chinhquyen.test", 5*time.Second, &tls.Config{RootCAs: pool, Time: clock.Now}
		e := newEnv(t, d, notify.Options{SMTP: &cfg, MaxAttempts: 5})
		send(t, e, passwordChanged("hang.nt@example.vn"))
		waitFor(t, "the refused credentials to fail the job", func() bool { return jobStates(t, d)["failed"] == 1 })
		if got := attempts(t, d); len(got) != 1 || got[0].status != notify.StatusFailed || !strings.Contains(got[0].errText, "535") {
			t.Fatalf("wrong password: attempts %+v, want one failed with the relay's 535", got)
		}

		e.stop()
		cfg.Password = "đúng"
		e2 := newEnv(t, d, notify.Options{SMTP: &cfg})
		send(t, e2, passwordChanged("hang.nt@example.vn"))
		waitFor(t, "the message over implicit TLS", func() bool { return len(box.messages()) == 1 })
	})
}

func TestOldDeliveryAttemptsArePurged(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	e := newEnv(t, d, notify.Options{})
	ctx := context.Background()
	now := clock.Now()
	for i, at := range []time.Time{now.Add(-notify.DeliveryRetention - time.Hour), now.Add(-time.Hour)} {
		if _, err := d.Writer().ExecContext(ctx, `INSERT INTO notify_deliveries (message_id, channel, recipient, template, attempt, status, at)
			VALUES ($1, 'email', 'a@example.vn', 'account.locked', 1, 'sent', $2)`, fmt.Sprint("m", i), db.Micros(at)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.Purge(ctx, jobs.Job{}); err != nil {
		t.Fatal(err)
	}
	if got := attempts(t, d); len(got) != 1 {
		t.Errorf("%d attempts left, want the recent one", len(got))
	}
}

// A runner that stops mid-delivery gives the attempt back: the handler
// records no attempt and, even on the last one, neither dead-letters the
// job nor reports a failure.
func TestStoppingRunnerIsNoFailedAttempt(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	cfg := notify.SMTPConfig{Host: "127.0.0.1", Port: 1, From: "noreply@chinhquyen.test", Timeout: time.Second}
	e := newEnv(t, d, notify.Options{SMTP: &cfg, MaxAttempts: 1})
	e.stop()
	send(t, e, passwordChanged("hang.nt@example.vn"))
	var j jobs.Job
	var payload string
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT id, kind, payload FROM jobs WHERE kind = $1", notify.KindEmail).
		Scan(&j.ID, &j.Kind, &payload); err != nil {
		t.Fatal(err)
	}
	j.Payload, j.Attempt, j.MaxAttempts = []byte(payload), 1, 1
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.svc.Handle(ctx, j)
	if err == nil || jobs.IsPermanent(err) {
		t.Errorf("Handle while stopping: %v, want a plain error", err)
	}
	if got := attempts(t, d); len(got) != 0 {
		t.Errorf("recorded %+v", got)
	}
	if f := e.failed.list(); len(f) != 0 {
		t.Errorf("reported %+v", f)
	}
}

// A receiver that does not answer within the timeout is retried, then
// dead-lettered with the reason.
func TestWebhookTimeoutIsRetried(t *testing.T) {
	d := dbtest.SQLite(t, modules...)
	release := make(chan struct{})
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	e := newEnv(t, d, notify.Options{MaxAttempts: 2, WebhookTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *sql.Tx) error {
		id, err := e.svc.CreateWebhook(ctx, tx, srv.URL, []byte("bí mật chung của hai bên, đủ dài"))
		if err != nil {
			return err
		}
		return e.svc.SendWebhook(ctx, tx, id, "document.received", map[string]string{})
	}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the dead-lettered job", func() bool { return jobStates(t, d)["failed"] == 1 })
	got := attempts(t, d)
	if calls.Load() != 2 || len(got) != 2 || got[0].status != notify.StatusRetry || !strings.Contains(got[0].errText, "Timeout") {
		t.Fatalf("%d calls, attempts %+v", calls.Load(), got)
	}
	e.stop()
}
