package onestop

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Get returns a dossier with its personal data to its applicant and the
// officials handling it (receiving agency, or an agency holding a step,
// liên thông). Errors: ENOTFOUND (also for a citizen's dossier of someone
// else), EFORBIDDEN.
func (s *DossierService) Get(ctx context.Context, a *actor.Actor, id int64) (*Dossier, error) {
	d, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.OnestopDossierRead, d.resource(a, d.readAgency(a))); err != nil {
		return nil, err
	}
	return d, nil
}

// GetByCode is Get by the dossier code.
func (s *DossierService) GetByCode(ctx context.Context, a *actor.Actor, code string) (*Dossier, error) {
	code, err := ParseDossierCode(code)
	if err != nil {
		return nil, err
	}
	d, err := s.loadDossier(ctx, s.db.Reader(), `code = $1`, code)
	if err != nil {
		return nil, err
	}
	if err := access.Authorize(ctx, a, access.OnestopDossierRead, d.resource(a, d.readAgency(a))); err != nil {
		return nil, err
	}
	return d, nil
}

// Track is the public view by code, for anyone: status, dates, procedure
// and agency, never the applicant's name, ID number, address, phone or
// e-mail. Errors: EINVALID (malformed code), ENOTFOUND.
func (s *DossierService) Track(ctx context.Context, code string) (*Tracking, error) {
	code, err := ParseDossierCode(code)
	if err != nil {
		return nil, err
	}
	t := &Tracking{}
	var status, channel, submitted, received, appt, returned int64
	err = s.db.Reader().QueryRowContext(ctx, `SELECT code, status, procedure_code, procedure_name, agency_name, channel,
		submitted_at, received_at, appointment_at, returned_at FROM onestop_dossiers WHERE code = $1`, code).Scan(
		&t.Code, &status, &t.ProcedureCode, &t.ProcedureName, &t.AgencyName, &channel, &submitted, &received, &appt, &returned)
	if err == sql.ErrNoRows {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy hồ sơ có mã %s", code)
	} else if err != nil {
		return nil, err
	}
	t.Status, t.Channel = Status(status), Channel(channel)
	t.StatusName = t.Status.Name()
	t.SubmittedAt, t.ReceivedAt, t.Appointment, t.ReturnedAt = micros(submitted), micros(received), micros(appt), micros(returned)
	return t, nil
}

// change is one state change: load, check the version, ask access in the
// agency the action belongs to, then apply and save in one db.Tx with the
// audit entry and the applicant's e-mail.
type change struct {
	act    Action // "" for a change without a status transition
	action access.Action
	audit  string
	// agency picks the agency the action is checked in; nil = receiving.
	agency func(d *Dossier) int64
	// check runs before the transaction (validation needing the dossier).
	check func(d *Dossier) error
	// apply changes d (already transitioned to `to`) inside tx.
	apply  func(tx *sql.Tx, d *Dossier, now time.Time) error
	note   string
	silent bool // no e-mail to the applicant unless the status changed
}

func (s *DossierService) do(ctx context.Context, a *actor.Actor, id, version int64, c change) (*Dossier, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xử lý hồ sơ")
	}
	d, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	agency := d.AgencyID
	if c.agency != nil {
		agency = c.agency(d)
	}
	if err := access.Authorize(ctx, a, c.action, d.resource(a, agency)); err != nil {
		return nil, err
	}
	if version != 0 && version != d.Version {
		return nil, errConcurrent()
	}
	to := d.Status
	if c.act != "" {
		if to, err = Transition(d.Status, c.act); err != nil {
			return nil, err
		}
	}
	if c.check != nil {
		if err := c.check(d); err != nil {
			return nil, err
		}
	}
	old := d.Version
	now := s.opts.Now()
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		d.prev, d.Status, d.UpdatedAt = d.Status, to, now
		if c.apply != nil {
			if err := c.apply(tx, d, now); err != nil {
				return err
			}
		}
		if err := saveDossier(ctx, tx, d, old); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, c.audit, d, c.note); err != nil {
			return err
		}
		if err := s.changed(ctx, tx, d, false, dossierActorName(a), c.note); err != nil {
			return err
		}
		if c.silent && d.prev == d.Status {
			return nil
		}
		return s.tell(ctx, tx, d, c.note)
	})
	if err != nil {
		return nil, err
	}
	return s.get(ctx, d.ID)
}

func currentAgency(d *Dossier) int64 {
	if st := d.Current(); st != nil {
		return st.AgencyID
	}
	return d.AgencyID
}

// Accept receives an online dossier at the desk (status 1 → 2): the legal
// clock starts (the procedure's working days on the stored calendar, after
// the cut-off from the next working day), the steps get their due moments
// from their shares, and the first step starts (status 4 at once when the
// procedure has no desk step).
func (s *DossierService) Accept(ctx context.Context, a *actor.Actor, id int64, req ActionRequest) (*Dossier, error) {
	note, err := trimText("note", "Ghi chú", req.Note, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var steps []DossierStep
	return s.do(ctx, a, id, req.Version, change{act: ActAccept, action: access.OnestopDossierReceive, audit: "onestop.dossier.accept", note: note,
		check: func(d *Dossier) error {
			p, err := s.opts.Procedures.Procedure(ctx, d.ProcedureCode)
			if err != nil {
				return err
			}
			steps, err = s.planSteps(ctx, d, p)
			return err
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Status = StatusNew
			d.Steps = steps
			if err := s.startClock(ctx, tx, cal, d, now); err != nil {
				return err
			}
			receivedBy(d, a)
			return saveSteps(ctx, tx, d)
		}})
}

// Refuse refuses a dossier at reception with its reasons (status 3, Form
// 03 Phiếu từ chối tiếp nhận): a new dossier, or one whose requested
// supplement still leaves it incomplete.
func (s *DossierService) Refuse(ctx context.Context, a *actor.Actor, id int64, req RefuseRequest) (*Dossier, error) {
	reason, err := trimText("reason", "Lý do từ chối", req.Reason, MaxReasonBytes, true)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActRefuse, action: access.OnestopDossierReceive, audit: "onestop.dossier.refuse", note: reason,
		check: func(d *Dossier) error {
			if d.Status == StatusSupplement && d.Supplement != nil && d.Supplement.FromStatus != StatusNew {
				return apperr.New(apperr.Conflict, "Hồ sơ đã được tiếp nhận: không từ chối tiếp nhận được, lãnh đạo có thể dừng xử lý")
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error { d.Reason = reason; return nil }})
}

// RequestSupplement asks the applicant, once per dossier and in writing
// (Form 02, Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ: reason and numbered
// items), to complete the dossier: status 5, the legal clock paused. At
// reception the desk asks; during processing the step holding it does.
// A second request is refused (ECONFLICT).
func (s *DossierService) RequestSupplement(ctx context.Context, a *actor.Actor, id int64, req SupplementAsk) (*Dossier, error) {
	reason, err := trimText("reason", "Lý do yêu cầu bổ sung", req.Reason, MaxReasonBytes, true)
	if err != nil {
		return nil, err
	}
	var items []string
	for _, it := range req.Items {
		v, err := trimText("items", "Nội dung cần bổ sung", it, 1000, false)
		if err != nil {
			return nil, err
		}
		if v != "" {
			items = append(items, v)
		}
	}
	if len(items) == 0 {
		return nil, apperr.FieldError("items", "Ghi rõ từng nội dung cần bổ sung, hoàn thiện (ít nhất một mục)")
	}
	if len(items) > MaxItems {
		return nil, apperr.FieldError("items", "Tối đa %d mục cần bổ sung", MaxItems)
	}
	d0, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	action, agency := access.OnestopDossierReceive, func(d *Dossier) int64 { return d.AgencyID }
	if d0.Status == StatusProcessing {
		action, agency = access.OnestopDossierProcess, currentAgency
	}
	return s.do(ctx, a, id, req.Version, change{act: ActRequestSupply, action: action, agency: agency, audit: "onestop.dossier.request_supplement", note: reason,
		check: func(d *Dossier) error {
			if d.Supplement != nil {
				return apperr.New(apperr.Conflict, "Hồ sơ đã được yêu cầu bổ sung một lần (ngày %s); chỉ được yêu cầu bổ sung một lần, bằng văn bản",
					d.Supplement.RequestedAt.In(locale.VN).Format("02/01/2006"))
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Supplement = &SupplementRequest{Reason: reason, Items: items, RequestedBy: dossierActorName(a), RequestedAt: now, FromStatus: d.prev}
			return nil
		}})
}

// Supplement is the applicant's answer to the supplement request: new
// uploads and corrected form values. The dossier goes back where the
// request was made and, once it had been received, the legal time counts
// again in full from the receipt of the completed dossier (Decree
// 118/2025/NĐ-CP: "kể từ ngày nhận đủ hồ sơ hợp lệ"). A walk-in applicant
// without an account answers at the desk, where the officer records it.
func (s *DossierService) Supplement(ctx context.Context, a *actor.Actor, id int64, req SupplementAnswer) (*Dossier, error) {
	note, err := trimText("note", "Nội dung bổ sung", req.Note, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	d0, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	action := access.OnestopDossierApplicant
	if d0.Applicant.AccountID == 0 {
		action = access.OnestopDossierReceive
	}
	p, err := s.opts.Procedures.Procedure(ctx, d0.ProcedureCode)
	if err != nil {
		return nil, err
	}
	fields, err := checkForm(p, req.Fields, false)
	if err != nil {
		return nil, err
	}
	if err := checkComponents(p, req.Files, false); err != nil {
		return nil, err
	}
	if len(fields) == 0 && len(req.Files) == 0 && note == "" {
		return nil, apperr.FieldError("files", "Chưa có giấy tờ, thông tin bổ sung nào")
	}
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActSupply, action: action, audit: "onestop.dossier.supplement", note: note,
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			for k, v := range fields {
				d.Form[k] = v
			}
			if merged, err := checkForm(p, d.Form, true); err != nil {
				return err
			} else {
				d.Form = merged
			}
			if err := s.attach(ctx, tx, a, d, req.Files, FileSupplement, now); err != nil {
				return err
			}
			sp := d.Supplement
			sp.AnsweredAt, sp.Answer = now, note
			d.Status = sp.FromStatus
			if d.ReceivedAt.IsZero() {
				return nil // not received yet: back to the desk's queue
			}
			due, _, err := dueMoment(cal, d.ReceivedAt, d.Days, d.CutOff, sp.RequestedAt, now)
			if err != nil {
				return err
			}
			if d.Appointment.Equal(d.DueAt) || d.Appointment.Before(due) {
				d.Appointment = due
			}
			d.DueAt = due
			s.spreadSteps(cal, d, now)
			return saveSteps(ctx, tx, d)
		}})
}

// Withdraw is the applicant's withdrawal (status 7), with an optional
// reason; a walk-in applicant without an account asks at the desk, whose
// officer records it.
func (s *DossierService) Withdraw(ctx context.Context, a *actor.Actor, id int64, req RefuseRequest) (*Dossier, error) {
	reason, err := trimText("reason", "Lý do rút hồ sơ", req.Reason, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	d0, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	action := access.OnestopDossierApplicant
	if d0.Applicant.AccountID == 0 {
		action = access.OnestopDossierReceive // a walk-in applicant asks at the desk
	}
	return s.do(ctx, a, id, req.Version, change{act: ActWithdraw, action: action, audit: "onestop.dossier.withdraw", note: reason,
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Reason = reason
			s.closeStep(d, a, now)
			return saveSteps(ctx, tx, d)
		}})
}

// Stop stops processing (status 8, Form 05 stop notice), by the leader of
// the agency holding the dossier, with its reasons.
func (s *DossierService) Stop(ctx context.Context, a *actor.Actor, id int64, req RefuseRequest) (*Dossier, error) {
	reason, err := trimText("reason", "Lý do dừng xử lý", req.Reason, MaxReasonBytes, true)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActStop, action: access.OnestopDossierDecide, agency: currentAgency, audit: "onestop.dossier.stop", note: reason,
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Reason, d.DecidedAt, d.DecidedBy = reason, now, dossierActorName(a)
			s.closeStep(d, a, now)
			return saveSteps(ctx, tx, d)
		}})
}

// closeStep ends the current step at now (the dossier leaves it).
func (s *DossierService) closeStep(d *Dossier, a *actor.Actor, now time.Time) {
	if st := d.Current(); st != nil && st.Started() && !st.Done() {
		st.EndedAt, st.DoneByID, st.DoneByName = now, accountID(a), dossierActorName(a)
	}
}

// CompleteStep completes the current step and hands the dossier to the
// next (status 4), recorded on the control slip (Form 06) with the times.
// The official must hold the step's role in the agency holding it (a step
// of another agency is liên thông: its officials act on it); a step given
// to one official is completed by them. The decision step is the leader's
// (Decide), and a step after it is the desk's return (ReturnResult).
// req.To names the official given the next step, if any.
func (s *DossierService) CompleteStep(ctx context.Context, a *actor.Actor, id int64, req StepRequest) (*Dossier, error) {
	note, err := trimText("note", "Ý kiến xử lý", req.Note, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	var holder Holder
	if req.To != 0 {
		if s.opts.Holders == nil {
			return nil, apperr.FieldError("to", "Không chọn được người nhận bước tiếp theo")
		}
		if holder, err = s.opts.Holders.Holder(ctx, req.To); err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Không tìm thấy cán bộ nhận bước tiếp theo")
		}
	}
	action := access.OnestopDossierProcess
	return s.do(ctx, a, id, req.Version, change{act: ActHandOver, action: action, agency: currentAgency, audit: "onestop.dossier.step", note: note, silent: true,
		check: func(d *Dossier) error {
			st := d.Current()
			if st == nil {
				return apperr.New(apperr.Conflict, "Hồ sơ không ở bước xử lý nào")
			}
			switch dec := d.DecisionStep(); {
			case d.CurrentStep == dec:
				return apperr.New(apperr.Conflict, "Đây là bước phê duyệt (%s): lãnh đạo phê duyệt hoặc từ chối kết quả", st.Name)
			case d.CurrentStep > dec:
				return apperr.New(apperr.Conflict, "Hồ sơ đã được phê duyệt: bộ phận một cửa trả kết quả cho người nộp")
			}
			if err := holdsStep(a, st); err != nil {
				return err
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			st := d.Current()
			st.EndedAt, st.DoneByID, st.DoneByName, st.Note = now, accountID(a), dossierActorName(a), note
			d.CurrentStep++
			next := d.Current()
			next.StartedAt = now
			if holder.ID != 0 {
				next.HolderID, next.HolderName = holder.ID, holder.Name
			}
			return saveSteps(ctx, tx, d)
		}})
}

// holdsStep checks that a may act on step st: given to a by name, or to
// the step's role (a one-stop officer, specialist or leader of its agency).
func holdsStep(a *actor.Actor, st *DossierStep) error {
	if a.Kind == actor.System {
		return nil
	}
	if st.HolderID != 0 && st.HolderID != a.AccountID {
		return apperr.New(apperr.Forbidden, "Bước %q đã được giao cho %s", st.Name, st.HolderName)
	}
	if st.HolderID == 0 && st.Role != "" && !a.HasRole(st.Role) {
		return apperr.New(apperr.Forbidden, "Bước %q do %s của %s xử lý", st.Name, StepRoleLabel(st.Role), st.AgencyName)
	}
	return nil
}

// Decide is the leader's decision at the last step: approve (status 9,
// with the result's PDF, referenced and then sealed by the agency) or
// refuse (status 8, with reasons).
func (s *DossierService) Decide(ctx context.Context, a *actor.Actor, id int64, req DecideRequest) (*Dossier, error) {
	act, reason := ActApprove, ""
	var err error
	if !req.Approve {
		act = ActDecideRefuse
		if reason, err = trimText("reason", "Lý do từ chối giải quyết", req.Reason, MaxReasonBytes, true); err != nil {
			return nil, err
		}
	} else if strings.TrimSpace(req.ResultUpload) == "" {
		return nil, apperr.FieldError("result_upload", "Chưa đính kèm kết quả giải quyết (tệp PDF)")
	}
	return s.do(ctx, a, id, req.Version, change{act: act, action: access.OnestopDossierDecide, agency: currentAgency, audit: "onestop.dossier.decide", note: reason,
		check: func(d *Dossier) error {
			if d.CurrentStep != d.DecisionStep() {
				return apperr.New(apperr.Conflict, "Hồ sơ chưa đến bước phê duyệt kết quả")
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.DecidedAt, d.DecidedBy, d.Reason = now, dossierActorName(a), reason
			s.closeStep(d, a, now)
			if req.Approve {
				id := strings.TrimSpace(req.ResultUpload)
				if s.opts.Uploads != nil {
					u, err := s.opts.Uploads.Reference(ctx, tx, id, a)
					if err != nil {
						return apperr.Wrap(err, apperr.Invalid, "Không tìm thấy tệp kết quả %q của bạn", clipRunes(id, 40))
					}
					if u.MediaType != "application/pdf" {
						return apperr.FieldError("result_upload", "Kết quả giải quyết phải là tệp PDF")
					}
					if err := insertFile(ctx, tx, d.ID, File{UploadID: id, Kind: FileResult, Name: u.Name, AddedAt: now}); err != nil {
						return err
					}
				}
				d.ResultUpload = id
				if err := s.enqueueSeal(ctx, tx, d); err != nil {
					return err
				}
				if d.CurrentStep+1 < len(d.Steps) {
					// The desk's step of returning the result begins.
					d.CurrentStep++
					d.Current().StartedAt = now
				}
			}
			return saveSteps(ctx, tx, d)
		}})
}

// ReturnResult returns the result to the applicant at the desk (status
// 10): returned_at is recorded and the outcome classed early, on time or
// late against the due moment with the half-day rule.
func (s *DossierService) ReturnResult(ctx context.Context, a *actor.Actor, id int64, req ActionRequest) (*Dossier, error) {
	note, err := trimText("note", "Ghi chú", req.Note, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActReturn, action: access.OnestopDossierReturn, audit: "onestop.dossier.return", note: note,
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.ReturnedAt = now
			d.Outcome = s.opts.Sessions.Classify(now, d.DueAt)
			if st := d.Current(); st != nil && st.Started() && !st.Done() {
				s.closeStep(d, a, now)
				return saveSteps(ctx, tx, d)
			}
			return nil
		}})
}

// Rate records the applicant's rating (3 levels and a comment), once,
// after the result was returned.
func (s *DossierService) Rate(ctx context.Context, a *actor.Actor, id int64, req RateRequest) (*Dossier, error) {
	if !req.Rating.Valid() {
		return nil, apperr.FieldError("rating", "Chọn mức đánh giá: rất hài lòng, hài lòng hoặc không hài lòng")
	}
	comment, err := trimText("comment", "Ý kiến", req.Comment, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, 0, change{action: access.OnestopDossierApplicant, audit: "onestop.dossier.rate", silent: true,
		check: func(d *Dossier) error {
			if d.Status != StatusReturned {
				return apperr.New(apperr.Conflict, "Chỉ đánh giá được sau khi nhận kết quả")
			}
			if d.Rating != 0 {
				return apperr.New(apperr.Conflict, "Hồ sơ đã được đánh giá")
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Rating, d.RatingComment, d.RatedAt = req.Rating, comment, now
			return nil
		}})
}

// Apologize issues the apology slip (Form 04, Phiếu xin lỗi và hẹn lại
// ngày trả kết quả): by the leader of the agency holding the dossier,
// once per dossier, no later than one working day before the due moment,
// with the reason and a new appointment after the due moment; e-mailed to
// the applicant.
func (s *DossierService) Apologize(ctx context.Context, a *actor.Actor, id int64, req ApologyRequest) (*Dossier, error) {
	reason, err := trimText("reason", "Lý do chậm trả kết quả", req.Reason, MaxReasonBytes, true)
	if err != nil {
		return nil, err
	}
	if req.NewAppointment.IsZero() {
		return nil, apperr.FieldError("new_appointment", "Chưa ghi ngày hẹn trả kết quả mới")
	}
	cal, err := s.opts.Calendar.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{action: access.OnestopDossierApologize, agency: currentAgency, audit: "onestop.dossier.apologize", note: reason,
		check: func(d *Dossier) error {
			if d.Apology != nil {
				return apperr.New(apperr.Conflict, "Hồ sơ đã có phiếu xin lỗi và hẹn lại một lần; chỉ được hẹn lại một lần")
			}
			if !d.Status.ClockRunning() || d.DueAt.IsZero() {
				return apperr.New(apperr.Conflict, "Chỉ xin lỗi và hẹn lại với hồ sơ đang giải quyết (trạng thái hiện tại: %s)", d.Status.Name())
			}
			last := cal.AddWorkingDays(d.DueAt, -1)
			if s.opts.Now().After(last) {
				return apperr.New(apperr.Conflict, "Phiếu xin lỗi phải ban hành chậm nhất 01 ngày làm việc trước hạn trả (hạn %s, chậm nhất %s)",
					d.DueAt.In(locale.VN).Format("15:04 02/01/2006"), last.In(locale.VN).Format("15:04 02/01/2006"))
			}
			if !req.NewAppointment.After(d.DueAt) {
				return apperr.FieldError("new_appointment", "Ngày hẹn mới phải sau hạn trả kết quả %s", d.DueAt.In(locale.VN).Format("02/01/2006"))
			}
			if !cal.IsWorkingDay(calendar.DateOf(req.NewAppointment.In(locale.VN))) {
				return apperr.FieldError("new_appointment", "Ngày hẹn mới phải là ngày làm việc")
			}
			return nil
		},
		apply: func(tx *sql.Tx, d *Dossier, now time.Time) error {
			d.Apology = &Apology{Reason: reason, NewAppointment: req.NewAppointment, OldDue: d.DueAt, By: dossierActorName(a), At: now}
			d.Appointment = req.NewAppointment
			return nil
		}})
}

func accountID(a *actor.Actor) int64 {
	if a == nil {
		return 0
	}
	return a.AccountID
}

func dossierActorName(a *actor.Actor) string {
	switch {
	case a == nil:
		return ""
	case a.Name != "":
		return a.Name
	case a.Kind == actor.System:
		return "Hệ thống"
	}
	return "#" + strconv.FormatInt(a.AccountID, 10)
}

// RequestFee asks the applicant to pay fees or taxes (status 6, Yêu cầu
// thực hiện nghĩa vụ tài chính), by the step holding the dossier.
func (s *DossierService) RequestFee(ctx context.Context, a *actor.Actor, id int64, req ActionRequest) (*Dossier, error) {
	note, err := trimText("note", "Nội dung nghĩa vụ tài chính", req.Note, MaxReasonBytes, true)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActRequestFee, action: access.OnestopDossierProcess, agency: currentAgency,
		audit: "onestop.dossier.request_fee", note: note})
}

// FeePaid records at the desk that the fees were paid: processing goes on
// (status 4).
func (s *DossierService) FeePaid(ctx context.Context, a *actor.Actor, id int64, req ActionRequest) (*Dossier, error) {
	note, err := trimText("note", "Ghi chú", req.Note, MaxReasonBytes, false)
	if err != nil {
		return nil, err
	}
	return s.do(ctx, a, id, req.Version, change{act: ActFeePaid, action: access.OnestopDossierReceive, audit: "onestop.dossier.fee_paid", note: note})
}

// receivedBy names the officer who received d on the desk's step (the
// receipt's signer); the step stays open to the desk's other officers.
func receivedBy(d *Dossier, a *actor.Actor) {
	if len(d.Steps) > 0 && d.Steps[0].Role == roleOneStop && a != nil && a.Kind == actor.Official {
		d.Steps[0].HolderName = dossierActorName(a)
	}
}
