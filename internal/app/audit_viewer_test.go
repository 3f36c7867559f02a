package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/audit/auditview"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// The audit viewer and the audit API on the demo province, both engines:
// the demo auditor (Thanh tra tỉnh, over its subtree) filters, pages,
// exports (recorded) and fetches proofs that verify offline with the
// published key; a clerk is refused (recorded), anonymous visitors are sent
// to sign in, and nobody reads another agency's entries.
func TestAuditViewerAndAPIOnBothEngines(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			a, srv, logins := open(t, cheap(install(t, engine)))
			pw := demoPassword(t, logins)
			auditor := newBrowser(t, srv).signIn("demo.auditor", pw)
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			anon := newBrowser(t, srv)

			me := func(b *browser) (id, agency int64) {
				code, body := b.get("/api/v1/me")
				var m struct {
					ID       int64 `json:"id"`
					AgencyID int64 `json:"agency_id"`
				}
				if code != 200 || json.Unmarshal([]byte(body), &m) != nil {
					t.Fatalf("/api/v1/me: %d %s", code, body)
				}
				return m.ID, m.AgencyID
			}
			auditorID, ttr := me(auditor)
			clerkID, office := me(clerk)
			entryOf := func(account int64, action string) int64 {
				var id int64
				if err := a.DB.Reader().QueryRowContext(ctx, "SELECT max(id) FROM audit_entries WHERE actor_account = $1 AND action = $2", account, action).Scan(&id); err != nil || id == 0 {
					t.Fatalf("no %s entry of account %d: %v", action, account, err)
				}
				return id
			}
			auditorLogin := entryOf(auditorID, "identity.login.ok")
			clerkLogin := entryOf(clerkID, "identity.login.ok")
			// Sixty more entries of the auditor's agency, for paging.
			for i := range 60 {
				err := a.DB.Tx(ctx, func(tx *sql.Tx) error {
					return a.Audit.Record(ctx, tx, audit.Entry{Actor: &actor.Actor{AccountID: auditorID, Kind: actor.Official, AgencyID: ttr},
						Action: "inspection.case.note", ObjectType: "case", ObjectID: strconv.Itoa(i)})
				})
				if err != nil {
					t.Fatal(err)
				}
			}

			// Pages.
			code, body := anon.get("/admin/audit")
			if code != http.StatusSeeOther {
				t.Fatalf("anonymous: %d", code)
			}
			for _, path := range []string{"/admin/audit", "/admin/audit?agency=" + strconv.FormatInt(office, 10), "/admin/audit/export", "/admin/audit?from=31/02/2026"} {
				if code, body = clerk.get(path); code != http.StatusForbidden {
					t.Fatalf("clerk %s: %d\n%s", path, code, body)
				}
			}
			code, body = auditor.get("/admin/audit")
			for _, want := range []string{"<h1>Nhật ký hệ thống</h1>", `<option value="` + strconv.FormatInt(ttr, 10) + `" selected>`, "demo.auditor", "inspection.case.note",
				`<label for="from">`, `type="date"`, `href="/api/v1/audit/entries/`, "Xuất CSV", "Trang sau"} {
				if code != 200 || !strings.Contains(body, want) {
					t.Fatalf("auditor's viewer lacks %q (%d):\n%s", want, code, body)
				}
			}
			if strings.Contains(body, "Tất cả cơ quan") || strings.Contains(body, "demo.clerk") {
				t.Fatalf("an agency auditor sees every agency or the clerk:\n%s", body)
			}
			next := regexp.MustCompile(`href="(/admin/audit\?[^"]*after=[^"]*)" rel="next"`).FindStringSubmatch(body)
			if next == nil {
				t.Fatal("no next-page link")
			}
			code, page2 := auditor.get(strings.ReplaceAll(next[1], "&amp;", "&"))
			if code != 200 || !strings.Contains(page2, "Về trang đầu") || !strings.Contains(page2, `/entries/`+strconv.FormatInt(auditorLogin, 10)+`/proof"`) {
				t.Fatalf("page 2 (%d) lacks the first-page link or the sign-in entry:\n%s", code, page2)
			}
			now := a.Now().In(locale.VN) // the period is of Vietnam's calendar days
			today := now.Format("2006-01-02")
			filtered := url.Values{"action": {"identity"}, "outcome": {"ok"}, "from": {today}, "to": {now.Format("02/01/2006")}}
			code, body = auditor.get("/admin/audit?" + filtered.Encode())
			if code != 200 || !strings.Contains(body, "identity.login.ok") || strings.Contains(body, "inspection.case.note") || !strings.Contains(body, `value="`+today+`"`) {
				t.Fatalf("filtered viewer (%d):\n%s", code, body)
			}
			for path, want := range map[string]string{
				"/admin/audit?from=31/02/2026":               "Ngày bắt đầu không hợp lệ",
				"/admin/audit?outcome=maybe":                 "không hợp lệ",
				"/admin/audit?from=2026-11-20&to=2026-11-01": "trước ngày bắt đầu",
			} {
				if code, body = auditor.get(path); code != http.StatusBadRequest || !strings.Contains(body, want) {
					t.Fatalf("%s: %d, want 400 with %q\n%s", path, code, want, body)
				}
			}
			if code, _ = auditor.get("/admin/audit?agency=" + strconv.FormatInt(office, 10)); code != http.StatusForbidden {
				t.Fatalf("auditor on another agency: %d", code)
			}
			if code, _ = auditor.get("/admin/audit?agency=0"); code != http.StatusForbidden {
				t.Fatalf("agency auditor on every agency: %d", code)
			}

			// Export: streamed CSV of the same filter, itself recorded.
			req, _ := http.NewRequest("GET", srv.URL+"/admin/audit/export?"+filtered.Encode(), nil)
			code, h, csv := auditor.do(req)
			if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") ||
				!strings.HasPrefix(string(csv), "\uFEFFMã,Thời điểm") || !strings.Contains(string(csv), "identity.login.ok") || strings.Contains(string(csv), "inspection.case.note") {
				t.Fatalf("export: %d %v\n%s", code, h, csv)
			}
			var exports, denials int
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_entries WHERE action = 'audit.export' AND actor_account = $1 AND outcome = 'ok' AND summary LIKE '%identity%'", auditorID).Scan(&exports); err != nil {
				t.Fatal(err)
			}
			if err := a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_entries WHERE action IN ('audit.read', 'audit.export') AND actor_account = $1 AND outcome = 'denied'", clerkID).Scan(&denials); err != nil {
				t.Fatal(err)
			}
			if exports != 1 || denials < 4 {
				t.Fatalf("recorded: %d exports by the auditor (want 1), %d refusals of the clerk (want ≥ 4)", exports, denials)
			}

			// API: proof and checkpoint, documented and checkable offline.
			proofPath := "/api/v1/audit/entries/{id}/proof"
			code, body = auditor.get("/api/v1/audit/entries/" + strconv.FormatInt(auditorLogin, 10) + "/proof")
			if err := apitest.Check("GET", proofPath, code, []byte(body)); err != nil || code != 200 {
				t.Fatalf("proof: %d %v\n%s", code, err, body)
			}
			var p audit.InclusionProof
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			published, err := os.ReadFile(filepath.Join(a.Config.DataDir, audit.VerifierKeyFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.VerifyInclusion(&p, strings.TrimSpace(string(published))); err != nil || p.EntryID != auditorLogin {
				t.Fatalf("the proof does not verify with the published key: %v", err)
			}
			code, body = auditor.get("/api/v1/audit/checkpoint")
			if err := apitest.Check("GET", "/api/v1/audit/checkpoint", code, []byte(body)); err != nil || code != 200 {
				t.Fatalf("checkpoint: %d %v\n%s", code, err, body)
			}
			var cp struct {
				Size     uint64 `json:"tree_size"`
				Note     string `json:"note"`
				Verifier string `json:"verifier_key"`
			}
			if err := json.Unmarshal([]byte(body), &cp); err != nil || cp.Note != p.Checkpoint || cp.Size != p.TreeSize || cp.Verifier != strings.TrimSpace(string(published)) {
				t.Fatalf("checkpoint %+v does not match the proof's (tree %d) or the published key", cp, p.TreeSize)
			}
			for _, c := range []struct {
				b      *browser
				path   string
				status int
			}{
				{auditor, "/api/v1/audit/entries/" + strconv.FormatInt(clerkLogin, 10) + "/proof", 403},
				{auditor, "/api/v1/audit/entries/987654321/proof", 403},
				{auditor, "/api/v1/audit/entries/abc/proof", 400},
				{clerk, "/api/v1/audit/entries/" + strconv.FormatInt(clerkLogin, 10) + "/proof", 403},
				{clerk, "/api/v1/audit/entries/987654321/proof", 403},
				{clerk, "/api/v1/audit/checkpoint", 403},
				{anon, "/api/v1/audit/entries/1/proof", 401},
				{anon, "/api/v1/audit/entries/987654321/proof", 401},
				{anon, "/api/v1/audit/checkpoint", 401},
			} {
				code, body := c.b.get(c.path)
				tmpl := proofPath
				if strings.HasSuffix(c.path, "checkpoint") {
					tmpl = "/api/v1/audit/checkpoint"
				}
				if err := apitest.Check("GET", tmpl, code, []byte(body)); code != c.status || err != nil {
					t.Errorf("%s: %d (want %d), %v\n%s", c.path, code, c.status, err, body)
				}
			}
			// Whether an entry exists is not told to who may not read it:
			// an entry of another agency and a missing one answer alike.
			answer := func(b *browser, id int64) string {
				code, body := b.get("/api/v1/audit/entries/" + strconv.FormatInt(id, 10) + "/proof")
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil {
					t.Fatalf("proof of %d: %d %s", id, code, body)
				}
				return strconv.Itoa(code) + " " + e.Error.Code + " " + e.Error.Message
			}
			for name, b := range map[string]*browser{"auditor of another agency": auditor, "clerk": clerk, "anonymous": anon} {
				if existing, missing := answer(b, clerkLogin), answer(b, 987654321); existing != missing {
					t.Errorf("%s: an existing entry answers %q, a missing one %q", name, existing, missing)
				}
			}
			// A platform-wide reader sees every entry, so it is told which
			// one is missing.
			view, platform := auditview.New(a.DB, a.Audit), &actor.Actor{AccountID: auditorID, Kind: actor.Official, Roles: []actor.RoleGrant{{Role: "auditor"}}}
			gctx := access.WithGuard(ctx, a.Guard)
			if _, err := view.Prove(gctx, platform, 987654321); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("platform-wide reader, missing entry: %v", err)
			}
			if p, err := view.Prove(gctx, platform, clerkLogin); err != nil || p.EntryID != clerkLogin {
				t.Errorf("platform-wide reader, the clerk's entry: %v", err)
			}

			// The office page links the viewer for auditors only.
			if _, body = auditor.get("/office"); !strings.Contains(body, `href="/admin/audit"`) {
				t.Error("the auditor's office page does not link the audit log")
			}
			if _, body = clerk.get("/office"); strings.Contains(body, `href="/admin/audit"`) {
				t.Error("the clerk's office page links the audit log")
			}
		})
	}
}
