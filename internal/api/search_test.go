package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/api"
	"github.com/chinhquyen/chinhquyen/internal/api/apitest"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

type searchAnswer struct {
	Items []struct {
		ID         int64  `json:"id"`
		Symbol     string `json:"symbol"`
		Summary    string `json:"summary"`
		Type       string `json:"type"`
		IssuedOn   string `json:"issued_on"`
		Highlights struct {
			Symbol  []search.Span `json:"symbol"`
			Summary []search.Span `json:"summary"`
		} `json:"highlights"`
	} `json:"items"`
	Total int64 `json:"total"`
	Pages int   `json:"pages"`
	Error struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"error"`
}

// searchDocuments finds documents whatever the accents typed (đ included),
// filters and pages them, and never lists or counts a restricted document
// for a reader it does not name; its answers match the OpenAPI document.
func TestSearchDocumentsAPI(t *testing.T) {
	dbtest.Each(t, []db.Migrations{search.Migrations}, func(t *testing.T, d *db.DB) {
		s := search.New(d, search.Options{})
		s.Register(docsearch.Kind, access.DocumentsRead)
		day := func(m time.Month, dd int) calendar.Date { return calendar.Date{Year: 2026, Month: m, Day: dd} }
		docs := []search.Doc{
			{ID: 1, Title: docsearch.Title("12/QĐ-UBND", "Về việc sửa chữa đường giao thông tại Đà Nẵng"), Type: "QĐ", Urgency: "khan", Date: day(3, 2)},
			{ID: 2, Title: docsearch.Title("", "Kiện toàn Đảng ủy xã Đông Hòa"), Type: "KH", Urgency: "thuong", Date: day(5, 9)},
			{ID: 3, Title: docsearch.Title("7/BC-UBND", "Báo cáo tình hình dang dở của dự án"), Type: "BC", Urgency: "thuong", Date: day(7, 1)},
			// Restricted to person 50: no one else finds or counts it.
			{ID: 4, Title: docsearch.Title("8/TB-UBND", "Thông báo mật về Đà Nẵng"), Type: "TB", Urgency: "thuong", Date: day(8, 1),
				Level: access.Restricted, People: []int64{50}},
			// Another agency's.
			{ID: 5, AgencyID: 9, Title: docsearch.Title("9/QĐ-UBND", "Đà Nẵng của cơ quan khác"), Type: "QĐ", Urgency: "thuong", Date: day(8, 2)},
		}
		for i := 6; i <= 50; i++ { // for paging: 45 more about Huế
			docs = append(docs, search.Doc{ID: int64(i), Title: docsearch.Title(fmt.Sprintf("%d/CV-UBND", i), "Công văn về Huế số "+fmt.Sprint(i)),
				Type: "CV", Urgency: "thuong", Date: day(10, 1+i%28)})
		}
		for i := range docs {
			docs[i].Kind, docs[i].Status = docsearch.Kind, "registered"
			if docs[i].AgencyID == 0 {
				docs[i].AgencyID = 3
			}
			if docs[i].Level == 0 && docs[i].ID != 2 {
				docs[i].Level = access.Internal
			}
		}
		if err := d.Tx(context.Background(), func(tx *sql.Tx) error { return s.IndexMany(context.Background(), tx, docs) }); err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		api.New(api.Deps{Search: s, Now: fixedNow}).Register(mux)
		official := func(id int64) *actor.Actor {
			return &actor.Actor{AccountID: id, Kind: actor.Official, AgencyID: 3, Clearance: "noi_bo",
				Roles: []actor.RoleGrant{{Role: "specialist", AgencyID: 3}}}
		}
		reader, named := official(8), official(50)
		get := func(who *actor.Actor, query string) (int, searchAnswer) {
			t.Helper()
			req := httptest.NewRequest("GET", "/api/v1/documents/search?"+query, nil)
			if who != nil {
				req = req.WithContext(actor.With(req.Context(), who))
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if err := apitest.Check("GET", "/api/v1/documents/search", rec.Code, rec.Body.Bytes()); err != nil {
				t.Errorf("%s: %v", query, err)
			}
			var a searchAnswer
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatalf("%s: %v: %s", query, err, rec.Body)
			}
			return rec.Code, a
		}
		ids := func(a searchAnswer) []int64 {
			var out []int64
			for _, it := range a.Items {
				out = append(out, it.ID)
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			who   *actor.Actor
			query string
			want  []int64
		}{
			{reader, "q=da+nang", []int64{1}},
			{reader, "q=" + url.QueryEscape("Đà Nẵng"), []int64{1}},
			{named, "q=da+nang", []int64{1, 4}},
			{reader, "q=dang+uy", []int64{2}},
			{reader, "q=" + url.QueryEscape("Đảng"), []int64{2, 3}},
			{reader, "q=" + url.QueryEscape(`"đảng ủy"`), []int64{2}},
			{reader, "q=12+qd+ubnd", []int64{1}},
			{reader, "q=" + url.QueryEscape("da nang") + "&type=" + url.QueryEscape("qđ"), []int64{1}},
			{reader, "q=da+nang&type=BC", nil},
			{reader, "q=dang&urgency=thuong", []int64{2, 3}},
			{reader, "q=dang&from=01/06/2026", []int64{3}},
			{reader, "q=dang&to=2026-06-01", []int64{2}},
			{reader, "q=dang&status=withdrawn", nil},
			{reader, "q=dang&agency=9", nil},
			{official(1), "q=da+nang&agency=9", nil},
		} {
			code, a := get(c.who, c.query)
			if code != 200 || !slices.Equal(ids(a), c.want) || a.Total != int64(len(c.want)) {
				t.Errorf("%s as %d: %d, ids %v total %d; want %v", c.query, c.who.AccountID, code, ids(a), a.Total, c.want)
			}
		}
		// The highlight is the byte span of the matched words in the
		// returned summary and symbol.
		_, a := get(reader, "q=da+nang+12")
		if len(a.Items) != 1 {
			t.Fatalf("da nang 12: %+v", a)
		}
		it := a.Items[0]
		var marked []string
		for _, m := range it.Highlights.Summary {
			marked = append(marked, it.Summary[m.Start:m.End])
		}
		if !slices.Equal(marked, []string{"Đà", "Nẵng"}) ||
			len(it.Highlights.Symbol) != 1 || it.Symbol[it.Highlights.Symbol[0].Start:it.Highlights.Symbol[0].End] != "12" ||
			it.Symbol != "12/QĐ-UBND" || it.Type != "QĐ" || it.IssuedOn != "2026-03-02" {
			t.Errorf("highlights: %+v", it)
		}
		// Paging: 45 about Huế, 20 a page, every one once.
		var seen []int64
		for page := 1; page <= 3; page++ {
			code, a := get(reader, fmt.Sprintf("q=hue&page=%d", page))
			if code != 200 || a.Total != 45 || a.Pages != 3 {
				t.Fatalf("page %d: %d total %d pages %d", page, code, a.Total, a.Pages)
			}
			seen = append(seen, ids(a)...)
		}
		slices.Sort(seen)
		if len(seen) != 45 || len(slices.Compact(seen)) != 45 {
			t.Errorf("pages gave %d documents (%v)", len(seen), seen)
		}
		// Filters without words.
		_, a = get(reader, "urgency=khan")
		if len(a.Items) != 1 || a.Items[0].ID != 1 {
			t.Errorf("urgency only: %+v", a)
		}
		// Bad input: 400 with the field; no reader: 401.
		for q, field := range map[string]string{"type=XYZ": "type", "urgency=gap": "urgency", "from=31/02/2026": "from",
			"page=0": "page", "page=9999": "page", "agency=abc": "agency", "status=" + url.QueryEscape("a b"): "status",
			"from=02/02/2026&to=01/02/2026": "to"} {
			code, a := get(reader, q)
			if code != 400 || a.Error.Code != "EINVALID" || a.Error.Field != field {
				t.Errorf("%s: %d %+v", q, code, a.Error)
			}
		}
		if code, _ := get(nil, "q=da+nang"); code != 401 {
			t.Errorf("anonymous: %d", code)
		}
	})
}
