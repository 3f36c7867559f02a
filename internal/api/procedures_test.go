package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// searchProcedures, getProcedure, exportProcedures and importProcedures
// answer as documented: anonymous reading, folded search, the whole
// procedure with its form, an import only for who manages the agencies.
func TestProceduresAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, org.Migrations, onestop.Migrations}, func(t *testing.T, d *db.DB) {
		now := func() time.Time { return time.Date(2026, 3, 9, 3, 0, 0, 0, time.UTC) }
		lg, err := audit.New(d, audit.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		o, err := org.New(d, org.Options{Audit: lg, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: lg}))
		if _, err := o.LoadDemo(ctx, nil); err != nil {
			t.Fatal(err)
		}
		cat, err := onestop.NewCatalogue(d, onestop.CatalogueOptions{Audit: lg, Org: o, Province: "15", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cat.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Catalogue: cat, Now: now}).Register(mux)
		do := func(method, path, pattern string, who *actor.Actor, body string) (int, []byte) {
			t.Helper()
			rctx := ctx
			if who != nil {
				rctx = actor.With(ctx, who)
			}
			req := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(rctx)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if err := apitest.Check(method, pattern, rec.Code, rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			return rec.Code, rec.Body.Bytes()
		}
		var list struct {
			Items []map[string]any `json:"items"`
		}
		code, body := do("GET", "/api/v1/procedures?q="+url.QueryEscape("dang ky khai sinh"), "/api/v1/procedures", nil, "")
		if json.Unmarshal(body, &list); code != 200 || len(list.Items) != 1 || list.Items[0]["code"] != "1.001193" ||
			list.Items[0]["agency_name"] != "Trung tâm Phục vụ hành chính công xã Bắc Hà" || list.Items[0]["days"] != float64(0) {
			t.Fatalf("search: %d %s", code, body)
		}
		code, body = do("GET", "/api/v1/procedures?level=province", "/api/v1/procedures", nil, "")
		if json.Unmarshal(body, &list); code != 200 || len(list.Items) != 2 {
			t.Fatalf("province level: %d %s", code, body)
		}
		code, body = do("GET", "/api/v1/procedures?field="+url.QueryEscape("Hộ tịch")+"&q=ket+hon", "/api/v1/procedures", nil, "")
		if json.Unmarshal(body, &list); code != 200 || len(list.Items) != 1 || list.Items[0]["code"] != "1.000894" {
			t.Fatalf("field and words: %d %s", code, body)
		}
		for _, bad := range []string{"?level=district", "?limit=0", "?limit=x"} {
			if code, body := do("GET", "/api/v1/procedures"+bad, "/api/v1/procedures", nil, ""); code != 400 {
				t.Errorf("%s: %d %s", bad, code, body)
			}
		}

		var p map[string]any
		code, body = do("GET", "/api/v1/procedures/1.001193", "/api/v1/procedures/{code}", nil, "")
		if json.Unmarshal(body, &p); code != 200 || p["name"] != "Thủ tục đăng ký khai sinh" {
			t.Fatalf("get: %d %s", code, body)
		}
		fields, _ := p["fields"].([]any)
		comps, _ := p["components"].([]any)
		if len(fields) < 10 || len(comps) < 2 {
			t.Fatalf("fields %d, components %d", len(fields), len(comps))
		}
		first := fields[0].(map[string]any)
		if first["name"] != "ho_ten_tre" || first["type"] != "text" || first["required"] != true {
			t.Errorf("first field %v", first)
		}
		if code, _ := do("GET", "/api/v1/procedures/9.999999", "/api/v1/procedures/{code}", nil, ""); code != 404 {
			t.Errorf("unknown code: %d", code)
		}

		code, body = do("GET", "/api/v1/procedures.json?agency="+onestop.DemoSaPaCentre, "/api/v1/procedures.json", nil, "")
		var exp onestop.ExportFile
		if json.Unmarshal(body, &exp); code != 200 || len(exp.Procedures) != 2 {
			t.Fatalf("export: %d %s", code, body)
		}
		exp.Procedures[0].Name = "Đăng ký thường trú (sửa)"
		imp, _ := json.Marshal(exp)
		if code, _ := do("POST", "/api/v1/procedures.json", "/api/v1/procedures.json", nil, string(imp)); code != 401 {
			t.Errorf("anonymous import: %d", code)
		}
		citizen := &actor.Actor{AccountID: 5, Kind: actor.Citizen, Name: "Công dân"}
		if code, _ := do("POST", "/api/v1/procedures.json", "/api/v1/procedures.json", citizen, string(imp)); code != 403 {
			t.Errorf("citizen import: %d", code)
		}
		sysadmin := &actor.Actor{AccountID: 3, Kind: actor.Official, Name: "Quản trị", Roles: []actor.RoleGrant{{Role: string(access.SystemAdmin)}}}
		code, body = do("POST", "/api/v1/procedures.json", "/api/v1/procedures.json", sysadmin, string(imp))
		var rep onestop.ImportReport
		if json.Unmarshal(body, &rep); code != 200 || rep.Updated != 1 || rep.Unchanged != 1 {
			t.Fatalf("import: %d %s", code, body)
		}
		exp.Procedures[1].Steps[0].Role = "clerk"
		imp, _ = json.Marshal(exp)
		code, body = do("POST", "/api/v1/procedures.json", "/api/v1/procedures.json", sysadmin, string(imp))
		var e struct {
			Error struct{ Code, Field, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e); code != 400 || e.Error.Field != "procedures[1].steps[0].role" || !strings.Contains(e.Error.Message, "Thủ tục thứ 2") {
			t.Fatalf("bad import: %d %s", code, body)
		}
	})
}
