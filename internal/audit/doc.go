package audit

// # Design
//
// Recording. Log.Record inserts one audit_entries row in the caller's
// transaction. The row carries the entry's RFC 6962 leaf hash,
// SHA-256(0x00 || canonical bytes) (see appendCanonical for the encoding),
// and a NULL leaf_index. The entry is durable exactly when the change is:
// both are in one transaction, so neither can exist without the other, also
// after a crash (crash_test.go kills a writer with SIGKILL to check it).
//
// Sequencing. Log.Integrate (run every second by Log.Run) locks the single
// audit_tree row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the one
// writer connection is the lock), reads committed entries whose leaf_index
// is NULL, ordered by id, and gives them the indexes size, size+1, … in the
// same transaction that stores audit_leaves (index → entry id, leaf hash),
// the new perfect-subtree nodes (audit_nodes) and the new size and root.
// Why this is correct with concurrent PostgreSQL transactions, where ids
// from the identity sequence commit out of order and rollbacks leave gaps:
// the leaf index is not the id. An entry is invisible to the integrator until
// its transaction commits (READ COMMITTED), and then it is simply pending
// until the next run: a late commit of a smaller id gets a later index;
// a rolled-back id never appears. Indexes are handed out only under the
// tree-row lock, starting at the locked size, in a transaction that also
// moves the size, so two integrators (two replicas) cannot hand out the same
// index or skip one; leaf_index is UNIQUE and audit_leaves keyed by index to
// make that a constraint too. The tree order is the order in which entries
// became visible to the integrator, which is the order a reader of the log
// could first have seen them.
//
// Checkpoints. When CheckpointEvery entries were added or CheckpointInterval
// passed since the last checkpoint (and on demand, Log.Checkpoint), the
// integrator signs a checkpoint in the same transaction: a signed note
// (golang.org/x/mod/sumdb/note, Ed25519) whose text is the C2SP
// tlog-checkpoint body
//
//	<origin>
//	<tree size>
//	<base64 root hash>
//
// followed by a blank line and "— <key name> <base64 signature>". The
// signing key is created on first start in <data>/audit-signing.key (0600;
// a plain file like an SSH host key — encrypting it with a key stored on the
// same machine adds nothing). <data>/audit-verifier.pub holds the public
// verifier key "name+hash+base64": publish it (e.g. on the agency's website)
// so anyone can check checkpoints. Replicas sharing one PostgreSQL database
// must share the key (Options.SignerKey); a second, different key generated
// on a fresh replica is refused at start.
//
// Verification. Verify streams the integrated entries in chunks of 65,536
// leaves (a perfect subtree), recomputes each leaf hash from the stored
// columns, compares it with the entry's leaf_hash and with audit_leaves
// (which also binds index → entry id, so a moved, deleted or forged row is
// named), rebuilds every tree node and compares it with audit_nodes, and
// computes the root at every checkpoint's size to compare with the signed
// root. Checkpoints kept outside the database (VerifyOptions.Checkpoints)
// are checked the same way and catch a forger who rewrote everything and
// deleted the stored checkpoints. What a forger with write access to the
// database can and cannot hide: editing rows is found at the row; rewriting
// rows together with every hash and node is found by the first signed
// checkpoint whose root no longer matches (the report names the range of
// indexes between the last good checkpoint and that one); truncating the
// tail is found by any checkpoint — stored or kept outside — larger than the
// tree. Entries newer than the last checkpoint are protected only by the
// stored hashes until the next checkpoint (at most CheckpointInterval).
//
// # Checking a proof offline
//
// Log.Prove returns an InclusionProof; its JSON has the entry's canonical
// bytes, leaf index, tree size, proof hashes and the signed checkpoint (byte
// fields in base64). With only the published verifier key and two libraries:
//
//	v, _ := note.NewVerifier(verifierKey)                      // golang.org/x/mod/sumdb/note
//	n, err := note.Open([]byte(p.Checkpoint), note.VerifierList(v)) // signature
//	// n.Text is "origin\nsize\nbase64(root)\n": check size == p.TreeSize, decode root
//	leaf := sha256.Sum256(append([]byte{0}, p.Entry...))        // must equal p.LeafHash
//	err = proof.VerifyInclusion(rfc6962.DefaultHasher, p.LeafIndex, p.TreeSize, leaf[:], p.Proof, root)
//	// github.com/transparency-dev/merkle/{proof,rfc6962}
//
// prove_test.go does exactly this without a database. p.Entry is JSON a
// person can read: who, what, when, the before/after digests and outcome;
// whoever holds the object's state can recompute its digest with Digest.
// A witness that kept an older checkpoint can ask for
// Log.ConsistencyProof(old size, new size) and check it with
// proof.VerifyConsistency.
//
// # Hardening a deployment
//
//   - Publish audit-verifier.pub and pass it to Verify (VerifierKeys) instead
//     of trusting the key table in the database.
//   - Copy checkpoints out of the database now and then (LatestCheckpoint,
//     e.g. to another agency, a mail archive or a printed report) and give
//     them to Verify (VerifyOptions.Checkpoints): only a checkpoint held
//     elsewhere catches a forger who rewrote the log and deleted the stored
//     checkpoints.
//   - On PostgreSQL, let a separate role own the audit tables and grant the
//     application role only SELECT and INSERT on them, plus UPDATE on
//     audit_entries(leaf_index) and audit_tree for the integrator: then the
//     application cannot edit or delete entries even if compromised.
//
// # For the CLI (`chinhquyen audit verify`)
//
// cmd/chinhquyen/audit.go does this:
//
//	rep, err := audit.Verify(ctx, d, audit.VerifyOptions{DataDir: dataDir})
//	// print rep (rep.Problem.Message / MessageEN); exit non-zero when err != nil.
//
// # For bench/
//
// See package auditbench: Appends (durable appends/s, one domain row and
// its entry per transaction; on SQLite db.Tx commits concurrent requests
// together), Plain (the same without the entry: the limit of the run),
// GroupAppends (the group-commit prototype), Fill and VerifyTime
// (verification of n entries); bench/audit.go prints them.
