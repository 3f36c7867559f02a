package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/identity/orgdir"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

const pw = "Sông Hồng chảy về biển 2026"

// fixture is a realistic handler: the account pages and auth API behind
// CrossOriginProtection and the session middleware, on a real database
// with org's demo province, one demo login per role (identity checking
// org through orgdir, access.Can walking org's tree), a citizen, and a
// leader who must enrol TOTP.
type fixture struct {
	h       http.Handler
	svc     *identity.Service
	d       *db.DB
	cookies map[string]string // by name: session secrets
	ids     map[string]int64  // accounts, agencies, units, positions by name: {name} in URLs and bodies
}

const demoPw = "Demo@2026-chinhquyen"

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	log, err := audit.New(d, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.New(d, org.Options{Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	demo, err := o.LoadDemo(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := identity.New(d, identity.Options{Audit: log, SecretKey: make([]byte, identity.SecretKeyLen), Directory: orgdir.New(o),
		Argon2: identity.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	guard := access.NewGuard(access.Options{DB: d, Audit: log, Tree: o})
	ctx = access.WithGuard(ctx, guard)
	if _, err := svc.SeedDemo(ctx, orgdir.DemoOfficials(demo)); err != nil {
		t.Fatal(err)
	}
	positions, err := o.Positions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: svc, d: d, cookies: map[string]string{}, ids: map[string]int64{
		"office": demo.ProvinceOffice, "centre": demo.ServiceCentre, "snv": demo.Departments["SNV"], "skhcn": demo.Departments["SKHCN"],
		"hctc": demo.Units["H15.01/HCTC"], "snvvp": demo.Units["H15.10/VP"],
	}}
	for _, p := range positions {
		f.ids["pos:"+p.Code] = p.ID
	}
	citizen, err := svc.Register(ctx, identity.Registration{Kind: actor.Citizen, ID: "001090012346", Name: "Trần Văn Dân", Phone: "0987654321", Password: pw, IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	f.ids["citizen"] = citizen.ID
	leader, err := svc.CreateOfficial(ctx, actor.SystemActor("test"), identity.NewOfficial{Username: "lanhdao.that", Name: "Lãnh Đạo Thật", Password: pw,
		AgencyID: demo.ProvinceOffice, Positions: []int64{f.ids["pos:"+org.PosDeputyChief]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.GrantRole(ctx, actor.SystemActor("test"), leader.ID, actor.RoleGrant{Role: "leader", AgencyID: demo.ProvinceOffice}); err != nil {
		t.Fatal(err)
	}
	for name, cred := range map[string][2]string{
		"citizen": {"001090012346", pw}, "admin": {"demo.agency_admin", demoPw}, "clerk": {"demo.clerk", demoPw},
		"leader": {"lanhdao.that", pw}, "security": {"demo.security_officer", demoPw}, "sysadmin": {"demo.system_admin", demoPw},
	} {
		res, err := svc.Login(ctx, identity.LoginRequest{Login: cred[0], Password: cred[1], IP: "192.0.2.50"})
		if err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		f.cookies[name] = res.Token
		f.ids[name] = res.Account.ID
	}
	res, err := svc.Login(ctx, identity.LoginRequest{Login: "001090012346", Password: pw, IP: "192.0.2.50", API: true})
	if err != nil {
		t.Fatal(err)
	}
	f.cookies["citizenAPI"] = res.Token

	cat, err := locale.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Deps{Catalog: cat, Org: o})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	pages.Register(mux)
	pages.Accounts(web.AccountsDeps{Identity: svc, AgencyName: func(r *http.Request, id int64) string {
		return orgdir.New(o).AgencyName(r.Context(), id)
	}}).Register(mux)
	api.New(api.Deps{Identity: svc}).Register(mux)
	csrf := http.NewCrossOriginProtection()
	f.h = httpx.Chain(mux, csrf.Handler, identityhttp.New(svc, guard, identityhttp.Options{}).Handler)
	return f
}

// login signs in with a password and keeps the session under name.
func (f *fixture) login(t *testing.T, name, login, password string) {
	t.Helper()
	res, err := f.svc.Login(context.Background(), identity.LoginRequest{Login: login, Password: password, IP: "192.0.2.50"})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	f.cookies[name] = res.Token
}

type scenario struct {
	Name            string
	Method, URL     string
	Body            string
	Session         string            // fixture cookie name, or "forged"
	Bearer          string            // fixture token name, or a literal
	Header          map[string]string // extra request headers
	ExpectedStatus  int
	ExpectedContent []string
	Absent          []string // must not be in the body
	Location        string   // expected redirect target
}

func (f *fixture) expand(s string) string {
	for k, v := range f.ids {
		id := strconv.FormatInt(v, 10)
		s = strings.ReplaceAll(s, "{"+k+"}", id)
		s = strings.ReplaceAll(s, url.QueryEscape("{"+k+"}"), id) // inside a form body
	}
	return s
}

func (f *fixture) run(t *testing.T, sc scenario) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if sc.Body != "" {
		body = strings.NewReader(f.expand(sc.Body))
	}
	req := httptest.NewRequest(sc.Method, f.expand(sc.URL), body)
	req.RemoteAddr = "192.0.2.77:5555"
	if sc.Body != "" {
		if strings.HasPrefix(sc.Body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	switch sc.Session {
	case "":
	case "forged":
		req.AddCookie(&http.Cookie{Name: identityhttp.CookieName, Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	default:
		req.AddCookie(&http.Cookie{Name: identityhttp.CookieName, Value: f.cookies[sc.Session]})
	}
	if sc.Bearer != "" {
		tok := sc.Bearer
		if v, ok := f.cookies[sc.Bearer]; ok {
			tok = v
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range sc.Header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != sc.ExpectedStatus {
		t.Fatalf("%s %s: status %d, want %d\n%s", sc.Method, sc.URL, rec.Code, sc.ExpectedStatus, rec.Body.String())
	}
	for _, want := range sc.ExpectedContent {
		if want = f.expand(want); !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%s %s: body lacks %q\n%s", sc.Method, sc.URL, want, rec.Body.String())
		}
	}
	for _, not := range sc.Absent {
		if strings.Contains(rec.Body.String(), f.expand(not)) {
			t.Fatalf("%s %s: body has %q\n%s", sc.Method, sc.URL, not, rec.Body.String())
		}
	}
	if sc.Location != "" && rec.Header().Get("Location") != f.expand(sc.Location) {
		t.Fatalf("%s %s: Location %q, want %q", sc.Method, sc.URL, rec.Header().Get("Location"), sc.Location)
	}
	return rec
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

func TestAccountScenarios(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		crossSite := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
		scenarios := []scenario{
			{Name: "sign-in page", Method: "GET", URL: "/login", ExpectedStatus: 200, ExpectedContent: []string{`<label for="login">`, `<label for="password">`, `action="/login"`}},
			{Name: "wrong password", Method: "POST", URL: "/login", Body: form("login", "001090012346", "password", "sai mật khẩu rồi"), ExpectedStatus: 401, ExpectedContent: []string{"không đúng"}},
			{Name: "citizen signs in", Method: "POST", URL: "/login", Body: form("login", "001 090 012 346", "password", pw), ExpectedStatus: 303, Location: "/account"},
			{Name: "demo clerk signs in without MFA", Method: "POST", URL: "/login", Body: form("login", "demo.clerk", "password", "Demo@2026-chinhquyen"), ExpectedStatus: 303, Location: "/office"},
			{Name: "leader must enrol TOTP", Method: "POST", URL: "/login", Body: form("login", "lanhdao.that", "password", pw), ExpectedStatus: 303, Location: "/account/totp"},
			{Name: "cross-site sign-in post refused", Method: "POST", URL: "/login", Body: form("login", "demo.clerk", "password", "Demo@2026-chinhquyen"), Header: crossSite, ExpectedStatus: 403},
			{Name: "my account", Method: "GET", URL: "/account", Session: "citizen", ExpectedStatus: 200, ExpectedContent: []string{"001090012346", "Trần Văn Dân", `action="/account/password"`, `action="/account/sessions/revoke-all"`, `action="/account/tokens"`}},
			{Name: "my account anonymous", Method: "GET", URL: "/account", ExpectedStatus: 303, Location: "/login"},
			{Name: "forged cookie is anonymous", Method: "GET", URL: "/office", Session: "forged", ExpectedStatus: 303, Location: "/login"},
			{Name: "cross-site password change refused", Method: "POST", URL: "/account/password", Session: "citizen", Header: crossSite,
				Body: form("current", pw, "password", "Một mật khẩu mới thật dài", "password2", "Một mật khẩu mới thật dài"), ExpectedStatus: 403},
			{Name: "office of a clerk", Method: "GET", URL: "/office", Session: "clerk", ExpectedStatus: 200, ExpectedContent: []string{"Lò Thị Mai", "Văn thư"}, Absent: []string{`href="/admin/`}},
			{Name: "office of an administrator links the administration pages", Method: "GET", URL: "/office", Session: "admin", ExpectedStatus: 200, ExpectedContent: []string{`href="/admin/users"`, `href="/admin/security"`}},
			{Name: "office sends citizens to their account", Method: "GET", URL: "/office", Session: "citizen", ExpectedStatus: 303, Location: "/account"},
			{Name: "enrol-stage session is held at the TOTP page", Method: "GET", URL: "/office", Session: "leader", ExpectedStatus: 303, Location: "/account/totp"},
			{Name: "begin TOTP enrolment", Method: "POST", URL: "/account/totp/begin", Session: "leader", ExpectedStatus: 303, Location: "/account/totp"},
			{Name: "QR code served as data: URL", Method: "GET", URL: "/account/totp", Session: "leader", ExpectedStatus: 200, ExpectedContent: []string{`src="data:image/png;base64,`, `<label for="code">`}},
			{Name: "wrong enrolment code", Method: "POST", URL: "/account/totp/confirm", Session: "leader", Body: form("code", "000000"), ExpectedStatus: 400, ExpectedContent: []string{"Mã xác thực không đúng"}},
			{Name: "registration page", Method: "GET", URL: "/register", ExpectedStatus: 200, ExpectedContent: []string{`<label for="id">`, `<label for="phone">`, "91/2025/QH15"}},
			{Name: "duplicate CCCD answers like a registration", Method: "POST", URL: "/register", Body: form("kind", "citizen", "id", "001090012346", "name", "Người Khác", "phone", "0911111111", "password", pw, "password2", pw),
				ExpectedStatus: 201, ExpectedContent: []string{"Đã nhận đăng ký 001090012346."}, Absent: []string{"đã được đăng ký tài khoản", `role="alert"`}},
			{Name: "bad tax code refused", Method: "POST", URL: "/register", Body: form("kind", "business", "id", "0101234567", "name", "Công ty B", "email", "b@example.vn", "password", pw, "password2", pw),
				ExpectedStatus: 400, ExpectedContent: []string{"chữ số kiểm tra"}},
			{Name: "business registers", Method: "POST", URL: "/register", Body: form("kind", "business", "id", "0100109106", "name", "Công ty C", "email", "c@example.vn", "password", pw, "password2", pw),
				ExpectedStatus: 201, ExpectedContent: []string{"Đã nhận đăng ký 0100109106."}},
			{Name: "the holder sees the repeated registration", Method: "GET", URL: "/account", Session: "citizen", ExpectedStatus: 200,
				ExpectedContent: []string{`<h2 id="events">`, "có người đã thử đăng ký lại", "192.0.2.77"}},
			{Name: "admin lists own agency with org's choices", Method: "GET", URL: "/admin/users", Session: "admin", ExpectedStatus: 200,
				ExpectedContent: []string{"demo.clerk", `<label for="username">`, `<option value="{office}" selected>Văn phòng Ủy ban nhân dân tỉnh Lào Cai</option>`,
					`<option value="{centre}">Trung tâm Phục vụ hành chính công tỉnh Lào Cai</option>`, `<option value="{hctc}">Phòng Hành chính - Tổ chức</option>`,
					`name="position" value="{pos:van_thu}"`, "Lò Thị Mai (DEMO-04)"},
				Absent: []string{"Sở Nội vụ tỉnh Lào Cai", `name="positions"`, `inputmode="numeric"`}},
			{Name: "admin lists an agency below", Method: "GET", URL: "/admin/users?agency={centre}", Session: "admin", ExpectedStatus: 200, ExpectedContent: []string{`<option value="{centre}" selected>`}},
			{Name: "admin lists another agency", Method: "GET", URL: "/admin/users?agency={snv}", Session: "admin", ExpectedStatus: 403},
			{Name: "citizen opens the admin page", Method: "GET", URL: "/admin/users?agency={office}", Session: "citizen", ExpectedStatus: 403},
			{Name: "admin grants themself a role", Method: "POST", URL: "/admin/users/{admin}/roles", Session: "admin", Body: form("role", "leader", "agency", "{office}"), ExpectedStatus: 403},
			{Name: "admin grants a role to an official of another agency", Method: "POST", URL: "/admin/users/{security}/roles", Session: "admin", Body: form("role", "clerk", "agency", "{office}"), ExpectedStatus: 403},
			{Name: "admin creates an official in another agency", Method: "POST", URL: "/admin/users", Session: "admin",
				Body: form("username", "nguoi.la", "name", "Người Lạ", "agency", "{snv}", "position", "{pos:van_thu}", "password", pw), ExpectedStatus: 403},
			{Name: "unit of another agency refused", Method: "POST", URL: "/admin/users", Session: "admin",
				Body:           form("username", "nguoi.khac", "name", "Người Khác", "agency", "{office}", "unit", "{snvvp}", "position", "{pos:van_thu}", "password", pw),
				ExpectedStatus: 400, ExpectedContent: []string{"Văn phòng Sở không thuộc Văn phòng Ủy ban nhân dân tỉnh Lào Cai", `value="nguoi.khac"`}},
			{Name: "position outside the catalogue refused", Method: "POST", URL: "/admin/users", Session: "admin",
				Body:           form("username", "nguoi.khac", "name", "Người Khác", "agency", "{office}", "position", "987654", "password", pw),
				ExpectedStatus: 400, ExpectedContent: []string{"Chức vụ mã số 987654 không có trong danh mục chức vụ"}},
			{Name: "no position chosen", Method: "POST", URL: "/admin/users", Session: "admin",
				Body: form("username", "nguoi.khac", "name", "Người Khác", "agency", "{office}", "password", pw), ExpectedStatus: 400, ExpectedContent: []string{"ít nhất một chức vụ"}},
			{Name: "admin creates a clerk", Method: "POST", URL: "/admin/users", Session: "admin",
				Body:           form("username", "vanthu.moi", "name", "Văn Thư Mới", "agency", "{office}", "unit", "{hctc}", "position", "{pos:van_thu}", "position", "{pos:chuyen_vien}", "role", "clerk", "password", pw),
				ExpectedStatus: 303, Location: "/admin/users?ok=1&agency={office}"},
			{Name: "admin creates an account below", Method: "POST", URL: "/admin/users", Session: "admin",
				Body:           form("username", "motcua.moi", "name", "Một Cửa Mới", "agency", "{centre}", "position", "{pos:cong_chuc_mot_cua}", "role", "onestop_officer", "password", pw),
				ExpectedStatus: 303, Location: "/admin/users?ok=1&agency={centre}"},
			{Name: "duplicate username", Method: "POST", URL: "/admin/users", Session: "admin",
				Body: form("username", "vanthu.moi", "name", "Văn Thư Khác", "agency", "{office}", "position", "{pos:van_thu}", "password", pw), ExpectedStatus: 409, ExpectedContent: []string{"đã có người dùng"}},
			{Name: "create API token", Method: "POST", URL: "/account/tokens", Session: "citizen", Body: form("name", "Ứng dụng của tôi", "scope", "identity:read", "days", "30"), ExpectedStatus: 201, ExpectedContent: []string{"cqt_"}},

			{Name: "API login", Method: "POST", URL: "/api/v1/auth/login", Body: `{"login":"001090012346","password":"` + pw + `"}`, ExpectedStatus: 200, ExpectedContent: []string{`"token":`, `"token_type":"Bearer"`}},
			{Name: "API login wrong password", Method: "POST", URL: "/api/v1/auth/login", Body: `{"login":"001090012346","password":"nope nope nope"}`, ExpectedStatus: 401, ExpectedContent: []string{`"EUNAUTHORIZED"`}},
			{Name: "API login bad JSON", Method: "POST", URL: "/api/v1/auth/login", Body: `{"login":1}`, ExpectedStatus: 400, ExpectedContent: []string{`"EINVALID"`}},
			{Name: "API login unknown field", Method: "POST", URL: "/api/v1/auth/login", Body: `{"login":"a","password":"b","admin":true}`, ExpectedStatus: 400},
			{Name: "API me", Method: "GET", URL: "/api/v1/me", Bearer: "citizenAPI", ExpectedStatus: 200, ExpectedContent: []string{`"kind":"citizen"`, `"role":"citizen"`}},
			{Name: "API me anonymous", Method: "GET", URL: "/api/v1/me", ExpectedStatus: 401},
			{Name: "API me forged bearer", Method: "GET", URL: "/api/v1/me", Bearer: "cqt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ExpectedStatus: 401},
			{Name: "API malformed authorization", Method: "GET", URL: "/api/v1/me", Header: map[string]string{"Authorization": "Basic eDp5"}, ExpectedStatus: 401},
			{Name: "API create token", Method: "POST", URL: "/api/v1/auth/tokens", Bearer: "citizenAPI", Body: `{"name":"Tích hợp","scopes":["identity:read"],"ttl_days":7}`, ExpectedStatus: 201, ExpectedContent: []string{`"token":"cqt_`}},
			{Name: "API token bad scope", Method: "POST", URL: "/api/v1/auth/tokens", Bearer: "citizenAPI", Body: `{"name":"x","scopes":["root:write"],"ttl_days":7}`, ExpectedStatus: 400},
			{Name: "API logout", Method: "POST", URL: "/api/v1/auth/logout", Bearer: "citizenAPI", ExpectedStatus: 204},
			{Name: "API bearer after logout", Method: "GET", URL: "/api/v1/me", Bearer: "citizenAPI", ExpectedStatus: 401},
			{Name: "sign out everywhere", Method: "POST", URL: "/account/sessions/revoke-all", Session: "citizen", ExpectedStatus: 303, Location: "/login"},
			{Name: "session gone after sign out everywhere", Method: "GET", URL: "/account", Session: "citizen", ExpectedStatus: 303, Location: "/login"},
		}
		for _, sc := range scenarios {
			t.Run(sc.Name, func(t *testing.T) { f.run(t, sc) })
		}
		// The refused cross-site posts changed nothing; the denials are audited.
		var denied int
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_entries WHERE outcome = 'denied'").Scan(&denied); err != nil {
			t.Fatal(err)
		}
		if denied < 4 {
			t.Errorf("audited %d denials, want at least 4", denied)
		}
	})
}

func TestSignInWithTOTPOverHTTP(t *testing.T) {
	d := dbtest.SQLite(t, audit.Migrations, org.Migrations, identity.Migrations)
	f := newFixture(t, d)
	_ = clock.Now
	// The leader enrols through the pages, then signs in with a code.
	f.run(t, scenario{Method: "POST", URL: "/account/totp/begin", Session: "leader", ExpectedStatus: 303})
	rec := f.run(t, scenario{Method: "GET", URL: "/account/totp", Session: "leader", ExpectedStatus: 200})
	secret := between(rec.Body.String(), `<span class="code">`, `</span>`)
	if secret == "" {
		t.Fatal("no secret on the page")
	}
	rec = f.run(t, scenario{Method: "POST", URL: "/account/totp/confirm", Session: "leader", Body: form("code", totpNow(t, secret)), ExpectedStatus: 200,
		ExpectedContent: []string{"mã khôi phục"}})
	if c := cookieOf(rec); c == "" || c == f.cookies["leader"] {
		t.Fatal("the session was not rotated after enrolment")
	}
	// Password step, then the OTP page, then a wrong code.
	rec = f.run(t, scenario{Method: "POST", URL: "/login", Body: form("login", "lanhdao.that", "password", pw), ExpectedStatus: 303, Location: "/login/otp"})
	f.cookies["pending"] = cookieOf(rec)
	f.run(t, scenario{Method: "GET", URL: "/login/otp", Session: "pending", ExpectedStatus: 200, ExpectedContent: []string{`<label for="code">`}})
	f.run(t, scenario{Method: "GET", URL: "/office", Session: "pending", ExpectedStatus: 303, Location: "/login"})
	f.run(t, scenario{Method: "POST", URL: "/login/otp", Session: "pending", Body: form("code", "12345x"), ExpectedStatus: 401})
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func cookieOf(rec *httptest.ResponseRecorder) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == identityhttp.CookieName {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				return "insecure cookie"
			}
			return c.Value
		}
	}
	return ""
}
