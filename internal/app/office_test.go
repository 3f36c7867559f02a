package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf/pdftest"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

// The office document pages on the demo province, both engines: the
// first start seeds a year of documents (at least 2,000, registers
// consecutive); the clerk, the leader and a specialist list, open and
// count only what access lets each read (a restricted document of
// another unit is absent from lists and totals and answers 404); the
// clerk registers through the form (a duplicate warns with a link and
// "register anyway"; a PDF whose signature broke in transit is
// registered with its failed report shown); registers show, export as
// xlsx and print as PDF.
func TestOfficeDocumentPagesOnTheDemo(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			start := clock.Now()
			cfg := cheap(install(t, engine))
			cfg.DemoDocuments = 0 // the demo's whole year: these pages are tested on what a user first sees
			a, srv, logins := open(t, cfg)
			t.Logf("first start with the demo: %v", clock.Now().Sub(start).Round(1e6))
			ctx := access.WithGuard(context.Background(), a.Guard)
			sys := actor.SystemActor("test")
			all, err := a.Documents.List(ctx, sys, documents.ListQuery{PageSize: 1})
			if err != nil || all.Total < 2000 {
				t.Fatalf("demo documents: %d, %v", all.Total, err)
			}
			var gaps int
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT count(*) FROM (SELECT agency_id, direction, series, reg_year FROM documents_register_entries
				GROUP BY agency_id, direction, series, reg_year HAVING count(*) <> max(reg_number) OR min(reg_number) <> 1) g`).Scan(&gaps); err != nil || gaps != 0 {
				t.Fatalf("%d registers with gaps, %v", gaps, err)
			}
			pw := demoPassword(t, logins)
			clerk := newBrowser(t, srv).signIn("demo.clerk", pw)
			leader := newBrowser(t, srv).signIn("demo.leader", pw)
			specialist := newBrowser(t, srv).signIn("demo.specialist", pw)

			// Totals per reader equal what access permits, row by row.
			accounts := map[string]*actor.Actor{}
			for _, who := range []string{"clerk", "leader", "specialist"} {
				accounts[who] = demoActor(t, a, "demo."+who)
			}
			var docs []*documents.Document
			for page := 1; ; page++ {
				p, err := a.Documents.List(ctx, sys, documents.ListQuery{Page: page, PageSize: documents.MaxPageSize})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range p.Items {
					docs = append(docs, &documents.Document{ID: it.ID, AgencyID: it.AgencyID, Classification: it.Classification, Direction: it.Direction})
				}
				if page >= p.Pages() {
					break
				}
			}
			browsers := map[string]*browser{"clerk": clerk, "leader": leader, "specialist": specialist}
			var restrictedElsewhere int64
			for who, acc := range accounts {
				in := 0
				for _, d := range docs {
					full, err := a.Documents.Get(ctx, sys, d.ID)
					if err != nil {
						t.Fatal(err)
					}
					if d.Direction == documents.Incoming && access.Permits(ctx, acc, access.DocumentsRead, full.Resource()) {
						in++
					}
					if who == "specialist" && full.Classification == access.Restricted && full.AgencyID == acc.AgencyID && restrictedElsewhere == 0 &&
						!access.Permits(ctx, acc, access.DocumentsRead, full.Resource()) {
						restrictedElsewhere = full.ID
					}
				}
				code, body := browsers[who].get("/office/documents?dir=in")
				if code != 200 || !strings.Contains(body, fmt.Sprintf(">%d văn bản", in)) {
					t.Errorf("%s: GET /office/documents: %d, want a total of %d:\n%.3000s", who, code, in, body)
				}
			}
			if restrictedElsewhere == 0 {
				t.Fatal("the demo has no restricted document in the specialist's agency that they may not read")
			}
			if code, _ := specialist.get("/office/documents/" + strconv.FormatInt(restrictedElsewhere, 10)); code != 404 {
				t.Errorf("the specialist opens restricted document %d: %d", restrictedElsewhere, code)
			}
			if _, body := specialist.get("/office/documents?dir=in&page=1"); strings.Contains(body, fmt.Sprintf(`href="/office/documents/%d"`, restrictedElsewhere)) {
				t.Error("the specialist's list links the restricted document")
			}
			// Filters, paging and Vietnamese dates.
			code, body := clerk.get("/office/documents?dir=in&urgency=khan&page=1")
			if code != 200 || !strings.Contains(body, `<option value="khan" selected>`) || !regexp.MustCompile(`<td>\d\d/\d\d/\d{4}</td>`).MatchString(body) {
				t.Errorf("filtered list: %d\n%.2000s", code, body)
			}

			// The clerk registers a document; the same one again warns.
			form := map[string]string{"symbol": "321/BNV-CQĐP", "issued_on": calendar.DateOf(clock.Now().In(locale.VN)).AddDays(-1).VN(), "sender": "Bộ Nội vụ",
				"type": "CV", "summary": "V/v hướng dẫn sắp xếp đơn vị hành chính cấp xã", "urgency": "khan", "classification": "noi_bo"}
			code, h, out := clerk.upload("/office/documents/new", form, nil)
			if code != 303 || !strings.Contains(h.Get("Location"), "?ok=registered") {
				t.Fatalf("register: %d %v\n%s", code, h, out)
			}
			first := h.Get("Location")
			code, page := clerk.get(first)
			if code != 200 || !strings.Contains(page, "321/BNV-CQĐP") || !strings.Contains(page, "Đã vào sổ văn bản đến") {
				t.Fatalf("the registered document: %d\n%s", code, page)
			}
			firstID := strings.TrimSuffix(strings.TrimPrefix(first, "/office/documents/"), "?ok=registered")
			code, _, out = clerk.upload("/office/documents/new", form, nil)
			if code != 409 || !bytes.Contains(out, []byte(`href="/office/documents/`+firstID+`"`)) || !bytes.Contains(out, []byte(`name="force"`)) {
				t.Fatalf("duplicate: %d\n%s", code, out)
			}
			form["force"] = "1"
			if code, h, out = clerk.upload("/office/documents/new", form, nil); code != 303 {
				t.Fatalf("register anyway: %d %v\n%s", code, h, out)
			}
			delete(form, "force")
			// Bad input comes back to the form with the field marked.
			bad := map[string]string{"symbol": "abc", "issued_on": "31/02/2026", "sender": "x", "type": "CV", "summary": "y"}
			if code, _, out = clerk.upload("/office/documents/new", bad, nil); code != 400 || !bytes.Contains(out, []byte(`aria-invalid="true"`)) {
				t.Errorf("bad input: %d\n%s", code, out)
			}
			if code, _, _ := specialist.upload("/office/documents/new", form, nil); code != 403 {
				t.Errorf("a specialist registers: %d", code)
			}
			if code, _ := specialist.get("/office/documents/new"); code != 403 {
				t.Errorf("a specialist opens the form: %d", code)
			}

			// A signed PDF broken in transit is registered, its failure shown.
			_, signPage := leader.get("/sign")
			serial := regexp.MustCompile(`name="certificate" value="([0-9a-f]+)"`).FindStringSubmatch(signPage)
			if serial == nil {
				t.Fatalf("no certificate for the leader:\n%s", signPage)
			}
			code, _, signed := leader.upload("/sign", map[string]string{"certificate": serial[1], "level": "B-B", "appearance": "invisible"},
				map[string][]byte{"file": pdftest.New(pdftest.Options{Pages: 1})})
			if code != 200 {
				t.Fatalf("sign: %d\n%.300s", code, signed)
			}
			broken := bytes.Clone(signed)
			broken[bytes.IndexByte(broken, '\n')+2] ^= 0x01
			form["symbol"] = "322/BNV-CQĐP"
			code, h, out = clerk.upload("/office/documents/new", form, map[string][]byte{"files": broken})
			if code != 303 {
				t.Fatalf("register the broken PDF: %d\n%s", code, out)
			}
			code, page = clerk.get(h.Get("Location"))
			if code != 200 || !strings.Contains(page, "KHÔNG hợp lệ") || !strings.Contains(page, "TOTAL-FAILED") || !strings.Contains(page, "Không hợp lệ") {
				t.Fatalf("the broken signature is not shown: %d\n%s", code, page)
			}
			// The file's text is read by a background job the test does not
			// run: the page says it is not searchable yet.
			if !strings.Contains(page, docsearch.NotSearchable+": đang đọc nội dung tệp") {
				t.Errorf("the page does not say the file is not searchable yet:\n%s", page)
			}
			file := regexp.MustCompile(`href="(/office/documents/\d+/files/1)"`).FindStringSubmatch(page)
			if file == nil {
				t.Fatalf("no file link:\n%s", page)
			}
			code, fh, data := clerk.do(mustGet(srv.URL + file[1]))
			if code != 200 || !bytes.Equal(data, broken) || fh.Get("Content-Type") != "application/pdf" {
				t.Errorf("download: %d %v, %d bytes", code, fh, len(data))
			}
			if code, _, _ := specialist.do(mustGet(srv.URL + file[1])); code != 404 {
				t.Errorf("another agency's specialist downloads: %d", code)
			}

			// A restricted document: its file is stored encrypted and given
			// back whole to its clerk only.
			png := pngFile()
			form["symbol"], form["classification"] = "323/BNV-CQĐP", "han_che"
			code, h, out = uploadNamed(clerk, "/office/documents/new", form, "files", "so-do.png", png)
			if code != 303 {
				t.Fatalf("register a restricted document: %d\n%s", code, out)
			}
			restricted := strings.TrimSuffix(h.Get("Location"), "?ok=registered")
			if code, _, data := clerk.do(mustGet(srv.URL + restricted + "/files/1")); code != 200 || !bytes.Equal(data, png) {
				t.Errorf("the clerk downloads the restricted file: %d, %d bytes", code, len(data))
			}
			for _, b := range []*browser{leader, specialist} {
				if code, _, _ := b.do(mustGet(srv.URL + restricted + "/files/1")); code != 404 {
					t.Errorf("another reader downloads the restricted file: %d", code)
				}
			}

			// The leader opens a document of the committee with its timeline.
			p, _ := a.Documents.List(ctx, accounts["leader"], documents.ListQuery{Direction: documents.Incoming, PageSize: 1})
			if len(p.Items) == 0 {
				t.Fatal("the leader lists nothing")
			}
			code, page = leader.get("/office/documents/" + strconv.FormatInt(p.Items[0].ID, 10))
			leaderDoc := strconv.FormatInt(p.Items[0].ID, 10)
			if code != 200 || !strings.Contains(page, "Quá trình xử lý") || !strings.Contains(page, "Vào sổ") ||
				!strings.Contains(page, `href="/office/documents/`+leaderDoc+`/direct"`) || !strings.Contains(page, `href="/office/drafts/new?replies_to=`+leaderDoc+`"`) {
				t.Errorf("the leader's document page: %d\n%.3000s", code, page)
			}
			if _, page = clerk.get(first); strings.Contains(page, "/direct\"") {
				t.Error("the clerk is offered to direct")
			}

			// Registers: page, xlsx and PDF; another agency's specialist is refused.
			year := strconv.Itoa(documents.RegisterYear(clock.Now()))
			code, page = clerk.get("/office/registers?dir=in&year=" + year)
			if code != 200 || !strings.Contains(page, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") || !strings.Contains(page, "321/BNV-CQĐP") {
				t.Fatalf("register page: %d\n%.2000s", code, page)
			}
			code, xh, xb := clerk.do(mustGet(srv.URL + "/office/registers?dir=in&year=" + year + "&format=xlsx"))
			if code != 200 || !strings.Contains(xh.Get("Content-Type"), "spreadsheetml") {
				t.Fatalf("xlsx: %d %v", code, xh)
			}
			x, err := excelize.OpenReader(bytes.NewReader(xb))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows("Sổ đăng ký")
			x.Close()
			lines := len(rows) - 4
			for i, r := range rows[4:] {
				if len(r) < 2 || r[1] != documents.FormatNumber(i+1) {
					t.Fatalf("xlsx line %d: %q", i+1, r)
				}
			}
			if lines < 3 || !strings.Contains(fmt.Sprint(rows[len(rows)-1]), "323/BNV-CQĐP") {
				t.Errorf("xlsx: %d lines, last %q", lines, rows[len(rows)-1])
			}
			code, ph, pb := clerk.do(mustGet(srv.URL + "/office/registers?dir=out&year=" + year + "&format=pdf"))
			if code != 200 || ph.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pb, []byte("%PDF-")) {
				t.Errorf("pdf: %d %v", code, ph)
			}
			// A commune's register shows whom each directed document went
			// to and when (the demo directions).
			commune := newBrowser(t, srv).signIn("demo.commune_leader", pw)
			code, page = commune.get("/office/registers?dir=in&year=" + year)
			if code != 200 || !regexp.MustCompile(`<td>(Văn phòng HĐND và UBND|Phòng [^<]+)</td><td>\d\d/\d\d/\d{4}</td>`).MatchString(page) {
				t.Errorf("the commune's register shows no direction: %d\n%.3000s", code, page)
			}
			clerkAgency := strconv.FormatInt(accounts["clerk"].AgencyID, 10)
			if code, _ := specialist.get("/office/registers?agency=" + clerkAgency); code != 403 && code != 404 {
				t.Errorf("another agency's specialist reads the register: %d", code)
			}
		})
	}
}

// demoActor is the actor a demo login acts as.
func demoActor(t *testing.T, a *App, login string) *actor.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM identity_accounts WHERE login = $1`, login).Scan(&id); err != nil {
		t.Fatal(err)
	}
	acc, err := a.Identity.Account(ctx, actor.SystemActor("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID,
		Clearance: acc.Clearance.String(), Roles: acc.Roles}
}

func mustGet(u string) *http.Request {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		panic(err)
	}
	return req
}

func pngFile() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)))
	return b.Bytes()
}

// uploadNamed posts a form with one file of the given name.
func uploadNamed(b *browser, path string, fields map[string]string, field, name string, data []byte) (int, http.Header, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}
