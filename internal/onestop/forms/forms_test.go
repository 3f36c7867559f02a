package forms

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// at is a fixed moment in Vietnam time (the forms print what they are
// given; no test reads the clock).
func at(s string) time.Time {
	t, err := time.ParseInLocation("02/01/2006 15:04", s, locale.VN)
	if err != nil {
		panic(err)
	}
	return t
}

var hdr = Header{
	ParentAgency: "Ủy ban nhân dân tỉnh Lào Cai",
	Agency:       "Trung tâm Phục vụ hành chính công tỉnh",
	Number:       "125/TTPVHCC",
	Place:        "Lào Cai",
	Date:         at("07/12/2026 09:30"),
}

var applicant = Person{
	Name: "Nguyễn Thị Hoa", ID: "010203004567", Address: "Số 12 đường Hoàng Liên, phường Cam Đường, tỉnh Lào Cai",
	Phone: "0912345678", Email: "hoa.nguyen@example.vn",
}

const trackURL = "https://dichvucong.laocai.gov.vn/portal/track?code=H15.01.01-261207-0042"

func receiptData() ReceiptData {
	return ReceiptData{
		Header:    hdr,
		Code:      "H15.01.01-261207-0042",
		Applicant: applicant,
		Authoriser: &Person{Name: "Trần Văn Đức", ID: "010203009999", Address: "Xã Bắc Hà, tỉnh Lào Cai",
			Phone: "0987654321"},
		AuthorisationPaper: "Giấy ủy quyền số 15/2026 ngày 01/12/2026",
		Request:            "Đăng ký hộ kinh doanh",
		Documents: []DocumentItem{
			{Name: "Giấy đề nghị đăng ký hộ kinh doanh", Kind: "Bản chính", Copies: 1},
			{Name: "Bản sao giấy tờ pháp lý của cá nhân đối với các thành viên hộ gia đình đăng ký hộ kinh doanh", Kind: "Bản sao", Copies: 2},
			{Name: "Văn bản ủy quyền", Kind: "Bản điện tử"},
		},
		Sets:        1,
		Days:        3,
		ReceivedAt:  at("07/12/2026 09:30"),
		DueAt:       at("10/12/2026 16:00"),
		ResultPlace: "Quầy số 5, Trung tâm Phục vụ hành chính công tỉnh Lào Cai",
		BookVolume:  "02", BookSeq: "0042",
		Receiver: "Lê Minh Tuấn",
		TrackURL: trackURL,
	}
}

func supplementData() SupplementData {
	return SupplementData{
		Header: Header{Agency: "Ủy ban nhân dân xã Bắc Hà", Number: "07/PBS-UBND", Place: "Bắc Hà", Date: at("08/12/2026 10:00")},
		Code:   "H15.20.01-261207-0003", Applicant: applicant, Request: "Đăng ký khai sinh",
		Items:       []string{"Bổ sung bản chính giấy chứng sinh", "Ghi đầy đủ quê quán của người mẹ trong tờ khai"},
		Reason:      "Hồ sơ thiếu giấy chứng sinh; tờ khai chưa ghi quê quán.",
		ContactName: "Phạm Thu Trang", ContactPhone: "0214 3880 123", Guide: "Phạm Thu Trang",
	}
}

func refusalData() RefusalData {
	return RefusalData{
		Header:    Header{ParentAgency: "Ủy ban nhân dân tỉnh Lào Cai", Agency: "Sở Xây dựng", Number: "03/PTC-SXD", Place: "Lào Cai", Date: at("09/02/2026 14:00")},
		Unit:      "Bộ phận Một cửa Sở Xây dựng",
		Applicant: applicant, Request: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
		Reasons:     []string{"Thửa đất nằm trong hành lang bảo vệ công trình thủy lợi.", "Bản vẽ thiết kế không có chữ ký của chủ đầu tư."},
		SignerTitle: "Người tiếp nhận hồ sơ", Signer: "Đỗ Văn Nam",
	}
}

func apologyData() ApologyData {
	return ApologyData{
		Header:    Header{ParentAgency: "Ủy ban nhân dân tỉnh Lào Cai", Agency: "Sở Tư pháp", Number: "01/PXL", Place: "Lào Cai", Date: at("14/12/2026 08:00")},
		Applicant: applicant, Code: "H15.01.01-261207-0042", Request: "Cấp Phiếu lý lịch tư pháp",
		ReceivedAt: at("07/12/2026 09:30"), DueAt: at("21/12/2026 16:00"), NewDueAt: at("24/12/2026 10:00"),
		Reason:      "Cần xác minh thông tin với cơ quan công an nơi cư trú trước đây.",
		SignerTitle: "Giám đốc", Signer: "Hoàng Văn Bình",
	}
}

func stopData() StopData {
	return StopData{
		Header: hdr, Applicant: applicant, Code: "H15.01.01-261207-0042", Request: "Đăng ký hộ kinh doanh",
		ReceivedAt: at("07/12/2026 09:30"), AskedAt: at("09/12/2026 14:00"), StoppedAt: at("09/12/2026 14:05"),
		Reason: "Không còn nhu cầu", Signer: "Lê Minh Tuấn",
	}
}

func controlSlipData() ControlSlipData {
	return ControlSlipData{
		Header: hdr, Code: "H15.01.01-261207-0042", Request: "Đăng ký hộ kinh doanh", Applicant: "Nguyễn Thị Hoa",
		LeadUnit: "Phòng Kinh tế xã Bắc Hà", CoUnits: []string{"Thuế cơ sở 5 tỉnh Lào Cai"},
		ReceivedAt: at("07/12/2026 09:30"), DueAt: at("10/12/2026 16:00"),
		Rows: []ControlRow{
			{FromUnit: "Bộ phận tiếp nhận và trả kết quả", FromPerson: "Lê Minh Tuấn", ToUnit: "Phòng Kinh tế", ToPerson: "Vũ Thị Lan", At: at("07/12/2026 10:15"), Result: calendar.Early},
			{FromUnit: "Phòng Kinh tế", FromPerson: "Vũ Thị Lan", ToUnit: "Lãnh đạo Ủy ban", ToPerson: "Ngô Quang Hải", At: at("09/12/2026 15:40"), Result: calendar.OnTime, Note: "Trình ký"},
			{FromUnit: "Lãnh đạo Ủy ban", FromPerson: "Ngô Quang Hải", ToUnit: "Bộ phận tiếp nhận và trả kết quả", At: at("11/12/2026 08:10"), Result: calendar.Late, Note: "Chậm 1 buổi"},
		},
	}
}

// form is one of the five forms as the tests print it.
type form struct {
	name   string
	render func() ([]byte, error)
	want   []string // text that must appear
}

func allForms() []form {
	return []form{
		{"receipt", func() ([]byte, error) { return Receipt(receiptData()) }, []string{
			"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: H15.01.01-261207-0042", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
			"Độc lập - Tự do - Hạnh phúc", "Lào Cai, ngày 07 tháng 12 năm 2026", "Số: 125/TTPVHCC",
			"ỦY BAN NHÂN DÂN TỈNH LÀO CAI", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH",
			"Nguyễn Thị Hoa", "010203004567", "0912345678", "hoa.nguyen@example.vn", "Trần Văn Đức",
			"Đăng ký hộ kinh doanh", "Giấy đề nghị đăng ký hộ kinh doanh", "03 ngày làm việc",
			"09:30 ngày 07/12/2026", "16:00 ngày 10/12/2026", "Quầy số 5", "NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Lê Minh Tuấn",
			trackURL,
		}},
		{"supplement", func() ([]byte, error) { return Supplement(supplementData()) }, []string{
			"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Số: 07/PBS-UBND", "Bắc Hà, ngày 08 tháng 12 năm 2026",
			"1. Bổ sung bản chính giấy chứng sinh", "2. Ghi đầy đủ quê quán", "Lý do: Hồ sơ thiếu giấy chứng sinh",
			"Phạm Thu Trang", "0214 3880 123", "NGƯỜI HƯỚNG DẪN",
		}},
		{"refusal", func() ([]byte, error) { return Refusal(refusalData()) }, []string{
			"PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", "Lào Cai, ngày 09 tháng 02 năm 2026", "Mã hồ sơ (nếu có): không có",
			"1. Thửa đất nằm trong hành lang", "2. Bản vẽ thiết kế", "Cấp giấy phép xây dựng", "Đỗ Văn Nam",
		}},
		{"apology", func() ([]byte, error) { return Apology(apologyData()) }, []string{
			"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Kính gửi: Ông/bà/tổ chức Nguyễn Thị Hoa", "Ngày 07/12/2026",
			"16:00 ngày 21/12/2026", "10:00 ngày 24/12/2026", "GIÁM ĐỐC", "Hoàng Văn Bình", "cơ quan công an",
		}},
		{"stop", func() ([]byte, error) { return Stop(stopData()) }, []string{
			"THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Kính gửi: Ông/bà/tổ chức Nguyễn Thị Hoa", "Ngày 09/12/2026",
			"Mã hồ sơ: H15.01.01-261207-0042", "09:30 ngày 07/12/2026", "kể từ 14:05 ngày 09/12/2026", "Lý do: Không còn nhu cầu",
			"Lê Minh Tuấn",
		}},
		{"control_slip", func() ([]byte, error) { return ControlSlip(controlSlipData()) }, []string{
			"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Phòng Kinh tế xã Bắc Hà", "Thuế cơ sở 5 tỉnh Lào Cai",
			"Giao: Bộ phận tiếp nhận và trả kết quả (Lê Minh Tuấn)", "10:15 ngày 07/12/2026",
			"Trước hạn", "Đúng hạn", "Quá hạn", "Trình ký", "Chậm 1 buổi",
		}},
	}
}

// pageText decodes what each page shows, one string per text operator,
// through the ToUnicode map the document carries, and returns each page's
// decoded content stream.
func pageText(t *testing.T, data []byte) (texts [][]string, contents []string) {
	texts, contents, _ = pageBoxText(t, data)
	return texts, contents
}

// pageBoxText is pageText with each page's box.
func pageBoxText(t *testing.T, data []byte) (texts [][]string, contents []string, boxes [][4]float64) {
	t.Helper()
	r, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := r.Pages()
	if err != nil {
		t.Fatal(err)
	}
	tj := regexp.MustCompile(`<([0-9A-F]*)> Tj`)
	bf := regexp.MustCompile(`<([0-9A-F]{4})> <([0-9A-F]+)>`)
	for _, p := range pages {
		box, err := r.PageBox(p)
		if err != nil {
			t.Fatal(err)
		}
		w, h := min(box[2], box[3]), max(box[2], box[3])
		if w < 595 || w > 596 || h < 841 || h > 842 {
			t.Fatalf("page box %v, want A4", box)
		}
		boxes = append(boxes, box)
		pd, _ := r.Dict(p)
		res, _ := r.Dict(pd["Resources"])
		fonts, _ := r.Dict(res["Font"])
		font, _ := r.Dict(fonts["F1"])
		desc, _ := r.Resolve(font["DescendantFonts"]).(pdf.Array)
		cid, _ := r.Dict(desc[0])
		fd, _ := r.Dict(cid["FontDescriptor"])
		if _, ok := r.Resolve(fd["FontFile2"]).(*pdf.Stream); !ok {
			t.Fatal("the font is not embedded")
		}
		cmap := map[string]string{}
		tu, _ := r.Resolve(font["ToUnicode"]).(*pdf.Stream)
		cm, err := r.DecodeStream(tu)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bf.FindAllStringSubmatch(string(cm), -1) {
			var u []rune
			for i := 0; i+4 <= len(m[2]); i += 4 {
				v, _ := strconv.ParseUint(m[2][i:i+4], 16, 16)
				u = append(u, rune(v))
			}
			cmap[m[1]] = string(u)
		}
		cs, _ := r.Resolve(pd["Contents"]).(*pdf.Stream)
		content, err := r.DecodeStream(cs)
		if err != nil {
			t.Fatal(err)
		}
		var page []string
		for _, m := range tj.FindAllStringSubmatch(string(content), -1) {
			var s strings.Builder
			for i := 0; i+4 <= len(m[1]); i += 4 {
				c, ok := cmap[m[1][i:i+4]]
				if !ok {
					t.Fatalf("glyph %s has no ToUnicode entry", m[1][i:i+4])
				}
				s.WriteString(c)
			}
			page = append(page, s.String())
		}
		texts = append(texts, page)
		contents = append(contents, string(content))
	}
	return texts, contents, boxes
}

// TestForms prints each form twice (same bytes), opens it with
// internal/pdf, finds its fields in the text it shows, keeps it on one
// A4 page and small, and compares the text with a golden file.
func TestForms(t *testing.T) {
	for _, fm := range allForms() {
		t.Run(fm.name, func(t *testing.T) {
			out, err := fm.render()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := fm.render()
			if !bytes.Equal(out, again) {
				t.Fatal("the same form gave different bytes")
			}
			if len(out) > 60_000 {
				t.Errorf("%d bytes: the font subset should keep a form small", len(out))
			}
			texts, _, boxes := pageBoxText(t, out)
			if len(texts) != 1 || boxes[0][2] > boxes[0][3] {
				t.Errorf("%d pages (%v), want 1 A4 portrait", len(texts), boxes)
			}
			var all []string
			for _, p := range texts {
				all = append(all, p...)
			}
			joined := strings.Join(all, "\n")
			flat := strings.Join(all, " ")
			for _, w := range fm.want {
				if !strings.Contains(joined, w) && !strings.Contains(flat, w) {
					t.Errorf("the form lacks %q", w)
				}
			}
			goldenFile(t, fm.name+".golden.txt", []byte(joined+"\n"))
		})
	}
}

func goldenFile(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// TestReceiptQR reads the QR code back from the receipt's drawing (one
// rectangle per run of dark modules, in module units) and compares it
// with qr.Encode's matrix of the tracking URL, module by module.
func TestReceiptQR(t *testing.T) {
	out, err := Receipt(receiptData())
	if err != nil {
		t.Fatal(err)
	}
	_, contents := pageText(t, out)
	block := regexp.MustCompile(`(?s)q \S+ 0 0 -\S+ \S+ \S+ cm\n(.*?)f Q`).FindStringSubmatch(contents[0])
	if block == nil {
		t.Fatal("no QR code drawn")
	}
	code, err := qr.Encode(trackURL, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx()
	drawn := make([][]bool, n)
	for i := range drawn {
		drawn[i] = make([]bool, n)
	}
	re := regexp.MustCompile(`(\d+) (\d+) (\d+) 1 re`)
	for _, m := range re.FindAllStringSubmatch(block[1], -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if y >= n || x+w > n {
			t.Fatalf("rectangle %q outside the %d×%d code", m[0], n, n)
		}
		for i := x; i < x+w; i++ {
			if drawn[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			drawn[y][i] = true
		}
	}
	for y := range n {
		for x := range n {
			r, _, _, _ := code.At(x, y).RGBA()
			if want := r < 0x8000; drawn[y][x] != want {
				t.Fatalf("module %d,%d drawn %v, want %v", x, y, drawn[y][x], want)
			}
		}
	}

	// Without a URL there is no code.
	d := receiptData()
	d.TrackURL = ""
	out, err = Receipt(d)
	if err != nil {
		t.Fatal(err)
	}
	if _, contents := pageText(t, out); strings.Contains(contents[0], " cm\n") {
		t.Error("a QR code drawn without a tracking URL")
	}
}

// TestFormsTools has qpdf check each form and pdftotext give back its
// Vietnamese text.
func TestFormsTools(t *testing.T) {
	testenv.NeedTool(t, "qpdf", "qpdf")
	testenv.NeedTool(t, "pdftotext", "poppler-utils")
	for _, fm := range allForms() {
		t.Run(fm.name, func(t *testing.T) {
			out, err := fm.render()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), fm.name+".pdf")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
				t.Fatalf("qpdf --check: %v\n%s", err, out)
			}
			text, err := exec.Command("pdftotext", "-raw", path, "-").CombinedOutput()
			if err != nil {
				t.Fatalf("pdftotext: %v\n%s", err, text)
			}
			flat := strings.Join(strings.Fields(string(text)), " ")
			for _, w := range fm.want {
				if !strings.Contains(flat, w) {
					t.Errorf("pdftotext lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestFormsValidate: each missing or wrong field is refused as EINVALID
// naming it, before anything is printed.
func TestFormsValidate(t *testing.T) {
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"receipt without agency", func() error { d := receiptData(); d.Agency = " "; _, err := Receipt(d); return err }, "agency"},
		{"receipt without code", func() error { d := receiptData(); d.Code = ""; _, err := Receipt(d); return err }, "code"},
		{"receipt without applicant", func() error { d := receiptData(); d.Applicant.Name = ""; _, err := Receipt(d); return err }, "applicant"},
		{"receipt without request", func() error { d := receiptData(); d.Request = ""; _, err := Receipt(d); return err }, "request"},
		{"receipt without received", func() error { d := receiptData(); d.ReceivedAt = time.Time{}; _, err := Receipt(d); return err }, "received_at"},
		{"receipt due before received", func() error {
			d := receiptData()
			d.DueAt = d.ReceivedAt.Add(-time.Hour)
			_, err := Receipt(d)
			return err
		}, "due_at"},
		{"receipt bad URL", func() error { d := receiptData(); d.TrackURL = "javascript:alert(1)"; _, err := Receipt(d); return err }, "track_url"},
		{"receipt long URL", func() error {
			d := receiptData()
			d.TrackURL = "https://x.vn/" + strings.Repeat("a", maxURL)
			_, err := Receipt(d)
			return err
		}, "track_url"},
		{"receipt long name", func() error {
			d := receiptData()
			d.Applicant.Name = strings.Repeat("Đ", maxText+1)
			_, err := Receipt(d)
			return err
		}, "applicant"},
		{"receipt bad UTF-8", func() error { d := receiptData(); d.Request = "\xff"; _, err := Receipt(d); return err }, "code"},
		{"receipt negative copies", func() error {
			d := receiptData()
			d.Documents[0].Copies = -1
			_, err := Receipt(d)
			return err
		}, "documents"},
		{"supplement without items", func() error { d := supplementData(); d.Items = []string{" "}; _, err := Supplement(d); return err }, "items"},
		{"supplement without reason", func() error { d := supplementData(); d.Reason = ""; _, err := Supplement(d); return err }, "reason"},
		{"supplement too many items", func() error {
			d := supplementData()
			d.Items = make([]string, maxItems+1)
			d.Items[0] = "x"
			_, err := Supplement(d)
			return err
		}, "items"},
		{"refusal without reasons", func() error { d := refusalData(); d.Reasons = nil; _, err := Refusal(d); return err }, "reasons"},
		{"apology without new date", func() error { d := apologyData(); d.NewDueAt = time.Time{}; _, err := Apology(d); return err }, "new_due_at"},
		{"apology new date not later", func() error { d := apologyData(); d.NewDueAt = d.DueAt; _, err := Apology(d); return err }, "new_due_at"},
		{"apology without reason", func() error { d := apologyData(); d.Reason = ""; _, err := Apology(d); return err }, "reason"},
		{"stop without moment", func() error { d := stopData(); d.StoppedAt = time.Time{}; _, err := Stop(d); return err }, "stopped_at"},
		{"stop without code", func() error { d := stopData(); d.Code = ""; _, err := Stop(d); return err }, "code"},
		{"control slip without code", func() error { d := controlSlipData(); d.Code = ""; _, err := ControlSlip(d); return err }, "code"},
		{"control slip too many rows", func() error {
			d := controlSlipData()
			d.Rows = make([]ControlRow, maxItems+1)
			_, err := ControlSlip(d)
			return err
		}, "rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tt.field || ae.Message == "" {
				t.Fatalf("got %v (%+v), want EINVALID on %s", err, ae, tt.field)
			}
		})
	}
}

// TestFormsVariants: the optional parts (no authoriser, a one-reason
// refusal, the other apology title, blank fields as dots) and a control
// slip long enough for two pages, numbered and with its header repeated.
func TestFormsVariants(t *testing.T) {
	text := func(out []byte, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		texts, _ := pageText(t, out)
		var all []string
		for _, p := range texts {
			all = append(all, strings.Join(p, "\n"))
		}
		return strings.Join(all, "\n\f\n")
	}
	r := receiptData()
	r.Authoriser, r.Number, r.Applicant.Email, r.Days, r.BookVolume, r.BookSeq = nil, "", "", 0, "", ""
	got := text(Receipt(r))
	for _, w := range []string{"Số: ………/………", "Thư điện tử: " + Placeholder, "trong ngày làm việc"} {
		if !strings.Contains(got, w) {
			t.Errorf("receipt lacks %q", w)
		}
	}
	for _, w := range []string{"Được ủy quyền", "Quyển số"} {
		if strings.Contains(got, w) {
			t.Errorf("receipt shows %q", w)
		}
	}

	f := refusalData()
	f.Reasons = []string{"", "Hồ sơ không thuộc thẩm quyền giải quyết."}
	f.SignerTitle, f.Code = "", "H15.01.01-261207-0042"
	got = text(Refusal(f))
	for _, w := range []string{"- Hồ sơ không thuộc thẩm quyền", "NGƯỜI TIẾP NHẬN HỒ SƠ", "Mã hồ sơ (nếu có): H15.01.01-261207-0042"} {
		if !strings.Contains(got, w) {
			t.Errorf("refusal lacks %q", w)
		}
	}

	a := apologyData()
	a.Title, a.SignerTitle = ApologyExtensionTitle, ""
	got = text(Apology(a))
	for _, w := range []string{"PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"} {
		if !strings.Contains(got, w) {
			t.Errorf("apology lacks %q", w)
		}
	}

	c := controlSlipData()
	for i := range 20 {
		c.Rows = append(c.Rows, ControlRow{FromUnit: fmt.Sprintf("Đơn vị %d", i), ToUnit: fmt.Sprintf("Đơn vị %d", i+1)})
	}
	out, err := ControlSlip(c)
	if err != nil {
		t.Fatal(err)
	}
	texts, _ := pageText(t, out)
	if len(texts) != 2 {
		t.Fatalf("%d pages, want 2", len(texts))
	}
	for i, p := range texts {
		joined := strings.Join(p, "\n")
		if want := fmt.Sprintf("Trang %d/2", i+1); p[len(p)-1] != want {
			t.Errorf("page %d ends with %q", i+1, p[len(p)-1])
		}
		if !strings.Contains(joined, "TÊN CƠ QUAN, ĐƠN VỊ") {
			t.Errorf("page %d lacks the grid's header", i+1)
		}
	}
	if !strings.Contains(strings.Join(texts[1], "\n"), "Đơn vị 20") {
		t.Error("the last row is not on page 2")
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{PlaceDate("Lào Cai", at("05/02/2026 08:00")), "Lào Cai, ngày 05 tháng 02 năm 2026"},
		{PlaceDate("", at("25/11/2026 08:00")), "ngày 25 tháng 11 năm 2026"},
		{PlaceDate("Hà Nội", time.Time{}), "Hà Nội, ngày … tháng … năm …"},
		// 17:30 UTC is 00:30 the next day in Vietnam.
		{DateTime(time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC)), "00:30 ngày 01/01/2027"},
		{Date(time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC)), "01/01/2027"},
		{DateTime(time.Time{}), Placeholder},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// FuzzReceipt: whatever the text fields and URL, Receipt returns a PDF
// that internal/pdf opens, or an EINVALID error; it never panics.
func FuzzReceipt(f *testing.F) {
	f.Add("Nguyễn Thị Hoa", "Đăng ký khai sinh", trackURL, "Giấy chứng sinh")
	f.Add("", "", "", "")
	f.Add(strings.Repeat("Đ", 300), "a\r\nb\tc\x00", "http://h/"+strings.Repeat("é", 100), "\ufeff\u2028")
	f.Fuzz(func(t *testing.T, name, request, url, doc string) {
		if len(name)+len(request)+len(url)+len(doc) > 3000 {
			return
		}
		d := receiptData()
		d.Applicant.Name, d.Request, d.TrackURL = name, request, url
		d.Documents = []DocumentItem{{Name: doc}}
		out, err := Receipt(d)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if _, err := pdf.Open(out); err != nil {
			t.Fatalf("the receipt does not open: %v", err)
		}
	})
}
