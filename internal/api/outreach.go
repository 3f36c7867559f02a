package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach"
)

// Bulletins to residents (outreach):
//
//	POST /api/v1/bulletins/preview            SMS encodings, parts and the spoken text (previewBulletin)
//	POST /api/v1/bulletins                    an outreach officer drafts a bulletin (createBulletin)
//	GET  /api/v1/bulletins/{id}               a bulletin with its reach and cost (getBulletin)
//	POST /api/v1/bulletins/{id}/submit        sent for approval (submitBulletin)
//	POST /api/v1/bulletins/{id}/approve       a leader approves (approveBulletin)
//	POST /api/v1/bulletins/{id}/send          sent; an emergency by a leader at once (sendBulletin)
//	GET  /api/v1/bulletins/{id}/deliveries    deliveries by channel and status, failures first (bulletinDeliveries)
//	GET  /api/v1/bulletins/{id}/audio         the audio of a language, ?lang=vi (bulletinAudio)
//	GET  /api/v1/bulletins/stats              figures of the caller's agency (bulletinStats)
//	POST /api/v1/subscriptions                a resident subscribes; a code comes by SMS (subscribe)
//	POST /api/v1/subscriptions/{id}/confirm   the code (confirmSubscription)
//	POST /api/v1/subscriptions/unsubscribe    a signed link's token (unsubscribe)
func (a *API) outreachRoutes() []route {
	return []route{
		{"POST", "/api/v1/bulletins/preview", a.previewBulletin},
		{"POST", "/api/v1/bulletins", a.createBulletin},
		{"GET", "/api/v1/bulletins/stats", a.bulletinStats},
		{"GET", "/api/v1/bulletins/{id}", a.getBulletin},
		{"POST", "/api/v1/bulletins/{id}/submit", a.submitBulletin},
		{"POST", "/api/v1/bulletins/{id}/approve", a.approveBulletin},
		{"POST", "/api/v1/bulletins/{id}/send", a.sendBulletin},
		{"GET", "/api/v1/bulletins/{id}/deliveries", a.bulletinDeliveries},
		{"GET", "/api/v1/bulletins/{id}/audio", a.bulletinAudio},
		{"POST", "/api/v1/subscriptions", a.subscribe},
		{"POST", "/api/v1/subscriptions/{id}/confirm", a.confirmSubscription},
		{"POST", "/api/v1/subscriptions/unsubscribe", a.unsubscribe},
	}
}

// maxBulletinBody bounds a bulletin request: the text, title and up to
// nine translations of 4 KB each, escaped.
const maxBulletinBody = 128 << 10

func (a *API) outreachSvc(w http.ResponseWriter, r *http.Request) *outreach.Service {
	if a.deps.Outreach == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ bản tin chưa được bật"))
	}
	return a.deps.Outreach
}

func (a *API) previewBulletin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r.Body, &body, 32<<10, `{"text": "…"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	p, err := outreach.PreviewText(body.Text)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, p)
}

type bulletinBody struct {
	AgencyID     int64                  `json:"agency_id"`
	Title        string                 `json:"title"`
	Body         string                 `json:"body"`
	Priority     int                    `json:"priority"`
	SMSPlain     bool                   `json:"sms_plain"`
	Communes     []string               `json:"communes"`
	Groups       []string               `json:"groups"`
	Villages     string                 `json:"villages"`
	ValidFrom    string                 `json:"valid_from"` // dd/mm/yyyy
	ValidTo      string                 `json:"valid_to"`
	Translations []outreach.Translation `json:"translations"`
}

func parseVNDate(field, s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("02/01/2006", s, locale.VN)
	if err != nil {
		return time.Time{}, apperr.FieldError(field, "Ngày %q không hợp lệ: ghi dd/mm/yyyy", clipText(s, 20))
	}
	if endOfDay {
		t = t.Add(24*time.Hour - time.Microsecond)
	}
	return t.UTC(), nil
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (a *API) createBulletin(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	var body bulletinBody
	if err := decodeJSON(r.Body, &body, maxBulletinBody, `{"title", "body", "priority", "sms_plain", "communes": ["02839"], "translations": [{"lang", "body"}]}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	from, err := parseVNDate("valid_from", body.ValidFrom, false)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	to, err := parseVNDate("valid_to", body.ValidTo, true)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	b, err := svc.Create(r.Context(), actor.From(r.Context()), outreach.DraftRequest{AgencyID: body.AgencyID, Title: body.Title, Body: body.Body,
		Priority: body.Priority, SMSPlain: body.SMSPlain, Communes: body.Communes, Groups: body.Groups, Villages: body.Villages,
		ValidFrom: from, ValidTo: to, Translations: body.Translations})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, b)
}

func bulletinID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.FieldError("id", "Mã phải là số nguyên dương")
	}
	return id, nil
}

func (a *API) getBulletin(w http.ResponseWriter, r *http.Request) {
	a.bulletinStep(w, r, func(s *outreach.Service, id int64) (any, error) {
		b, err := s.Get(r.Context(), actor.From(r.Context()), id)
		if err != nil {
			return nil, err
		}
		reach, err := s.Reach(r.Context(), actor.From(r.Context()), id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"bulletin": b, "reach": reach}, nil
	})
}

func (a *API) bulletinStep(w http.ResponseWriter, r *http.Request, step func(*outreach.Service, int64) (any, error)) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	id, err := bulletinID(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out, err := step(svc, id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, out)
}

func (a *API) submitBulletin(w http.ResponseWriter, r *http.Request) {
	a.bulletinStep(w, r, func(s *outreach.Service, id int64) (any, error) {
		return s.Submit(r.Context(), actor.From(r.Context()), id)
	})
}

func (a *API) approveBulletin(w http.ResponseWriter, r *http.Request) {
	a.bulletinStep(w, r, func(s *outreach.Service, id int64) (any, error) {
		return s.Approve(r.Context(), actor.From(r.Context()), id)
	})
}

// sendBulletin sends an approved bulletin; ?emergency=1 is a leader's
// sending of an emergency bulletin at once.
func (a *API) sendBulletin(w http.ResponseWriter, r *http.Request) {
	a.bulletinStep(w, r, func(s *outreach.Service, id int64) (any, error) {
		send := s.Send
		if r.URL.Query().Get("emergency") == "1" {
			send = s.SendEmergency
		}
		b, reach, err := send(r.Context(), actor.From(r.Context()), id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"bulletin": b, "reach": reach}, nil
	})
}

func (a *API) bulletinDeliveries(w http.ResponseWriter, r *http.Request) {
	a.bulletinStep(w, r, func(s *outreach.Service, id int64) (any, error) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		return s.Deliveries(r.Context(), actor.From(r.Context()), id, limit)
	})
}

func (a *API) bulletinAudio(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	id, err := bulletinID(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "vi"
	}
	data, typ, err := svc.Audio(r.Context(), actor.From(r.Context()), id, lang)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (a *API) bulletinStats(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	act := actor.From(r.Context())
	agency, _ := strconv.ParseInt(r.URL.Query().Get("agency_id"), 10, 64)
	if agency == 0 && act != nil {
		agency = act.AgencyID
	}
	st, err := svc.Stats(r.Context(), act, agency)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, st)
}

// SubscriptionsPerAddress bounds the subscriptions one client address
// starts in identity's counting window (10 minutes by default).
const SubscriptionsPerAddress = 5

func (a *API) subscribe(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	var body struct {
		Phone       string `json:"phone"`
		CommuneCode string `json:"commune_code"`
		Lang        string `json:"lang"`
		Email       string `json:"email"`
		EthnicGroup string `json:"ethnic_group"`
		Village     string `json:"village"`
		Zalo        bool   `json:"zalo"`
	}
	if err := decodeJSON(r.Body, &body, 8<<10, `{"phone": "09…", "commune_code": "02839", "lang": "vi"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	// Each subscription sends an SMS the platform pays for: an address
	// starts only a few in the counting window.
	if a.deps.Identity != nil {
		if err := a.deps.Identity.Throttle(r.Context(), "outreach.subscribe:ip:"+identityhttp.ClientIP(r), SubscriptionsPerAddress); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	id, err := svc.Subscribe(r.Context(), outreach.Subscription{Phone: body.Phone, CommuneCode: body.CommuneCode, Lang: body.Lang,
		Email: body.Email, EthnicGroup: body.EthnicGroup, Village: body.Village, Zalo: body.Zalo})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusAccepted, map[string]any{"id": id, "status": outreach.SubPending,
		"message": "Mã xác nhận đã được gửi bằng tin nhắn; nhập mã trong 10 phút"})
}

func (a *API) confirmSubscription(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	id, err := bulletinID(r)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	var body struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(r.Body, &body, 1<<10, `{"code": "123456"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := svc.Confirm(r.Context(), id, body.Code); err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"id": id, "status": outreach.SubActive})
}

func (a *API) unsubscribe(w http.ResponseWriter, r *http.Request) {
	svc := a.outreachSvc(w, r)
	if svc == nil {
		return
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(r.Body, &body, 1<<10, `{"token": "…"}`); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := svc.Unsubscribe(r.Context(), body.Token); err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"status": outreach.SubUnsubscribed})
}
