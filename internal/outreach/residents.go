package outreach

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

// One-time codes: how long one lives, how many wrong tries lock the
// subscription, and for how long.
const (
	OTPLifetime = 10 * time.Minute
	OTPMaxTries = 5
	OTPLockout  = 30 * time.Minute
	// OTPResendAfter is how long a number waits before another code.
	OTPResendAfter = time.Minute
	// OTPPerNumber bounds the codes one number receives within
	// OTPLifetime, whatever the communes asked for, so that nobody floods
	// a stranger's phone by subscribing it to commune after commune.
	OTPPerNumber = 3
)

// Subscriber statuses.
const (
	SubPending      = "pending"
	SubActive       = "active"
	SubUnsubscribed = "unsubscribed"
)

// DefaultConsentPurpose is what a resident consents to (Law 91/2025/QH15:
// the purpose of processing is stated when consent is given).
const DefaultConsentPurpose = "Nhận bản tin, thông báo của chính quyền xã qua tin nhắn, Zalo và thư điện tử; có thể huỷ bất cứ lúc nào"

// Subscription is what a resident (or an officer for them) asks.
type Subscription struct {
	Phone       string
	CommuneCode string
	Lang        string // vi when empty
	Email       string
	EthnicGroup string
	Village     string
	Zalo        bool // linked to Zalo and consents to ZNS messages
	// Purpose and ConsentAt record the consent an officer collected; a
	// resident's own subscription consents to DefaultConsentPurpose.
	Purpose   string
	ConsentAt time.Time
}

// Resident is a subscriber as the commune's outreach officers see it.
type Resident struct {
	ID          int64     `json:"id"`
	Phone       string    `json:"phone"`
	CommuneCode string    `json:"commune_code"`
	Lang        string    `json:"lang"`
	Email       string    `json:"email,omitempty"`
	EthnicGroup string    `json:"ethnic_group,omitempty"`
	Village     string    `json:"village,omitempty"`
	Zalo        bool      `json:"zalo"`
	Status      string    `json:"status"`
	Source      string    `json:"source"`
	Purpose     string    `json:"consent_purpose"`
	ConsentAt   time.Time `json:"consent_at,omitzero"`
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
}

func (s *Service) checkSubscription(ctx context.Context, sub *Subscription) error {
	p, err := onestop.NormalizePhone(sub.Phone)
	if err != nil {
		return apperr.FieldError("phone", "Số điện thoại không phải số di động Việt Nam: %s", apperr.MessageOf(err))
	}
	sub.Phone = p
	sub.CommuneCode = strings.TrimSpace(sub.CommuneCode)
	if len(sub.CommuneCode) != 5 || strings.Trim(sub.CommuneCode, "0123456789") != "" {
		return apperr.FieldError("commune_code", "Mã xã, phường phải gồm 5 chữ số")
	}
	if u, err := s.opts.Org.AdminUnit(ctx, sub.CommuneCode, org.Date{}); apperr.Is(err, apperr.NotFound) || (err == nil && u.Level != org.LevelCommune) {
		return apperr.FieldError("commune_code", "Không có xã, phường mã %s", sub.CommuneCode)
	} else if err != nil {
		return err
	}
	if sub.Lang == "" {
		sub.Lang = "vi"
	}
	if _, ok := s.langs[sub.Lang]; !ok {
		return apperr.FieldError("lang", "Ngôn ngữ %q không có trong danh sách", clip(sub.Lang, 12))
	}
	sub.Email, sub.EthnicGroup, sub.Village = strings.TrimSpace(sub.Email), locale.NFC(sub.EthnicGroup), locale.NFC(sub.Village)
	if len(sub.Email) > 200 || (sub.Email != "" && !strings.Contains(sub.Email, "@")) {
		return apperr.FieldError("email", "Địa chỉ thư điện tử không hợp lệ")
	}
	if len(sub.EthnicGroup) > 50 || len(sub.Village) > 200 {
		return apperr.FieldError("village", "Tên dân tộc hoặc thôn, bản quá dài")
	}
	sub.Purpose = locale.NFC(sub.Purpose)
	if len(sub.Purpose) > 500 {
		return apperr.FieldError("consent_purpose", "Mục đích xử lý dữ liệu quá dài (tối đa 500 byte)")
	}
	return nil
}

// otpJob is the payload of outreach.otp: the subscriber whose sealed code
// is to be sent.
type otpJob struct {
	Subscriber int64 `json:"s"`
}

func newOTP() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1000000))
	if err != nil {
		panic("outreach: crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// Subscribe starts a resident's own subscription: the row waits (pending)
// for the one-time code sent by SMS in the same transaction's job. It
// returns the subscription's id, which confirmation names. Asking again
// for the same number and commune sends a new code, unless locked.
func (s *Service) Subscribe(ctx context.Context, sub Subscription) (int64, error) {
	if err := s.checkSubscription(ctx, &sub); err != nil {
		return 0, err
	}
	now := s.opts.Now()
	h := s.box.hash(sub.Phone)
	code := newOTP()
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var recent int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM outreach_subscribers WHERE phone_hash = $1 AND otp_expires > $2",
			h, db.Micros(now)).Scan(&recent); err != nil {
			return err
		}
		if recent >= OTPPerNumber {
			return apperr.New(apperr.TooMany, "Số điện thoại này vừa nhận %d mã xác nhận; thử lại sau %d phút", recent, int(OTPLifetime.Minutes()))
		}
		var status string
		var locked, expires int64
		err := tx.QueryRowContext(ctx, "SELECT id, status, otp_locked_until, otp_expires FROM outreach_subscribers WHERE phone_hash = $1 AND commune_code = $2",
			h, sub.CommuneCode).Scan(&id, &status, &locked, &expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = tx.QueryRowContext(ctx, `INSERT INTO outreach_subscribers (commune_code, lang, phone_hash, phone_enc, email, ethnic_group, village, zalo,
				status, source, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'pending','self',$9) RETURNING id`,
				sub.CommuneCode, sub.Lang, h, s.box.seal("phone", h, sub.Phone), sub.Email, sub.EthnicGroup, sub.Village, boolInt(sub.Zalo), db.Micros(now)).Scan(&id)
			if err != nil {
				return err
			}
		case err != nil:
			return err
		case locked > db.Micros(now):
			return apperr.New(apperr.TooMany, "Đã nhập sai mã xác nhận quá %d lần; thử lại sau %s", OTPMaxTries, locale.FormatDateTime(fromMicros(locked)))
		case status == SubActive:
			return apperr.New(apperr.Conflict, "Số điện thoại này đã đăng ký nhận tin của xã, phường này")
		case expires-OTPLifetime.Microseconds()+OTPResendAfter.Microseconds() > db.Micros(now):
			// A code was sent less than a minute ago: no SMS flood to a number.
			return apperr.New(apperr.TooMany, "Mã xác nhận vừa được gửi; chờ một phút rồi thử lại")
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE outreach_subscribers SET lang = $2, email = $3, ethnic_group = $4, village = $5, zalo = $6,
				status = 'pending' WHERE id = $1`, id, sub.Lang, sub.Email, sub.EthnicGroup, sub.Village, boolInt(sub.Zalo)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE outreach_subscribers SET otp_enc = $2, otp_expires = $3, otp_tries = 0 WHERE id = $1",
			id, s.box.seal("otp", strconv.FormatInt(id, 10), code), db.Micros(now.Add(OTPLifetime))); err != nil {
			return err
		}
		p, _ := json.Marshal(otpJob{Subscriber: id})
		if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindOTP, Payload: p, RunAt: now, MaxAttempts: 5}); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "outreach.subscriber.subscribe", ObjectType: "outreach_subscriber",
			ObjectID: strconv.FormatInt(id, 10), Summary: map[string]any{"commune": sub.CommuneCode, "lang": sub.Lang}})
	})
	return id, err
}

// Confirm checks a subscription's one-time code. A wrong code counts; the
// fifth locks the subscription for OTPLockout.
func (s *Service) Confirm(ctx context.Context, id int64, code string) error {
	code = strings.TrimSpace(code)
	now := s.opts.Now()
	var wrong error
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var status, sealed string
		var expires, tries, locked int64
		err := tx.QueryRowContext(ctx, "SELECT status, otp_enc, otp_expires, otp_tries, otp_locked_until FROM outreach_subscribers WHERE id = $1", id).
			Scan(&status, &sealed, &expires, &tries, &locked)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, "Không tìm thấy đăng ký #%d", id)
		} else if err != nil {
			return err
		}
		switch {
		case status == SubActive:
			return nil
		case locked > db.Micros(now):
			return apperr.New(apperr.TooMany, "Đã nhập sai mã xác nhận quá %d lần; thử lại sau %s", OTPMaxTries, locale.FormatDateTime(fromMicros(locked)))
		case sealed == "" || expires < db.Micros(now):
			return apperr.New(apperr.Invalid, "Mã xác nhận đã hết hạn; hãy đăng ký lại để nhận mã mới")
		}
		want, err := s.box.open("otp", strconv.FormatInt(id, 10), sealed)
		if err != nil {
			return err
		}
		if len(code) != 6 || subtle.ConstantTimeCompare([]byte(code), []byte(want)) != 1 {
			tries++
			lock := int64(0)
			wrong = apperr.FieldError("code", "Mã xác nhận không đúng (còn %d lần thử)", OTPMaxTries-tries)
			if tries >= OTPMaxTries {
				lock = db.Micros(now.Add(OTPLockout))
				wrong = apperr.New(apperr.TooMany, "Đã nhập sai mã xác nhận %d lần; thử lại sau %s", OTPMaxTries, locale.FormatDateTime(now.Add(OTPLockout)))
				tries = 0
				if _, err := tx.ExecContext(ctx, "UPDATE outreach_subscribers SET otp_enc = '' WHERE id = $1", id); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, "UPDATE outreach_subscribers SET otp_tries = $2, otp_locked_until = $3 WHERE id = $1", id, tries, lock)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outreach_subscribers SET status = 'active', otp_enc = '', otp_tries = 0, consent_purpose = $2,
			consent_at = $3, withdrawn_at = 0 WHERE id = $1`, id, DefaultConsentPurpose, db.Micros(now)); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "outreach.subscriber.confirm", ObjectType: "outreach_subscriber", ObjectID: strconv.FormatInt(id, 10)})
	})
	if err != nil {
		return err
	}
	return wrong
}

// communeAgency checks that a resident's commune is the one served by the
// officer's agency (or one it covers) and returns that agency.
func (s *Service) residentsResource(ctx context.Context, agencyID int64) (access.Resource, string, error) {
	g, err := s.opts.Org.Agency(ctx, agencyID, org.Date{})
	if err != nil {
		return access.Resource{}, "", err
	}
	return access.Resource{Type: "outreach_residents", ID: g.AdminUnitCode, AgencyID: agencyID, PersonalData: false}, g.AdminUnitCode, nil
}

// RegisterResident is the commune officer's registration of a resident who gave
// consent in person (purpose and time recorded).
func (s *Service) RegisterResident(ctx context.Context, a *actor.Actor, sub Subscription) (*Resident, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Cần đăng nhập")
	}
	res, commune, err := s.residentsResource(ctx, a.AgencyID)
	if err != nil {
		return nil, err
	}
	if err := access.Can(ctx, a, access.OutreachResidents, res).Err(); err != nil {
		return nil, err
	}
	if sub.CommuneCode == "" {
		sub.CommuneCode = commune
	}
	if err := s.checkSubscription(ctx, &sub); err != nil {
		return nil, err
	}
	if sub.CommuneCode != commune {
		return nil, apperr.FieldError("commune_code", "Chỉ đăng ký người dân của xã, phường mình (%s)", commune)
	}
	now := s.opts.Now()
	if sub.ConsentAt.IsZero() {
		sub.ConsentAt = now
	}
	if sub.Purpose == "" {
		sub.Purpose = DefaultConsentPurpose
	}
	h := s.box.hash(sub.Phone)
	r := &Resident{Phone: sub.Phone, CommuneCode: sub.CommuneCode, Lang: sub.Lang, Email: sub.Email, EthnicGroup: sub.EthnicGroup,
		Village: sub.Village, Zalo: sub.Zalo, Status: SubActive, Source: "officer", Purpose: sub.Purpose, ConsentAt: sub.ConsentAt}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO outreach_subscribers (commune_code, lang, phone_hash, phone_enc, email, ethnic_group, village, zalo,
			status, source, consent_purpose, consent_at, registered_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'active','officer',$9,$10,$11,$12)
			ON CONFLICT (phone_hash, commune_code) DO UPDATE SET lang = excluded.lang, email = excluded.email, ethnic_group = excluded.ethnic_group,
			village = excluded.village, zalo = excluded.zalo, status = 'active', consent_purpose = excluded.consent_purpose,
			consent_at = excluded.consent_at, withdrawn_at = 0, registered_by = excluded.registered_by RETURNING id`,
			sub.CommuneCode, sub.Lang, h, s.box.seal("phone", h, sub.Phone), sub.Email, sub.EthnicGroup, sub.Village, boolInt(sub.Zalo),
			sub.Purpose, db.Micros(sub.ConsentAt), a.AccountID, db.Micros(now)).Scan(&r.ID)
		if err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "outreach.subscriber.register", ObjectType: "outreach_subscriber",
			ObjectID: strconv.FormatInt(r.ID, 10), Summary: map[string]any{"commune": sub.CommuneCode, "lang": sub.Lang}})
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Residents lists the subscribers of the officer's commune with their
// numbers (outreach officers of the commune only).
func (s *Service) Residents(ctx context.Context, a *actor.Actor, agencyID int64) ([]Resident, error) {
	res, commune, err := s.residentsResource(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	if err := access.Can(ctx, a, access.OutreachResidents, res).Err(); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, phone_hash, phone_enc, commune_code, lang, email, ethnic_group, village, zalo, status, source,
		consent_purpose, consent_at, withdrawn_at FROM outreach_subscribers WHERE commune_code = $1 ORDER BY id LIMIT 5000`, commune)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Resident
	for rows.Next() {
		var r Resident
		var h, enc string
		var zalo int
		var ca, wa int64
		if err := rows.Scan(&r.ID, &h, &enc, &r.CommuneCode, &r.Lang, &r.Email, &r.EthnicGroup, &r.Village, &zalo, &r.Status, &r.Source,
			&r.Purpose, &ca, &wa); err != nil {
			return nil, err
		}
		if r.Phone, err = s.box.open("phone", h, enc); err != nil {
			return nil, err
		}
		r.Zalo, r.ConsentAt, r.WithdrawnAt = zalo == 1, fromMicros(ca), fromMicros(wa)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UnsubscribeToken is the signed token of a subscriber's unsubscribe link.
func (s *Service) UnsubscribeToken(id int64) string { return s.box.token(id) }

// UnsubscribeLink is the link put in messages.
func (s *Service) UnsubscribeLink(id int64) string {
	return s.opts.BaseURL + "/outreach/unsubscribe?t=" + s.box.token(id)
}

// Unsubscribe withdraws consent through a signed link's token.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	id, ok := s.box.checkToken(strings.TrimSpace(token))
	if !ok {
		return apperr.FieldError("token", "Liên kết huỷ đăng ký không hợp lệ")
	}
	_, err := s.withdraw(ctx, "id = $1", id, "link")
	return err
}

// withdraw marks the matching subscriptions unsubscribed (consent
// withdrawn now) and returns how many changed.
func (s *Service) withdraw(ctx context.Context, where string, arg any, how string) (int64, error) {
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE outreach_subscribers SET status = 'unsubscribed', withdrawn_at = $2 WHERE status <> 'unsubscribed' AND "+where,
			arg, db.Micros(s.opts.Now()))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "outreach.subscriber.unsubscribe", ObjectType: "outreach_subscriber",
			Summary: map[string]any{"by": how, "count": n}})
	})
	return n, err
}

// InboundSMS handles a text a resident sent to the service number (Kannel's
// sms-service get-url): "HUY" (any case, with or without diacritics)
// withdraws every subscription of the number. It returns the reply text.
func (s *Service) InboundSMS(ctx context.Context, from, text string) (string, error) {
	phone, err := onestop.NormalizePhone(from)
	if err != nil {
		return "", apperr.FieldError("phone", "Số gửi đến không phải số di động Việt Nam")
	}
	word := strings.ToUpper(locale.Fold(strings.TrimSpace(text)))
	if f := strings.Fields(word); len(f) == 0 || f[0] != "HUY" {
		return "Soan HUY gui so nay de huy nhan ban tin cua chinh quyen.", nil
	}
	n, err := s.withdraw(ctx, "phone_hash = $1", s.box.hash(phone), "sms")
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "So cua ban khong dang ky nhan ban tin.", nil
	}
	return "Da huy nhan ban tin. Cam on ban.", nil
}

// MaxBulk bounds one bulk registration.
const MaxBulk = 200000

// BulkRegister registers residents who gave their consent to the commune's
// officer in one transaction (an import of a list kept by the commune):
// every row is checked first, and one bad row stores nothing, its error
// naming the row.
func (s *Service) BulkRegister(ctx context.Context, a *actor.Actor, subs []Subscription) (int, error) {
	if a == nil {
		return 0, apperr.New(apperr.Unauthorized, "Cần đăng nhập")
	}
	if len(subs) > MaxBulk {
		return 0, apperr.FieldError("residents", "Tối đa %d người mỗi lần", MaxBulk)
	}
	res, commune, err := s.residentsResource(ctx, a.AgencyID)
	if err != nil {
		return 0, err
	}
	if err := access.Can(ctx, a, access.OutreachResidents, res).Err(); err != nil {
		return 0, err
	}
	now := s.opts.Now()
	checked := map[string]bool{}
	for i := range subs {
		sub := &subs[i]
		if sub.CommuneCode == "" {
			sub.CommuneCode = commune
		}
		if sub.CommuneCode != commune {
			return 0, apperr.FieldError(fmt.Sprintf("residents[%d].commune_code", i), "Chỉ đăng ký người dân của xã, phường mình (%s)", commune)
		}
		p, err := onestop.NormalizePhone(sub.Phone)
		if err != nil {
			return 0, apperr.FieldError(fmt.Sprintf("residents[%d].phone", i), "Số điện thoại không phải số di động Việt Nam: %s", apperr.MessageOf(err))
		}
		sub.Phone = p
		if sub.Lang == "" {
			sub.Lang = "vi"
		}
		if _, ok := s.langs[sub.Lang]; !ok {
			return 0, apperr.FieldError(fmt.Sprintf("residents[%d].lang", i), "Ngôn ngữ %q không có trong danh sách", clip(sub.Lang, 12))
		}
		if !checked[sub.CommuneCode] {
			if err := s.checkSubscription(ctx, sub); err != nil {
				return 0, err
			}
			checked[sub.CommuneCode] = true
		}
		if sub.Purpose == "" {
			sub.Purpose = DefaultConsentPurpose
		}
		if sub.ConsentAt.IsZero() {
			sub.ConsentAt = now
		}
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		const batch = 200
		for start := 0; start < len(subs); start += batch {
			part := subs[start:min(start+batch, len(subs))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO outreach_subscribers (commune_code, lang, phone_hash, phone_enc, email, ethnic_group, village, zalo,
				status, source, consent_purpose, consent_at, registered_by, created_at) VALUES `)
			args := make([]any, 0, len(part)*12+2)
			args = append(args, a.AccountID, db.Micros(now))
			for i, sub := range part {
				if i > 0 {
					sb.WriteByte(',')
				}
				n := len(args)
				fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,'active','officer',$%d,$%d,$1,$2)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
				h := s.box.hash(sub.Phone)
				args = append(args, sub.CommuneCode, sub.Lang, h, s.box.seal("phone", h, sub.Phone), sub.Email, sub.EthnicGroup, sub.Village,
					boolInt(sub.Zalo), sub.Purpose, db.Micros(sub.ConsentAt))
			}
			sb.WriteString(" ON CONFLICT (phone_hash, commune_code) DO NOTHING")
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return err
			}
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "outreach.subscriber.import", ObjectType: "outreach_subscriber",
			ObjectID: commune, Summary: map[string]any{"commune": commune, "count": len(subs)}})
	})
	if err != nil {
		return 0, err
	}
	return len(subs), nil
}
