package dvcqg_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

func rawDossier(t *testing.T, code string, status int) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(sampleDossier(code, status))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The client signs in once with the dstcode header, reuses its session,
// and signs in again once when the portal says the session expired.
func TestClientSessionCachedAndRenewedOnce(t *testing.T) {
	p := newFakePortal(t)
	c := p.client(t)
	ctx := context.Background()
	if err := c.SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0001", 2)); err != nil {
		t.Fatal(err)
	}
	if err := c.SyncDossier(ctx, true, rawDossier(t, "H15.01.01-261207-0001", 4)); err != nil {
		t.Fatal(err)
	}
	p.read(func(p *fakePortal) {
		if p.authCalls != 1 {
			t.Fatalf("signed in %d times for two calls, want 1", p.authCalls)
		}
	})
	p.set(func(p *fakePortal) { p.mustRenew = true })
	if err := c.SyncDossier(ctx, true, rawDossier(t, "H15.01.01-261207-0001", 9)); err != nil {
		t.Fatalf("call after the session expired: %v", err)
	}
	p.read(func(p *fakePortal) {
		if p.authCalls != 2 {
			t.Fatalf("signed in %d times after one expiry, want 2", p.authCalls)
		}
		if got := p.statuses["H15.01.01-261207-0001"]; strings.Join(got, ",") != "2,4,9" {
			t.Fatalf("portal received statuses %v, want 2,4,9", got)
		}
	})
	// A portal that refuses every session: one renewal, then an error
	// that is retried later, not a loop.
	p.set(func(p *fakePortal) { p.sessions = map[string]bool{}; p.authCalls = 0 })
	refusing := &refuseSessions{p}
	p.srv.Config.Handler = refusing
	err := c.SyncDossier(ctx, true, rawDossier(t, "H15.01.01-261207-0001", 10))
	if err == nil || !dvcqg.IsRetryable(err) {
		t.Fatalf("a session refused after renewal: %v, want a retryable error", err)
	}
	p.read(func(p *fakePortal) {
		if p.authCalls != 1 {
			t.Fatalf("signed in %d times against a portal refusing sessions, want exactly 1 renewal", p.authCalls)
		}
	})
}

// refuseSessions signs in normally but refuses every session.
type refuseSessions struct{ p *fakePortal }

func (h *refuseSessions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == authPath {
		h.p.auth(w, r)
		return
	}
	answer(w, 200, map[string]any{"error_code": "401", "message": "Phiên làm việc không hợp lệ"})
}

// Wrong credentials, a wrong dstcode and auth's numeric error_code 0.
func TestClientSignIn(t *testing.T) {
	p := newFakePortal(t)
	ctx := context.Background()
	cfg := p.config()
	cfg.Password = "sai"
	c, err := dvcqg.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0002", 2))
	var pe *dvcqg.Error
	if !errors.As(err, &pe) || pe.Kind != dvcqg.Permanent || pe.Code != "11" || !strings.Contains(err.Error(), "Sai tên đăng nhập") {
		t.Fatalf("wrong password: %v, want a permanent error with the portal's code and message", err)
	}
	cfg = p.config()
	cfg.DstCode = "H99"
	c, _ = dvcqg.NewClient(cfg)
	if err := c.SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0002", 2)); err == nil || !strings.Contains(err.Error(), "dstcode") {
		t.Fatalf("wrong dstcode: %v", err)
	}
	p.set(func(p *fakePortal) { p.numeric0 = true })
	if err := p.client(t).SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0002", 2)); err != nil {
		t.Fatalf("auth answering error_code 0 as a number: %v", err)
	}
}

// Each failure is classified: the portal's refusal and a 4xx are
// permanent; a 5xx, an unreadable 2xx, a network error and a timeout are
// retried.
func TestClientErrorClasses(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		kind    dvcqg.Kind
		want    string
	}{
		{"refusal", func(w http.ResponseWriter, r *http.Request) {
			answer(w, 200, map[string]any{"error_code": "05", "message": "MaTTHC không tồn tại"})
		}, dvcqg.Permanent, "mã lỗi 05 (MaTTHC không tồn tại)"},
		{"numeric refusal", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"error_code": 7, "error_message": "Trạng thái không hợp lệ"}`))
		}, dvcqg.Permanent, "mã lỗi 7"},
		{"server error code", func(w http.ResponseWriter, r *http.Request) {
			answer(w, 200, map[string]any{"error_code": "503", "message": "Hệ thống bận"})
		}, dvcqg.Retryable, "mã lỗi 503"},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
		}, dvcqg.Retryable, "HTTP 500"},
		{"429", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
		}, dvcqg.Retryable, "HTTP 429"},
		{"400", func(w http.ResponseWriter, r *http.Request) {
			answer(w, 400, map[string]any{"error_code": "400", "message": "Yêu cầu sai"})
		}, dvcqg.Permanent, "HTTP 400"},
		{"not json", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>Bảo trì</html>"))
		}, dvcqg.Retryable, "không đúng định dạng"},
		{"too large", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"error_code":"00","result":"`))
			w.Write([]byte(strings.Repeat("x", dvcqg.MaxResponse)))
			w.Write([]byte(`"}`))
		}, dvcqg.Permanent, "quá lớn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == authPath {
					answer(w, 200, map[string]any{"session": "s", "error_code": "00"})
					return
				}
				tc.handler(w, r)
			}))
			defer srv.Close()
			cfg := dvcqg.Config{BaseURL: srv.URL, AuthEndpoint: authPath, IntegrationEndpoint: integration,
				Username: "u", Password: "p", DstCode: "H15", MaDonVi: "H15", Timeout: 2 * time.Second}
			c, err := dvcqg.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = c.SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0003", 2))
			var pe *dvcqg.Error
			if !errors.As(err, &pe) || pe.Kind != tc.kind || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want kind %d mentioning %q", err, tc.kind, tc.want)
			}
			if dvcqg.IsRetryable(err) != (tc.kind != dvcqg.Permanent) {
				t.Fatalf("IsRetryable(%v) = %v", err, dvcqg.IsRetryable(err))
			}
		})
	}
}

// A portal that never answers costs the client its timeout, not forever;
// a portal that is gone is a network error; both are retried later.
func TestClientTimeoutAndNetwork(t *testing.T) {
	p := newFakePortal(t)
	cfg := p.config()
	cfg.Timeout = 300 * time.Millisecond
	c, _ := dvcqg.NewClient(cfg)
	ctx := context.Background()
	if err := c.SyncDossier(ctx, false, rawDossier(t, "H15.01.01-261207-0004", 2)); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *fakePortal) { p.hang = true })
	start := clock.Now()
	err := c.SyncDossier(ctx, true, rawDossier(t, "H15.01.01-261207-0004", 4))
	if took := clock.Now().Sub(start); took > 3*time.Second {
		t.Fatalf("a hanging portal held the call %v", took)
	}
	if err == nil || !dvcqg.IsRetryable(err) || !strings.Contains(err.Error(), "quá thời gian") {
		t.Fatalf("hanging portal: %v, want a retryable timeout", err)
	}
	p.set(func(p *fakePortal) { p.hang = false })
	p.srv.CloseClientConnections()
	p.srv.Close()
	if err := c.SyncDossier(ctx, true, rawDossier(t, "H15.01.01-261207-0004", 4)); err == nil || !dvcqg.IsRetryable(err) {
		t.Fatalf("portal gone: %v, want a retryable error", err)
	}
}

// The configuration of an adapter that is on names what is missing.
func TestConfigValidate(t *testing.T) {
	ok := dvcqg.Config{BaseURL: "https://dvc.example.gov.vn", AuthEndpoint: "/auth", IntegrationEndpoint: "/i",
		Username: "u", Password: "p", DstCode: "H15", MaDonVi: "H15"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (dvcqg.Config{}).Validate(); err != nil {
		t.Fatalf("an adapter that is off: %v", err)
	}
	for name, mut := range map[string]func(c *dvcqg.Config){
		"ftp url":       func(c *dvcqg.Config) { c.BaseURL = "ftp://x" },
		"user in url":   func(c *dvcqg.Config) { c.BaseURL = "https://a:b@x" },
		"no endpoint":   func(c *dvcqg.Config) { c.IntegrationEndpoint = "" },
		"relative auth": func(c *dvcqg.Config) { c.AuthEndpoint = "auth" },
		"no password":   func(c *dvcqg.Config) { c.Password = "" },
		"no dstcode":    func(c *dvcqg.Config) { c.DstCode = "" },
		"no madonvi":    func(c *dvcqg.Config) { c.MaDonVi = "" },
	} {
		c := ok
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseResponse(t *testing.T) {
	for _, tc := range []struct {
		in      string
		code    string
		msg     string
		wantErr bool
	}{
		{`{"error_code":"00","session":"abc"}`, "00", "", false},
		{`{"error_code":0,"session":"abc"}`, "0", "", false},
		{`{"error_code":"05","message":"Sai"}`, "05", "Sai", false},
		{`{"error_code":5,"msg":"Sai"}`, "5", "Sai", false},
		{`{"message":"no code"}`, "", "", true},
		{`[]`, "", "", true},
		{`null`, "", "", true},
		{`{"error_code":{}}`, "", "", true},
		{`{"error_code":"00"} {}`, "", "", true},
		{``, "", "", true},
	} {
		r, err := dvcqg.ParseResponse([]byte(tc.in))
		if (err != nil) != tc.wantErr || r.ErrorCode != tc.code || r.Message != tc.msg {
			t.Errorf("ParseResponse(%s) = %+v, %v", tc.in, r, err)
		}
	}
}

// FuzzParseResponse: any body is parsed or refused, never a panic; what
// parses keeps bounded, valid text.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{`{"error_code":"00","session":"abc"}`, `{"error_code":0}`, `{"error_code":"05","message":"Sai","result":[1]}`,
		`{"error_code":1e999}`, `{"error_code":"00","data":{"a":1}}`, `[`, `{"error_code":"\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := dvcqg.ParseResponse(b)
		if err != nil {
			return
		}
		if len(r.Message) > 504 {
			t.Fatalf("message of %d bytes", len(r.Message))
		}
		_ = r.OK()
		_ = dvcqg.Classify(r.ErrorCode)
	})
}

// The catalogue's list (LayDanhSachTTHC) and one procedure (LayThuTuc),
// names normalised to NFC; an unknown code is not found, not an error.
func TestCatalogue(t *testing.T) {
	p := newFakePortal(t)
	c := p.client(t)
	ctx := context.Background()
	list, err := c.Procedures(ctx)
	if err != nil || len(list) != 2 || list[0].MATTHC != "1.001193" || list[0].TENTTHC != "Thủ tục đăng ký khai sinh" {
		t.Fatalf("list %+v, %v", list, err)
	}
	proc, ok, err := c.Procedure(ctx, "1.001193")
	if err != nil || !ok {
		t.Fatalf("LayThuTuc: %v, %v", ok, err)
	}
	if proc.TENTTHC != "Đăng ký khai sinh" || len(proc.THANHPHANHOSO) != 1 || len(proc.THANHPHANHOSO[0].GIAYTO) != 2 ||
		proc.CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET.String() != "0" || proc.LINHVUCTHUCHIEN[0].TENLINHVUC != "Hộ tịch" {
		t.Fatalf("procedure %+v", proc)
	}
	if _, ok, err := c.Procedure(ctx, "9.999999"); ok || err != nil {
		t.Fatalf("unknown code: %v, %v", ok, err)
	}
}

// Download fetches an inbound dossier's file from the portal's own hosts
// only, bounded; a missing file is permanent, a 5xx retried.
func TestDownload(t *testing.T) {
	p := newFakePortal(t)
	c := p.client(t)
	ctx := context.Background()
	data, err := c.Download(ctx, dvcqg.File{Name: "to-khai.pdf", URL: p.srv.URL + "/files/to-khai.pdf"}, 1000)
	if err != nil || string(data) != "%PDF-1.7 tờ khai" {
		t.Fatalf("download: %q, %v", data, err)
	}
	for _, tc := range []struct {
		url       string
		retryable bool
		want      string
	}{
		{p.srv.URL + "/files/lon.pdf", false, "quá lớn"},
		{p.srv.URL + "/files/khong-co.pdf", false, "HTTP 404"},
		{p.srv.URL + "/files/loi.pdf", true, "HTTP 502"},
		{"http://169.254.169.254/latest/meta-data", false, "không thuộc Cổng DVCQG"},
		{"file:///etc/passwd", false, "không hợp lệ"},
	} {
		_, err := c.Download(ctx, dvcqg.File{Name: "x.pdf", URL: tc.url}, 1000)
		if err == nil || dvcqg.IsRetryable(err) != tc.retryable || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (want retryable %v, %q)", tc.url, err, tc.retryable, tc.want)
		}
	}
}

// TraCuuHoSo's result may be a list or one object; either tells whether
// the portal holds the dossier.
func TestHasDossier(t *testing.T) {
	for _, tc := range []struct {
		result string
		want   bool
	}{{`[]`, false}, {`[{"MaHoSo":"x"}]`, true}, {`{}`, false}, {`{"MaHoSo":"x"}`, true}, {`null`, false}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == authPath {
				w.Write([]byte(`{"session":"s","error_code":"00"}`))
				return
			}
			w.Write([]byte(`{"error_code":"00","result":` + tc.result + `}`))
		}))
		c, err := dvcqg.NewClient(dvcqg.Config{BaseURL: srv.URL, AuthEndpoint: authPath, IntegrationEndpoint: integration,
			Username: "u", Password: "p", DstCode: "H15", MaDonVi: "H15"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.HasDossier(context.Background(), "H15.01.01-261207-0001")
		srv.Close()
		if err != nil || got != tc.want {
			t.Errorf("result %s: %v, %v", tc.result, got, err)
		}
	}
}
