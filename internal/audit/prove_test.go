package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// proofJSON is what a third party receives: the JSON of an InclusionProof.
type proofJSON struct {
	EntryID    int64    `json:"entry_id"`
	LeafIndex  uint64   `json:"leaf_index"`
	TreeSize   uint64   `json:"tree_size"`
	LeafHash   []byte   `json:"leaf_hash"`
	Entry      []byte   `json:"entry"`
	Proof      [][]byte `json:"proof"`
	Checkpoint string   `json:"checkpoint"`
}

// verifyOffline is the documented offline procedure, using only the merkle
// library and the note verifier: no database, no audit package.
func verifyOffline(p proofJSON, verifierKey string) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return err
	}
	n, err := note.Open([]byte(p.Checkpoint), note.VerifierList(v))
	if err != nil {
		return fmt.Errorf("checkpoint signature: %w", err)
	}
	lines := strings.Split(n.Text, "\n") // origin, size, base64 root, ""
	var size uint64
	if _, err := fmt.Sscan(lines[1], &size); err != nil || size != p.TreeSize {
		return fmt.Errorf("tree size %q", lines[1])
	}
	var root []byte
	if err := json.Unmarshal([]byte(`"`+lines[2]+`"`), &root); err != nil {
		return err
	}
	leaf := sha256.Sum256(append([]byte{0}, p.Entry...))
	if string(leaf[:]) != string(p.LeafHash) {
		return fmt.Errorf("leaf hash does not match the entry")
	}
	return proof.VerifyInclusion(rfc6962.DefaultHasher, p.LeafIndex, p.TreeSize, leaf[:], p.Proof, root)
}

func TestProveVerifiesOffline(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l, _ := filled(t, d, 23)
		for _, idx := range []int{0, 1, 6, 19, 22} {
			t.Run(fmt.Sprint(idx), func(t *testing.T) {
				id := idAt(t, d, idx)
				p, err := l.Prove(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if err := audit.VerifyInclusion(p, l.VerifierKey()); err != nil {
					t.Fatalf("VerifyInclusion: %v", err)
				}
				b, err := json.Marshal(p)
				if err != nil {
					t.Fatal(err)
				}
				var pj proofJSON
				if err := json.Unmarshal(b, &pj); err != nil {
					t.Fatal(err)
				}
				if err := verifyOffline(pj, l.VerifierKey()); err != nil {
					t.Fatalf("offline verification: %v\n%s", err, b)
				}
				if !strings.Contains(string(pj.Entry), `"action":"org.units.rename"`) {
					t.Fatalf("entry bytes %s", pj.Entry)
				}
				// A changed entry or a proof against another key fails.
				pj.Entry = []byte(strings.Replace(string(pj.Entry), "rename", "delete", 1))
				if verifyOffline(pj, l.VerifierKey()) == nil {
					t.Fatal("a changed entry verified")
				}
				_, other, _ := note.GenerateKey(nil, "test.chinhquyen/audit")
				if audit.VerifyInclusion(p, other) == nil {
					t.Fatal("proof verified with another key")
				}
			})
		}
		// Consistency between two checkpoints.
		c1, err := audit.OpenCheckpoint(mustCheckpoint(t, d, 10), l.VerifierKey())
		if err != nil {
			t.Fatal(err)
		}
		c2, err := audit.LatestCheckpoint(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := l.ConsistencyProof(ctx, c1.Size, c2.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, c1.Size, c2.Size, cp, c1.Root, c2.Root); err != nil {
			t.Fatalf("consistency: %v", err)
		}
	})
}

func mustCheckpoint(t *testing.T, d *db.DB, size int) string {
	t.Helper()
	var n string
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT note FROM audit_checkpoints WHERE size = $1", size).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func FuzzParseCheckpointBody(f *testing.F) {
	f.Add("chinhquyen/audit\n10\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n")
	f.Add("o\n0\n\n")
	f.Add("o\n01\nAA==\n")
	f.Add("o\n18446744073709551616\nx\n")
	f.Fuzz(func(t *testing.T, text string) {
		origin, size, root, err := audit.ParseCheckpointBody(text)
		if err != nil {
			return
		}
		if origin == "" || len(root) != 32 {
			t.Fatalf("accepted %q: origin %q root %x", text, origin, root)
		}
		// What parses must round-trip for a body without extensions.
		if strings.Count(text, "\n") == 3 {
			again := fmt.Sprintf("%s\n%d\n%s\n", origin, size, strings.Split(text, "\n")[2])
			if again != text {
				t.Fatalf("round trip %q -> %q", text, again)
			}
		}
	})
}

func FuzzOpenCheckpoint(f *testing.F) {
	skey, vkey, err := note.GenerateKey(nil, "fuzz/audit")
	if err != nil {
		f.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	good, _ := note.Sign(&note.Note{Text: "fuzz/audit\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, s)
	f.Add(string(good))
	f.Add("fuzz/audit\n3\n\n— x y\n")
	f.Fuzz(func(t *testing.T, signed string) {
		c, err := audit.OpenCheckpoint(signed, vkey)
		if err == nil && (c.Origin == "" || len(c.Root) != 32) {
			t.Fatalf("accepted malformed checkpoint %q", signed)
		}
	})
}
