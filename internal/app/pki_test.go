package app

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign/pdfsigntest"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/signing"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

// browser is a signed-in (or anonymous) client with its own cookies.
type browser struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) signIn(login, password string) *browser {
	b.t.Helper()
	resp, err := b.c.PostForm(b.srv.URL+"/login", url.Values{"login": {login}, "password": {password}})
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d", login, resp.StatusCode)
	}
	return b
}

func (b *browser) do(req *http.Request) (int, http.Header, []byte) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func (b *browser) get(path string) (int, string) {
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	code, _, body := b.do(req)
	return code, string(body)
}

func (b *browser) post(path string, form url.Values) (int, http.Header, string) {
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	code, h, body := b.do(req)
	return code, h, string(body)
}

// upload posts a multipart form: fields, and files as name → content.
func (b *browser) upload(path string, fields map[string]string, files map[string][]byte) (int, http.Header, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for k, v := range files {
		fw, _ := mw.CreateFormFile(k, k+".pdf")
		_, _ = fw.Write(v)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// The demo can sign at once: the CA exists, demo.leader signs a PDF on
// /sign, demo.clerk seals it over the leader's signature, anyone reads
// TOTAL-PASSED on /verify and from POST /api/v1/pdf/verify (as documented),
// and the file passes pdfsig, qpdf and openssl. The security officer lists,
// issues, revokes and manages the trust store; others are refused.
func TestDemoSignsSealsAndVerifiesThroughThePagesOnBothEngines(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			// The certificates' OCSP and CRL addresses point at this
			// server, so pdfsig can check revocation without the network.
			var handler http.Handler = http.NotFoundHandler()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
			t.Cleanup(srv.Close)
			cfg := cheap(install(t, engine))
			cfg.BaseURL = srv.URL
			a, err := Open(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			logins, err := a.FirstStart(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if handler, err = a.Handler(); err != nil {
				t.Fatal(err)
			}
			pw := demoPassword(t, logins)
			ctx := context.Background()
			cas, err := a.PKI.CAs(ctx, actor.SystemActor("test"))
			if err != nil || len(cas) != 2 {
				t.Fatalf("demo CA: %v %v", cas, err)
			}
			if code, body := newBrowser(t, srv).get("/pki/ca/root.pem"); code != 200 || !strings.Contains(body, "BEGIN CERTIFICATE") {
				t.Fatalf("the CA certificate is not published: %d", code)
			}

			leader := newBrowser(t, srv).signIn("demo.leader", pw)
			code, page := leader.get("/sign")
			if code != 200 || !strings.Contains(page, `name="certificate"`) || !strings.Contains(page, "Hoàng Quốc Khánh") {
				t.Fatalf("GET /sign as the leader: %d\n%s", code, page)
			}
			in := pdftest.New(pdftest.Options{Pages: 1})
			serial := regexp.MustCompile(`name="certificate" value="([0-9a-f]+)"`).FindStringSubmatch(page)[1]
			code, h, signed := leader.upload("/sign", map[string]string{"certificate": serial, "level": "B-T", "reason": "Ban hành"}, map[string][]byte{"file": in})
			if code != 200 || h.Get("Content-Type") != "application/pdf" || !strings.Contains(h.Get("Content-Disposition"), "file-da-ky.pdf") {
				t.Fatalf("POST /sign: %d %v\n%.500s", code, h, signed)
			}

			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			_, page = clerk.get("/sign")
			seal := regexp.MustCompile(`name="certificate" value="([0-9a-f]+)"[^>]*>\s*Con dấu`).FindStringSubmatch(page)
			if seal == nil {
				t.Fatalf("the clerk is not offered the seal:\n%s", page)
			}
			code, _, sealed := clerk.upload("/sign", map[string]string{"certificate": seal[1], "level": "B-LT"}, map[string][]byte{"file": signed})
			if code != 200 {
				t.Fatalf("POST /sign as the clerk: %d\n%.800s", code, sealed)
			}
			ws, err := pdfsign.SignatureWidgets(sealed)
			if err != nil || len(ws) != 2 || !ws[1].Visible() || ws[1].Rect[2] <= ws[0].Rect[0] {
				t.Fatalf("the seal is not over the leader's signature: %+v %v", ws, err)
			}

			anyone := newBrowser(t, srv)
			code, _, report := anyone.upload("/verify", nil, map[string][]byte{"file": sealed})
			if code != 200 || !strings.Contains(string(report), `<strong>TOTAL-PASSED</strong>`) || strings.Count(string(report), "PAdES B-LT") != 2 {
				t.Fatalf("POST /verify: %d\n%s", code, report)
			}
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/pdf/verify", bytes.NewReader(sealed))
			req.Header.Set("Content-Type", "application/pdf")
			code, _, js := anyone.do(req)
			if code != 200 || !bytes.Contains(js, []byte(`"indication":"TOTAL-PASSED"`)) {
				t.Fatalf("API verify: %d %s", code, js)
			}
			if err := apitest.Check("POST", "/api/v1/pdf/verify", 200, js); err != nil {
				t.Fatal(err)
			}
			code, _, js = anyone.upload("/api/v1/pdf/verify", nil, map[string][]byte{"file": []byte("not a pdf")})
			if code != 400 || apitest.Check("POST", "/api/v1/pdf/verify", 400, js) != nil {
				t.Fatalf("API verify of a non-PDF: %d %s", code, js)
			}
			code, _, errPage := anyone.upload("/verify", nil, map[string][]byte{"file": []byte("<html>not a pdf</html>")})
			if code != 400 || !strings.Contains(string(errPage), "không phải tệp PDF") {
				t.Fatalf("POST /verify of a non-PDF: %d", code)
			}

			// External validators on the file the pages produced.
			root := filepath.Join(t.TempDir(), "root.pem")
			os.WriteFile(root, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cas[0].Certificate.Raw}), 0o644)
			pdfsigntest.Check(t, sealed, root, 2, true)

			// Others cannot sign with the leader's key.
			code, _, _ = clerk.upload("/sign", map[string]string{"certificate": serial}, map[string][]byte{"file": in})
			if code != 403 {
				t.Fatalf("the clerk signed with the leader's key: %d", code)
			}
			if code, _ := anyone.get("/sign"); code != 303 {
				t.Fatalf("anonymous GET /sign: %d", code)
			}

			// The security officer's CA pages.
			so := newBrowser(t, srv).signIn("demo.security_officer", pw)
			code, page = so.get("/admin/pki")
			if code != 200 || !strings.Contains(page, "Hoàng Quốc Khánh") || !strings.Contains(page, "Ủy ban nhân dân tỉnh Lào Cai") {
				t.Fatalf("GET /admin/pki: %d\n%s", code, page)
			}
			if code, page = so.get("/admin/pki?q=Khánh&status=valid"); code != 200 || strings.Contains(page, "Lò Thị Mai") {
				t.Fatalf("filter: %d", code)
			}
			agency := regexp.MustCompile(`<option value="(\d+)">Sở Nội vụ tỉnh Lào Cai</option>`).FindStringSubmatch(page)[1]
			code, page = so.get("/admin/pki/issue?agency=" + agency)
			if code != 200 || !strings.Contains(page, "demo.specialist") {
				t.Fatalf("GET /admin/pki/issue: %d\n%s", code, page)
			}
			account := regexp.MustCompile(`<option value="(\d+)"[^>]*>[^<]*\(demo\.specialist\)`).FindStringSubmatch(page)[1]
			// Typed identity fields are not taken: the certificate carries
			// the official's record in org (name, staff code, position).
			code, h, _ = so.post("/admin/pki/issue", url.Values{"kind": {"official"}, "agency": {agency}, "account": {account},
				"uid": {"CCCD:001090000005"}, "title": {"Chủ tịch"}, "cn": {"Người Khác"}})
			if code != 303 || !strings.Contains(h.Get("Location"), "ok=issued") {
				t.Fatalf("issue: %d %v", code, h)
			}
			newSerial := regexp.MustCompile(`serial=([0-9a-f]+)`).FindStringSubmatch(h.Get("Location"))[1]
			issued, err := a.PKI.Certificate(ctx, actor.SystemActor("test"), newSerial)
			if err != nil {
				t.Fatal(err)
			}
			if issued.UID != "DEMO-05" || issued.CommonName != "Trần Thu Hà" || strings.Contains(issued.Subject, "Người Khác") ||
				!strings.Contains(issued.Subject, "Sở Nội vụ tỉnh Lào Cai") {
				t.Fatalf("issued subject %q (UID %s), want the specialist's org record", issued.Subject, issued.UID)
			}
			for _, n := range issued.X509.Subject.Names {
				if n.Type.String() == "2.5.4.12" && n.Value != "Chuyên viên" {
					t.Fatalf("title %v, want the position held", n.Value)
				}
			}
			// Nor does the security officer issue to themselves.
			_, page = so.get("/admin/pki")
			own := regexp.MustCompile(`<option value="(\d+)">Sở Khoa học và Công nghệ tỉnh Lào Cai</option>`).FindStringSubmatch(page)
			if own == nil {
				t.Fatalf("no Sở Khoa học và Công nghệ in the agency list:\n%s", page)
			}
			// The page does not offer them as a holder; a form sent with
			// their own account anyway is refused.
			_, page = so.get("/admin/pki/issue?agency=" + own[1])
			if strings.Contains(page, "(demo.security_officer)") {
				t.Fatalf("the security officer is offered as a holder in their agency:\n%s", page)
			}
			var self int64
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM identity_accounts WHERE login = 'demo.security_officer'").Scan(&self); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := so.post("/admin/pki/issue", url.Values{"kind": {"official"}, "agency": {own[1]}, "account": {strconv.FormatInt(self, 10)}}); code != 403 {
				t.Fatalf("the security officer issued a certificate to themselves: %d", code)
			}
			specialist := newBrowser(t, srv).signIn("demo.specialist", pw)
			if _, page := specialist.get("/sign"); !strings.Contains(page, newSerial) {
				t.Fatal("the new holder is not offered their certificate")
			}
			code, h, _ = so.post("/admin/pki/certificates/"+newSerial+"/revoke", url.Values{"reason": {"affiliationChanged"}, "note": {"chuyển công tác"}})
			if code != 303 {
				t.Fatalf("revoke: %d", code)
			}
			if _, page := specialist.get("/sign"); strings.Contains(page, newSerial) {
				t.Fatal("a revoked certificate is still offered for signing")
			}
			if code, _, _ := leader.post("/admin/pki/certificates/"+serial+"/revoke", url.Values{"reason": {"keyCompromise"}}); code != 403 {
				t.Fatalf("the leader revoked a certificate: %d", code)
			}
			if code, _ := leader.get("/admin/pki"); code != 403 {
				t.Fatalf("the leader listed every certificate: %d", code)
			}

			// Trust store: import a PEM, list, remove.
			other := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cas[1].Certificate.Raw})
			code, _, _ = so.upload("/admin/pki/trust", map[string]string{"label": "CA thử", "pem": string(other)}, nil)
			if code != 303 {
				t.Fatalf("trust import: %d", code)
			}
			_, page = so.get("/admin/pki/trust")
			fp := regexp.MustCompile(`/admin/pki/trust/([0-9a-f]{64})/remove`).FindStringSubmatch(page)
			if fp == nil || !strings.Contains(page, "CA thử") {
				t.Fatalf("trust list:\n%s", page)
			}
			if code, _, _ := leader.post("/admin/pki/trust/"+fp[1]+"/remove", nil); code != 403 {
				t.Fatalf("the leader edited the trust store: %d", code)
			}
			if code, _, _ := so.post("/admin/pki/trust/"+fp[1]+"/remove", nil); code != 303 {
				t.Fatalf("trust remove: %d", code)
			}
			if code, _, page := so.upload("/admin/pki/trust", map[string]string{"label": "x", "pem": "garbage"}, nil); code != 400 {
				t.Fatalf("garbage trust import: %d %s", code, page)
			}
		})
	}
}

// Without a configured passphrase the key files' passphrase is generated
// once (0600, in the data folder), its place logged and never its value;
// a restart decrypts the same keys; a wrong configured passphrase is a
// clear refusal, not a crash.
func TestKeyPassphraseIsGeneratedOnceAndNeverLogged(t *testing.T) {
	ctx := context.Background()
	var logs testenv.SyncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := cheap(install(t, db.SQLite))
	a, err := Open(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.FirstStart(ctx); err != nil {
		t.Fatal(err)
	}
	a.Close()
	path := filepath.Join(cfg.DataDir, KeyPassphraseFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("passphrase file: %v %v", st, err)
	}
	pass := strings.TrimSpace(string(mustRead(t, path)))
	if len(pass) < 32 || strings.Contains(logs.String(), pass) || !strings.Contains(logs.String(), path) {
		t.Fatalf("passphrase %d bytes; logged where: %v; logged itself: %v", len(pass), strings.Contains(logs.String(), path), strings.Contains(logs.String(), pass))
	}
	keys, _ := filepath.Glob(filepath.Join(cfg.DataDir, KeysDir, "*.key"))
	if len(keys) < 7 { // root, issuing, TSA, OCSP, leader, clerk, seal
		t.Fatalf("%d key files", len(keys))
	}
	for _, k := range keys {
		if !strings.Contains(string(mustRead(t, k)), "ENCRYPTED PRIVATE KEY") {
			t.Fatalf("%s is not encrypted", k)
		}
	}

	sign := func(a *App) error {
		sys := actor.SystemActor("test")
		list, err := a.PKI.List(ctx, sys, pki.ListFilter{Profile: "seal"})
		if err != nil || len(list) != 2 { // the province's committee and Xã Bắc Hà's
			t.Fatalf("seal: %v %v", list, err)
		}
		_, err = a.Signing.Sign(ctx, sys, signing.SignRequest{PDF: pdftest.New(pdftest.Options{}), Serial: list[0].Serial, Invisible: true})
		return err
	}
	a, err = Open(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	if err := sign(a); err != nil {
		t.Fatalf("after a restart the keys do not open: %v", err)
	}
	a.Close()
	if again := strings.TrimSpace(string(mustRead(t, path))); again != pass {
		t.Fatal("the passphrase changed on restart")
	}

	wrong := cfg
	wrong.PKI.KeyPassphrase = "không-phải-mật-khẩu-này"
	a, err = Open(ctx, wrong, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := sign(a); apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(apperr.MessageOf(err), "Mật khẩu") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// With --pkcs11-label the CA's keys live in the token (SoftHSM2 here); a
// wrong PIN stops the start with a clear message.
func TestPKCS11KeyStoreForTheServer(t *testing.T) {
	const module = "/usr/lib/softhsm/libsofthsm2.so"
	if _, err := os.Stat(module); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("softhsm2 is missing in CI: apt-get install -y softhsm2")
		}
		t.Skip("softhsm2 not installed: apt-get install -y softhsm2")
	}
	pdfsigntest.NeedTool(t, "softhsm2-util", "softhsm2")
	dir := t.TempDir()
	conf := filepath.Join(dir, "softhsm2.conf")
	os.MkdirAll(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(conf, []byte("directories.tokendir = "+filepath.Join(dir, "tokens")+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	if out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "cq-app", "--so-pin", "5678", "--pin", "1234").CombinedOutput(); err != nil {
		t.Fatalf("softhsm2-util: %v\n%s", err, out)
	}
	ctx := context.Background()
	cfg := cheap(install(t, db.SQLite))
	cfg.PKI = PKIConfig{PKCS11Module: module, PKCS11Label: "cq-app", PKCS11PIN: "0000"}
	if _, err := Open(ctx, cfg, quiet); apperr.CodeOf(err) != apperr.Unauthorized || !strings.Contains(apperr.MessageOf(err), "PIN") {
		t.Fatalf("wrong PIN: %v", err)
	}
	cfg.PKI.PKCS11PIN = "1234"
	a, err := Open(ctx, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.FirstStart(ctx); err != nil {
		t.Fatal(err)
	}
	if keys, _ := filepath.Glob(filepath.Join(cfg.DataDir, KeysDir, "*.key")); len(keys) != 0 {
		t.Fatalf("key files written with a PKCS#11 key store: %v", keys)
	}
	list, err := a.PKI.List(ctx, actor.SystemActor("test"), pki.ListFilter{Profile: "seal"})
	if err != nil || len(list) != 2 { // the province's committee and Xã Bắc Hà's
		t.Fatal(len(list), err)
	}
	if _, err := a.Signing.Sign(ctx, actor.SystemActor("test"), signing.SignRequest{PDF: pdftest.New(pdftest.Options{}), Serial: list[0].Serial, Level: pdfsign.LevelBT}); err != nil {
		t.Fatalf("signing with the token's key: %v", err)
	}
}

// Uploads over 20 MB are refused with the limit named, before signing or
// validation; the rest of the platform keeps its small body cap.
func TestUploadLimits(t *testing.T) {
	_, srv, _ := open(t, cheap(install(t, db.SQLite)))
	anyone := newBrowser(t, srv)
	big := append([]byte("%PDF-1.7\n"), make([]byte, 21<<20)...)
	code, _, page := anyone.upload("/verify", nil, map[string][]byte{"file": big})
	if code != 400 || !strings.Contains(string(page), "20 MB") {
		t.Fatalf("21 MB upload: %d", code)
	}
	huge := append([]byte("%PDF-1.7\n"), make([]byte, 30<<20)...)
	code, _, page = anyone.upload("/verify", nil, map[string][]byte{"file": huge})
	if code != 400 || !strings.Contains(string(page), "20 MB") {
		t.Fatalf("30 MB body: %d", code)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/login", bytes.NewReader(make([]byte, 2<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if code, _, _ := anyone.do(req); code < 400 {
		t.Fatalf("a 2 MB sign-in form was accepted: %d", code)
	}
}
