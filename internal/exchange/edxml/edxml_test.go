package edxml

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

var update = flag.Bool("update", false, "rewrite the golden packages in testdata/")

// The fixed signer of the golden packages: an RSA key and a certificate
// issued by testdata/root.pem (test material only, valid 2026–2041).
func fixture(t testing.TB) (crypto.Signer, []*x509.Certificate, *x509.CertPool) {
	t.Helper()
	read := func(name string) *pem.Block {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		return blk
	}
	k, err := x509.ParsePKCS8PrivateKey(read("signer.key").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(read("signer.pem").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(read("root.pem").Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return k.(crypto.Signer), []*x509.Certificate{leaf, root}, pool
}

// verifyAt is a moment inside the fixture certificate's validity.
var verifyAt = time.Date(2026, 6, 1, 9, 0, 0, 0, locale.VN)

var samplePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

// sampleMessage is a new document from the demo province to two agencies
// with a PDF attached.
func sampleMessage() *Message {
	return &Message{
		From: Organization{OrganID: "DEMO.H15.01.01", OrganizationInCharge: "UBND tỉnh Demo", OrganName: "Văn phòng UBND tỉnh Demo",
			OrganAdd: "Số 1 đường Hoàng Liên, phường Cốc Lếu", Email: "vanphong@demo.gov.vn", Telephone: "0214 3840 000", Website: "https://demo.gov.vn"},
		To: []Organization{
			{OrganID: "000.00.01.H22", OrganName: "Sở Nội vụ tỉnh Quảng Ninh"},
			{OrganID: "DEMO.H15.02", OrganName: "Sở Tài chính tỉnh Demo", Email: "stc@demo.gov.vn"},
		},
		DocumentID: "DEMO.H15.01.01,2026,00123", CodeNumber: "123", CodeNotation: "UBND-VP",
		Place: "Lào Cai", PromulgationDate: date(2026, 3, 10),
		TypeCode: 1, TypeName: "Công văn",
		Subject:  "Về việc triển khai liên thông văn bản điện tử đến cấp xã",
		Content:  "Đề nghị các cơ quan, đơn vị khẩn trương thực hiện.",
		Signer:   SignerInfo{Competence: "TM. Ủy ban nhân dân", Position: "Chủ tịch", FullName: "Nguyễn Văn Á"},
		DueDate:  date(2026, 3, 31),
		ToPlaces: []string{"Như trên", "Lưu: VT, VP"},
		Other: OtherInfo{Priority: 1, SphereOfPromulgation: "Văn bản hành chính", TyperNotation: "NVA",
			PromulgationAmount: 5, PageAmount: 2, Appendixes: []string{"Phụ lục I: Danh sách xã"}},
		SteeringType: 1,
		Trace:        []TraceHeader{{OrganID: "DEMO.H15.01.01", Timestamp: time.Date(2026, 3, 10, 8, 30, 0, 0, locale.VN)}},
		Business: Business{Type: BusinessNew, Staff: StaffInfo{Department: "Phòng Hành chính - Tổ chức", Staff: "Trần Thị Bích",
			Mobile: "0912345678", Email: "bich@demo.gov.vn"}},
		Attachments: []Attachment{{Name: "123-UBND-VP.pdf", MediaType: "application/pdf", Description: "Văn bản đã ký số", Data: samplePDF}},
	}
}

func revokeMessage() *Message {
	m := sampleMessage()
	m.DocumentID = "DEMO.H15.01.01,2026,00124"
	m.Subject = "Thu hồi Công văn số 123/UBND-VP"
	m.Business = Business{Type: BusinessRevoke, Reason: "Ban hành nhầm nơi nhận", DocumentID: "DEMO.H15.01.01,2026,00123",
		Staff: m.Business.Staff}
	m.Attachments = nil
	return m
}

func updateMessage() *Message {
	m := sampleMessage()
	m.Business = Business{Type: BusinessUpdate, Reason: "Bổ sung nơi nhận", DocumentID: "DEMO.H15.01.01,2026,00123", Paper: 1,
		Staff: m.Business.Staff, Update: &BusinessDocumentInfo{DocumentInfo: 0, DocumentReceiver: 1,
			Receivers: []Receiver{{ReceiverType: 1, OrganID: "DEMO.H15.03"}}}}
	return m
}

func replaceMessage() *Message {
	m := sampleMessage()
	m.DocumentID = "DEMO.H15.01.01,2026,00125"
	m.Business = Business{Type: BusinessReplace, Reason: "Sai sót về thể thức", DocumentID: "DEMO.H15.01.01,2026,00123",
		Staff: m.Business.Staff, Replacement: []ReplacementInfo{{DocumentID: "DEMO.H15.01.01,2026,00123",
			OrganIDs: []string{"000.00.01.H22", "DEMO.H15.02"}}}}
	return m
}

func sampleStatus(code StatusCode) *Status {
	s := &Status{
		ResponseFor: ResponseFor{OrganID: "DEMO.H15.01.01", Code: "123/UBND-VP", PromulgationDate: date(2026, 3, 10),
			DocumentID: "DEMO.H15.01.01,2026,00123"},
		From:      Organization{OrganID: "000.00.01.H22", OrganName: "Sở Nội vụ tỉnh Quảng Ninh"},
		Code:      code,
		Timestamp: time.Date(2026, 3, 10, 9, 15, 30, 0, locale.VN),
		Staff:     StaffInfo{Department: "Văn phòng Sở", Staff: "Lê Văn Đức", Mobile: "0987654321"},
	}
	if code == StatusRefused || code == StatusTakeBackRefuse {
		s.Description = "Văn bản không đúng thẩm quyền giải quyết"
	}
	return s
}

var allStatus = []StatusCode{StatusArrived, StatusRefused, StatusAccepted, StatusAssigned, StatusInProcess,
	StatusCompleted, StatusTakeBack, StatusTakeBackOK, StatusTakeBackRefuse}

type golden struct {
	name string
	msg  *Message
	st   *Status
}

func goldens() []golden {
	g := []golden{{"new", sampleMessage(), nil}, {"revoke", revokeMessage(), nil},
		{"update", updateMessage(), nil}, {"replace", replaceMessage(), nil}}
	for _, c := range allStatus {
		g = append(g, golden{"status-" + string(c), nil, sampleStatus(c)})
	}
	return g
}

func build(t testing.TB, g golden, k crypto.Signer, chain []*x509.Certificate) []byte {
	t.Helper()
	var b []byte
	var err error
	if g.msg != nil {
		b, err = Build(g.msg, k, chain)
	} else {
		b, err = BuildStatus(g.st, k, chain)
	}
	if err != nil {
		t.Fatalf("%s: %v", g.name, err)
	}
	return b
}

// TestGolden: each package type (QCVN 102:2016/BTTTT: a new document with a
// PDF, revoke, update, replace, a status per code) is written byte for byte
// as in testdata/*.edxml, and reads back, verified, as what was built.
func TestGolden(t *testing.T) {
	k, chain, roots := fixture(t)
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			b := build(t, g, k, chain)
			path := filepath.Join("testdata", g.name+".edxml")
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("%s differs from the golden file (go test -update to rewrite)", path)
			}
			p, err := Parse(want, DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(p, roots, verifyAt)
			if err != nil {
				t.Fatalf("verify: %v %v", err, rep.Problems)
			}
			if rep.SignerSubject == "" || !strings.Contains(rep.SignerSubject, "Văn thư") {
				t.Errorf("signer %q", rep.SignerSubject)
			}
			if g.msg != nil {
				wantMsg := withIDs(g.msg)
				if !reflect.DeepEqual(p.Message, wantMsg) {
					t.Errorf("parsed\n%#v\nwant\n%#v", p.Message, wantMsg)
				}
				if len(rep.Attachments) != len(g.msg.Attachments) {
					t.Errorf("attachments %+v", rep.Attachments)
				}
				for _, a := range rep.Attachments {
					if !a.OK || a.Unprotected {
						t.Errorf("attachment %+v", a)
					}
				}
			} else if !reflect.DeepEqual(p.Status, g.st) {
				t.Errorf("parsed %#v\nwant %#v", p.Status, g.st)
			}
		})
	}
}

// withIDs is m as Parse returns it: attachments numbered.
func withIDs(m *Message) *Message {
	c := normalizeMessage(m)
	for i := range c.Attachments {
		if c.Attachments[i].ContentID == "" {
			c.Attachments[i].ContentID = "attachment" + string(rune('1'+i))
		}
	}
	return c
}

// TestBusinessSpelling: "Business" (the dictionary's spelling) is read like
// "Bussiness" (what deployed systems write and read).
func TestBusinessSpelling(t *testing.T) {
	k, chain, _ := fixture(t)
	b := build(t, golden{"revoke", revokeMessage(), nil}, k, chain)
	b = bytes.ReplaceAll(b, []byte("Bussiness"), []byte("Business"))
	p, err := Parse(b, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if p.Message.Business.Type != BusinessRevoke || p.Message.Business.Reason != "Ban hành nhầm nơi nhận" {
		t.Fatalf("business %+v", p.Message.Business)
	}
}

func otherCA(t testing.TB, cn string) (crypto.Signer, []*x509.Certificate, *x509.CertPool) {
	t.Helper()
	rk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	lk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn + " CA"}, NotBefore: nb,
		NotAfter: nb.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rder, err := x509.CreateCertificate(rand.Reader, root, root, rk.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := x509.ParseCertificate(rder)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}, NotBefore: nb,
		NotAfter: nb.AddDate(2, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	lder, err := x509.CreateCertificate(rand.Reader, leaf, rc, lk.Public(), rk)
	if err != nil {
		t.Fatal(err)
	}
	lc, _ := x509.ParseCertificate(lder)
	pool := x509.NewCertPool()
	pool.AddCert(rc)
	return lk, []*x509.Certificate{lc, rc}, pool
}

// TestVerifyRefuses: every way a package can be wrong is refused with its
// stable reason.
func TestVerifyRefuses(t *testing.T) {
	k, chain, roots := fixture(t)
	good := build(t, golden{"new", sampleMessage(), nil}, k, chain)
	ek, echain, eroots := otherCA(t, "Cơ quan khác")

	// A package with To twice, signed as it is (Build refuses to write one).
	dup := sampleMessage()
	dup.To = append(dup.To, dup.To[0])
	doc, header, _ := newEnvelope()
	writeMessageHeader(header, dup)
	writeTrace(header, dup)
	dupX, err := sign(doc, header, k, chain)
	if err != nil {
		t.Fatal(err)
	}

	deep := "<a>" + strings.Repeat("<b>", 100) + strings.Repeat("</b>", 100) + "</a>"
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`
	for _, c := range []struct {
		name      string
		data      []byte
		roots     *x509.CertPool
		lim       Limits
		parseErr  Reason
		verifyErr Reason
	}{
		{name: "billion laughs", data: []byte(laughs), parseErr: ReasonDTD},
		{name: "doctype in MIME", data: bytes.Replace(good, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
			[]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE x SYSTEM \"file:///etc/passwd\">"), 1), parseErr: ReasonDTD},
		{name: "deep nesting", data: []byte(deep), parseErr: ReasonTooLarge},
		{name: "oversized", data: good, lim: Limits{MaxBytes: 1000}, parseErr: ReasonTooLarge},
		{name: "attachment too big", data: good, lim: Limits{MaxAttachmentBytes: 100}, parseErr: ReasonTooLarge},
		{name: "not xml", data: []byte("xin chào"), parseErr: ReasonMalformed},
		{name: "malformed xml", data: []byte("<Envelope><Header></Envelope>"), parseErr: ReasonMalformed},
		{name: "not an envelope", data: []byte("<html><body/></html>"), parseErr: ReasonStructure},
		{name: "latin-1", data: []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><Envelope/>`), parseErr: ReasonMalformed},
		{name: "tampered attachment", data: tamperAttachment(t, good), roots: roots, verifyErr: ReasonAttachment},
		{name: "tampered header", data: bytes.Replace(good, []byte("cấp xã"), []byte("cấp tỉnh"), 1), roots: roots, verifyErr: ReasonSignature},
		{name: "tampered manifest", data: bytes.Replace(good, []byte("123-UBND-VP.pdf</edXML:AttachmentName>"), []byte("124-UBND-VP.pdf</edXML:AttachmentName>"), 1), roots: roots, verifyErr: ReasonSignature},
		{name: "wrong signature", data: wrongSignature(t, good), roots: roots, verifyErr: ReasonSignature},
		{name: "unsigned", data: stripSignature(good), roots: roots, verifyErr: ReasonUnsigned},
		{name: "cert not in the roots", data: build(t, golden{"new", sampleMessage(), nil}, ek, echain), roots: roots, verifyErr: ReasonUntrusted},
		{name: "wrong root", data: good, roots: eroots, verifyErr: ReasonUntrusted},
		{name: "no roots", data: good, verifyErr: ReasonUntrusted},
		{name: "duplicate To", data: dupX, roots: roots, verifyErr: ReasonDuplicateTo},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Parse(c.data, c.lim)
			if c.parseErr != "" {
				if ReasonOf(err) != c.parseErr || !strings.HasPrefix(errMessage(err), "edxml: ") {
					t.Fatalf("parse: %v, want %s", err, c.parseErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			rep, err := Verify(p, c.roots, verifyAt)
			if ReasonOf(err) != c.verifyErr || rep.OK() {
				t.Fatalf("verify: %v (%v), want %s", err, rep.Problems, c.verifyErr)
			}
		})
	}
	// The other CA's package verifies against its own root (ECDSA P-256).
	p, err := Parse(build(t, golden{"new", sampleMessage(), nil}, ek, echain), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(p, eroots, verifyAt); err != nil {
		t.Fatalf("ECDSA: %v %v", err, rep.Problems)
	}
	// XML-DSig 1.1: the ECDSA value is r‖s, 64 bytes for P-256.
	var sv string
	walk(p.root, func(e *etree.Element) {
		if e.Tag == "SignatureValue" {
			sv = e.Text()
		}
	})
	if raw, err := base64.StdEncoding.DecodeString(sv); err != nil || len(raw) != 64 {
		t.Fatalf("ECDSA SignatureValue %d bytes: %v", len(raw), err)
	}
	// A DER value (what goxmldsig writes by itself) is read too.
	pr, err := Parse(build(t, golden{"revoke", revokeMessage(), nil}, ek, echain), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	der := pr.root.Copy()
	derSignatureValue(der, echain[0].PublicKey)
	derDoc := etree.NewDocumentWithRoot(der)
	derXML, err := derDoc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pr.XML, derXML) {
		t.Fatal("the value was not rewritten")
	}
	pd, err := Parse(derXML, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(pd, eroots, verifyAt); err != nil || len(rep.Warnings) != 0 {
		t.Fatalf("ECDSA DER: %v %v", err, rep.Problems)
	}
	// A certificate not meant for signing (key usage: key agreement only).
	kk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Máy chủ"}, NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), KeyUsage: x509.KeyUsageKeyAgreement, BasicConstraintsValid: true}
	kder, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, kk.Public(), kk)
	if err != nil {
		t.Fatal(err)
	}
	kc, _ := x509.ParseCertificate(kder)
	kroots := x509.NewCertPool()
	kroots.AddCert(kc)
	p, err = Parse(build(t, golden{"new", sampleMessage(), nil}, kk, []*x509.Certificate{kc}), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(p, kroots, verifyAt); ReasonOf(err) != ReasonUntrusted || !strings.Contains(err.Error(), "không dùng để ký") {
		t.Fatalf("key agreement certificate: %v", err)
	}
	// Outside the certificate's validity.
	p, _ = Parse(good, DefaultLimits)
	if _, err := Verify(p, roots, time.Date(2042, 1, 1, 0, 0, 0, 0, locale.VN)); ReasonOf(err) != ReasonUntrusted {
		t.Fatalf("expired: %v", err)
	}
}

func errMessage(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(err.Error(), "EINVALID: ")
}

// tamperAttachment flips bytes inside the base64 of the PDF part.
func tamperAttachment(t testing.TB, pkg []byte) []byte {
	i := bytes.Index(pkg, []byte("JVBERi0xLjQK"))
	if i < 0 {
		t.Fatal("no PDF part")
	}
	out := bytes.Clone(pkg)
	copy(out[i:], "JVBERi0xLjUK") // %PDF-1.5
	return out
}

func wrongSignature(t testing.TB, pkg []byte) []byte {
	i := bytes.Index(pkg, []byte("<ds:SignatureValue>"))
	if i < 0 {
		t.Fatal("no SignatureValue")
	}
	out := bytes.Clone(pkg)
	j := i + len("<ds:SignatureValue>") + 10
	if out[j] == 'A' {
		out[j] = 'B'
	} else {
		out[j] = 'A'
	}
	return out
}

func stripSignature(pkg []byte) []byte {
	i := bytes.Index(pkg, []byte("<ds:Signature "))
	j := bytes.Index(pkg, []byte("</ds:Signature>"))
	return append(bytes.Clone(pkg[:i]), pkg[j+len("</ds:Signature>"):]...)
}

// TestBuildRefuses: Build writes nothing Verify would refuse.
func TestBuildRefuses(t *testing.T) {
	k, chain, _ := fixture(t)
	for _, c := range []struct {
		name string
		edit func(m *Message)
		want Reason
	}{
		{"no subject", func(m *Message) { m.Subject = " " }, ReasonField},
		{"long subject", func(m *Message) { m.Subject = strings.Repeat("ệ", 501) }, ReasonField},
		{"no To", func(m *Message) { m.To = nil }, ReasonField},
		{"duplicate To", func(m *Message) { m.To = append(m.To, m.To[1]) }, ReasonDuplicateTo},
		{"bad organ id", func(m *Message) { m.From.OrganID = "H22 00" }, ReasonField},
		{"bad document id", func(m *Message) { m.DocumentID = "123" }, ReasonField},
		{"control character", func(m *Message) { m.Content = "a\x01b" }, ReasonField},
		{"long place", func(m *Message) { m.ToPlaces = []string{strings.Repeat("x", 151)} }, ReasonField},
		{"revoke without reason", func(m *Message) {
			m.Business = Business{Type: BusinessRevoke, DocumentID: "DEMO.H15.01.01,2026,00123"}
		}, ReasonField},
		{"update without info", func(m *Message) {
			m.Business = Business{Type: BusinessUpdate, Reason: "x", DocumentID: "DEMO.H15.01.01,2026,00123"}
		}, ReasonField},
		{"unknown business", func(m *Message) { m.Business.Type = 7 }, ReasonField},
		{"bad media type", func(m *Message) { m.Attachments[0].MediaType = "pdf\r\nX-Evil: 1" }, ReasonAttachment},
	} {
		m := sampleMessage()
		c.edit(m)
		if _, err := Build(m, k, chain); ReasonOf(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	if _, err := BuildStatus(&Status{Code: StatusRefused}, k, chain); ReasonOf(err) != ReasonField {
		t.Errorf("status: %v", err)
	}
	s := sampleStatus(StatusRefused)
	s.Description = ""
	if _, err := BuildStatus(s, k, chain); ReasonOf(err) != ReasonField || !strings.Contains(err.Error(), "Description") {
		t.Errorf("refusal without reason: %v", err)
	}
	ek, _, _ := otherCA(t, "x")
	if _, err := Build(sampleMessage(), ek, chain); ReasonOf(err) != ReasonSigner {
		t.Errorf("key not matching the certificate: %v", err)
	}
}

func TestOrganID(t *testing.T) {
	for s, want := range map[string]bool{
		"000.00.01.H22": true, "DEMO.H15.01.01": true, "H22": true, "1.2.3.4.5.6.7.8.9.10.11.12": true,
		"1.2.3.4.5.6.7.8.9.10.11.12.13": false, "": false, "A..B": false, ".A": false, "Á.B": false,
		strings.Repeat("A", 65): false, "G01.003.H22.01.02.03.04": true,
	} {
		if ValidOrganID(s) != want {
			t.Errorf("ValidOrganID(%q) = %v", s, !want)
		}
	}
}

// TestManifestWithoutDigests: a package from a writer that puts no digests
// into its Manifest verifies, each file marked unprotected with a warning;
// a file the Manifest does not name is refused.
func TestManifestWithoutDigests(t *testing.T) {
	k, chain, roots := fixture(t)
	m := withIDs(sampleMessage())
	doc, header, body := newEnvelope()
	writeMessageHeader(header, m)
	writeTrace(header, m)
	ref := body.CreateElement(pED + ":Manifest").CreateElement(pED + ":Reference")
	ref.CreateAttr("xlink:href", "cid:"+m.Attachments[0].ContentID)
	ref.CreateAttr("xlink:type", "application/pdf")
	text(ref, "AttachmentName", m.Attachments[0].Name)
	text(ref, "Description", m.Attachments[0].Description)
	x, err := sign(doc, header, k, chain)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(writeMIME(x, m.Attachments), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(p, roots, verifyAt)
	if err != nil || len(rep.Attachments) != 1 || !rep.Attachments[0].OK || !rep.Attachments[0].Unprotected || len(rep.Warnings) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	extra := append(m.Attachments, Attachment{ContentID: "extra", Name: "x.pdf", MediaType: "application/pdf", Data: []byte("x")})
	p, err = Parse(writeMIME(x, extra), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(p, roots, verifyAt); ReasonOf(err) != ReasonAttachment {
		t.Fatalf("extra part: %v", err)
	}
}
