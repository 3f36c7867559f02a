package onestop_test

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
)

// sealer records what it seals and marks the PDF.
type sealer struct {
	mu       sync.Mutex
	agencies []int64
}

func (s *sealer) SealPDF(_ context.Context, agency int64, pdf []byte, reason string) ([]byte, error) {
	s.mu.Lock()
	s.agencies = append(s.agencies, agency)
	s.mu.Unlock()
	return append(append([]byte{}, pdf...), []byte("\n%sealed "+reason+"\n")...), nil
}

// Reception queues the receipt in its transaction; the job renders form
// 01, seals it with the receiving agency's seal and attaches it; an
// approved result is sealed by the agency that decided it.
func TestReceiptAndResultAreSealed(t *testing.T) {
	dbtest.Each(t, modules(), func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		se := &sealer{}
		f.svc.SetSealer(se)
		ds := f.online(t, "1.000001", "")
		ds = f.must(f.svc.Accept(f.ctx, desk, ds.ID, onestop.ActionRequest{}))
		var n int
		if err := d.Reader().QueryRowContext(f.ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1`, onestop.ReceiptJob).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d receipt jobs (%v)", n, err)
		}
		if err := f.svc.MakeReceipt(f.ctx, ds.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.MakeReceipt(f.ctx, ds.ID); err != nil { // a retry changes nothing
			t.Fatal(err)
		}
		got, err := f.svc.Get(f.ctx, citizen, ds.ID)
		if err != nil || got.ReceiptUpload == "" || got.Version != ds.Version {
			t.Fatalf("receipt %q version %d→%d %v", got.ReceiptUpload, ds.Version, got.Version, err)
		}
		rc, _, err := f.uploads.Open(f.ctx, got.ReceiptUpload)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("%sealed Giấy tiếp nhận")) {
			t.Fatalf("receipt not a sealed PDF (%d bytes)", len(pdf))
		}
		ds = f.must(f.svc.CompleteStep(f.ctx, desk, got.ID, onestop.StepRequest{}))
		ds = f.must(f.svc.CompleteStep(f.ctx, otherSpec, ds.ID, onestop.StepRequest{}))
		ds = f.must(f.svc.Decide(f.ctx, otherLeader, ds.ID, onestop.DecideRequest{Approve: true, ResultUpload: f.upload(t, otherLeader)}))
		if err := f.svc.SealResult(f.ctx, ds.ID); err != nil {
			t.Fatal(err)
		}
		after, err := f.svc.Get(f.ctx, citizen, ds.ID)
		if err != nil || after.ResultUpload == ds.ResultUpload {
			t.Fatalf("result not replaced by the sealed one: %v", err)
		}
		if len(se.agencies) != 2 || se.agencies[0] != home || se.agencies[1] != other {
			t.Fatalf("sealed by %v", se.agencies)
		}
	})
}
