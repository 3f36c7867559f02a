package documents_test

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The list counts and shows exactly the documents access.Can lets each
// reader read: a restricted document is absent from the list and from the
// total for everyone but its named readers, a state secret for the
// uncleared, another agency's internal documents for outsiders.
func TestListMatchesAccess(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		sys := actor.SystemActor("test")
		levels := []string{"cong_khai", "noi_bo", "han_che", "mat"}
		var all []*documents.Document
		for i, lv := range levels {
			for j, c := range []*actor.Actor{clerk, clearedClerk, otherClerk} {
				req := f.req(fmt.Sprintf("%d/QĐ-UBND", 10*i+j+1))
				req.Classification = lv
				a := c
				if lv == "mat" && c != otherClerk {
					a = clearedClerk
				}
				if lv == "mat" && c == otherClerk {
					a, req.AgencyID = sys, other
				}
				doc, err := f.svc.RegisterIncoming(f.ctx, a, req)
				if err != nil {
					t.Fatalf("%s by %d: %v", lv, c.AccountID, err)
				}
				all = append(all, doc)
			}
		}
		otherUnit := official(204, home, access.Specialist, "noi_bo")
		otherUnit.UnitID = 2
		readers := map[string]*actor.Actor{"clerk": clerk, "cleared clerk": clearedClerk, "specialist": specialist, "specialist of another unit": otherUnit,
			"leader": leader, "other agency's clerk": otherClerk, "system": sys,
			"token without documents scope": {AccountID: 200, Kind: actor.Official, AgencyID: home, Clearance: "noi_bo", Scopes: []string{"org:read"},
				Roles: []actor.RoleGrant{{Role: string(access.Clerk), AgencyID: home}}},
			"platform-wide leader": {AccountID: 400, Kind: actor.Official, AgencyID: 1, Clearance: "noi_bo", Roles: []actor.RoleGrant{{Role: string(access.Leader)}}},
		}
		for name, a := range readers {
			want := map[int64]bool{}
			for _, doc := range all {
				if access.Permits(f.ctx, a, access.DocumentsRead, doc.Resource()) {
					want[doc.ID] = true
				}
			}
			page, err := f.svc.List(f.ctx, a, documents.ListQuery{PageSize: 100})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if page.Total != len(want) || len(page.Items) != len(want) {
				t.Errorf("%s: total %d, %d items; access permits %d", name, page.Total, len(page.Items), len(want))
			}
			for _, it := range page.Items {
				if !want[it.ID] {
					t.Errorf("%s sees document %d (%s), which access refuses", name, it.ID, it.Classification)
				}
			}
		}
		// The restricted documents: only their registering clerk.
		page, _ := f.svc.List(f.ctx, otherUnit, documents.ListQuery{})
		for _, it := range page.Items {
			if it.Classification == access.Restricted {
				t.Errorf("a specialist of another unit lists restricted document %d", it.ID)
			}
		}
		// Filters and paging.
		page, err := f.svc.List(f.ctx, sys, documents.ListQuery{Direction: documents.Incoming, Type: "CV", Urgency: "khan", PageSize: 5, Page: 2})
		if err != nil || page.Total != len(all) || len(page.Items) != 5 || page.Pages() != 3 {
			t.Fatalf("system, page 2 of 5: total %d, %d items, %d pages, %v", page.Total, len(page.Items), page.Pages(), err)
		}
		if page, _ := f.svc.List(f.ctx, sys, documents.ListQuery{Year: f.clock().In(locale.VN).Year() - 1}); page.Total != 0 {
			t.Errorf("last year's filter finds %d", page.Total)
		}
		if page, _ := f.svc.List(f.ctx, sys, documents.ListQuery{Direction: documents.Outgoing}); page.Total != 0 {
			t.Errorf("outgoing filter finds %d incoming", page.Total)
		}
		for _, q := range []documents.ListQuery{{Direction: "sideways"}, {Type: "XX"}, {Urgency: "now"}, {Year: 12}} {
			if _, err := f.svc.List(f.ctx, sys, q); err == nil {
				t.Errorf("%+v accepted", q)
			}
		}
		if _, err := f.svc.List(f.ctx, nil, documents.ListQuery{}); err == nil {
			t.Error("an anonymous reader lists documents")
		}
	})
}

// The demo year: at least 2,000 documents over the last twelve months,
// every register numbered 1..n without a gap in date order, the counters
// at n (the next registration continues), some urgent, restricted,
// secret and withdrawn, and the whole written in a few seconds at most.
func TestDemoSeedingNumbersRegistersConsecutively(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		indexed := 0
		f.svc.SetIndex(func(ctx context.Context, tx *sql.Tx, doc documents.IndexDoc) error { indexed++; return nil })
		agencies := []documents.DemoAgency{
			{ID: home, Name: "Ủy ban nhân dân tỉnh Lào Cai", Abbrev: "UBND", Units: []string{"TH", "KT"}, Clerk: clerk.AccountID,
				Signer: "Hoàng Quốc Khánh", SignerPosition: "CHỦ TỊCH", Weight: 3},
			{ID: other, Name: "Sở Nội vụ tỉnh Lào Cai", Abbrev: "SNV", Clerk: otherClerk.AccountID, Signer: "Nguyễn Văn An", SignerPosition: "GIÁM ĐỐC", Weight: 1},
		}
		start := clock.Now()
		res, err := f.svc.SeedDemo(f.ctx, actor.SystemActor("demo"), documents.DemoSeed{Agencies: agencies, Seed: 1})
		took := clock.Now().Sub(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v in %v", res, took)
		n := res.Incoming + res.Outgoing
		if n < 2000 || res.Incoming < 500 || res.Outgoing < 500 || res.Restricted == 0 || res.Secret == 0 || res.Withdrawn == 0 {
			t.Fatalf("demo: %+v", res)
		}
		if indexed != n {
			t.Errorf("%d documents indexed, want %d", indexed, n)
		}
		if got := f.count(t, `SELECT count(*) FROM documents`); got != n {
			t.Fatalf("%d documents stored, want %d", got, n)
		}
		// Every register: numbers 1..max, one entry each, counter at max,
		// and numbers growing with the date.
		rows, err := d.Reader().QueryContext(f.ctx, `SELECT e.agency_id, e.direction, e.series, e.reg_year, count(*), min(e.reg_number), max(e.reg_number), max(c.last_number)
			FROM documents_register_entries e JOIN documents_counters c ON c.agency_id = e.agency_id AND c.direction = e.direction AND c.series = e.series AND c.reg_year = e.reg_year
			GROUP BY e.agency_id, e.direction, e.series, e.reg_year`)
		if err != nil {
			t.Fatal(err)
		}
		registers, entries := 0, 0
		for rows.Next() {
			var r documents.Register
			var cnt, lo, hi, last int
			if err := rows.Scan(&r.AgencyID, &r.Direction, &r.Series, &r.Year, &cnt, &lo, &hi, &last); err != nil {
				t.Fatal(err)
			}
			registers++
			entries += cnt
			if lo != 1 || hi != cnt || last != cnt {
				t.Errorf("register %+v: %d entries from %d to %d, counter %d", r, cnt, lo, hi, last)
			}
		}
		rows.Close()
		if entries != n || registers < 4 {
			t.Errorf("%d entries in %d registers, want %d", entries, registers, n)
		}
		if got := f.count(t, `SELECT count(*) FROM documents a JOIN documents b ON a.agency_id = b.agency_id AND a.direction = b.direction
			AND a.series = b.series AND a.reg_year = b.reg_year AND a.reg_number < b.reg_number AND a.received_at > b.received_at`); got != 0 {
			t.Errorf("%d pairs numbered against date order", got)
		}
		lo := f.clock().Add(-366 * 24 * time.Hour).UnixMicro()
		if got := f.count(t, `SELECT count(*) FROM documents WHERE received_at < $1 OR received_at > $2`, lo, f.clock().UnixMicro()); got != 0 {
			t.Errorf("%d documents outside the last twelve months", got)
		}
		if got := f.count(t, `SELECT count(DISTINCT summary) FROM documents`); got < 300 {
			t.Errorf("only %d different summaries", got)
		}
		// The next registration continues its register.
		year := documents.RegisterYear(f.clock())
		before := f.count(t, `SELECT last_number FROM documents_counters WHERE agency_id = $1 AND direction = 'in' AND series = 'normal' AND reg_year = $2`, home, year)
		doc, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("999/UBND-VP"))
		if err != nil || doc.Number != before+1 {
			t.Fatalf("next registration: %+v %v, want number %d", doc, err, before+1)
		}
		// The demo clerk reads the register; its restricted lines are theirs.
		reg, err := f.svc.ReadRegister(f.ctx, clerk, documents.Register{AgencyID: home, Direction: documents.Incoming, Series: documents.Normal, Year: year})
		if err != nil || len(reg) != before+1 {
			t.Fatalf("register: %d lines, %v", len(reg), err)
		}
		for i, line := range reg {
			if line.Number != i+1 || line.Hidden {
				t.Fatalf("line %d: %+v", i, line)
			}
		}
	})
}

// A register hides the content of the lines its reader may not read but
// keeps their numbers, shows withdrawn numbers as withdrawn, and is
// refused to another agency's officials.
func TestReadRegisterHidesAndWithdraws(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil, nil)
		a, err := f.svc.RegisterIncoming(f.ctx, clerk, f.req("1/UBND-VP"))
		if err != nil {
			t.Fatal(err)
		}
		r := f.req("2/UBND-VP")
		r.Classification = "han_che"
		if _, err := f.svc.RegisterIncoming(f.ctx, clerk, r); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.WithdrawIncoming(f.ctx, clerk, a.ID, "Vào sổ nhầm"); err != nil {
			t.Fatal(err)
		}
		reg := documents.Register{AgencyID: home, Direction: documents.Incoming, Series: documents.Normal, Year: documents.RegisterYear(f.clock())}
		lines, err := f.svc.ReadRegister(f.ctx, specialist, reg)
		if err != nil || len(lines) != 2 {
			t.Fatalf("%d lines, %v", len(lines), err)
		}
		if !lines[0].Withdrawn || lines[0].Note != "Vào sổ nhầm" {
			t.Errorf("line 1: %+v", lines[0])
		}
		if !lines[1].Hidden || lines[1].Summary != "" || lines[1].Symbol != "" {
			t.Errorf("line 2 for a specialist: %+v", lines[1])
		}
		lines, _ = f.svc.ReadRegister(f.ctx, clerk, reg)
		if lines[1].Hidden || lines[1].Symbol != "2/UBND-VP" {
			t.Errorf("line 2 for its clerk: %+v", lines[1])
		}
		if _, err := f.svc.ReadRegister(f.ctx, otherClerk, reg); err == nil {
			t.Error("another agency's clerk reads the register")
		}
	})
}

// The xlsx export: every cell of a small register, incoming and outgoing,
// against golden files (cell values, not bytes).
func TestRegisterXLSXGolden(t *testing.T) {
	at := time.Date(2026, 3, 2, 2, 15, 0, 0, time.UTC)
	rows := []documents.RegisterRow{
		{Number: 1, DocumentID: 7, ReceivedAt: at, Sender: "Văn phòng Chính phủ", Symbol: "1234/VPCP-KSTT", IssuedOn: calendar.Date{Year: 2026, Month: 2, Day: 27},
			TypeName: "Công văn", Summary: "V/v triển khai Đề án 06", Handler: "Phòng Tổng hợp", Transferred: at.Add(26 * time.Hour)},
		{Number: 2, Withdrawn: true, Note: "Vào sổ nhầm", ReceivedAt: at.Add(time.Hour)},
		{Number: 3, Hidden: true, DocumentID: 9, ReceivedAt: at.Add(2 * time.Hour)},
		{Number: 4, DocumentID: 10, ReceivedAt: at.Add(3 * time.Hour), Sender: "Bộ Nội vụ", Symbol: "05/QĐ-BNV", IssuedOn: calendar.Date{Year: 2026, Month: 3, Day: 1},
			TypeName: "Quyết định (cá biệt)", Summary: "Về việc khen thưởng", Signer: "Hoàng Quốc Khánh (CHỦ TỊCH)", Recipients: "Như trên;\nLưu: VT."},
	}
	for _, dir := range []documents.Direction{documents.Incoming, documents.Outgoing} {
		t.Run(string(dir), func(t *testing.T) {
			var buf bytes.Buffer
			title := documents.RegisterTitle{Agency: "Ủy ban nhân dân tỉnh Lào Cai", Generated: "02/03/2026 09:15",
				Register: documents.Register{AgencyID: 1, Direction: dir, Series: documents.Normal, Year: 2026}}
			if err := documents.WriteRegisterXLSX(&buf, title, rows); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			got, err := x.GetRows("Sổ đăng ký")
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, r := range got {
				fmt.Fprintf(&b, "%d: %q\n", i+1, r)
			}
			golden := filepath.Join("testdata", "register_"+string(dir)+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("cells differ from %s:\n%s", golden, b.String())
			}
		})
	}
}

// The printed register: A4 landscape pages numbered "Trang i/n", the
// title, the Appendix IV headings and every line readable as Vietnamese
// text (pdftotext reads the embedded font's mapping).
func TestRegisterPDFPrints(t *testing.T) {
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	var rows []documents.RegisterRow
	at := time.Date(2026, 3, 2, 2, 15, 0, 0, time.UTC)
	for i := range 120 {
		rows = append(rows, documents.RegisterRow{Number: i + 1, DocumentID: int64(i + 1), ReceivedAt: at, Sender: "Bộ Nội vụ",
			Symbol: fmt.Sprintf("%d/BNV-CQĐP", 100+i), TypeName: "Công văn", Summary: "V/v đôn đốc thực hiện công tác cải cách hành chính"})
	}
	rows[4] = documents.RegisterRow{Number: 5, Withdrawn: true, Note: "Vào sổ nhầm", ReceivedAt: at}
	title := documents.RegisterTitle{Agency: "Ủy ban nhân dân tỉnh Lào Cai", Generated: "02/03/2026 09:15",
		Register: documents.Register{AgencyID: 1, Direction: documents.Incoming, Series: documents.Normal, Year: 2026}}
	path := filepath.Join(t.TempDir(), "so.pdf")
	var buf bytes.Buffer
	if err := documents.WriteRegisterPDF(&buf, title, rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	pages := strings.Count(text, "\f")
	if pages < 2 {
		t.Fatalf("%d pages for 120 lines", pages)
	}
	for _, want := range []string{"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN – NĂM 2026", "Ủy ban nhân dân tỉnh Lào Cai", "Số đến", "Tác giả", "Ký nhận",
		"Đã thu hồi số: Vào sổ nhầm", "219/BNV-CQĐP", "Trang 1/" + strconv.Itoa(pages), "Trang " + strconv.Itoa(pages) + "/" + strconv.Itoa(pages)} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the printed register lacks %q", want)
		}
	}
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err == nil && !strings.Contains(string(info), "841.89 x 595.28") {
		t.Errorf("not A4 landscape:\n%s", info)
	}
}
