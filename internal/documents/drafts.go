package documents

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

// Bounds of a draft.
const (
	MaxChain          = 10
	MaxRecipients     = 50
	MaxFreeRecipients = 30
	MaxRelations      = 10
	MaxCommentBytes   = 2000
)

// SignerRequest names the signer of a draft.
type SignerRequest struct {
	AccountID int64
	Authority string // TM., KT., TL., TUQ., Q. or ""
	Position  string // CHỦ TỊCH, PHÓ GIÁM ĐỐC…
}

// DraftRequest is what a specialist enters to start an outgoing document.
type DraftRequest struct {
	Type           string
	Summary        string
	Urgency        string
	Classification string
	// Legal marks a legal normative document: its own series and the
	// year in its symbol (12/2026/QĐ-UBND).
	Legal bool
	// Recipients are agencies on the platform, by id or electronic code.
	Recipients []string
	// FreeRecipients are the other lines of "Nơi nhận" ("Như trên;", "Lưu: VT, VP.").
	FreeRecipients []string
	Signer         SignerRequest
	// Reviewers are the accounts that review in order before the signer,
	// who is always the last of the chain.
	Reviewers []int64
	Relations []Relation
	// File is an upload id of the drafter's: a PDF or DOCX.
	File string
}

type draftInput struct {
	typ        Type
	summary    string
	urgency    Urgency
	level      access.Level
	free       []string
	authority  string
	position   string
	relations  []Relation
	recipients []string
}

func validateDraft(req DraftRequest) (draftInput, error) {
	var in draftInput
	var err error
	if in.typ, err = ParseType(req.Type); err != nil {
		return in, err
	}
	if in.summary, err = locale.CleanName("summary", "Trích yếu", req.Summary, MaxSummaryBytes); err != nil {
		return in, err
	}
	if in.urgency, err = ParseUrgency(req.Urgency); err != nil {
		return in, err
	}
	if req.Classification == "" {
		in.level = access.Internal
	} else if in.level, err = access.ParseLevel(locale.NFC(req.Classification)); err != nil {
		return in, apperr.FieldError("classification", "%s", apperr.MessageOf(err))
	}
	if in.level.StateSecret() {
		return in, apperr.FieldError("classification",
			"Văn bản mật không được soạn, ký và phát hành trên hệ thống này (Luật Bảo vệ bí mật nhà nước 29/2018/QH14): chỉ lưu thông tin")
	}
	if len(req.Recipients) > MaxRecipients {
		return in, apperr.FieldError("recipients", "Tối đa %d cơ quan nhận", MaxRecipients)
	}
	for _, r := range req.Recipients {
		r = strings.TrimSpace(locale.NFC(r))
		if r == "" || len(r) > 64 {
			return in, apperr.FieldError("recipients", "Mã cơ quan nhận không hợp lệ")
		}
		if !slices.Contains(in.recipients, r) {
			in.recipients = append(in.recipients, r)
		}
	}
	if len(req.FreeRecipients) > MaxFreeRecipients {
		return in, apperr.FieldError("free_recipients", "Tối đa %d dòng nơi nhận", MaxFreeRecipients)
	}
	for _, f := range req.FreeRecipients {
		if strings.TrimSpace(f) == "" {
			continue
		}
		c, err := locale.CleanName("free_recipients", "Nơi nhận", f, 300)
		if err != nil {
			return in, err
		}
		in.free = append(in.free, c)
	}
	if req.Signer.AccountID <= 0 {
		return in, apperr.FieldError("signer.account_id", "Chưa chọn người ký (lãnh đạo có thẩm quyền)")
	}
	if in.authority, err = ParseAuthority(req.Signer.Authority); err != nil {
		return in, err
	}
	if in.position, err = locale.CleanName("signer.position", "Chức vụ người ký", req.Signer.Position, 200); err != nil {
		return in, err
	}
	if len(req.Reviewers) >= MaxChain {
		return in, apperr.FieldError("reviewers", "Tối đa %d người duyệt trước người ký", MaxChain-1)
	}
	for i, r := range req.Reviewers {
		if r <= 0 || slices.Contains(req.Reviewers[:i], r) {
			return in, apperr.FieldError("reviewers", "Danh sách người duyệt có mã không hợp lệ hoặc trùng lặp")
		}
		if r == req.Signer.AccountID && i != len(req.Reviewers)-1 {
			return in, apperr.FieldError("reviewers", "Người ký luôn duyệt sau cùng: không đặt người ký ở giữa danh sách người duyệt")
		}
	}
	if len(req.Relations) > MaxRelations {
		return in, apperr.FieldError("relations", "Tối đa %d văn bản liên quan", MaxRelations)
	}
	for _, r := range req.Relations {
		if _, ok := relationLabels[r.Kind]; !ok {
			return in, apperr.FieldError("relations", "Quan hệ %q không hợp lệ: dùng replies_to, replaces, amends hoặc revokes", clipText(r.Kind, 20))
		}
		if r.TargetID <= 0 {
			return in, apperr.FieldError("relations", "Mã văn bản liên quan phải là số nguyên dương")
		}
		if !slices.Contains(in.relations, r) {
			in.relations = append(in.relations, r)
		}
	}
	if req.File == "" || len(req.File) > maxUploadIDLen {
		return in, apperr.FieldError("file", "Chưa có tệp dự thảo (mã tệp tải lên của tệp PDF hoặc DOCX)")
	}
	return in, nil
}

// checkVersionFile reads a draft file's upload: the drafter's own, a PDF
// or DOCX, encrypted at rest when the draft is restricted.
func (s *Service) checkVersionFile(ctx context.Context, a *actor.Actor, id string, level access.Level) (blob.Upload, error) {
	up, err := s.opts.Uploads.Get(ctx, id)
	if err != nil || (up.Uploader != a.AccountID && a.Kind != actor.System) {
		return blob.Upload{}, apperr.FieldError("file", "Không tìm thấy tệp tải lên %q (có thể đã quá hạn sử dụng và bị xoá)", clipText(id, 40))
	}
	if up.MediaType != blob.TypePDF && up.MediaType != blob.TypeDOCX {
		return blob.Upload{}, apperr.FieldError("file", "Tệp dự thảo %q phải là PDF hoặc DOCX", up.Name)
	}
	if level == access.Restricted && !up.Encrypted {
		return blob.Upload{}, apperr.FieldError("file",
			"Tệp %q được tải lên không mã hoá: văn bản hạn chế cần tệp tải lên với độ mật hạn chế (được mã hoá khi lưu)", up.Name)
	}
	return up, nil
}

// CreateDraft starts an outgoing document (dự thảo) in the drafter's
// agency with its first version, its approval chain (the reviewers, then
// the signer) and its recipients. Specialists, leaders and clerks may
// (documents.draft.create). The signer must be a leader of the agency.
func (s *Service) CreateDraft(ctx context.Context, a *actor.Actor, req DraftRequest) (*Document, error) {
	if err := s.outgoingReady(); err != nil {
		return nil, err
	}
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để soạn văn bản")
	}
	in, err := validateDraft(req)
	if err != nil {
		return nil, err
	}
	agency := a.AgencyID
	res := access.Resource{Type: "document", ID: "new", AgencyID: agency, Level: in.level, People: []int64{a.AccountID}}
	if a.UnitID != 0 {
		res.Units = []int64{a.UnitID}
	}
	if err := access.Authorize(ctx, a, access.DocumentsDraftCreate, res); err != nil {
		return nil, err
	}
	dir := s.opts.Directory
	signer, err := dir.Person(ctx, req.Signer.AccountID)
	if err != nil || signer.AgencyID != agency || signer.Disabled || !signer.HasRole(access.Leader, agency) {
		return nil, apperr.FieldError("signer.account_id", "Người ký phải là lãnh đạo đang công tác tại cơ quan soạn thảo")
	}
	chain := make([]Reviewer, 0, len(req.Reviewers)+1)
	for _, id := range req.Reviewers {
		if id == signer.AccountID {
			continue // placed last below
		}
		p, err := dir.Person(ctx, id)
		if err != nil || p.AgencyID != agency || p.Disabled {
			return nil, apperr.FieldError("reviewers", "Người duyệt #%d không phải cán bộ đang công tác tại cơ quan soạn thảo", id)
		}
		chain = append(chain, Reviewer{Position: len(chain) + 1, AccountID: id, Name: p.Name})
	}
	chain = append(chain, Reviewer{Position: len(chain) + 1, AccountID: signer.AccountID, Name: signer.Name})
	var recipients []Recipient
	var remote []RemoteRecipient
	for _, r := range in.recipients {
		var info AgencyInfo
		if id, err := strconv.ParseInt(r, 10, 64); err == nil {
			info, err = dir.Agency(ctx, id)
			if err != nil {
				return nil, apperr.FieldError("recipients", "Không tìm thấy cơ quan nhận #%d", id)
			}
		} else if info, err = dir.AgencyByCode(ctx, r); err != nil {
			// An agency hosted on a peer node of the exchange.
			if s.opts.Remote != nil {
				name, ok, rerr := s.opts.Remote.RemoteAgency(ctx, r)
				if rerr != nil {
					return nil, rerr
				}
				if ok {
					if in.level == access.Restricted {
						// A peer keeps what it receives as internal: restricted
						// content stays on this platform.
						return nil, apperr.FieldError("recipients",
							"Văn bản hạn chế không gửi liên thông được tới cơ quan ở hệ thống khác (%s)", clipText(r, 40))
					}
					if !slices.ContainsFunc(remote, func(x RemoteRecipient) bool { return x.Code == r }) {
						remote = append(remote, RemoteRecipient{Code: r, Name: name})
					}
					continue
				}
			}
			return nil, apperr.FieldError("recipients", "Không tìm thấy cơ quan nhận có mã định danh %q", clipText(r, 40))
		}
		if info.ID == agency {
			return nil, apperr.FieldError("recipients", "Cơ quan soạn thảo không gửi văn bản cho chính mình: ghi \"Lưu: VT\" vào nơi nhận")
		}
		if !slices.ContainsFunc(recipients, func(x Recipient) bool { return x.AgencyID == info.ID }) {
			recipients = append(recipients, Recipient{AgencyID: info.ID, Name: info.Name})
		}
	}
	for _, r := range in.relations {
		t, err := s.load(ctx, s.db.Reader(), r.TargetID)
		if err != nil || !access.Permits(ctx, a, access.DocumentsRead, t.Resource()) {
			return nil, apperr.FieldError("relations", "Không tìm thấy văn bản liên quan #%d", r.TargetID)
		}
		if r.Kind != RelRepliesTo && (t.Status != StatusIssued || t.AgencyID != agency) {
			return nil, apperr.FieldError("relations", "Chỉ thay thế, sửa đổi hoặc bãi bỏ được văn bản đã phát hành của chính cơ quan (văn bản #%d)", r.TargetID)
		}
	}
	unitAbbrev := ""
	if a.UnitID != 0 {
		if unitAbbrev, err = dir.UnitAbbrev(ctx, agency, a.UnitID); err != nil {
			return nil, err
		}
	}
	if in.typ.Code == CongVan && unitAbbrev == "" {
		return nil, apperr.FieldError("type", "Công văn mang ký hiệu của đơn vị soạn thảo (125/UBND-VP): tài khoản của bạn chưa thuộc đơn vị nào")
	}
	up, err := s.checkVersionFile(ctx, a, req.File, in.level)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	d := &Document{Direction: Outgoing, AgencyID: agency, Series: SeriesFor(in.typ, false, req.Legal), Year: RegisterYear(now),
		Type: in.typ.Code, TypeName: in.typ.Name, Summary: in.summary, Urgency: in.urgency, Classification: in.level,
		Status: StatusDraft, CreatedBy: a.AccountID, Attachments: []Attachment{}}
	legal := 0
	if req.Legal {
		legal = 1
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO documents (direction, agency_id, series, reg_year, type_code, summary, urgency,
			classification, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			string(d.Direction), d.AgencyID, string(d.Series), d.Year, d.Type, d.Summary, string(d.Urgency), d.Classification.String(),
			d.Status, d.CreatedBy, now.UnixMicro()).Scan(&d.ID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents_outgoing (document_id, unit_id, unit_abbrev, legal, signer_id, signer_name,
			signer_authority, signer_position, recipients_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			d.ID, a.UnitID, unitAbbrev, legal, signer.AccountID, signer.Name, in.authority, in.position, strings.Join(in.free, "\n")); err != nil {
			return err
		}
		for _, r := range chain {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_chain (document_id, position, account_id, name) VALUES ($1, $2, $3, $4)`,
				d.ID, r.Position, r.AccountID, r.Name); err != nil {
				return err
			}
		}
		for _, r := range recipients {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_recipients (document_id, agency_id, name) VALUES ($1, $2, $3)`,
				d.ID, r.AgencyID, r.Name); err != nil {
				return err
			}
		}
		for _, r := range remote {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_remote_recipients (document_id, code, name) VALUES ($1, $2, $3)`,
				d.ID, r.Code, r.Name); err != nil {
				return err
			}
		}
		for _, r := range in.relations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_relations (document_id, kind, target_id) VALUES ($1, $2, $3)`,
				d.ID, r.Kind, r.TargetID); err != nil {
				return err
			}
		}
		if err := s.addVersion(ctx, tx, a, d.ID, 1, up.ID, now); err != nil {
			return err
		}
		if err := s.reload(ctx, tx, d); err != nil {
			return err
		}
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, d.ID, a, now, EventCreated, 1, "", nil); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftCreate),
			ObjectType: "document", ObjectID: idText(d.ID), After: auditView(d),
			Summary: map[string]any{"signer": signer.AccountID, "chain": len(chain), "recipients": len(recipients), "remote_recipients": len(remote), "file_sha256": up.SHA256}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// reload reads d again inside tx (its outgoing part included).
func (s *Service) reload(ctx context.Context, tx *sql.Tx, d *Document) error {
	n, err := s.load(ctx, tx, d.ID)
	if err != nil {
		return err
	}
	*d = *n
	return nil
}

// addVersion references upload id as version n of document docID.
func (s *Service) addVersion(ctx context.Context, tx *sql.Tx, a *actor.Actor, docID int64, n int, id string, now time.Time) error {
	up, err := s.opts.Uploads.Reference(ctx, tx, id, a)
	if err != nil {
		return apperr.FieldError("file", "%s", apperr.MessageOf(err))
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO documents_versions (document_id, version, upload_id, name, media_type, size, sha256, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, docID, n, up.ID, up.Name, up.MediaType, up.Size, up.SHA256, a.AccountID, now.UnixMicro())
	return err
}

// editable refuses changes of a document past drafting.
func editable(d *Document) error {
	if d.Direction != Outgoing || d.Outgoing == nil {
		return apperr.New(apperr.Conflict, "Văn bản #%d không phải dự thảo văn bản đi", d.ID)
	}
	switch d.Status {
	case StatusDraft, StatusReturned:
		return nil
	case StatusIssued:
		return refuseIssued(d)
	case StatusSigned, StatusNumbered:
		return refuseSigned()
	}
	return apperr.New(apperr.Conflict, "Dự thảo đang trình duyệt: chỉ sửa được khi người duyệt trả lại")
}

// setStatus moves d from one of from to to inside tx; another change
// that came first makes it a conflict, so nothing half-written remains.
func setStatus(ctx context.Context, tx *sql.Tx, id int64, to string, from ...string) error {
	args := []any{to, id}
	marks := make([]string, len(from))
	for i, f := range from {
		args = append(args, f)
		marks[i] = "$" + strconv.Itoa(i+3)
	}
	res, err := tx.ExecContext(ctx, `UPDATE documents SET status = $1 WHERE id = $2 AND status IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.Conflict, "Văn bản vừa được người khác thay đổi: hãy tải lại trang và thử lại")
	}
	return nil
}

// AddVersion uploads a new file of the drafter's draft (while it is a
// draft or returned): versions are kept and numbered.
func (s *Service) AddVersion(ctx context.Context, a *actor.Actor, id int64, file string) (*Version, error) {
	if err := s.outgoingReady(); err != nil {
		return nil, err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsDraftEdit, true)
	if err != nil {
		return nil, err
	}
	if err := editable(d); err != nil {
		return nil, err
	}
	if file == "" || len(file) > maxUploadIDLen {
		return nil, apperr.FieldError("file", "Chưa có tệp dự thảo (mã tệp tải lên của tệp PDF hoặc DOCX)")
	}
	up, err := s.checkVersionFile(ctx, a, file, d.Classification)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	n := len(d.Outgoing.Versions) + 1
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := setStatus(ctx, tx, id, d.Status, StatusDraft, StatusReturned); err != nil {
			return err
		}
		// The primary key (document, version) refuses a concurrent version n.
		if err := s.addVersion(ctx, tx, a, id, n, up.ID, now); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, a, now, EventVersion, n, "", map[string]any{"name": up.Name, "sha256": up.SHA256}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftEdit), ObjectType: "document",
			ObjectID: idText(id), Summary: map[string]any{"version": n, "sha256": up.SHA256, "name": up.Name}})
	})
	if err != nil {
		return nil, err
	}
	return &Version{Number: n, UploadID: up.ID, Name: up.Name, MediaType: up.MediaType, Size: up.Size, SHA256: up.SHA256,
		CreatedBy: a.AccountID, CreatedAt: now.UTC()}, nil
}

// Submit sends the drafter's draft for review: the first reviewer of the
// chain decides next.
func (s *Service) Submit(ctx context.Context, a *actor.Actor, id int64, comment string) error {
	if err := s.outgoingReady(); err != nil {
		return err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsDraftEdit, true)
	if err != nil {
		return err
	}
	if err := editable(d); err != nil {
		return err
	}
	if comment, err = cleanComment(comment, false); err != nil {
		return err
	}
	last, _ := d.Outgoing.Last()
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := setStatus(ctx, tx, id, StatusReview, StatusDraft, StatusReturned); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents_outgoing SET step = 1, round = round + 1 WHERE document_id = $1`, id); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, a, now, EventSubmitted, last.Number, comment,
			map[string]any{"to": d.Outgoing.Chain[0].AccountID, "to_name": d.Outgoing.Chain[0].Name}); err != nil {
			return err
		}
		d.Status = StatusReview
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftEdit), ObjectType: "document",
			ObjectID: idText(id), Summary: map[string]any{"submitted": true, "version": last.Number, "round": d.Outgoing.Round + 1}})
	})
}

func cleanComment(c string, required bool) (string, error) {
	if strings.TrimSpace(c) == "" {
		if required {
			return "", apperr.FieldError("comment", "Cần ghi ý kiến khi trả lại dự thảo")
		}
		return "", nil
	}
	return locale.CleanName("comment", "Ý kiến", c, MaxCommentBytes)
}

// Decisions of a reviewer.
const (
	DecisionApprove = "approve"
	DecisionReturn  = "return"
)

// Review records the decision of the reviewer whose turn it is: approve
// passes the draft to the next reviewer (after the signer's approval it is
// approved, ready to sign); return sends it back to the drafter with the
// comment, who uploads a new version and resubmits.
func (s *Service) Review(ctx context.Context, a *actor.Actor, id int64, decision, comment string) error {
	if err := s.outgoingReady(); err != nil {
		return err
	}
	if decision != DecisionApprove && decision != DecisionReturn {
		return apperr.FieldError("decision", "Ý kiến phải là approve (duyệt) hoặc return (trả lại)")
	}
	comment, err := cleanComment(comment, decision == DecisionReturn)
	if err != nil {
		return err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsDraftReview, false)
	if err != nil {
		return err
	}
	if d.Status == StatusIssued {
		return refuseIssued(d)
	}
	cur, ok := d.Outgoing.Current()
	if d.Status != StatusReview || !ok {
		return apperr.New(apperr.Conflict, "Văn bản không ở bước trình duyệt")
	}
	if cur.AccountID != a.AccountID {
		return apperr.New(apperr.Forbidden, "Chưa đến lượt bạn cho ý kiến: dự thảo đang chờ %s", cur.Name)
	}
	last, _ := d.Outgoing.Last()
	now := s.opts.Now()
	status, step, kind := StatusReview, d.Outgoing.Step+1, EventApproved
	switch {
	case decision == DecisionReturn:
		status, step, kind = StatusReturned, 0, EventReturned
	case d.Outgoing.Step == len(d.Outgoing.Chain):
		status, step = StatusApproved, 0
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE documents_outgoing SET step = $1 WHERE document_id = $2 AND step = $3`, step, id, d.Outgoing.Step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.Conflict, "Văn bản vừa được người khác thay đổi: hãy tải lại trang và thử lại")
		}
		if err := setStatus(ctx, tx, id, status, StatusReview); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, a, now, kind, last.Number, comment, map[string]any{"step": d.Outgoing.Step}); err != nil {
			return err
		}
		d.Status = status
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftReview), ObjectType: "document",
			ObjectID: idText(id), Reason: comment, Summary: map[string]any{"decision": decision, "step": d.Outgoing.Step, "version": last.Number}})
	})
}

// Comment adds a reviewer's or the drafter's comment on a version (0 =
// the latest) to the timeline.
func (s *Service) Comment(ctx context.Context, a *actor.Actor, id int64, version int, comment string) error {
	if err := s.outgoingReady(); err != nil {
		return err
	}
	comment, err := locale.CleanName("comment", "Ý kiến", comment, MaxCommentBytes)
	if err != nil {
		return err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsDraftReview, false)
	if err != nil {
		return err
	}
	if d.Outgoing == nil {
		return apperr.New(apperr.Conflict, "Văn bản #%d không phải dự thảo văn bản đi", id)
	}
	if d.CreatedBy != a.AccountID && !slices.ContainsFunc(d.Outgoing.Chain, func(r Reviewer) bool { return r.AccountID == a.AccountID }) {
		return apperr.New(apperr.Forbidden, "Chỉ người soạn thảo và những người trong luồng duyệt được góp ý dự thảo")
	}
	if d.Status == StatusIssued {
		return refuseIssued(d)
	}
	last, _ := d.Outgoing.Last()
	if version == 0 {
		version = last.Number
	}
	if version < 1 || version > last.Number {
		return apperr.FieldError("version", "Dự thảo không có phiên bản %d", version)
	}
	now := s.opts.Now()
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := addEvent(ctx, tx, id, a, now, EventComment, version, comment, nil); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftReview), ObjectType: "document",
			ObjectID: idText(id), Summary: map[string]any{"comment": true, "version": version}})
	})
}

// SignRequest chooses the certificate the leader signs with; empty =
// their newest personal certificate.
type SignRequest struct {
	Serial string
}

// readUpload reads an upload's bytes (bounded by the service's size).
func (s *Service) readUpload(ctx context.Context, id string) ([]byte, blob.Upload, error) {
	rc, up, err := s.opts.Uploads.Open(ctx, id)
	if err != nil {
		return nil, up, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max(s.opts.Uploads.MaxSize(), signing.MaxPDFSize)+1))
	if err != nil {
		return nil, up, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp %q từ kho tệp", up.Name)
	}
	return data, up, nil
}

// storePDF keeps a produced PDF as an upload of a's, encrypted at rest
// when the document is restricted.
func (s *Service) storePDF(ctx context.Context, a *actor.Actor, name string, data []byte, level access.Level) (blob.Upload, error) {
	if level != access.Restricted {
		level = access.Internal
	}
	return s.opts.Uploads.Upload(ctx, a, bytes.NewReader(data), blob.Request{Name: name, Level: level})
}

// Sign is the named signer's signature of the approved draft: the latest
// version, which must be a PDF, signed with their personal certificate
// through the signature service (PAdES B-T, visible, blue). A signer whose
// approval is awaited approves and signs at once.
func (s *Service) Sign(ctx context.Context, a *actor.Actor, id int64, req SignRequest) (*Document, error) {
	if err := s.outgoingReady(); err != nil {
		return nil, err
	}
	d, err := s.loadForAction(ctx, a, id, access.DocumentsDraftSign, false)
	if err != nil {
		return nil, err
	}
	if d.Outgoing == nil {
		return nil, apperr.New(apperr.Conflict, "Văn bản #%d không phải dự thảo văn bản đi", id)
	}
	o := d.Outgoing
	if o.Signer.AccountID != a.AccountID {
		return nil, apperr.New(apperr.Forbidden, "Chỉ người ký được giao (%s) mới ký được văn bản này", o.Signer.Name)
	}
	cur, _ := o.Current()
	switch {
	case d.Status == StatusIssued:
		return nil, refuseIssued(d)
	case d.Status == StatusSigned || d.Status == StatusNumbered:
		return nil, apperr.New(apperr.Conflict, "Văn bản đã được ký")
	case d.Status == StatusApproved:
	case d.Status == StatusReview && cur.AccountID == a.AccountID:
	default:
		return nil, apperr.New(apperr.Conflict, "Văn bản chưa được duyệt đủ: chưa ký được")
	}
	last, _ := o.Last()
	if last.MediaType != blob.TypePDF {
		return nil, apperr.FieldError("file", "Phiên bản cuối (%s) không phải PDF: người soạn thảo cần tải lên bản PDF của văn bản để ký số", last.Name)
	}
	serial := req.Serial
	if serial == "" {
		certs, err := s.opts.Signer.SigningCertificates(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, c := range certs {
			if c.Profile != "seal" && c.Holder == a.AccountID {
				serial = c.Serial
				break
			}
		}
		if serial == "" {
			return nil, apperr.New(apperr.Conflict, "Bạn chưa có chứng thư số cá nhân còn hiệu lực để ký")
		}
	}
	data, _, err := s.readUpload(ctx, last.UploadID)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSpace(o.Signer.Authority + " " + o.Signer.Position)
	signed, err := s.opts.Signer.Sign(ctx, a, signing.SignRequest{PDF: data, Serial: serial, Reason: "Ký ban hành văn bản",
		Title: title})
	if err != nil {
		return nil, err
	}
	up, err := s.storePDF(ctx, a, "ky-so-"+last.Name, signed.PDF, d.Classification)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	approving := d.Status == StatusReview
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := setStatus(ctx, tx, id, StatusSigned, d.Status); err != nil {
			return err
		}
		if _, err := s.opts.Uploads.Reference(ctx, tx, up.ID, a); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents_outgoing SET step = 0, signed_upload = $1 WHERE document_id = $2`, up.ID, id); err != nil {
			return err
		}
		if approving {
			if err := addEvent(ctx, tx, id, a, now, EventApproved, last.Number, "", map[string]any{"step": o.Step}); err != nil {
				return err
			}
		}
		if err := addEvent(ctx, tx, id, a, now, EventSigned, last.Number, "",
			map[string]any{"certificate": signed.Certificate.Serial, "sha256": up.SHA256}); err != nil {
			return err
		}
		d.Status = StatusSigned
		if err := s.index(ctx, tx, d); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: string(access.DocumentsDraftSign), ObjectType: "document",
			ObjectID: idText(id), Before: map[string]any{"sha256": last.SHA256}, After: map[string]any{"sha256": up.SHA256},
			Summary: map[string]any{"certificate": signed.Certificate.Serial, "version": last.Number}})
	})
	if err != nil {
		return nil, err
	}
	d.Outgoing.SignedUpload = up.ID
	return d, nil
}
