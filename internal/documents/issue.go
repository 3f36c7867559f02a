package documents

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdf"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// IssueRequest chooses the seal; empty = the agency's newest seal
// certificate.
type IssueRequest struct {
	SealSerial string
}

// PlaceDate writes the place and date line of Decree 30 Appendix I:
// "Lào Cai, ngày 05 tháng 02 năm 2026" (a zero before days below 10 and
// months 1 and 2).
func PlaceDate(place string, d calendar.Date) string {
	month := fmt.Sprint(int(d.Month))
	if d.Month <= 2 {
		month = fmt.Sprintf("%02d", int(d.Month))
	}
	line := fmt.Sprintf("ngày %02d tháng %s năm %d", d.Day, month, d.Year)
	if place == "" {
		return line
	}
	return place + ", " + line
}

// Issue releases a signed outgoing document (Decree 30, Arts. 15–16): the
// clerk of its agency (documents.outgoing.issue) takes the next number of
// the agency's outgoing register for the document's series, the number
// and symbol ("Số: 05/QĐ-UBND") and the place and date are stamped into
// the signed PDF as an incremental update (the leader's signature stays
// valid), the agency's seal signs it, and the result is attached; internal
// recipients find it in their incoming queue at once.
//
// The number is taken in one transaction with the status change
// ("numbered"), the register entry, the timeline event and the audit
// entry: any failure there gives the number back with everything else.
// The PDF work (seconds, and it must not hold the SQLite writer) comes
// after; if it fails the document keeps its number, shown as numbered but
// not sealed, and issuing again finishes it with the same number: no gap,
// no duplicate. The sealed PDF is then attached and the deliveries written
// in a second transaction with its own audit entry.
func (s *Service) Issue(ctx context.Context, a *actor.Actor, id int64, req IssueRequest) (*Document, error) {
	if err := s.outgoingReady(); err != nil {
		return nil, err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsOutgoingIssue, false)
	if err != nil {
		return nil, err
	}
	if d.Outgoing == nil {
		return nil, apperr.New(apperr.Conflict, "Văn bản #%d không phải văn bản đi", id)
	}
	switch d.Status {
	case StatusSigned, StatusNumbered:
	case StatusIssued:
		return nil, apperr.New(apperr.Conflict, "Văn bản đã được phát hành với số %s", d.Symbol)
	default:
		return nil, apperr.New(apperr.Conflict, "Văn bản chưa được lãnh đạo ký số: chưa phát hành được")
	}
	agency, err := s.opts.Directory.Agency(ctx, d.AgencyID)
	if err != nil {
		return nil, err
	}
	// The seal is found before a number is taken: without one, nothing
	// is written.
	seal := req.SealSerial
	if seal == "" {
		certs, err := s.opts.Signer.SigningCertificates(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			if c.Profile == "seal" && c.AgencyID == d.AgencyID {
				seal = c.Serial
				break
			}
		}
		if seal == "" {
			return nil, apperr.New(apperr.Conflict, "Cơ quan chưa có chứng thư số con dấu còn hiệu lực mà bạn được dùng: chưa phát hành được")
		}
	}
	if len(d.Outgoing.RemoteRecipients) > 0 && s.opts.Dispatcher == nil {
		return nil, apperr.New(apperr.Unavailable, "Liên thông văn bản chưa được bật trên máy chủ này: chưa gửi được cho cơ quan ở hệ thống khác")
	}
	if d.Status == StatusSigned {
		if err := s.number(ctx, a, d, agency); err != nil {
			return nil, err
		}
	}
	signed, _, err := s.readUpload(ctx, d.Outgoing.SignedUpload)
	if err != nil {
		return nil, err
	}
	out, err := s.stampAndSeal(ctx, a, d, agency, signed, seal)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.CodeOf(err),
			"Văn bản đã được cấp số %s nhưng chưa đóng dấu được (%s): hãy phát hành lại để hoàn tất với chính số này", d.Symbol, apperr.MessageOf(err))
	}
	var status string
	var report []byte
	if s.opts.Verifier != nil {
		if status, report, err = s.verifyBytes(ctx, a, out); err != nil {
			return nil, err
		}
	}
	up, err := s.storePDF(ctx, a, fileName(d.Symbol)+".pdf", out, d.Classification)
	if err != nil {
		return nil, err
	}
	if p, ok := s.opts.Dispatcher.(DispatchPreparer); ok && len(d.Outgoing.RemoteRecipients) > 0 {
		if err := p.PrepareDispatch(ctx); err != nil {
			return nil, err
		}
	}
	now := s.opts.Now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := setStatus(ctx, tx, id, StatusIssued, StatusNumbered); err != nil {
			return err
		}
		if _, err := s.opts.Uploads.Reference(ctx, tx, up.ID, a); err != nil {
			return err
		}
		att := Attachment{UploadID: up.ID, Name: up.Name, MediaType: up.MediaType, Size: up.Size, SHA256: up.SHA256,
			SignatureStatus: status, SignatureReport: report}
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents_attachments (document_id, position, upload_id, name, media_type, size, sha256,
			signature_status, signature_report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, len(d.Attachments)+1, att.UploadID, att.Name, att.MediaType, att.Size, att.SHA256, att.SignatureStatus, string(att.SignatureReport)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents_outgoing SET issued_upload = $1, issued_at = $2 WHERE document_id = $3`,
			up.ID, now.UnixMicro(), id); err != nil {
			return err
		}
		for _, r := range d.Outgoing.Recipients {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_deliveries (document_id, to_agency, from_agency, state, created_at)
				VALUES ($1, $2, $3, $4, $5)`, id, r.AgencyID, d.AgencyID, DeliveryPending, now.UnixMicro()); err != nil {
				return err
			}
		}
		if err := s.reload(ctx, tx, d); err != nil {
			return err
		}
		if len(d.Outgoing.RemoteRecipients) > 0 {
			if err := s.opts.Dispatcher.Dispatch(ctx, tx, a, d, out); err != nil {
				return err
			}
		}
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, a, now, EventIssued, 0, "", map[string]any{"symbol": d.Symbol, "sha256": up.SHA256,
			"seal": seal, "recipients": len(d.Outgoing.Recipients), "remote_recipients": len(d.Outgoing.RemoteRecipients)}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsOutgoingIssue), ObjectType: "document",
			ObjectID: idText(id), After: auditView(d),
			Summary: map[string]any{"step": "issued", "symbol": d.Symbol, "seal": seal, "sha256": up.SHA256, "signatures": status,
				"deliveries": len(d.Outgoing.Recipients)}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// number takes the register number of d in one transaction with its
// status, register entry, event and audit entry.
func (s *Service) number(ctx context.Context, a *actor.Actor, d *Document, agency AgencyInfo) error {
	now := s.opts.Now()
	t, ok := LookupType(d.Type)
	if !ok {
		return apperr.New(apperr.Internal, "Loại văn bản %q không rõ", d.Type)
	}
	reg := Register{AgencyID: d.AgencyID, Direction: Outgoing, Series: d.Series, Year: RegisterYear(now)}
	issued := calendar.DateOf(now.In(locale.VN))
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		n, err := nextNumber(ctx, tx, reg)
		if err != nil {
			return err
		}
		parts := SymbolParts{Number: n, Type: t, Agency: agency.Abbreviation, Unit: d.Outgoing.UnitAbbrev}
		if d.Outgoing.Legal {
			parts.Year = reg.Year
		}
		symbol, err := FormatSymbol(parts)
		if err != nil {
			return err
		}
		sym, err := ParseSymbol(symbol)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET status = $1, reg_number = $2, reg_year = $3, symbol = $4, symbol_key = $5,
			issued_on = $6, sender = $7, sender_key = $8 WHERE id = $9 AND status = $10`, StatusNumbered, n, reg.Year, symbol, sym.Key(),
			issued.String(), agency.Name, locale.Fold(agency.Name), d.ID, StatusSigned)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return apperr.New(apperr.Conflict, "Văn bản vừa được người khác cấp số: hãy tải lại trang")
		}
		if err := recordNumber(ctx, tx, reg, n, d.ID, now); err != nil {
			return err
		}
		d.Status, d.Number, d.Year, d.Symbol, d.IssuedOn, d.Sender = StatusNumbered, n, reg.Year, symbol, issued, agency.Name
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, d.ID, a, now, EventNumbered, 0, "", map[string]any{"number": n, "symbol": symbol, "series": d.Series}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsOutgoingIssue), ObjectType: "document",
			ObjectID: idText(d.ID), Summary: map[string]any{"step": "numbered", "number": n, "symbol": symbol, "year": reg.Year, "series": d.Series}})
	})
}

// stampAndSeal writes the number and the place and date on the first page
// of the signed PDF (Decree 30 Appendix I places them under the agency's
// name and under the national motto) and seals it with the agency's
// certificate, over the leader's signature.
func (s *Service) stampAndSeal(ctx context.Context, a *actor.Actor, d *Document, agency AgencyInfo, in []byte, seal string) ([]byte, error) {
	h := firstPageHeight(in)
	out, err := pdfsign.AddTextStamp(in, pdfsign.StampOptions{Page: 1, X: 80, Y: h - 150, Text: "Số: " + d.Symbol, Name: "so-ky-hieu"})
	if err != nil {
		return nil, err
	}
	out, err = pdfsign.AddTextStamp(out, pdfsign.StampOptions{Page: 1, X: 300, Y: h - 150, Text: PlaceDate(agency.Place, d.IssuedOn),
		Name: "dia-danh-ngay"})
	if err != nil {
		return nil, err
	}
	sealed, err := s.opts.Signer.Sign(ctx, a, signing.SignRequest{PDF: out, Serial: seal, Reason: "Đóng dấu phát hành " + d.Symbol,
		Location: agency.Place})
	if err != nil {
		return nil, err
	}
	return sealed.PDF, nil
}

// firstPageHeight is the height of page 1's MediaBox (A4 when unreadable).
func firstPageHeight(data []byte) float64 {
	const a4 = 841.89
	r, err := pdf.Open(data)
	if err != nil {
		return a4
	}
	pages, err := r.Pages()
	if err != nil || len(pages) == 0 {
		return a4
	}
	node, _ := r.Dict(pages[0])
	for depth := 0; node != nil && depth < 16; depth++ {
		if mb, ok := r.Resolve(node["MediaBox"]).(pdf.Array); ok && len(mb) == 4 {
			lly, _ := pdf.Num(r.Resolve(mb[1]))
			ury, _ := pdf.Num(r.Resolve(mb[3]))
			if ury > lly {
				return ury
			}
		}
		node, _ = r.Dict(node["Parent"])
	}
	return a4
}

// verifyBytes validates a produced PDF's signatures for the attachment's
// report, like an incoming one's.
func (s *Service) verifyBytes(ctx context.Context, a *actor.Actor, data []byte) (string, []byte, error) {
	rep, err := s.opts.Verifier.Verify(ctx, a, data)
	if err != nil {
		return "", nil, err
	}
	js, err := json.Marshal(rep)
	if err != nil {
		return "", nil, err
	}
	return signatureStatus(rep), js, nil
}

// fileName makes a file name of a symbol: 05/QĐ-UBND → 05-QĐ-UBND.
func fileName(symbol string) string {
	b := []rune(symbol)
	for i, r := range b {
		if r == '/' {
			b[i] = '-'
		}
	}
	return string(b)
}
