package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// dossierColumns are read by scanDossier, in order.
const dossierColumns = `id, code, procedure_code, procedure_name, field, agency_id, agency_code, agency_name,
	applicant_account, applicant_name, applicant_id, applicant_phone, applicant_email, applicant_address,
	channel, status, form, submitted_by, submitted_at, received_at, due_at, appointment_at, days, cut_off,
	supplement, apology, current_step, reason, decided_at, decided_by, result_upload, returned_at, outcome,
	rating, rating_comment, rated_at, receipt_upload, version, updated_at, idempotency_key`

type rowScanner interface{ Scan(dest ...any) error }

// portalKeyPrefix marks the idempotency key of a dossier submitted on the
// national portal: the key is the prefix and the portal's code.
const portalKeyPrefix = "dvcqg:"

func portalCodeOf(key string) string {
	if code, ok := strings.CutPrefix(key, portalKeyPrefix); ok {
		return code
	}
	return ""
}

func scanDossier(r rowScanner) (*Dossier, error) {
	d := &Dossier{}
	var form, supp, apol string
	var key sql.NullString
	var submitted, received, due, appt, decided, returned, rated, updated int64
	var channel, status, outcome, rating, days, cur int64
	err := r.Scan(&d.ID, &d.Code, &d.ProcedureCode, &d.ProcedureName, &d.Field, &d.AgencyID, &d.AgencyCode, &d.AgencyName,
		&d.Applicant.AccountID, &d.Applicant.Name, &d.Applicant.IDNumber, &d.Applicant.Phone, &d.Applicant.Email, &d.Applicant.Address,
		&channel, &status, &form, &d.SubmittedBy, &submitted, &received, &due, &appt, &days, &d.CutOff,
		&supp, &apol, &cur, &d.Reason, &decided, &d.DecidedBy, &d.ResultUpload, &returned, &outcome,
		&rating, &d.RatingComment, &rated, &d.ReceiptUpload, &d.Version, &updated, &key)
	if err != nil {
		return nil, err
	}
	d.PortalCode = portalCodeOf(key.String)
	d.Channel, d.Status, d.Outcome, d.Rating, d.Days, d.CurrentStep = Channel(channel), Status(status), Timeliness(outcome), Rating(rating), int(days), int(cur)
	d.SubmittedAt, d.ReceivedAt, d.DueAt, d.Appointment = micros(submitted), micros(received), micros(due), micros(appt)
	d.DecidedAt, d.ReturnedAt, d.RatedAt, d.UpdatedAt = micros(decided), micros(returned), micros(rated), micros(updated)
	if err := json.Unmarshal([]byte(form), &d.Form); err != nil {
		return nil, err
	}
	if supp != "" {
		d.Supplement = &SupplementRequest{}
		if err := json.Unmarshal([]byte(supp), d.Supplement); err != nil {
			return nil, err
		}
	}
	if apol != "" {
		d.Apology = &Apology{}
		if err := json.Unmarshal([]byte(apol), d.Apology); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func micros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return db.FromMicros(v)
}

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func jsonOrEmpty(v any, isNil bool) (string, error) {
	if isNil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// loadDossier reads a dossier with its steps and files; ENOTFOUND when
// there is none.
func (s *DossierService) loadDossier(ctx context.Context, q db.Querier, where string, arg any) (*Dossier, error) {
	d, err := scanDossier(q.QueryRowContext(ctx, `SELECT `+dossierColumns+` FROM onestop_dossiers WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, dossierNotFound()
	}
	if err != nil {
		return nil, err
	}
	if err := s.loadParts(ctx, q, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *DossierService) loadParts(ctx context.Context, q db.Querier, d *Dossier) error {
	rows, err := q.QueryContext(ctx, `SELECT seq, name, agency_id, agency_code, agency_name, role, hours, holder_id, holder_name,
		done_by_id, done_by_name, started_at, due_at, ended_at, note FROM onestop_dossier_steps WHERE dossier_id = $1 ORDER BY seq`, d.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	d.Steps = nil
	now := s.opts.Now()
	for rows.Next() {
		var st DossierStep
		var seq, hours int64
		var started, due, ended int64
		if err := rows.Scan(&seq, &st.Name, &st.AgencyID, &st.AgencyCode, &st.AgencyName, &st.Role, &hours, &st.HolderID, &st.HolderName,
			&st.DoneByID, &st.DoneByName, &started, &due, &ended, &st.Note); err != nil {
			return err
		}
		st.Seq, st.Hours = int(seq), int(hours)
		st.StartedAt, st.DueAt, st.EndedAt = micros(started), micros(due), micros(ended)
		st.Outcome = s.stepOutcome(st, now, d.Status)
		d.Steps = append(d.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	frows, err := q.QueryContext(ctx, `SELECT upload_id, kind, component, name, added_at FROM onestop_dossier_files WHERE dossier_id = $1 ORDER BY added_at, upload_id`, d.ID)
	if err != nil {
		return err
	}
	defer frows.Close()
	d.Files = nil
	for frows.Next() {
		var f File
		var at int64
		if err := frows.Scan(&f.UploadID, &f.Kind, &f.Component, &f.Name, &at); err != nil {
			return err
		}
		f.AddedAt = micros(at)
		d.Files = append(d.Files, f)
	}
	return frows.Err()
}

// stepOutcome classes a step: a completed one by when it ended, an open
// one late once past its due moment (while the dossier is still being
// processed), else nothing yet.
func (s *DossierService) stepOutcome(st DossierStep, now time.Time, status Status) Timeliness {
	switch {
	case !st.Started() || st.DueAt.IsZero():
		return 0
	case st.Done():
		return s.opts.Sessions.Classify(st.EndedAt, st.DueAt)
	case status.ClockRunning() && now.After(st.DueAt):
		return Late
	}
	return 0
}

// insertDossier writes a new dossier row and sets d.ID.
func insertDossier(ctx context.Context, tx *sql.Tx, d *Dossier, key string) error {
	form, err := json.Marshal(d.Form)
	if err != nil {
		return err
	}
	var idem any
	if key != "" {
		idem = key
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO onestop_dossiers (code, procedure_code, procedure_name, field, agency_id, agency_code, agency_name,
		applicant_account, applicant_name, applicant_id, applicant_phone, applicant_email, applicant_address,
		channel, status, form, submitted_by, submitted_at, idempotency_key, days, cut_off, version, updated_at, search_folded)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1, $22, $23) RETURNING id`,
		d.Code, d.ProcedureCode, d.ProcedureName, d.Field, d.AgencyID, d.AgencyCode, d.AgencyName,
		d.Applicant.AccountID, d.Applicant.Name, d.Applicant.IDNumber, d.Applicant.Phone, d.Applicant.Email, d.Applicant.Address,
		int(d.Channel), int(d.Status), string(form), d.SubmittedBy, toMicros(d.SubmittedAt), idem, d.Days, d.CutOff, toMicros(d.UpdatedAt),
		locale.Fold(d.Code+" "+d.Applicant.Name+" "+d.Applicant.IDNumber)).Scan(&d.ID)
	if err == nil {
		d.Version = 1
	}
	return err
}

// saveDossier writes d's mutable columns if its version is still
// oldVersion, and bumps it; ECONFLICT when another change came first.
func saveDossier(ctx context.Context, tx *sql.Tx, d *Dossier, oldVersion int64) error {
	form, err := json.Marshal(d.Form)
	if err != nil {
		return err
	}
	supp, err := jsonOrEmpty(d.Supplement, d.Supplement == nil)
	if err != nil {
		return err
	}
	apol, err := jsonOrEmpty(d.Apology, d.Apology == nil)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE onestop_dossiers SET status = $1, form = $2, received_at = $3, due_at = $4, appointment_at = $5,
		supplement = $6, apology = $7, current_step = $8, reason = $9, decided_at = $10, decided_by = $11, result_upload = $12,
		returned_at = $13, outcome = $14, rating = $15, rating_comment = $16, rated_at = $17, receipt_upload = $18,
		version = version + 1, updated_at = $19 WHERE id = $20 AND version = $21`,
		int(d.Status), string(form), toMicros(d.ReceivedAt), toMicros(d.DueAt), toMicros(d.Appointment),
		supp, apol, d.CurrentStep, d.Reason, toMicros(d.DecidedAt), d.DecidedBy, d.ResultUpload,
		toMicros(d.ReturnedAt), int(d.Outcome), int(d.Rating), d.RatingComment, toMicros(d.RatedAt), d.ReceiptUpload,
		toMicros(d.UpdatedAt), d.ID, oldVersion)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errConcurrent()
	}
	d.Version = oldVersion + 1
	return nil
}

// saveSteps rewrites the dossier's control slip rows.
func saveSteps(ctx context.Context, tx *sql.Tx, d *Dossier) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM onestop_dossier_steps WHERE dossier_id = $1`, d.ID); err != nil {
		return err
	}
	for _, st := range d.Steps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO onestop_dossier_steps (dossier_id, seq, name, agency_id, agency_code, agency_name, role, hours,
			holder_id, holder_name, done_by_id, done_by_name, started_at, due_at, ended_at, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			d.ID, st.Seq, st.Name, st.AgencyID, st.AgencyCode, st.AgencyName, st.Role, st.Hours, st.HolderID, st.HolderName,
			st.DoneByID, st.DoneByName, toMicros(st.StartedAt), toMicros(st.DueAt), toMicros(st.EndedAt), st.Note); err != nil {
			return err
		}
	}
	return nil
}

func insertFile(ctx context.Context, tx *sql.Tx, dossierID int64, f File) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO onestop_dossier_files (dossier_id, upload_id, kind, component, name, added_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, dossierID, f.UploadID, f.Kind, f.Component, f.Name, toMicros(f.AddedAt))
	return err
}

// ErrConcurrentMessage is the message of a change refused because another
// officer changed the dossier first.
const ErrConcurrentMessage = "Hồ sơ vừa được người khác xử lý, hãy tải lại trang"

func errConcurrent() error { return apperr.New(apperr.Conflict, ErrConcurrentMessage) }

func dossierNotFound() error { return apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ") }

// agencies lists the agencies acting on d: the receiving agency, then each
// step's, once.
func (d *Dossier) agencies() []int64 {
	out := []int64{d.AgencyID}
	for _, st := range d.Steps {
		if st.AgencyID != 0 && !containsInt64(out, st.AgencyID) {
			out = append(out, st.AgencyID)
		}
	}
	return out
}

func containsInt64(ids []int64, id int64) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// resource is d as access sees it when a acts in agency (the receiving
// agency, or a step's): the applicant owns it, it is personal data, and an
// official acting within their agency's scope handles it.
func (d *Dossier) resource(a *actor.Actor, agency int64) access.Resource {
	r := access.Resource{Type: "onestop_dossier", ID: strconv.FormatInt(d.ID, 10), AgencyID: agency,
		OwnerID: d.Applicant.AccountID, PersonalData: true}
	if a != nil && a.Kind == actor.Official {
		r.Handlers = []int64{a.AccountID}
	}
	return r
}

// readAgency picks the agency a reads d in: their own when it acts on d
// (receiving or holding a step, liên thông), else the receiving agency.
func (d *Dossier) readAgency(a *actor.Actor) int64 {
	if a != nil && a.Kind == actor.Official {
		for _, id := range d.agencies() {
			if id == a.AgencyID {
				return id
			}
		}
		for _, g := range a.Roles {
			for _, id := range d.agencies() {
				if id == g.AgencyID {
					return id
				}
			}
		}
	}
	return d.AgencyID
}

// canRead reports (without recording) whether a may read d.
func (d *Dossier) canRead(ctx context.Context, a *actor.Actor) bool {
	return access.Permits(ctx, a, access.OnestopDossierRead, d.resource(a, d.readAgency(a)))
}

// trimText NFC-normalises a typed text and bounds it; required refuses "".
func trimText(field, label, v string, max int, required bool) (string, error) {
	v = strings.ReplaceAll(nfc(v), "\r\n", "\n")
	if v == "" && required {
		return "", apperr.FieldError(field, "%s không được để trống", label)
	}
	if len(v) > max {
		return "", apperr.FieldError(field, "%s quá dài (tối đa %d byte)", label, max)
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' && r != '\t' {
			return "", apperr.FieldError(field, "%s chứa ký tự điều khiển không hợp lệ", label)
		}
	}
	return v, nil
}
