package onestop

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/onestop/forms"
)

// The jobs that render and seal a dossier's papers after the change that
// asks for them has committed (queued in its transaction).
const (
	// ReceiptJob renders the receipt (Form 01, giấy tiếp nhận hồ sơ và hẹn
	// trả kết quả) with its QR code to the tracking page, seals it with
	// the receiving agency's seal and attaches it.
	ReceiptJob = "onestop.receipt"
	// SealResultJob seals the approved result with the deciding agency's
	// seal and attaches the sealed PDF as the result.
	SealResultJob = "onestop.seal_result"
)

// Sealer seals a PDF with an agency's seal (its newest valid seal
// certificate); app implements it over signing and pki. Errors: ECONFLICT
// when the agency has no seal.
type Sealer interface {
	SealPDF(ctx context.Context, agencyID int64, pdf []byte, reason string) ([]byte, error)
}

// SetSealer makes the service seal receipts and results with agencies'
// seals (without one they are attached unsealed, and results as given).
func (s *DossierService) SetSealer(se Sealer) { s.sealer = se }

type paperJob struct {
	DossierID int64 `json:"dossier_id"`
}

// RegisterJobs registers the receipt and result-sealing handlers on r
// (Register adds them with the reminder).
func (s *DossierService) registerPaperJobs(r *jobs.Runner) {
	r.Register(ReceiptJob, func(ctx context.Context, j jobs.Job) error {
		var p paperJob
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return err
		}
		return s.MakeReceipt(ctx, p.DossierID)
	})
	r.Register(SealResultJob, func(ctx context.Context, j jobs.Job) error {
		var p paperJob
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return err
		}
		return s.SealResult(ctx, p.DossierID)
	})
}

func enqueuePaper(ctx context.Context, tx *sql.Tx, kind string, id int64) error {
	payload, err := json.Marshal(paperJob{DossierID: id})
	if err != nil {
		return err
	}
	_, err = jobs.Enqueue(ctx, tx, jobs.Job{Kind: kind, Payload: payload, UniqueKey: kind + ":" + strconv.FormatInt(id, 10)})
	return err
}

// enqueueSeal queues the sealing of d's result in tx.
func (s *DossierService) enqueueSeal(ctx context.Context, tx *sql.Tx, d *Dossier) error {
	if s.opts.Uploads == nil {
		return nil
	}
	return enqueuePaper(ctx, tx, SealResultJob, d.ID)
}

// enqueueReceipt queues the receipt of d in tx.
func (s *DossierService) enqueueReceipt(ctx context.Context, tx *sql.Tx, d *Dossier) error {
	if s.opts.Uploads == nil {
		return nil
	}
	return enqueuePaper(ctx, tx, ReceiptJob, d.ID)
}

var paperActor = actor.SystemActor("onestop")

// receiptOf maps d to form 01 (ReceiptForm) with the receiving officer
// and the tracking page's QR code (none without a public address).
func (s *DossierService) receiptOf(d *Dossier, p *Procedure) forms.ReceiptData {
	track := TrackURL(s.opts.BaseURL, d.Code)
	if u, err := url.Parse(track); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		track = "" // no public address configured: no QR code
	}
	receiver := ""
	if len(d.Steps) > 0 && d.Steps[0].Role == roleOneStop {
		receiver = d.Steps[0].HolderName
	}
	return ReceiptForm(d, p, forms.Header{}, receiver, track)
}

// MakeReceipt renders d's receipt, seals it (when a sealer is set) and
// attaches it; a receipt already attached is kept.
func (s *DossierService) MakeReceipt(ctx context.Context, id int64) error {
	d, err := s.get(ctx, id)
	if err != nil || d.ReceiptUpload != "" || d.ReceivedAt.IsZero() {
		return err
	}
	p, err := s.opts.Procedures.Procedure(ctx, d.ProcedureCode)
	if err != nil {
		return err
	}
	pdf, err := forms.Receipt(s.receiptOf(d, p))
	if err != nil {
		return fmt.Errorf("receipt of %s: %w", d.Code, err)
	}
	if s.sealer != nil {
		sealed, err := s.sealer.SealPDF(ctx, d.AgencyID, pdf, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả "+d.Code)
		switch {
		case apperr.Is(err, apperr.Conflict):
			// No seal to use: the applicant still gets the receipt.
			s.opts.Logger.WarnContext(ctx, "receipt attached unsealed", "dossier", d.Code, "err", err)
		case err != nil:
			return err
		default:
			pdf = sealed
		}
	}
	return s.attachPaper(ctx, d, pdf, FileReceipt, "giay-tiep-nhan-"+d.Code+".pdf", "receipt_upload", "onestop.dossier.receipt")
}

// SealResult seals d's approved result with the seal of the agency that
// decided it and attaches the sealed PDF as the result.
func (s *DossierService) SealResult(ctx context.Context, id int64) error {
	if s.sealer == nil || s.opts.Uploads == nil {
		return nil
	}
	d, err := s.get(ctx, id)
	if err != nil || d.ResultUpload == "" {
		return err
	}
	for _, f := range d.Files {
		if f.Kind == FileResult && f.UploadID == d.ResultUpload && strings.HasPrefix(f.Name, "ket-qua-") {
			return nil // already sealed
		}
	}
	rc, _, err := s.opts.Uploads.Open(ctx, d.ResultUpload)
	if err != nil {
		return err
	}
	in, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	rc.Close()
	if err != nil {
		return err
	}
	// The agency that decided seals its result (not the desk that
	// returns it).
	agency := d.AgencyID
	if i := d.DecisionStep(); i >= 0 && d.Steps[i].AgencyID != 0 {
		agency = d.Steps[i].AgencyID
	}
	out, err := s.sealer.SealPDF(ctx, agency, in, "Kết quả giải quyết hồ sơ "+d.Code)
	if apperr.Is(err, apperr.Conflict) {
		// No seal to use: the result stays as the leader attached it.
		s.opts.Logger.WarnContext(ctx, "result not sealed", "dossier", d.Code, "err", err)
		return nil
	} else if err != nil {
		return err
	}
	return s.attachPaper(ctx, d, out, FileResult, "ket-qua-"+d.Code+".pdf", "result_upload", "onestop.dossier.result_sealed")
}

// attachPaper uploads a generated PDF as the system and, in one
// transaction, references it, records it on the dossier and in column
// (receipt_upload or result_upload; the version is not bumped, so no
// officer's page goes stale), with the audit entry.
func (s *DossierService) attachPaper(ctx context.Context, d *Dossier, pdf []byte, kind, name, column, action string) error {
	up, err := s.opts.Uploads.Upload(ctx, paperActor, bytes.NewReader(pdf), blob.Request{Name: name, PersonalData: true})
	if err != nil {
		return err
	}
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.opts.Uploads.Reference(ctx, tx, up.ID, paperActor); err != nil {
			return err
		}
		if err := insertFile(ctx, tx, d.ID, File{UploadID: up.ID, Kind: kind, Name: up.Name, AddedAt: now}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE onestop_dossiers SET `+column+` = $1 WHERE id = $2`, up.ID, d.ID); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: paperActor, Action: action, ObjectType: "onestop_dossier",
			ObjectID: strconv.FormatInt(d.ID, 10), After: map[string]any{"upload": up.ID, "sha256": up.SHA256, "sealed": s.sealer != nil},
			Summary: map[string]any{"code": d.Code, "upload": up.ID}})
	})
}
