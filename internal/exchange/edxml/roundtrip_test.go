package edxml

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// words mixes Vietnamese with every diacritic and the characters XML
// escapes.
var words = []string{"Ủy", "ban", "nhân", "dân", "tỉnh", "Lào", "Cai", "Quảng", "Ninh", "thành", "phố", "Hạ", "Long",
	"đề", "nghị", "khẩn", "trương", "triển", "khai", "văn", "bản", "điện", "tử", "xã", "Bắc", "Hà", "phường",
	"Đông", "Hưng", "Yên", "Thừa", "Thiên", "Huế", "ưu", "tiên", "số", "12/UBND-VP", "A&B", "<b>", "\"trích\"",
	"'đơn'", "1 > 0", "ữ", "ẵ", "ỹ", "Ỵ", "giờ\tphút", "dòng\nmới", "]]>", "&amp;"}

func genText(r *rand.Rand, maxWords int) string {
	n := r.IntN(maxWords + 1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[r.IntN(len(words))]
	}
	s := strings.Join(ws, " ")
	if r.IntN(3) == 0 {
		s = norm.NFD.String(s) // decomposed input comes back composed
	}
	return s
}

func genCode(r *rand.Rand) string {
	groups := 1 + r.IntN(6)
	parts := make([]string, groups)
	for i := range parts {
		parts[i] = strconv.Itoa(r.IntN(1000))
		if r.IntN(2) == 0 {
			parts[i] = "H" + parts[i]
		}
	}
	return strings.Join(parts, ".")
}

func genOrg(r *rand.Rand, id string) Organization {
	return Organization{OrganID: id, OrganizationInCharge: genText(r, 4), OrganName: "Sở " + genText(r, 6),
		OrganAdd: genText(r, 8), Email: "vt" + strconv.Itoa(r.IntN(99)) + "@x.gov.vn", Telephone: genText(r, 1)}
}

func genDocID(r *rand.Rand) string {
	return genCode(r) + "," + strconv.Itoa(2020+r.IntN(10)) + "," + strconv.Itoa(r.IntN(100000))
}

func genMessage(r *rand.Rand) *Message {
	from := genCode(r)
	m := &Message{From: genOrg(r, from), DocumentID: genDocID(r), CodeNumber: strconv.Itoa(r.IntN(999)),
		CodeNotation: "UBND-VP", Place: genText(r, 3), PromulgationDate: date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28)),
		TypeCode: r.IntN(30), TypeName: genText(r, 2), Subject: "V/v " + genText(r, 30), Content: genText(r, 40),
		Signer:       SignerInfo{genText(r, 2), genText(r, 2), genText(r, 3)},
		SteeringType: r.IntN(3), Other: OtherInfo{Priority: r.IntN(4), PageAmount: r.IntN(50)}}
	if r.IntN(2) == 0 {
		m.DueDate = date(2030, 12, 31)
	}
	seen := map[string]bool{}
	for range 1 + r.IntN(4) {
		id := genCode(r)
		if !seen[id] {
			seen[id] = true
			m.To = append(m.To, genOrg(r, id))
		}
	}
	for range r.IntN(3) {
		m.ToPlaces = append(m.ToPlaces, "Nơi "+genText(r, 5))
		m.Other.Appendixes = append(m.Other.Appendixes, "Phụ lục "+genText(r, 5))
		m.ResponseFor = append(m.ResponseFor, ResponseFor{OrganID: genCode(r), Code: genText(r, 1), DocumentID: genDocID(r),
			PromulgationDate: date(2025, 2, 28)})
		m.Trace = append(m.Trace, TraceHeader{OrganID: genCode(r),
			Timestamp: time.Date(2026, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, locale.VN)})
	}
	m.Business = Business{Type: BusinessType(r.IntN(4)), Paper: r.IntN(2), Staff: StaffInfo{genText(r, 3), genText(r, 3), "09" + strconv.Itoa(r.IntN(1e8)), ""}}
	if m.Business.Type != BusinessNew {
		m.Business.Reason = "Lý do " + genText(r, 6)
		m.Business.DocumentID = genDocID(r)
	}
	switch m.Business.Type {
	case BusinessUpdate:
		m.Business.Update = &BusinessDocumentInfo{DocumentInfo: 1, Receivers: []Receiver{{1, genCode(r)}}}
	case BusinessReplace:
		m.Business.Replacement = []ReplacementInfo{{genDocID(r), []string{genCode(r), genCode(r)}}}
	}
	for i := range r.IntN(4) {
		data := make([]byte, r.IntN(3000))
		for j := range data {
			data[j] = byte(r.Uint32())
		}
		a := Attachment{Name: "Tệp " + genText(r, 3) + ".pdf", MediaType: "application/pdf", Description: genText(r, 4), Data: data}
		if i%2 == 0 {
			a.ContentID = "tep-" + strconv.Itoa(i) + "@demo.gov.vn"
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m
}

// TestRoundTrip: Build → Parse → Verify gives back the message (NFC
// normalised, attachments numbered) and BuildStatus the status for random Vietnamese text, and Build is
// deterministic.
func TestRoundTrip(t *testing.T) {
	k, chain, roots := fixture(t)
	n := 150
	if testing.Short() {
		n = 20
	}
	r := rand.New(rand.NewPCG(102, 2016))
	for i := range n {
		m := genMessage(r)
		b, err := Build(m, k, chain)
		if err != nil {
			t.Fatalf("%d: build: %v\n%#v", i, err, m)
		}
		if again, err := Build(m, k, chain); err != nil || !bytes.Equal(again, b) {
			t.Fatalf("%d: a second Build differs (%v)", i, err)
		}
		p, err := Parse(b, DefaultLimits)
		if err != nil {
			t.Fatalf("%d: parse: %v", i, err)
		}
		if rep, err := Verify(p, roots, verifyAt); err != nil {
			t.Fatalf("%d: verify: %v %v", i, err, rep.Problems)
		}
		want := normalizeMessage(m)
		for j := range want.Attachments {
			if want.Attachments[j].ContentID == "" {
				want.Attachments[j].ContentID = "attachment" + strconv.Itoa(j+1)
			}
		}
		if !reflect.DeepEqual(p.Message, want) {
			t.Fatalf("%d: round trip\n got %#v\nwant %#v", i, p.Message, want)
		}
		if !norm.NFC.IsNormalString(p.Message.Subject) {
			t.Fatalf("%d: subject not NFC", i)
		}

		st := &Status{ResponseFor: ResponseFor{OrganID: genCode(r), Code: genText(r, 2), DocumentID: genDocID(r)},
			From: genOrg(r, genCode(r)), Code: allStatus[r.IntN(len(allStatus))], Description: "Lý do: " + genText(r, 10),
			Timestamp: time.Date(2026, 5, 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, locale.VN),
			Staff:     StaffInfo{genText(r, 2), genText(r, 3), "", ""}}
		b, err = BuildStatus(st, k, chain)
		if err != nil {
			t.Fatalf("%d: build status: %v", i, err)
		}
		if p, err = Parse(b, DefaultLimits); err != nil {
			t.Fatalf("%d: parse status: %v", i, err)
		}
		if rep, err := Verify(p, roots, verifyAt); err != nil {
			t.Fatalf("%d: verify status: %v %v", i, err, rep.Problems)
		}
		if want := normalizeStatus(st); !reflect.DeepEqual(p.Status, want) {
			t.Fatalf("%d: status round trip\n got %#v\nwant %#v", i, p.Status, want)
		}
	}
}

// FuzzParse: no input makes Parse or Verify panic or run past the limits;
// what parses and verifies builds again into a package that verifies.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.edxml"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY a "aaaa">]><a>&a;</a>`))
	f.Add([]byte("<Envelope><Header><MessageHeader/></Header><Body/></Envelope>"))
	f.Add([]byte("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n\r\n<Envelope/>\r\n--x--\r\n"))
	k, chain, roots := fixture(f)
	lim := Limits{MaxBytes: 1 << 20, MaxXMLBytes: 256 << 10, MaxDepth: 20, MaxElements: 2000, MaxAttachments: 8, MaxAttachmentBytes: 256 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, lim)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if p.Message != nil && len(p.Message.Attachments) > lim.MaxAttachments {
			t.Fatal("too many attachments")
		}
		rep, err := Verify(p, roots, verifyAt)
		if rep == nil || (err == nil) != rep.OK() {
			t.Fatalf("report %v, error %v", rep, err)
		}
		if err == nil && p.Message != nil {
			if _, err := Build(p.Message, k, chain); err != nil {
				t.Fatalf("a verified message does not build again: %v", err)
			}
		}
	})
}
