package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/blob/blobtest"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
)

// registerIncoming and getDocument answer as documented: 201 with the id
// and the integer incoming number, 409 naming the first registration,
// 400 with the field for bad input, 403 for who may not register, and the
// same 404 for a document one may not read as for a missing one.
func TestDocumentsAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, blob.Migrations, documents.Migrations}, func(t *testing.T, d *db.DB) {
		lg, err := audit.New(d, audit.Options{Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		store, _ := blob.NewLocal(t.TempDir())
		uploads, err := blob.New(d, blob.Options{Store: store, Audit: lg, Now: fixedNow, SpoolDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		docs, err := documents.New(d, documents.Options{Audit: lg, Uploads: uploads, Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Documents: docs, Uploads: uploads, Now: fixedNow}).Register(mux)
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: lg}))
		clerk := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 3, Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: "clerk", AgencyID: 3}}}
		specialist := &actor.Actor{AccountID: 8, Kind: actor.Official, AgencyID: 3, Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: "specialist", AgencyID: 3}}}
		stranger := &actor.Actor{AccountID: 9, Kind: actor.Official, AgencyID: 4, Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: "leader", AgencyID: 4}}}
		png, err := uploads.Upload(ctx, clerk, bytes.NewReader(blobtest.PNG()), blob.Request{Name: "cong-van.png"})
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, path string, who *actor.Actor, body string) (int, map[string]any) {
			t.Helper()
			req := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx)
			if who != nil {
				req = req.WithContext(actor.With(ctx, who))
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			pattern := path
			if method == "GET" {
				pattern = "/api/v1/documents/{id}"
			}
			if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			var m map[string]any
			json.Unmarshal(rec.Body.Bytes(), &m)
			return rec.Code, m
		}
		const path = "/api/v1/documents/incoming"
		good := `{"symbol":"125/UBND-VP","issued_on":"24/11/2026","sender":"UBND tỉnh Lào Cai","type":"CV","summary":"V/v báo cáo tình hình","urgency":"thuong_khan","classification":"noi_bo","attachments":["` + png.ID + `"]}`
		code, m := do("POST", path, clerk, good)
		if code != 201 || m["incoming_number"] != float64(1) || m["id"] == nil {
			t.Fatalf("register: %d %v", code, m)
		}
		id := int64(m["id"].(float64))
		code, m = do("POST", path, clerk, strings.Replace(good, `,"attachments":["`+png.ID+`"]`, "", 1))
		if code != 409 || m["existing_id"] != float64(id) {
			t.Fatalf("duplicate: %d %v", code, m)
		}
		code, m = do("POST", path, clerk, strings.Replace(strings.Replace(good, `,"attachments":["`+png.ID+`"]`, "", 1), `{`, `{"force":true,`, 1))
		if code != 201 || m["incoming_number"] != float64(2) || m["duplicate_of"] != float64(id) {
			t.Fatalf("forced: %d %v", code, m)
		}
		for _, c := range []struct {
			body   string
			who    *actor.Actor
			status int
			field  string
		}{
			{strings.Replace(good, "125/UBND-VP", "125 UBND VP", 1), clerk, 400, "symbol"},
			{strings.Replace(good, "24/11/2026", "31/11/2026", 1), clerk, 400, "issued_on"},
			{strings.Replace(good, "24/11/2026", "2026-11-26", 1), clerk, 400, "issued_on"},
			{strings.Replace(good, "thuong_khan", "gap", 1), clerk, 400, "urgency"},
			{`{"symbol":"1/QĐ-UBND","unknown":1}`, clerk, 400, ""},
			{`{"symbol":` + strings.Repeat(`"a`, 1) + strings.Repeat("a", 40<<10) + `"}`, clerk, 400, ""},
			{good, specialist, 403, ""},
			{good, nil, 401, ""},
		} {
			code, m := do("POST", path, c.who, c.body)
			e, _ := m["error"].(map[string]any)
			if code != c.status || e == nil || e["message"] == "" || (c.field != "" && e["field"] != c.field) {
				t.Errorf("%.60s: %d %v, want %d field %q", c.body, code, m, c.status, c.field)
			}
		}
		byID := "/api/v1/documents/" + strconv.FormatInt(id, 10)
		if code, m := do("GET", byID, specialist, ""); code != 200 || m["symbol"] != "125/UBND-VP" || m["classification"] != "noi_bo" {
			t.Errorf("specialist reads: %d %v", code, m)
		}
		_, hidden := do("GET", byID, stranger, "")
		code, missing := do("GET", "/api/v1/documents/999999", stranger, "")
		if code != 404 || hidden["error"].(map[string]any)["message"] != missing["error"].(map[string]any)["message"] {
			t.Errorf("another agency's document %v differs from a missing one %v", hidden, missing)
		}
		if code, _ := do("GET", "/api/v1/documents/abc", specialist, ""); code != 400 {
			t.Errorf("bad id: %d", code)
		}
	})
}
