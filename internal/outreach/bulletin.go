package outreach

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
	"github.com/chinhquyen/chinhquyen/internal/outreach/speech"
)

// Status is where a bulletin is in its life.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
	Approved  Status = "approved"
	Sending   Status = "sending"
	Sent      Status = "sent"
	Cancelled Status = "cancelled"
)

var statusLabels = map[Status]string{Draft: "Dự thảo", Submitted: "Chờ duyệt", Approved: "Đã duyệt",
	Sending: "Đang phát", Sent: "Đã phát", Cancelled: "Đã huỷ"}

// Label is the status in Vietnamese.
func (s Status) Label() string { return statusLabels[s] }

// Priorities (Circular 39/2020/TT-BTTTT).
const (
	PriorityNormal    = 0
	PriorityHigh      = 1
	PriorityEmergency = 2
)

var priorityLabels = []string{"Thông thường", "Ưu tiên", "Khẩn cấp"}

// PriorityLabel names a priority in Vietnamese.
func PriorityLabel(p int) string {
	if p < 0 || p >= len(priorityLabels) {
		return ""
	}
	return priorityLabels[p]
}

// Translation is a bulletin's text in a minority language, entered by an
// official.
type Translation struct {
	Lang  string `json:"lang"`
	Title string `json:"title,omitempty"`
	Body  string `json:"body"`
}

// Bulletin is an announcement to residents.
type Bulletin struct {
	ID           int64         `json:"id"`
	AgencyID     int64         `json:"agency_id"`
	Title        string        `json:"title"`
	Body         string        `json:"body"`
	Priority     int           `json:"priority"`
	SMSPlain     bool          `json:"sms_plain"` // SMS without diacritics (GSM-7)
	Communes     []string      `json:"communes"`
	Groups       []string      `json:"groups,omitempty"`
	Villages     string        `json:"villages,omitempty"`
	ValidFrom    time.Time     `json:"valid_from,omitzero"`
	ValidTo      time.Time     `json:"valid_to,omitzero"`
	Status       Status        `json:"status"`
	NeedsReview  bool          `json:"needs_review"` // cần xem xét lại: an emergency sent without approval
	CreatedBy    int64         `json:"created_by"`
	CreatedName  string        `json:"created_name"`
	CreatedAt    time.Time     `json:"created_at"`
	ApprovedBy   int64         `json:"approved_by,omitempty"`
	ApprovedName string        `json:"approved_name,omitempty"`
	ApprovedAt   time.Time     `json:"approved_at,omitzero"`
	SentAt       time.Time     `json:"sent_at,omitzero"`
	SendDate     string        `json:"send_date,omitempty"`
	Version      int64         `json:"version"`
	Translations []Translation `json:"translations,omitempty"`
	AudioLangs   []string      `json:"audio_langs,omitempty"`
}

// SMSText is the text an SMS carries, as the author chose it.
func (b *Bulletin) SMSText() string {
	if b.SMSPlain {
		return smstext.Plain(b.Body)
	}
	return b.Body
}

// Draft is what an outreach officer writes.
type DraftRequest struct {
	AgencyID     int64 // 0 = the author's agency
	Title        string
	Body         string
	Priority     int
	SMSPlain     bool
	Communes     []string
	Groups       []string
	Villages     string
	ValidFrom    time.Time
	ValidTo      time.Time
	Translations []Translation
}

// Preview is what the author sees before choosing the SMS encoding.
type Preview struct {
	SMS        SMSCount `json:"sms"`
	SMSPlain   SMSCount `json:"sms_plain"`
	SpokenText string   `json:"spoken_text"`
}

// SMSCount is the encoding and length of an SMS text.
type SMSCount struct {
	Encoding   string `json:"encoding"`
	Segments   int    `json:"segments"`
	Characters int    `json:"characters"`
	Text       string `json:"text,omitempty"`
}

// PreviewText measures a text both ways: as written (UCS-2 when it has
// Vietnamese letters) and without diacritics (GSM-7 when every character
// then fits), and gives what the speech synthesiser would read.
func PreviewText(text string) (Preview, error) {
	text = locale.NFC(text)
	if text == "" {
		return Preview{}, apperr.FieldError("text", "Chưa có nội dung bản tin")
	}
	if len(text) > MaxBodyBytes || !utf8.ValidString(text) {
		return Preview{}, apperr.FieldError("text", "Nội dung bản tin quá dài (tối đa %d byte)", MaxBodyBytes)
	}
	c := smstext.Measure(text)
	plain := smstext.Plain(text)
	p := smstext.Measure(plain)
	return Preview{
		SMS:        SMSCount{Encoding: string(c.Encoding), Segments: c.Segments, Characters: c.Characters},
		SMSPlain:   SMSCount{Encoding: string(p.Encoding), Segments: p.Segments, Characters: p.Characters, Text: plain},
		SpokenText: speech.Normalize(text),
	}, nil
}

func (s *Service) today() org.Date { return org.DateOf(s.opts.Now().In(locale.VN)) }

// validate checks and normalises a draft (outside any transaction).
func (s *Service) validate(ctx context.Context, r *DraftRequest) error {
	r.Title, r.Body, r.Villages = locale.NFC(r.Title), locale.NFC(r.Body), locale.NFC(r.Villages)
	switch {
	case r.Title == "":
		return apperr.FieldError("title", "Chưa có tiêu đề bản tin")
	case len(r.Title) > MaxTitleBytes:
		return apperr.FieldError("title", "Tiêu đề quá dài (tối đa %d byte)", MaxTitleBytes)
	case r.Body == "":
		return apperr.FieldError("body", "Chưa có nội dung bản tin")
	case len(r.Body) > MaxBodyBytes:
		return apperr.FieldError("body", "Nội dung bản tin quá dài (tối đa %d byte)", MaxBodyBytes)
	case len(r.Villages) > MaxVillagesBytes:
		return apperr.FieldError("villages", "Danh sách thôn, bản quá dài (tối đa %d byte)", MaxVillagesBytes)
	case r.Priority < PriorityNormal || r.Priority > PriorityEmergency:
		return apperr.FieldError("priority", "Mức ưu tiên phải là 0 (thông thường), 1 (ưu tiên) hoặc 2 (khẩn cấp)")
	case len(r.Communes) == 0:
		return apperr.FieldError("communes", "Chưa chọn xã, phường nhận bản tin")
	case len(r.Communes) > MaxCommunes:
		return apperr.FieldError("communes", "Tối đa %d xã, phường", MaxCommunes)
	case len(r.Groups) > MaxGroups:
		return apperr.FieldError("groups", "Tối đa %d dân tộc", MaxGroups)
	case !r.ValidTo.IsZero() && r.ValidTo.Before(r.ValidFrom):
		return apperr.FieldError("valid_to", "Thời hạn kết thúc trước ngày bắt đầu")
	}
	text := r.Body
	if r.SMSPlain {
		text = smstext.Plain(text)
	}
	if c := smstext.Measure(text); c.Segments > s.opts.MaxSegments {
		enc := "tiếng Việt có dấu (UCS-2)"
		if r.SMSPlain {
			enc = "không dấu (GSM-7)"
		}
		return &apperr.Error{Code: apperr.Invalid, Field: "body",
			Message: "Nội dung quá dài cho tin nhắn " + enc + ": " + strconv.Itoa(c.Segments) + " phần, tối đa " + strconv.Itoa(s.opts.MaxSegments) + " phần. Hãy rút gọn hoặc chọn gửi không dấu"}
	}
	seen := map[string]bool{}
	var communes []string
	for _, c := range r.Communes {
		c = strings.TrimSpace(c)
		if seen[c] {
			continue
		}
		seen[c] = true
		if len(c) != 5 || strings.Trim(c, "0123456789") != "" {
			return apperr.FieldError("communes", "Mã xã, phường %q không hợp lệ (5 chữ số)", clip(c, 12))
		}
		u, err := s.opts.Org.AdminUnit(ctx, c, org.Date{})
		if apperr.Is(err, apperr.NotFound) || (err == nil && u.Level != org.LevelCommune) {
			return apperr.FieldError("communes", "Không có xã, phường mã %s", c)
		} else if err != nil {
			return err
		}
		communes = append(communes, c)
	}
	r.Communes = communes
	var groups []string
	for _, g := range r.Groups {
		if g = locale.NFC(g); g != "" && len(g) <= 50 && !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	r.Groups = groups
	for i, t := range r.Translations {
		t.Lang, t.Title, t.Body = strings.TrimSpace(t.Lang), locale.NFC(t.Title), locale.NFC(t.Body)
		if _, ok := s.langs[t.Lang]; !ok || t.Lang == "vi" {
			return apperr.FieldError("translations", "Ngôn ngữ %q không có trong danh sách", clip(t.Lang, 12))
		}
		if t.Body == "" || len(t.Body) > MaxBodyBytes || len(t.Title) > MaxTitleBytes {
			return apperr.FieldError("translations", "Bản dịch %s trống hoặc quá dài (tối đa %d byte)", s.langs[t.Lang].Name, MaxBodyBytes)
		}
		r.Translations[i] = t
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func resource(b *Bulletin) access.Resource {
	return access.Resource{Type: "outreach_bulletin", ID: strconv.FormatInt(b.ID, 10), AgencyID: b.AgencyID}
}

// Create stores a draft bulletin.
func (s *Service) Create(ctx context.Context, a *actor.Actor, r DraftRequest) (*Bulletin, error) {
	if r.AgencyID == 0 && a != nil {
		r.AgencyID = a.AgencyID
	}
	if err := access.Can(ctx, a, access.OutreachDraft, access.Resource{Type: "outreach_bulletin", AgencyID: r.AgencyID}).Err(); err != nil {
		return nil, err
	}
	if err := s.validate(ctx, &r); err != nil {
		return nil, err
	}
	now := s.opts.Now()
	b := &Bulletin{AgencyID: r.AgencyID, Title: r.Title, Body: r.Body, Priority: r.Priority, SMSPlain: r.SMSPlain,
		Communes: r.Communes, Groups: r.Groups, Villages: r.Villages, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo,
		Status: Draft, CreatedBy: a.AccountID, CreatedName: a.Name, CreatedAt: now, Version: 1, Translations: r.Translations}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		communes, _ := json.Marshal(b.Communes)
		groups, _ := json.Marshal(nonNil(b.Groups))
		err := tx.QueryRowContext(ctx, `INSERT INTO outreach_bulletins (agency_id, title, body, priority, sms_plain, communes, groups_json, villages,
			valid_from, valid_to, status, created_by, created_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
			b.AgencyID, b.Title, b.Body, b.Priority, boolInt(b.SMSPlain), string(communes), string(groups), b.Villages,
			micros(b.ValidFrom), micros(b.ValidTo), string(Draft), b.CreatedBy, b.CreatedName, db.Micros(now)).Scan(&b.ID)
		if err != nil {
			return err
		}
		for _, c := range b.Communes {
			if _, err := tx.ExecContext(ctx, "INSERT INTO outreach_bulletin_communes (bulletin_id, commune_code) VALUES ($1, $2)", b.ID, c); err != nil {
				return err
			}
		}
		for _, t := range b.Translations {
			if _, err := tx.ExecContext(ctx, "INSERT INTO outreach_translations (bulletin_id, lang, title, body) VALUES ($1,$2,$3,$4)", b.ID, t.Lang, t.Title, t.Body); err != nil {
				return err
			}
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "outreach.bulletin.create", ObjectType: "outreach_bulletin",
			ObjectID: strconv.FormatInt(b.ID, 10), After: b, Summary: map[string]any{"priority": b.Priority, "communes": len(b.Communes)}})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return db.Micros(t)
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return db.FromMicros(v)
}

const bulletinColumns = `id, agency_id, title, body, priority, sms_plain, communes, groups_json, villages, valid_from, valid_to, status,
	needs_review, created_by, created_name, created_at, approved_by, approved_name, approved_at, sent_at, send_date, version`

func scanBulletin(sc interface{ Scan(...any) error }) (*Bulletin, error) {
	var b Bulletin
	var plain, review int
	var communes, groups, status string
	var vf, vt, ca, aa, sa int64
	err := sc.Scan(&b.ID, &b.AgencyID, &b.Title, &b.Body, &b.Priority, &plain, &communes, &groups, &b.Villages, &vf, &vt, &status,
		&review, &b.CreatedBy, &b.CreatedName, &ca, &b.ApprovedBy, &b.ApprovedName, &aa, &sa, &b.SendDate, &b.Version)
	if err != nil {
		return nil, err
	}
	b.SMSPlain, b.NeedsReview, b.Status = plain == 1, review == 1, Status(status)
	b.ValidFrom, b.ValidTo, b.CreatedAt, b.ApprovedAt, b.SentAt = fromMicros(vf), fromMicros(vt), fromMicros(ca), fromMicros(aa), fromMicros(sa)
	_ = json.Unmarshal([]byte(communes), &b.Communes)
	_ = json.Unmarshal([]byte(groups), &b.Groups)
	return &b, nil
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64) (*Bulletin, error) {
	b, err := scanBulletin(q.QueryRowContext(ctx, "SELECT "+bulletinColumns+" FROM outreach_bulletins WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "Không tìm thấy bản tin #%d", id)
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT lang, title, body FROM outreach_translations WHERE bulletin_id = $1 ORDER BY lang", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var t Translation
		if err := rows.Scan(&t.Lang, &t.Title, &t.Body); err != nil {
			rows.Close()
			return nil, err
		}
		b.Translations = append(b.Translations, t)
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, "SELECT lang FROM outreach_audio WHERE bulletin_id = $1 ORDER BY lang", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		b.AudioLangs = append(b.AudioLangs, l)
	}
	return b, rows.Err()
}

// Get returns a bulletin to an official allowed to read it.
func (s *Service) Get(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, error) {
	b, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	if err := access.Can(ctx, a, access.OutreachRead, resource(b)).Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// List returns an agency's bulletins, newest first (at most 200).
func (s *Service) List(ctx context.Context, a *actor.Actor, agencyID int64) ([]*Bulletin, error) {
	if err := access.Can(ctx, a, access.OutreachRead, access.Resource{Type: "outreach_bulletin", AgencyID: agencyID}).Err(); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+bulletinColumns+" FROM outreach_bulletins WHERE agency_id = $1 ORDER BY id DESC LIMIT 200", agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Bulletin
	for rows.Next() {
		b, err := scanBulletin(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// transition moves a bulletin from one of from to to, after the access
// check of action, in one transaction with its audit entry; extra runs in
// the same transaction.
func (s *Service) transition(ctx context.Context, a *actor.Actor, id int64, action access.Action, auditAction string, from []Status, to Status,
	set func(b *Bulletin) (string, []any), extra func(tx *sql.Tx, b *Bulletin) error) (*Bulletin, error) {
	// access.Can records a refusal in a transaction of its own: it is asked
	// before the change's transaction, and the change checks the version
	// the decision saw.
	seen, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	if err := access.Can(ctx, a, action, resource(seen)).Err(); err != nil {
		return nil, err
	}
	var out *Bulletin
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		b, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.Version != seen.Version || b.AgencyID != seen.AgencyID {
			return apperr.New(apperr.Conflict, "Bản tin vừa được người khác xử lý; hãy tải lại")
		}
		if !slices.Contains(from, b.Status) {
			return apperr.New(apperr.Conflict, "Bản tin đang ở trạng thái %q, không thể chuyển sang %q", b.Status.Label(), to.Label())
		}
		before := *b
		b.Status = to
		q, args := "", []any(nil)
		if set != nil {
			q, args = set(b)
		}
		args = append([]any{string(to), b.ID, b.Version}, args...)
		res, err := tx.ExecContext(ctx, "UPDATE outreach_bulletins SET status = $1, version = version + 1"+q+" WHERE id = $2 AND version = $3", args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "Bản tin vừa được người khác xử lý; hãy tải lại")
		}
		b.Version++
		if extra != nil {
			if err := extra(tx, b); err != nil {
				return err
			}
		}
		out = b
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: auditAction, ObjectType: "outreach_bulletin",
			ObjectID: strconv.FormatInt(b.ID, 10), Before: before, After: b, Summary: map[string]any{"status": string(to)}})
	})
	return out, err
}

// Submit sends a draft to the leader for approval.
func (s *Service) Submit(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, error) {
	return s.transition(ctx, a, id, access.OutreachDraft, "outreach.bulletin.submit", []Status{Draft}, Submitted, nil, nil)
}

// Approve is the leader's approval of a submitted bulletin (or of a draft
// the leader wrote).
func (s *Service) Approve(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, error) {
	now := s.opts.Now()
	return s.transition(ctx, a, id, access.OutreachApprove, "outreach.bulletin.approve", []Status{Draft, Submitted}, Approved,
		func(b *Bulletin) (string, []any) {
			b.ApprovedBy, b.ApprovedName, b.ApprovedAt = a.AccountID, a.Name, now
			return ", approved_by = $4, approved_name = $5, approved_at = $6", []any{a.AccountID, a.Name, db.Micros(now)}
		}, nil)
}

// Cancel withdraws a bulletin not yet sent.
func (s *Service) Cancel(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, error) {
	b, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	action := access.OutreachApprove
	if b.Status == Draft && a != nil && b.CreatedBy == a.AccountID {
		action = access.OutreachDraft
	}
	return s.transition(ctx, a, id, action, "outreach.bulletin.cancel", []Status{Draft, Submitted, Approved}, Cancelled, nil, nil)
}

// SniffAudio tells Ogg (Opus or Vorbis), MP3, WAV and M4A by their magic
// bytes; anything else is refused.
func SniffAudio(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", apperr.FieldError("audio", "Tệp âm thanh rỗng")
	case len(data) > MaxAudioBytes:
		return "", apperr.FieldError("audio", "Tệp âm thanh quá lớn (tối đa %d MB)", MaxAudioBytes>>20)
	case strings.HasPrefix(string(data), "OggS"):
		return "audio/ogg", nil
	case strings.HasPrefix(string(data), "ID3"), len(data) > 2 && data[0] == 0xFF && data[1]&0xE0 == 0xE0:
		return "audio/mpeg", nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE":
		return "audio/wav", nil
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && (string(data[8:11]) == "M4A" || string(data[8:12]) == "mp42" || string(data[8:12]) == "isom"):
		return "audio/mp4", nil
	}
	return "", apperr.FieldError("audio", "Tệp tải lên không phải âm thanh: chỉ nhận Ogg/Opus, MP3, WAV hoặc M4A")
}

// PutAudio stores a recording of a bulletin in a language (replacing one).
func (s *Service) PutAudio(ctx context.Context, a *actor.Actor, id int64, lang string, data []byte) error {
	typ, err := SniffAudio(data)
	if err != nil {
		return err
	}
	if _, ok := s.langs[lang]; !ok {
		return apperr.FieldError("lang", "Ngôn ngữ %q không có trong danh sách", clip(lang, 12))
	}
	sum := sha256.Sum256(data)
	seen, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return err
	}
	if err := access.Can(ctx, a, access.OutreachDraft, resource(seen)).Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		b, err := s.load(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.Status != Draft && b.Status != Submitted {
			return apperr.New(apperr.Conflict, "Chỉ thêm bản ghi âm khi bản tin chưa được duyệt")
		}
		if err := s.storeAudio(ctx, tx, id, lang, typ, data, false); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "outreach.bulletin.audio", ObjectType: "outreach_bulletin",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]any{"lang": lang, "sha256": hex.EncodeToString(sum[:]), "bytes": len(data)}})
	})
}

func (s *Service) storeAudio(ctx context.Context, tx *sql.Tx, id int64, lang, typ string, data []byte, synthetic bool) error {
	sum := sha256.Sum256(data)
	if _, err := tx.ExecContext(ctx, "DELETE FROM outreach_audio WHERE bulletin_id = $1 AND lang = $2", id, lang); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO outreach_audio (bulletin_id, lang, media_type, data, sha256, synthetic, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, id, lang, typ, data, hex.EncodeToString(sum[:]), boolInt(synthetic), db.Micros(s.opts.Now()))
	return err
}

// Audio returns a bulletin's audio in a language. A sent bulletin's audio
// is public (stations without a push download it); before, only those who
// may read the bulletin get it.
func (s *Service) Audio(ctx context.Context, a *actor.Actor, id int64, lang string) ([]byte, string, error) {
	b, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, "", err
	}
	if b.Status != Sent && b.Status != Sending {
		if err := access.Can(ctx, a, access.OutreachRead, resource(b)).Err(); err != nil {
			return nil, "", err
		}
	}
	var data []byte
	var typ string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT data, media_type FROM outreach_audio WHERE bulletin_id = $1 AND lang = $2", id, lang).Scan(&data, &typ)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.New(apperr.NotFound, "Bản tin #%d chưa có bản ghi âm tiếng %s", id, s.langs[lang].Name)
	}
	return data, typ, err
}
