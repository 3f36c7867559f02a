package audit_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// A third party checks an inclusion proof (the JSON of
// GET /api/v1/audit/entries/{id}/proof) with the published verifier key
// (audit-verifier.pub, or verifier_key of GET /api/v1/audit/checkpoint
// compared with the published one) and two public libraries — no database
// and no code of ours. The first half of this example only makes a log and
// a proof; the second half, verifyProof, is all a verifier needs.
func Example_verifyProofOffline() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "audit-example-")
	defer os.RemoveAll(dir)
	d, _ := db.Open(ctx, db.Config{DataDir: dir, SQLiteSync: "NORMAL"})
	defer d.Close()
	_ = d.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), audit.Migrations)
	l, _ := audit.New(d, audit.Options{DataDir: dir, Origin: "audit.example-province.gov.vn"})
	clerk := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 3}
	for i := 1; i <= 5; i++ {
		_ = d.Tx(ctx, func(tx *sql.Tx) error {
			return l.Record(ctx, tx, audit.Entry{Actor: clerk, Action: "documents.incoming.register", ObjectType: "document", ObjectID: strconv.Itoa(i)})
		})
	}
	_, _ = l.Integrate(ctx)
	p, _ := l.ProveLatest(ctx, 3)
	proofJSON, _ := json.Marshal(p)
	publishedKey, _ := os.ReadFile(dir + "/" + audit.VerifierKeyFile)

	entry, err := verifyProof(proofJSON, strings.TrimSpace(string(publishedKey)))
	fmt.Println(entry, err)
	// Output: documents.incoming.register document 3 <nil>
}

// verifyProof checks a proof offline and returns part of the entry it proves.
func verifyProof(proofJSON []byte, verifierKey string) (string, error) {
	var p struct {
		LeafIndex  uint64   `json:"leaf_index"`
		TreeSize   uint64   `json:"tree_size"`
		Entry      []byte   `json:"entry"` // base64 in the JSON: the canonical entry bytes
		Proof      [][]byte `json:"proof"`
		Checkpoint string   `json:"checkpoint"`
	}
	if err := json.Unmarshal(proofJSON, &p); err != nil {
		return "", err
	}
	// 1. The checkpoint is signed by the published key (golang.org/x/mod/sumdb/note).
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return "", err
	}
	n, err := note.Open([]byte(p.Checkpoint), note.VerifierList(v))
	if err != nil {
		return "", fmt.Errorf("checkpoint signature: %w", err)
	}
	// 2. Its body is "origin\nsize\nbase64(root)\n" (C2SP tlog-checkpoint).
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 3 || lines[1] != strconv.FormatUint(p.TreeSize, 10) {
		return "", fmt.Errorf("checkpoint is not of a tree of %d entries", p.TreeSize)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil {
		return "", err
	}
	// 3. The leaf hash is SHA-256(0x00 || entry), and the Merkle path leads
	//    from it to the signed root (github.com/transparency-dev/merkle).
	leaf := sha256.Sum256(append([]byte{0}, p.Entry...))
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.LeafIndex, p.TreeSize, leaf[:], p.Proof, root); err != nil {
		return "", err
	}
	// The entry is readable JSON: who, what, when, digests and outcome.
	var e struct {
		Action string `json:"action"`
		Object struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"object"`
	}
	if err := json.Unmarshal(p.Entry, &e); err != nil {
		return "", err
	}
	return e.Action + " " + e.Object.Type + " " + e.Object.ID, nil
}
