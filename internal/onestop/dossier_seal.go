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

// ReceiptData returns the receipt's contents for d (what MakeReceipt
// prints), for pages that print it again.
func (s *DossierService) ReceiptData(d *Dossier, p *Procedure) forms.ReceiptData {
	rd := forms.ReceiptData{Header: forms.Header{Agency: d.AgencyName, Date: d.ReceivedAt}, Code: d.Code, Request: d.ProcedureName,
		Applicant: forms.Person{Name: d.Applicant.Name, ID: d.Applicant.IDNumber, Address: d.Applicant.Address, Phone: d.Applicant.Phone,
			Email: d.Applicant.Email},
		Days: d.Days, ReceivedAt: d.ReceivedAt, DueAt: d.Appointment, ResultPlace: d.AgencyName,
		TrackURL: strings.TrimRight(s.opts.BaseURL, "/") + "/portal/track/" + d.Code}
	if u, err := url.Parse(rd.TrackURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		rd.TrackURL = "" // no public address configured: no QR code
	}
	if len(d.Steps) > 0 && d.Steps[0].Role == roleOneStop {
		rd.Receiver = d.Steps[0].HolderName
	}
	if p != nil {
		seen := map[string]bool{}
		for _, f := range d.Files {
			if f.Kind != FileComponent || seen[f.Component] {
				continue
			}
			seen[f.Component] = true
			name := f.Component
			for _, c := range p.Components {
				if c.Code == f.Component {
					name = c.Name
				}
			}
			rd.Documents = append(rd.Documents, forms.DocumentItem{Name: name, Kind: "Bản điện tử"})
		}
	}
	return rd
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
	pdf, err := forms.Receipt(s.ReceiptData(d, p))
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
	agency := d.AgencyID
	if len(d.Steps) > 0 {
		agency = d.Steps[len(d.Steps)-1].AgencyID
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
