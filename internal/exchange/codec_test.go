package exchange_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
)

func edxmlDocument(t *testing.T, from *node, to, doc string) []byte {
	t.Helper()
	signer, chain, err := from.svc.Signer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	m := &edxml.Message{
		From:       edxml.Organization{OrganID: "H24", OrganName: "UBND tỉnh Lào Cai"},
		To:         []edxml.Organization{{OrganID: to, OrganName: "Bộ Nội vụ"}},
		DocumentID: doc, CodeNumber: "15", CodeNotation: "UBND-VP", Place: "Lào Cai",
		PromulgationDate: calendar.DateOf(now), TypeCode: 1, TypeName: "Công văn",
		Subject: "Về việc báo cáo tình hình tổ chức bộ máy", Content: "Kính gửi Bộ Nội vụ.",
		Signer:      edxml.SignerInfo{Competence: "TM. Ủy ban nhân dân", Position: "Chủ tịch", FullName: "Nguyễn Văn Á"},
		Trace:       []edxml.TraceHeader{{OrganID: "H24", Timestamp: now}},
		Attachments: []edxml.Attachment{{Name: "15-UBND-VP.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.4\n%%EOF\n")}},
	}
	pkg, err := edxml.Build(m, signer, chain)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// TestEDXMLExchange: with the edXML codec a signed package crosses, the
// receiver gets the parsed package and the sender keeps a signed status 01;
// a tampered package is answered with a signed 02 naming the signature.
func TestEDXMLExchange(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		codec := exchange.EDXML{}
		prov, min := pair(t, d, exchange.Options{Codec: codec})
		var got *edxml.Package
		min.recv.onReceive = func(in exchange.Inbound) { got, _ = in.Envelope.Package.(*edxml.Package) }
		doc := "H24,2026,15"
		pkg := edxmlDocument(t, prov, "G09", doc)
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: doc, Kind: exchange.KindDocument, Package: pkg})
		waitFor(t, "delivery", func() bool { return outbound(t, prov.db, doc).State != "queued" })
		m := outbound(t, prov.db, doc)
		if m.State != "delivered" || m.ReceiptStatus != "01" {
			t.Fatalf("outbound %+v", m)
		}
		if got == nil || got.Message == nil || got.Message.Subject != "Về việc báo cáo tình hình tổ chức bộ máy" {
			t.Fatalf("receiver got %+v", got)
		}
		r, err := edxml.Parse(m.Receipt, edxml.DefaultLimits)
		if err != nil || r.Status == nil || r.Status.ResponseFor.DocumentID != doc || r.Status.From.OrganID != "G09" || r.Status.ResponseFor.Code != "15/UBND-VP" {
			t.Fatalf("receipt %+v %v", r, err)
		}
		if len(r.Chain) == 0 || !bytes.Equal(r.Chain[0].Raw, min.id.Cert.Raw) {
			t.Fatal("the receipt is not signed by the ministry's node")
		}

		doc2 := "H24,2026,16"
		tampered := bytes.Replace(edxmlDocument(t, prov, "G09", doc2), []byte("tổ chức bộ máy"), []byte("tổ chức bộ mấy"), 1)
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: doc2, Kind: exchange.KindDocument, Package: tampered})
		waitFor(t, "refusal", func() bool { return outbound(t, prov.db, doc2).State != "queued" })
		if m := outbound(t, prov.db, doc2); m.State != "refused" || m.ReceiptStatus != "02" || !strings.Contains(m.Reason, "chữ ký") {
			t.Fatalf("tampered: %+v", m)
		}

		// A package signed by another node's key is refused even from a pinned peer.
		stranger := newIdentity(t, "Nút lạ")
		saved := prov.id
		prov.id = stranger
		forged := edxmlDocument(t, prov, "G09", "H24,2026,17")
		prov.id = saved
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,17", Kind: exchange.KindDocument, Package: forged})
		waitFor(t, "forged", func() bool { return outbound(t, prov.db, "H24,2026,17").State != "queued" })
		if m := outbound(t, prov.db, "H24,2026,17"); m.State != "refused" || !strings.Contains(m.Reason, "tin cậy") {
			t.Fatalf("forged: %+v", m)
		}
		if n := min.recv.count(doc2) + min.recv.count("H24,2026,17"); n != 0 {
			t.Fatalf("registered %d refused packages", n)
		}
	})
}
