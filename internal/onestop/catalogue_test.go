package onestop_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

type catFixture struct {
	d    *db.DB
	cat  *onestop.Catalogue
	org  *org.Service
	demo *org.Demo
	ctx  context.Context
	// admin manages the provincial office's subtree (the provincial
	// centre's procedures), commune the Bắc Hà centre's.
	admin, communeAdmin, sysadmin, citizen *actor.Actor
}

func catModules() []db.Migrations {
	return []db.Migrations{audit.Migrations, org.Migrations, onestop.Migrations}
}

// fixedNow is a plain Monday 10:00 in Vietnam, after the demo's first day.
func fixedNow() time.Time { return time.Date(2026, 3, 9, 3, 0, 0, 0, time.UTC) }

func newCatFixture(t *testing.T, d *db.DB) *catFixture {
	t.Helper()
	log, err := audit.New(d, audit.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	o, err := org.New(d, org.Options{Audit: log, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ctx := access.WithGuard(context.Background(), access.NewGuard(access.Options{DB: d, Audit: log}))
	demo, err := o.LoadDemo(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := onestop.NewCatalogue(d, onestop.CatalogueOptions{Audit: log, Org: o, Province: "15", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	bacHa := agencyID(t, o, onestop.DemoBacHaCentre)
	f := &catFixture{d: d, cat: cat, org: o, demo: demo, ctx: ctx,
		admin: &actor.Actor{AccountID: 1, Kind: actor.Official, Name: "Quản trị tỉnh", AgencyID: demo.ProvinceOffice,
			Roles: []actor.RoleGrant{{Role: string(access.AgencyAdmin), AgencyID: demo.ProvinceOffice, Subtree: true}}},
		communeAdmin: &actor.Actor{AccountID: 2, Kind: actor.Official, Name: "Quản trị xã", AgencyID: bacHa,
			Roles: []actor.RoleGrant{{Role: string(access.AgencyAdmin), AgencyID: bacHa}}},
		sysadmin: &actor.Actor{AccountID: 3, Kind: actor.Official, Name: "Quản trị hệ thống",
			Roles: []actor.RoleGrant{{Role: string(access.SystemAdmin)}}},
		citizen: &actor.Actor{AccountID: 4, Kind: actor.Citizen, Name: "Công dân"},
	}
	return f
}

func agencyID(t *testing.T, o *org.Service, code string) int64 {
	t.Helper()
	g, err := o.AgencyByCode(context.Background(), code, org.DateOf(fixedNow()))
	if err != nil {
		t.Fatalf("agency %s: %v", code, err)
	}
	return g.ID
}

// sample is a valid commune procedure of the Bắc Hà centre.
func sample() onestop.Procedure {
	return onestop.Procedure{
		Code: "1.001193", Name: "Thủ tục đăng ký khai sinh", Field: "Hộ tịch", Level: onestop.LevelCommune,
		AgencyCode: onestop.DemoBacHaCentre, Days: 3,
		Fees:       []onestop.Fee{{Name: "Lệ phí", Amount: 0}},
		Components: []onestop.Component{{Code: "to_khai", Name: "Tờ khai", Required: true}},
		Fields: []onestop.Field{{Name: "ho_ten", Label: "Họ tên", Type: onestop.FieldText, Required: true},
			{Name: "gioi_tinh", Label: "Giới tính", Type: onestop.FieldSelect, Options: []string{"Nam", "Nữ"}}},
		Steps: []onestop.Step{{Name: "Tiếp nhận", Role: "onestop_officer", Hours: 4}, {Name: "Xử lý", Role: "specialist", Hours: 16},
			{Name: "Duyệt", Role: "leader", Hours: 4}},
		Active: true,
	}
}

func fieldOf(err error) string {
	var e *apperr.Error
	if ok := asErr(err, &e); ok {
		return e.Field
	}
	return ""
}

func asErr(err error, target **apperr.Error) bool {
	for err != nil {
		if e, ok := err.(*apperr.Error); ok {
			*target = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestProcedureValidation(t *testing.T) {
	cases := []struct {
		name, field, msg string
		change           func(p *onestop.Procedure)
	}{
		{"empty code", "code", "Chưa nhập mã thủ tục", func(p *onestop.Procedure) { p.Code = " " }},
		{"short code", "code", "d.dddddd", func(p *onestop.Procedure) { p.Code = "1.00119" }},
		{"letters in code", "code", "không hợp lệ", func(p *onestop.Procedure) { p.Code = "A.001193" }},
		{"bad suffix", "code", "không hợp lệ", func(p *onestop.Procedure) { p.Code = "1.001193..H15" }},
		{"suffix without dot", "code", "không hợp lệ", func(p *onestop.Procedure) { p.Code = "1.001193H15" }},
		{"no name", "name", "Chưa nhập tên thủ tục", func(p *onestop.Procedure) { p.Name = "" }},
		{"no field", "field", "Chưa nhập lĩnh vực", func(p *onestop.Procedure) { p.Field = "" }},
		{"bad level", "level", "Cấp thực hiện", func(p *onestop.Procedure) { p.Level = "district" }},
		{"negative days", "days", "Thời hạn giải quyết", func(p *onestop.Procedure) { p.Days = -1 }},
		{"bad cut-off", "cut_off", "HH:MM", func(p *onestop.Procedure) { p.CutOff = "25:00" }},
		{"cut-off no colon", "cut_off", "HH:MM", func(p *onestop.Procedure) { p.CutOff = "1500" }},
		{"negative fee", "fees[0].amount", "từ 0 đồng", func(p *onestop.Procedure) { p.Fees[0].Amount = -5 }},
		{"duplicate component", "components[1].code", "bị trùng", func(p *onestop.Procedure) {
			p.Components = append(p.Components, onestop.Component{Code: "to_khai", Name: "Khác"})
		}},
		{"component without name", "components[0].name", "Chưa nhập", func(p *onestop.Procedure) { p.Components[0].Name = "" }},
		{"field name upper case", "fields[0].name", "chữ thường", func(p *onestop.Procedure) { p.Fields[0].Name = "HoTen" }},
		{"field name with diacritics", "fields[0].name", "chữ thường", func(p *onestop.Procedure) { p.Fields[0].Name = "họ_tên" }},
		{"duplicate field", "fields[1].name", "bị trùng", func(p *onestop.Procedure) { p.Fields[1].Name = "ho_ten" }},
		{"unknown type", "fields[0].type", "Kiểu", func(p *onestop.Procedure) { p.Fields[0].Type = "email" }},
		{"select without options", "fields[1].options", "chưa có lựa chọn", func(p *onestop.Procedure) { p.Fields[1].Options = nil }},
		{"options on text", "fields[0].options", "Chỉ trường kiểu chọn", func(p *onestop.Procedure) { p.Fields[0].Options = []string{"a"} }},
		{"duplicate option", "fields[1].options", "bị trùng", func(p *onestop.Procedure) { p.Fields[1].Options = []string{"Nam", "Nam"} }},
		{"no steps", "steps", "Chưa có bước", func(p *onestop.Procedure) { p.Steps = nil }},
		{"bad role", "steps[1].role", "Vai trò", func(p *onestop.Procedure) { p.Steps[1].Role = "clerk" }},
		{"zero hours", "steps[0].hours", "lớn hơn 0", func(p *onestop.Procedure) { p.Steps[0].Hours = 0 }},
		{"hours short", "steps", "phải bằng", func(p *onestop.Procedure) { p.Steps[1].Hours = 15 }},
		{"same day over 8", "steps", "trong ngày", func(p *onestop.Procedure) { p.Days = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := sample()
			c.change(&p)
			p = p.Normalize()
			err := p.Validate()
			if apperr.CodeOf(err) != apperr.Invalid || fieldOf(err) != c.field || !strings.Contains(apperr.MessageOf(err), c.msg) {
				t.Fatalf("got %v (field %q), want field %q and a message with %q", err, fieldOf(err), c.field, c.msg)
			}
		})
	}
	ok := []func(p *onestop.Procedure){
		func(p *onestop.Procedure) {},
		func(p *onestop.Procedure) { p.Code = "2.000815.DEMO.H15.02647.01" },
		func(p *onestop.Procedure) { p.Code = "2.000815.000.00.00.H61" },
		func(p *onestop.Procedure) {
			p.Days = 0
			p.Steps[1].Hours = 2
			p.Steps[0].Hours = 1
			p.Steps[2].Hours = 1
		},
	}
	for i, change := range ok {
		p := sample()
		change(&p)
		p = p.Normalize()
		if err := p.Validate(); err != nil {
			t.Errorf("valid case %d refused: %v", i, err)
		}
	}
	if p := sample().Normalize(); p.CutOff != "15:00" {
		t.Errorf("default cut-off %q", p.CutOff)
	}
}

func TestDemoProceduresAreValid(t *testing.T) {
	list := onestop.DemoProcedures()
	if len(list) < 12 {
		t.Fatalf("%d demo procedures, want at least 12", len(list))
	}
	levels := map[onestop.Level]int{}
	for _, p := range list {
		p = p.Normalize()
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Code, err)
		}
		levels[p.Level]++
	}
	if levels[onestop.LevelProvince] == 0 || levels[onestop.LevelCommune] == 0 {
		t.Errorf("levels %v: want both", levels)
	}
}

func TestCatalogueStoreSearchImport(t *testing.T) {
	dbtest.Each(t, catModules(), func(t *testing.T, d *db.DB) {
		f := newCatFixture(t, d)
		n, err := f.cat.SeedDemo(f.ctx)
		if err != nil || n != len(onestop.DemoProcedures()) {
			t.Fatalf("seed: %d, %v", n, err)
		}
		if n, err := f.cat.SeedDemo(f.ctx); err != nil || n != 0 {
			t.Fatalf("second seed stored %d, %v", n, err)
		}

		t.Run("search folds diacritics", func(t *testing.T) {
			for _, q := range []string{"dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "dang ky  KHAI", "1.001193"} {
				got, err := f.cat.Search(f.ctx, onestop.SearchQuery{Q: q})
				if err != nil {
					t.Fatal(err)
				}
				if !hasCode(got, "1.001193") {
					t.Errorf("%q did not find the birth registration: %v", q, codes(got))
				}
			}
			got, _ := f.cat.Search(f.ctx, onestop.SearchQuery{Q: "dat dai"})
			if !hasCode(got, "1.004227") || len(got) != 1 {
				t.Errorf("dat dai: %v", codes(got))
			}
			got, _ = f.cat.Search(f.ctx, onestop.SearchQuery{Q: "ho tich", Level: onestop.LevelProvince})
			if len(got) != 0 {
				t.Errorf("province hộ tịch: %v", codes(got))
			}
			got, _ = f.cat.Search(f.ctx, onestop.SearchQuery{Field: "ho tich"})
			if len(got) != 3 {
				t.Errorf("field hộ tịch: %v", codes(got))
			}
			got, _ = f.cat.Search(f.ctx, onestop.SearchQuery{Agency: onestop.DemoSaPaCentre})
			if len(got) != 2 {
				t.Errorf("Sa Pa: %v", codes(got))
			}
			got, _ = f.cat.Search(f.ctx, onestop.SearchQuery{Q: "100%_"})
			if len(got) != 0 {
				t.Errorf("LIKE wildcards not escaped: %v", codes(got))
			}
		})

		t.Run("save needs manage on the agency", func(t *testing.T) {
			p := sample()
			p.Code = "1.999999"
			if _, err := f.cat.Save(f.ctx, f.citizen, p); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("citizen: %v", err)
			}
			if _, err := f.cat.Save(f.ctx, f.admin, p); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("province admin on a commune's procedure: %v", err)
			}
			got, err := f.cat.Save(f.ctx, f.communeAdmin, p)
			if err != nil || got.Code != "1.999999" || !got.Active {
				t.Fatalf("commune admin: %+v, %v", got, err)
			}
			p.AgencyCode = "DEMO.NOPE"
			if _, err := f.cat.Save(f.ctx, f.sysadmin, p); fieldOf(err) != "agency_code" {
				t.Fatalf("unknown agency: %v", err)
			}
			if err := f.cat.Deactivate(f.ctx, f.admin, "1.999999"); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("deactivate by another agency's admin: %v", err)
			}
			if err := f.cat.Deactivate(f.ctx, f.communeAdmin, "1.999999"); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.cat.Search(f.ctx, onestop.SearchQuery{Q: "1.999999"}); len(got) != 0 {
				t.Errorf("deactivated procedure listed: %v", codes(got))
			}
			if got, _ := f.cat.Search(f.ctx, onestop.SearchQuery{Q: "1.999999", All: true}); len(got) != 1 {
				t.Errorf("deactivated procedure not in the full list: %v", codes(got))
			}
			var entries int
			if err := d.Reader().QueryRowContext(f.ctx, "SELECT COUNT(*) FROM audit_entries WHERE object_type = 'procedure' AND object_id = '1.999999' AND action IN ('onestop.procedure.save', 'onestop.procedure.deactivate')").Scan(&entries); err != nil {
				t.Fatal(err)
			}
			if entries != 2 {
				t.Errorf("%d audit entries for a save and a deactivation", entries)
			}
		})

		t.Run("export and import round trip, all or nothing", func(t *testing.T) {
			data, err := f.cat.Export(f.ctx, onestop.DemoSaPaCentre)
			if err != nil {
				t.Fatal(err)
			}
			var file onestop.ExportFile
			if err := json.Unmarshal(data, &file); err != nil || len(file.Procedures) != 2 || file.Format != onestop.ExportFormat {
				t.Fatalf("export: %v %+v", err, file)
			}
			rep, err := f.cat.Import(f.ctx, f.sysadmin, strings.NewReader(string(data)))
			if err != nil || rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
				t.Fatalf("re-import: %+v %v", rep, err)
			}
			// A new procedure and a changed one, with a bad third: nothing
			// is stored, and the error names the third and its field.
			fresh := file.Procedures[0]
			fresh.Code = "1.888888"
			fresh.Name = "Thủ tục mới"
			changed := file.Procedures[1]
			changed.Name = "Đổi tên"
			bad := file.Procedures[0]
			bad.Code = "1.777777"
			bad.Fields = append(bad.Fields, onestop.Field{Name: "x", Label: "X", Type: onestop.FieldSelect})
			body, _ := json.Marshal([]onestop.Procedure{fresh, changed, bad})
			_, err = f.cat.Import(f.ctx, f.sysadmin, strings.NewReader(string(body)))
			if fieldOf(err) != "procedures[2].fields[5].options" || !strings.Contains(apperr.MessageOf(err), "Thủ tục thứ 3 (1.777777)") {
				t.Fatalf("bad import: %v (field %q)", err, fieldOf(err))
			}
			if _, err := f.cat.Get(f.ctx, "1.888888"); apperr.CodeOf(err) != apperr.NotFound {
				t.Fatalf("half an import stored: %v", err)
			}
			if p, _ := f.cat.Get(f.ctx, changed.Code); p.Name == "Đổi tên" {
				t.Fatal("half an import stored a change")
			}
			// A procedure of an agency the actor may not manage refuses the
			// whole file too.
			body, _ = json.Marshal([]onestop.Procedure{fresh, changed})
			if _, err := f.cat.Import(f.ctx, f.admin, strings.NewReader(string(body))); apperr.CodeOf(err) != apperr.Forbidden {
				t.Fatalf("import by another agency's admin: %v", err)
			}
			// Duplicated codes.
			body, _ = json.Marshal([]onestop.Procedure{fresh, fresh})
			if _, err := f.cat.Import(f.ctx, f.sysadmin, strings.NewReader(string(body))); fieldOf(err) != "procedures[1].code" {
				t.Fatalf("duplicate codes: %v", err)
			}
			body, _ = json.Marshal([]onestop.Procedure{fresh, changed})
			rep, err = f.cat.Import(f.ctx, f.sysadmin, strings.NewReader(string(body)))
			if err != nil || rep.Created != 1 || rep.Updated != 1 {
				t.Fatalf("good import: %+v %v", rep, err)
			}
			if p, err := f.cat.Get(f.ctx, changed.Code); err != nil || p.Name != "Đổi tên" {
				t.Fatalf("import did not update: %+v %v", p, err)
			}
			for _, bad := range []string{"", "{", `{"procedures":[]}`, `{"format":"other/1","procedures":[{}]}`, `[{"code":"1.000001","nme":"x"}]`, `[] []`} {
				if _, err := f.cat.Import(f.ctx, f.sysadmin, strings.NewReader(bad)); apperr.CodeOf(err) != apperr.Invalid {
					t.Errorf("import %q: %v", bad, err)
				}
			}
		})

		t.Run("get attaches the current communes", func(t *testing.T) {
			p, err := f.cat.Get(f.ctx, "1.001193")
			if err != nil {
				t.Fatal(err)
			}
			vals := birthValues()
			if _, err := p.ValidateForm(vals); err != nil {
				t.Fatalf("valid form: %v", err)
			}
			vals["dia_chi"] = "99999|Thôn 1"
			if _, err := p.ValidateForm(vals); fieldOf(err) != "dia_chi" || !strings.Contains(apperr.MessageOf(err), "không có trong danh mục") {
				t.Fatalf("unknown commune: %v", err)
			}
			// 00001 is no commune.
			vals["dia_chi"] = "00001|Thôn 1"
			if _, err := p.ValidateForm(vals); err == nil {
				t.Fatal("a code that is no commune accepted")
			}
			opts, err := f.cat.CommuneOptions(f.ctx)
			if err != nil || len(opts) != f.demo.CommuneCount {
				t.Fatalf("commune options: %d, %v (want %d)", len(opts), err, f.demo.CommuneCount)
			}
		})
	})
}

func birthValues() map[string]string {
	return map[string]string{
		"ho_ten_tre": "Nguyễn Văn An", "ngay_sinh": "1/2/2026", "gioi_tinh": "Nam", "noi_sinh": "Trạm y tế xã Bắc Hà", "dan_toc": "Kinh",
		"ho_ten_me": "Nguyễn Thị Bình", "quan_he": "Mẹ", "ho_ten_nguoi_khai": "Nguyễn Thị Bình", "cccd_nguoi_khai": "010190012345",
		"dien_thoai": "+84 912 345 678", "dia_chi": "02839|Thôn Bắc Hà 1",
	}
}

func hasCode(list []onestop.Procedure, code string) bool {
	for _, p := range list {
		if p.Code == code {
			return true
		}
	}
	return false
}

func codes(list []onestop.Procedure) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Code)
	}
	return out
}
