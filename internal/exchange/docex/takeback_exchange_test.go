package docex_test

import (
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
)

// Take-back through the real exchange.Service on both sides: the 13 is
// routed by its ResponseFor.OrganID to the recipient's node, the answers
// 15 and 16 back to the issuer's; a 13 for a package the receiver no
// longer holds is refused at its door and the 02 receipt marks the
// request refused on the sender's side.
func TestTakeBackThroughTheExchangeOnBothEngines(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		p := setupPair(t, d)
		a, b := p.a, p.b
		exA, idA, urlA, _ := connect(t, a, provinceCode, agencyList[0].Name)
		exB, idB, urlB, _ := connect(t, b, deptCode, agencyList[1].Name)
		ctx := context.Background()
		pemOf := func(c *x509.Certificate) []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
		}
		if _, err := exA.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlB, CertPEM: pemOf(idB.Cert), Name: "Quảng Ninh"}); err != nil {
			t.Fatal(err)
		}
		if _, err := exB.AddPeer(ctx, sysAdmin, exchange.AddPeerRequest{URL: urlA, CertPEM: pemOf(idA.Cert), Name: "Lào Cai"}); err != nil {
			t.Fatal(err)
		}
		status := func(id int64, want string) func() bool {
			return func() bool {
				sent, err := a.svc.Sent(a.ctx, aClerk, id)
				return err == nil && len(sent) == 1 && sent[0].Status == want
			}
		}
		arrive := func() (*documents.Document, docex.Received) {
			t.Helper()
			doc, err := p.issue(t, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got docex.Received
			waitUntil(t, "the package in B's inbox", func() bool {
				inbox, err := b.svc.Inbox(b.ctx, bClerk)
				for _, r := range inbox {
					if r.PackageID == docex.PackageID(provinceCode, doc) {
						got = r
					}
				}
				return err == nil && got.ID != 0
			})
			waitUntil(t, "01 on A's side", status(doc.ID, "01"))
			return doc, got
		}

		// Pending, accepted.
		doc, item := arrive()
		if err := a.svc.TakeBack(a.ctx, aClerk, doc.ID, deptCode, "Gửi nhầm nơi nhận"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the request at B", func() bool {
			r, err := b.svc.Get(b.ctx, bClerk, item.ID)
			return err == nil && r.TakeBack == docex.TakeBackAsked && r.TakeBackReason == "Gửi nhầm nơi nhận"
		})
		if err := b.svc.AcceptTakeBack(b.ctx, bClerk, item.ID); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "15 at A", status(doc.ID, "15"))
		if !has(timelineKinds(t, a, aClerk, doc.ID), documents.EventTakeBackAccepted) {
			t.Fatal("15 is not on A's timeline")
		}

		// Registered, refused with a reason.
		doc2, item2 := arrive()
		reg, err := b.svc.Register(b.ctx, bClerk, item2.ID)
		if err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "03 at A", status(doc2.ID, "03"))
		if err := a.svc.TakeBack(a.ctx, aClerk, doc2.ID, deptCode, "Ban hành nhầm"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the request on B's document", func() bool {
			return has(timelineKinds(t, b, bClerk, reg.ID), documents.EventTakeBackRequested)
		})
		if err := b.svc.RefuseTakeBack(b.ctx, bClerk, item2.ID, "Đã giao xử lý"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "16 at A", status(doc2.ID, "16"))
		if !eventWith(t, a, aClerk, doc2.ID, documents.EventTakeBackRefused, "Đã giao xử lý") {
			t.Fatal("16 and its reason are not on A's timeline")
		}

		// B no longer holds the package: refused at the door.
		doc3, item3 := arrive()
		if err := b.d.Tx(b.ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(b.ctx, `DELETE FROM docex_files WHERE inbox_id = $1`, item3.ID); err != nil {
				return err
			}
			_, err := tx.ExecContext(b.ctx, `DELETE FROM docex_inbox WHERE id = $1`, item3.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := a.svc.TakeBack(a.ctx, aClerk, doc3.ID, deptCode, "Gửi nhầm"); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "the door's refusal at A", status(doc3.ID, "16"))
		sent, _ := a.svc.Sent(a.ctx, aClerk, doc3.ID)
		if sent[0].Reason == "" || !eventWith(t, a, aClerk, doc3.ID, documents.EventTakeBackRefused, sent[0].Reason) {
			t.Fatalf("the door's refusal: %+v", sent[0])
		}
		if n := count(t, b, `SELECT count(*) FROM docex_inbox WHERE package_id = $1`, docex.PackageID(provinceCode, doc3)); n != 0 {
			t.Fatalf("the refused 13 left %d rows at B", n)
		}
	})
}
