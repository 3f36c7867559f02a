package exchange_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
)

// With a package store, a package staged before its transaction and every
// package received are files named by their SHA-256, their rows holding no
// bytes; a package enqueued without Stage stays in its row. Both read back
// as evidence, and a file changed on disk is refused.
func TestPackagesKeptInTheStore(t *testing.T) {
	ctx := context.Background()
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		provStore, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		minStore, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		prov, min := pairWith(t, d, exchange.Options{Store: provStore}, exchange.Options{Store: minStore})
		column := func(n *node, dir, doc string) []byte {
			var b []byte
			if err := n.db.Reader().QueryRowContext(ctx, "SELECT package FROM exchange_messages WHERE direction = $1 AND document_id = $2", dir, doc).Scan(&b); err != nil {
				t.Fatal(err)
			}
			return b
		}
		staged := docPackage(prov, "H24", "G09", "H24,2026,201")
		if err := prov.svc.Stage(ctx, staged); err != nil {
			t.Fatal(err)
		}
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,201", Kind: exchange.KindDocument, Package: staged})
		inRow := docPackage(prov, "H24", "G09", "H24,2026,202")
		enqueue(t, prov, exchange.Outbound{ToCode: "G09", DocumentID: "H24,2026,202", Kind: exchange.KindDocument, Package: inRow})
		for _, doc := range []string{"H24,2026,201", "H24,2026,202"} {
			waitFor(t, "delivery of "+doc, func() bool { return outbound(t, prov.db, doc).State != "queued" })
			if m := outbound(t, prov.db, doc); m.State != "delivered" {
				t.Fatalf("%s: %+v", doc, m)
			}
		}
		if len(column(prov, "out", "H24,2026,201")) != 0 || !bytes.Equal(column(prov, "out", "H24,2026,202"), inRow) {
			t.Fatal("sender: a staged package kept in its row, or an unstaged one not")
		}
		if len(column(min, "in", "H24,2026,201")) != 0 || len(column(min, "in", "H24,2026,202")) != 0 {
			t.Fatal("receiver: a package kept in its row besides the store")
		}
		for _, c := range []struct {
			n   *node
			doc string
			pkg []byte
		}{{prov, "H24,2026,201", staged}, {prov, "H24,2026,202", inRow}, {min, "H24,2026,201", staged}, {min, "H24,2026,202", inRow}} {
			msgs, err := c.n.svc.Messages(ctx, admin, onlyPeer(t, c.n), 10)
			if err != nil {
				t.Fatal(err)
			}
			var id int64
			for _, m := range msgs {
				if m.DocumentID == c.doc {
					id = m.ID
					if m.Size != len(c.pkg) {
						t.Fatalf("%s listed with %d bytes, want %d", c.doc, m.Size, len(c.pkg))
					}
				}
			}
			if b, err := c.n.svc.MessageBytes(ctx, admin, id, false); err != nil || !bytes.Equal(b, c.pkg) {
				t.Fatalf("%s read back %d bytes: %v", c.doc, len(b), err)
			}
		}
		// One byte changed in the receiver's file: the evidence is refused,
		// not handed out altered.
		h, _ := blob.ParseHash(outbound(t, prov.db, "H24,2026,201").Digest)
		path := minStore.Path(h)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		os.Chmod(path, 0o600)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		msgs, _ := min.svc.Messages(ctx, admin, onlyPeer(t, min), 10)
		for _, m := range msgs {
			if m.DocumentID != "H24,2026,201" {
				continue
			}
			if _, err := min.svc.MessageBytes(ctx, admin, m.ID, false); apperr.CodeOf(err) != apperr.Internal {
				t.Fatalf("altered file read back: %v", err)
			}
		}
	})
}

// onlyPeer is the one peer a node of pair trusts.
func onlyPeer(t *testing.T, n *node) int64 {
	t.Helper()
	peers, err := n.svc.Peers(context.Background(), admin)
	if err != nil || len(peers) != 1 {
		t.Fatalf("peers %v, %v", peers, err)
	}
	return peers[0].ID
}
