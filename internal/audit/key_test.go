package audit_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"golang.org/x/mod/sumdb/note"
)

func TestSigningKeyLifecycle(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations}, func(t *testing.T, d *db.DB) {
		dir := t.TempDir()
		l1, err := audit.New(d, audit.Options{DataDir: dir, Origin: "tinh.example/audit"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, audit.SignerKeyFile))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("signing key file: %v, %v", st, err)
		}
		pub, err := os.ReadFile(filepath.Join(dir, audit.VerifierKeyFile))
		if err != nil || strings.TrimSpace(string(pub)) != l1.VerifierKey() || !strings.HasPrefix(l1.VerifierKey(), "tinh.example/audit+") {
			t.Fatalf("verifier file %q vs %q (%v)", pub, l1.VerifierKey(), err)
		}
		if _, err := note.NewVerifier(l1.VerifierKey()); err != nil {
			t.Fatalf("verifier key does not parse with x/mod/sumdb/note: %v", err)
		}
		// A restart loads the same key.
		l2, err := audit.New(d, audit.Options{DataDir: dir})
		if err != nil || l2.VerifierKey() != l1.VerifierKey() {
			t.Fatalf("restart: %v, key %q", err, l2.VerifierKey())
		}
		// A replica with a fresh data dir must not sign with its own key.
		other := t.TempDir()
		if _, err := audit.New(d, audit.Options{DataDir: other}); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("second key: %v, want ECONFLICT", err)
		}
		if _, err := os.Stat(filepath.Join(other, audit.SignerKeyFile)); !os.IsNotExist(err) {
			t.Fatal("the refused key file was left behind")
		}
		// …but it may use the first key, given as text.
		skey, _ := os.ReadFile(filepath.Join(dir, audit.SignerKeyFile))
		l3, err := audit.New(d, audit.Options{DataDir: other, SignerKey: string(skey)})
		if err != nil || l3.VerifierKey() != l1.VerifierKey() {
			t.Fatalf("shared key: %v", err)
		}
		if _, err := audit.New(d, audit.Options{SignerKey: "PRIVATE+KEY+x+00000000+AAAA"}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad key: %v", err)
		}
		// No key: records, but cannot sign.
		l4, err := audit.New(d, audit.Options{})
		if err != nil || l4.VerifierKey() != "" {
			t.Fatal(err)
		}
		if _, err := l4.Checkpoint(context.Background()); !apperr.Is(err, apperr.Unavailable) {
			t.Fatalf("Checkpoint without key: %v", err)
		}
	})
}

func FuzzVerifyInclusion(f *testing.F) {
	skey, vkey, _ := note.GenerateKey(nil, "fuzz/audit")
	s, _ := note.NewSigner(skey)
	cp, _ := note.Sign(&note.Note{Text: "fuzz/audit\n2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"}, s)
	seed, _ := json.Marshal(audit.InclusionProof{EntryID: 1, LeafIndex: 1, TreeSize: 2, LeafHash: make([]byte, 32),
		Entry: []byte(`{"v":1}`), Proof: [][]byte{make([]byte, 32)}, Checkpoint: string(cp)})
	f.Add(seed)
	f.Add([]byte(`{"leaf_index":99,"tree_size":1,"proof":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p audit.InclusionProof
		if json.Unmarshal(b, &p) != nil {
			return
		}
		// Must never panic; a forged proof must never pass.
		if audit.VerifyInclusion(&p, vkey) == nil {
			t.Fatalf("forged proof verified: %s", b)
		}
	})
}
