package outreach

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/notify"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
)

// Job kinds.
const (
	KindDeliver = "outreach.deliver" // one delivery to its gateway
	KindOTP     = "outreach.otp"     // a subscription's one-time code by SMS
)

// Delivery statuses.
const (
	DeliveryQueued    = "queued"
	DeliverySent      = "sent"      // handed to the gateway
	DeliveryDelivered = "delivered" // the gateway reported it delivered
	DeliveryFailed    = "failed"
	DeliveryReplaced  = "replaced" // a failed ZNS replaced by an SMS
)

// Register installs the job handlers on r.
func (s *Service) Register(r *jobs.Runner) {
	r.Register(KindDeliver, s.Deliver)
	r.Register(KindOTP, s.SendOTP)
}

// recipient is an active subscriber reached by a bulletin.
type recipient struct {
	id      int64
	commune string
	lang    string
	zalo    bool
	email   bool
}

// Reach is who a bulletin reaches, per channel, and what it costs.
type Reach struct {
	Residents   int            `json:"residents"`
	SMS         int            `json:"sms"`
	ZNS         int            `json:"zns"`
	Email       int            `json:"email"`
	Loudspeaker int            `json:"loudspeaker"` // commune programmes
	ByLang      map[string]int `json:"by_lang"`
	Encoding    string         `json:"encoding"`
	Segments    int            `json:"segments"` // per SMS
	SMSCost     int64          `json:"sms_cost"` // đồng
	ZNSCost     int64          `json:"zns_cost"`
	Cost        int64          `json:"cost"`
}

// recipients resolves a bulletin's targets on day on: every active
// subscriber whose commune is a target on that day, or became one by a
// merger (its code leads to a target through successor links); then the
// ethnic groups when the bulletin names any.
func (s *Service) recipients(ctx context.Context, q db.Querier, b *Bulletin, on org.Date) ([]recipient, error) {
	targets := map[string]bool{}
	for _, c := range b.Communes {
		targets[c] = true
	}
	rows, err := q.QueryContext(ctx, "SELECT DISTINCT commune_code FROM outreach_subscribers WHERE status = 'active'")
	if err != nil {
		return nil, err
	}
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return nil, err
		}
		codes = append(codes, c)
	}
	rows.Close()
	var reached []string
	for _, c := range codes {
		if targets[c] {
			reached = append(reached, c)
			continue
		}
		units, err := s.opts.Org.AdminUnitsOn(ctx, c, on)
		if apperr.Is(err, apperr.NotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		for _, u := range units {
			if targets[u.Code] {
				reached = append(reached, c)
				break
			}
		}
	}
	var out []recipient
	for start := 0; start < len(reached); start += 500 {
		part := reached[start:min(start+500, len(reached))]
		args := make([]any, len(part))
		ph := make([]string, len(part))
		for i, c := range part {
			args[i], ph[i] = c, "$"+strconv.Itoa(i+1)
		}
		rows, err := q.QueryContext(ctx, "SELECT id, commune_code, lang, zalo, email, ethnic_group FROM outreach_subscribers WHERE status = 'active' AND commune_code IN ("+
			strings.Join(ph, ",")+") ORDER BY id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r recipient
			var zalo int
			var email, group string
			if err := rows.Scan(&r.id, &r.commune, &r.lang, &zalo, &email, &group); err != nil {
				rows.Close()
				return nil, err
			}
			if len(b.Groups) > 0 && !slices.Contains(b.Groups, group) {
				continue
			}
			r.zalo, r.email = zalo == 1, email != ""
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) has(k channel.Kind) bool {
	sn, _ := s.sender(k)
	return sn != nil
}

// channelOf is the first channel of a resident's chain: Zalo ZNS when
// linked and consented (and ZNS is configured), else SMS; "" when neither
// is configured.
func (s *Service) channelOf(r recipient) channel.Kind {
	switch {
	case r.zalo && s.has(channel.ZNS):
		return channel.ZNS
	case s.has(channel.SMS):
		return channel.SMS
	}
	return ""
}

func (s *Service) reach(b *Bulletin, rs []recipient) Reach {
	c := smstext.Measure(b.SMSText())
	out := Reach{Residents: len(rs), ByLang: map[string]int{}, Encoding: string(c.Encoding), Segments: c.Segments}
	for _, r := range rs {
		out.ByLang[r.lang]++
		switch s.channelOf(r) {
		case channel.ZNS:
			out.ZNS++
		case channel.SMS:
			out.SMS++
		}
		if r.email && s.opts.Mail != nil && s.opts.Mail.EmailEnabled() {
			out.Email++
		}
	}
	if s.has(channel.Loudspeaker) {
		out.Loudspeaker = len(b.Communes)
	}
	out.SMSCost = int64(out.SMS*out.Segments) * s.opts.Prices.SMSSegment
	out.ZNSCost = int64(out.ZNS) * s.opts.Prices.ZNS
	out.Cost = out.SMSCost + out.ZNSCost
	return out
}

// Reach tells the author, before sending, whom a bulletin would reach today
// per channel and language, and the cost estimate.
func (s *Service) Reach(ctx context.Context, a *actor.Actor, id int64) (Reach, error) {
	b, err := s.Get(ctx, a, id)
	if err != nil {
		return Reach{}, err
	}
	rs, err := s.recipients(ctx, s.db.Reader(), b, s.today())
	if err != nil {
		return Reach{}, err
	}
	return s.reach(b, rs), nil
}

// deliverJob is the payload of outreach.deliver.
type deliverJob struct {
	Delivery int64 `json:"d"`
}

// quietEnd is when SMS and ZNS of a non-emergency bulletin may go: now, or
// the end of the quiet hours when now falls inside them.
func (s *Service) quietEnd(now time.Time, priority int) time.Time {
	from, to := s.opts.QuietFrom, s.opts.QuietTo
	if from == to || priority == PriorityEmergency {
		return now
	}
	vn := now.In(locale.VN)
	h := vn.Hour()
	quiet := (from < to && h >= from && h < to) || (from > to && (h >= from || h < to))
	if !quiet {
		return now
	}
	end := time.Date(vn.Year(), vn.Month(), vn.Day(), to, 0, 0, 0, locale.VN)
	if !end.After(vn) {
		end = end.AddDate(0, 0, 1)
	}
	return end.UTC()
}

// Send sends an approved bulletin: in one transaction its status becomes
// sending, and a delivery row and a job are written for every resident
// reached (on their chain's first channel, and e-mail for those with an
// address) and for every target commune's loudspeakers. A failure writes
// nothing.
func (s *Service) Send(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, Reach, error) {
	return s.send(ctx, a, id, access.OutreachSend, []Status{Approved}, false)
}

// SendEmergency is a leader's sending of an emergency bulletin at once,
// from draft or submitted, without the approval step; the bulletin is
// flagged for review (cần xem xét lại).
func (s *Service) SendEmergency(ctx context.Context, a *actor.Actor, id int64) (*Bulletin, Reach, error) {
	b, err := s.load(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, Reach{}, err
	}
	if b.Priority != PriorityEmergency {
		return nil, Reach{}, apperr.New(apperr.Conflict, "Chỉ bản tin khẩn cấp mới được phát ngay không qua duyệt")
	}
	return s.send(ctx, a, id, access.OutreachEmergency, []Status{Draft, Submitted, Approved}, true)
}

func (s *Service) send(ctx context.Context, a *actor.Actor, id int64, action access.Action, from []Status, emergency bool) (*Bulletin, Reach, error) {
	now := s.opts.Now()
	on := s.today()
	var reach Reach
	b, err := s.transition(ctx, a, id, action, "outreach.bulletin.send", from, Sending,
		func(b *Bulletin) (string, []any) {
			b.SentAt, b.SendDate = now, on.String()
			q, args := ", sent_at = $4, send_date = $5", []any{db.Micros(now), on.String()}
			if emergency {
				b.NeedsReview = true
				if b.ApprovedBy == 0 {
					b.ApprovedBy, b.ApprovedName, b.ApprovedAt = a.AccountID, a.Name, now
				}
				q += ", needs_review = 1, approved_by = $6, approved_name = $7, approved_at = $8"
				args = append(args, b.ApprovedBy, b.ApprovedName, db.Micros(b.ApprovedAt))
			}
			return q, args
		},
		func(tx *sql.Tx, b *Bulletin) error {
			rs, err := s.recipients(ctx, tx, b, on)
			if err != nil {
				return err
			}
			reach = s.reach(b, rs)
			return s.enqueueDeliveries(ctx, tx, b, rs, now)
		})
	if err != nil {
		return nil, Reach{}, err
	}
	return b, reach, nil
}

// pendingDelivery is a row to insert.
type pendingDelivery struct {
	sub     int64
	kind    channel.Kind
	commune string
	lang    string
	runAt   time.Time
}

// enqueueDeliveries inserts the rows in batches (multi-row INSERT …
// RETURNING id) and a job per row.
func (s *Service) enqueueDeliveries(ctx context.Context, tx *sql.Tx, b *Bulletin, rs []recipient, now time.Time) error {
	msgAt := s.quietEnd(now, b.Priority)
	var all []pendingDelivery
	for _, r := range rs {
		if k := s.channelOf(r); k != "" {
			all = append(all, pendingDelivery{r.id, k, r.commune, r.lang, msgAt})
		}
		if r.email && s.opts.Mail != nil && s.opts.Mail.EmailEnabled() {
			all = append(all, pendingDelivery{r.id, channel.Email, r.commune, r.lang, now})
		}
	}
	if s.has(channel.Loudspeaker) {
		for _, c := range b.Communes {
			all = append(all, pendingDelivery{0, channel.Loudspeaker, c, "vi", now})
		}
	}
	const batch = 200
	for start := 0; start < len(all); start += batch {
		part := all[start:min(start+batch, len(all))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO outreach_deliveries (bulletin_id, subscriber_id, channel, commune_code, lang, status, created_at, updated_at) VALUES ")
		args := make([]any, 0, len(part)*4+2)
		args = append(args, b.ID, db.Micros(now))
		for i, p := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&sb, "($1,$%d,$%d,$%d,$%d,'queued',$2,$2)", n+1, n+2, n+3, n+4)
			args = append(args, p.sub, string(p.kind), p.commune, p.lang)
		}
		sb.WriteString(" RETURNING id, channel")
		rows, err := tx.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return err
		}
		type made struct {
			id   int64
			kind string
		}
		var ids []made
		for rows.Next() {
			var m made
			if err := rows.Scan(&m.id, &m.kind); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		js := make([]jobs.Job, len(ids))
		for i, m := range ids {
			js[i] = s.deliverJob(m.id, channel.Kind(m.kind), msgAt, now)
		}
		if err := jobs.EnqueueMany(ctx, tx, js); err != nil {
			return err
		}
	}
	return nil
}

// deliverJob is the job of a delivery: SMS and ZNS wait for msgAt (the end
// of quiet hours), ZNS has its own attempts before the SMS fallback.
func (s *Service) deliverJob(id int64, k channel.Kind, msgAt, now time.Time) jobs.Job {
	at, max := now, 0
	switch k {
	case channel.SMS:
		at = msgAt
	case channel.ZNS:
		at, max = msgAt, s.opts.ZNSAttempts
	}
	p := []byte(`{"d":` + strconv.FormatInt(id, 10) + `}`)
	return jobs.Job{Kind: KindDeliver, Payload: p, RunAt: at, MaxAttempts: max}
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, id int64, k channel.Kind, msgAt, now time.Time) error {
	_, err := jobs.Enqueue(ctx, tx, s.deliverJob(id, k, msgAt, now))
	return err
}

// delivery is a delivery row with what sending it needs.
type delivery struct {
	id, bulletin, sub int64
	kind              channel.Kind
	commune, lang     string
	status            string
}

func (s *Service) loadDelivery(ctx context.Context, q db.Querier, id int64) (*delivery, error) {
	var d delivery
	var kind string
	err := q.QueryRowContext(ctx, "SELECT id, bulletin_id, subscriber_id, channel, commune_code, lang, status FROM outreach_deliveries WHERE id = $1", id).
		Scan(&d.id, &d.bulletin, &d.sub, &kind, &d.commune, &d.lang, &d.status)
	d.kind = channel.Kind(kind)
	return &d, err
}

// Deliver is the outreach.deliver job: it hands one delivery to its
// channel's gateway at the configured rate and records the outcome. A
// transient failure is recorded on the row (shown on the bulletin) and
// retried by the job; a ZNS delivery that fails for good is replaced by an
// SMS in the same transaction that records the failure.
func (s *Service) Deliver(ctx context.Context, j jobs.Job) error {
	var p deliverJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Delivery <= 0 {
		return jobs.Permanent(fmt.Errorf("outreach.deliver: bad payload %q", j.Payload))
	}
	d, err := s.loadDelivery(ctx, s.db.Reader(), p.Delivery)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	if d.status != DeliveryQueued {
		return nil
	}
	b, err := s.load(ctx, s.db.Reader(), d.bulletin)
	if err != nil {
		return err
	}
	if b.Status == Cancelled {
		return s.finish(ctx, d, DeliveryFailed, channel.Result{}, "Bản tin đã huỷ", false)
	}
	if d.kind == channel.Email {
		return s.deliverEmail(ctx, d, b)
	}
	sn, pace := s.sender(d.kind)
	if sn == nil {
		return s.finish(ctx, d, DeliveryFailed, channel.Result{}, "Kênh "+string(d.kind)+" chưa được cấu hình", false)
	}
	m, err := s.message(ctx, d, b)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Internal || apperr.CodeOf(err) == apperr.Unavailable {
			return err
		}
		return s.finish(ctx, d, DeliveryFailed, channel.Result{}, apperr.MessageOf(err), d.kind == channel.ZNS)
	}
	if err := pace.wait(ctx); err != nil {
		return err
	}
	res, err := sn.Send(ctx, m)
	if err == nil && !res.Accepted {
		err = channel.Permanent(errors.New(res.Detail))
	}
	at, later := channel.RetryAt(err)
	switch {
	case err == nil:
		return s.finish(ctx, d, DeliverySent, res, "", false)
	case later:
		// Quiet hours or a spent daily quota: not a failure. The row
		// says why it waits, and a new job runs at the moment asked.
		return s.db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "UPDATE outreach_deliveries SET last_error = $2, updated_at = $3 WHERE id = $1 AND status = 'queued'",
				d.id, clip(err.Error(), 500), db.Micros(s.opts.Now())); err != nil {
				return err
			}
			return s.enqueue(ctx, tx, d.id, d.kind, at, at)
		})
	case channel.IsPermanent(err) || j.Attempt >= j.MaxAttempts:
		ferr := s.finish(ctx, d, DeliveryFailed, res, err.Error(), d.kind == channel.ZNS)
		if ferr != nil || d.kind == channel.ZNS {
			return ferr
		}
		return jobs.Permanent(err)
	default:
		if _, uerr := s.db.Writer().ExecContext(ctx, "UPDATE outreach_deliveries SET attempts = $2, last_error = $3, updated_at = $4 WHERE id = $1",
			d.id, j.Attempt, clip(err.Error(), 500), db.Micros(s.opts.Now())); uerr != nil {
			s.opts.Logger.WarnContext(ctx, "outreach: record a failed attempt", "delivery", d.id, "err", uerr)
		}
		return err
	}
}

// message builds what the gateway receives.
func (s *Service) message(ctx context.Context, d *delivery, b *Bulletin) (channel.Message, error) {
	m := channel.Message{TrackingID: strconv.FormatInt(d.id, 10), Priority: b.Priority, Title: b.Title, ValidFrom: b.ValidFrom, ValidTo: b.ValidTo}
	switch d.kind {
	case channel.Loudspeaker:
		m.To = d.commune
		data, typ, err := s.programme(ctx, b)
		if err != nil {
			return m, err
		}
		m.Audio, m.AudioType, m.Text = data, typ, b.Body
		return m, nil
	}
	phone, err := s.phone(ctx, d.sub)
	if err != nil {
		return m, err
	}
	m.To = phone
	text := b.SMSText()
	c := smstext.Measure(text)
	m.Text, m.Coding = text, c.Encoding
	if d.kind == channel.ZNS {
		m.Template = s.opts.ZNSTemplate
		m.Params = map[string]string{"title": clip(b.Title, 100), "content": clip(b.Body, 400), "date": locale.FormatDate(b.SentAt)}
	}
	return m, nil
}

func (s *Service) phone(ctx context.Context, sub int64) (string, error) {
	var h, enc string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT phone_hash, phone_enc FROM outreach_subscribers WHERE id = $1", sub).Scan(&h, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.NotFound, "Người nhận đã bị xoá")
	} else if err != nil {
		return "", err
	}
	return s.box.open("phone", h, enc)
}

// programme is a bulletin's loudspeaker audio: the Vietnamese recording,
// else speech synthesised from the Vietnamese text (kept as the bulletin's
// audio, so every commune plays the same), else the first recording in
// another language.
func (s *Service) programme(ctx context.Context, b *Bulletin) ([]byte, string, error) {
	var data []byte
	var typ string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT data, media_type FROM outreach_audio WHERE bulletin_id = $1 ORDER BY CASE WHEN lang = 'vi' THEN 0 ELSE 1 END, lang LIMIT 1",
		b.ID).Scan(&data, &typ)
	if err == nil && (slices.Contains(b.AudioLangs, "vi") || s.opts.Synth == nil || !s.opts.Synth.Available()) {
		return data, typ, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", err
	}
	if s.opts.Synth == nil || !s.opts.Synth.Available() {
		return nil, "", apperr.New(apperr.Invalid, "Bản tin chưa có bản ghi âm và máy chủ không có bộ đọc tiếng Việt (espeak-ng)")
	}
	data, typ, err = s.opts.Synth.Speak(ctx, b.Title+". "+b.Body)
	if err != nil {
		return nil, "", apperr.Wrap(err, apperr.Unavailable, "Không tổng hợp được giọng đọc bản tin")
	}
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.storeAudio(ctx, tx, b.ID, "vi", typ, data, true) }); err != nil {
		return nil, "", err
	}
	return data, typ, nil
}

// deliverEmail renders the e-mail through notify in the row's transaction.
func (s *Service) deliverEmail(ctx context.Context, d *delivery, b *Bulletin) error {
	var email string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT email FROM outreach_subscribers WHERE id = $1", d.sub).Scan(&email); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if s.opts.Mail == nil || !s.opts.Mail.EmailEnabled() {
			return s.finishTx(ctx, tx, d, DeliveryFailed, channel.Result{}, "Thư điện tử chưa được cấu hình", false)
		}
		err := s.opts.Mail.Send(ctx, tx, notify.Message{To: email, Template: "outreach.bulletin", Data: map[string]string{
			"Title": b.Title, "Body": b.Body, "Login": email, "Unsubscribe": s.UnsubscribeLink(d.sub)}})
		if err != nil {
			return s.finishTx(ctx, tx, d, DeliveryFailed, channel.Result{}, apperr.MessageOf(err), false)
		}
		return s.finishTx(ctx, tx, d, DeliverySent, channel.Result{Accepted: true}, "", false)
	})
}

func (s *Service) finish(ctx context.Context, d *delivery, status string, res channel.Result, reason string, fallback bool) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error { return s.finishTx(ctx, tx, d, status, res, reason, fallback) })
}

// finishTx records a delivery's outcome; a failed ZNS with fallback set is
// replaced by an SMS (a new row and job); the bulletin becomes sent when no
// delivery of it is queued any more.
func (s *Service) finishTx(ctx context.Context, tx *sql.Tx, d *delivery, status string, res channel.Result, reason string, fallback bool) error {
	now := s.opts.Now()
	if fallback && status == DeliveryFailed && d.kind == channel.ZNS && s.has(channel.SMS) {
		status = DeliveryReplaced
	}
	var cost int64
	switch {
	case status != DeliverySent:
	case d.kind == channel.SMS:
		parts := res.Parts
		if parts == 0 {
			parts = 1
		}
		res.Parts, cost = parts, int64(parts)*s.opts.Prices.SMSSegment
	case d.kind == channel.ZNS:
		cost = s.opts.Prices.ZNS
	}
	r, err := tx.ExecContext(ctx, `UPDATE outreach_deliveries SET status = $2, provider_id = $3, parts = $4, cost = $5, last_error = $6,
		attempts = attempts + 1, updated_at = $7 WHERE id = $1 AND status = 'queued'`,
		d.id, status, res.ProviderID, res.Parts, cost, clip(reason, 500), db.Micros(now))
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return nil
	}
	if status == DeliveryReplaced {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO outreach_deliveries (bulletin_id, subscriber_id, channel, commune_code, lang, status, fallback_of,
			created_at, updated_at) VALUES ($1,$2,'sms',$3,$4,'queued',$5,$6,$6) RETURNING id`, d.bulletin, d.sub, d.commune, d.lang, d.id, db.Micros(now)).Scan(&id); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, id, channel.SMS, now, now)
	}
	_, err = tx.ExecContext(ctx, `UPDATE outreach_bulletins SET status = 'sent', version = version + 1 WHERE id = $1 AND status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM outreach_deliveries WHERE bulletin_id = $1 AND status = 'queued')`, d.bulletin)
	return err
}

// Report records a gateway's delivery report on its delivery (the
// channel.ReportSink of the adapters' report handlers). A ZNS message
// reported undelivered falls back to SMS.
func (s *Service) Report(ctx context.Context, r channel.Report) error {
	if strings.HasPrefix(r.TrackingID, "otp-") {
		return nil // a one-time code's report: nothing to record
	}
	id, err := strconv.ParseInt(r.TrackingID, 10, 64)
	if err != nil || id <= 0 {
		return apperr.FieldError("tracking_id", "Mã theo dõi tin nhắn không hợp lệ")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		d, err := s.loadDelivery(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "Không có tin nhắn mã %d", id)
		} else if err != nil {
			return err
		}
		if d.status != DeliverySent && d.status != DeliveryQueued {
			return nil
		}
		if r.Interim {
			// Accepted or buffered by the operator: still on its way; only
			// the operator's id is worth keeping.
			_, err := tx.ExecContext(ctx, `UPDATE outreach_deliveries SET provider_id = CASE WHEN provider_id = '' THEN $2 ELSE provider_id END
				WHERE id = $1`, id, r.ProviderID)
			return err
		}
		status, reason := DeliveryDelivered, ""
		if !r.Delivered {
			status, reason = DeliveryFailed, clip(strings.TrimSpace(r.Status+" "+r.Detail), 500)
			if d.kind == channel.ZNS && s.has(channel.SMS) {
				status = DeliveryReplaced
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outreach_deliveries SET status = $2, last_error = $3, provider_id = CASE WHEN provider_id = '' THEN $4 ELSE provider_id END,
			updated_at = $5 WHERE id = $1`, id, status, reason, r.ProviderID, db.Micros(s.opts.Now())); err != nil {
			return err
		}
		if status == DeliveryReplaced {
			var nid int64
			now := s.opts.Now()
			if err := tx.QueryRowContext(ctx, `INSERT INTO outreach_deliveries (bulletin_id, subscriber_id, channel, commune_code, lang, status, fallback_of,
				created_at, updated_at) VALUES ($1,$2,'sms',$3,$4,'queued',$5,$6,$6) RETURNING id`, d.bulletin, d.sub, d.commune, d.lang, d.id, db.Micros(now)).Scan(&nid); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE outreach_bulletins SET status = 'sending' WHERE id = $1 AND status = 'sent'", d.bulletin); err != nil {
				return err
			}
			return s.enqueue(ctx, tx, nid, channel.SMS, now, now)
		}
		return nil
	})
}

// SendOTP is the outreach.otp job: the one-time code by SMS.
func (s *Service) SendOTP(ctx context.Context, j jobs.Job) error {
	var p otpJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Subscriber <= 0 {
		return jobs.Permanent(fmt.Errorf("outreach.otp: bad payload %q", j.Payload))
	}
	var sealed string
	var expires int64
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT otp_enc, otp_expires FROM outreach_subscribers WHERE id = $1", p.Subscriber).Scan(&sealed, &expires); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	if sealed == "" || expires < db.Micros(s.opts.Now()) {
		return nil
	}
	code, err := s.box.open("otp", strconv.FormatInt(p.Subscriber, 10), sealed)
	if err != nil {
		return err
	}
	phone, err := s.phone(ctx, p.Subscriber)
	if err != nil {
		return err
	}
	sn, pace := s.sender(channel.SMS)
	if sn == nil {
		return jobs.Permanent(errors.New("chưa cấu hình cổng SMS: không gửi được mã xác nhận"))
	}
	if err := pace.wait(ctx); err != nil {
		return err
	}
	_, err = sn.Send(ctx, channel.Message{TrackingID: "otp-" + strconv.FormatInt(p.Subscriber, 10), To: phone, Priority: PriorityHigh,
		Text: "Ma xac nhan dang ky nhan ban tin: " + code + " (hieu luc 10 phut)", Coding: smstext.GSM7})
	if channel.IsPermanent(err) {
		return jobs.Permanent(err)
	}
	return err
}

// DeliveryRow is one delivery as the bulletin's page lists it.
type DeliveryRow struct {
	ID          int64     `json:"id"`
	Channel     string    `json:"channel"`
	CommuneCode string    `json:"commune_code"`
	Lang        string    `json:"lang"`
	Phone       string    `json:"phone,omitempty"` // masked
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	Parts       int       `json:"parts"`
	Cost        int64     `json:"cost"`
	Error       string    `json:"error,omitempty"`
	FallbackOf  int64     `json:"fallback_of,omitempty"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// DeliverySummary counts a bulletin's deliveries by channel and status.
type DeliverySummary struct {
	Counts map[string]map[string]int `json:"counts"` // channel → status → n
	Cost   int64                     `json:"cost"`
	Rows   []DeliveryRow             `json:"rows"` // failures and retries first, at most limit
}

// Deliveries summarises a bulletin's deliveries and lists those failed or
// being retried first (at most limit rows).
func (s *Service) Deliveries(ctx context.Context, a *actor.Actor, id int64, limit int) (*DeliverySummary, error) {
	if _, err := s.Get(ctx, a, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	out := &DeliverySummary{Counts: map[string]map[string]int{}}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT channel, status, count(*), COALESCE(sum(cost), 0) FROM outreach_deliveries WHERE bulletin_id = $1 GROUP BY channel, status", id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ch, st string
		var n int
		var cost int64
		if err := rows.Scan(&ch, &st, &n, &cost); err != nil {
			rows.Close()
			return nil, err
		}
		if out.Counts[ch] == nil {
			out.Counts[ch] = map[string]int{}
		}
		out.Counts[ch][st] = n
		out.Cost += cost
	}
	rows.Close()
	rows, err = s.db.Reader().QueryContext(ctx, `SELECT id, subscriber_id, channel, commune_code, lang, status, attempts, parts, cost, last_error, fallback_of, updated_at
		FROM outreach_deliveries WHERE bulletin_id = $1
		ORDER BY CASE WHEN status = 'failed' THEN 0 WHEN last_error <> '' THEN 1 ELSE 2 END, id LIMIT $2`, id, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r DeliveryRow
		var sub, up int64
		if err := rows.Scan(&r.ID, &sub, &r.Channel, &r.CommuneCode, &r.Lang, &r.Status, &r.Attempts, &r.Parts, &r.Cost, &r.Error, &r.FallbackOf, &up); err != nil {
			return nil, err
		}
		r.UpdatedAt = fromMicros(up)
		if sub != 0 {
			if p, err := s.phone(ctx, sub); err == nil {
				r.Phone = maskPhone(p)
			}
		}
		out.Rows = append(out.Rows, r)
	}
	return out, rows.Err()
}
