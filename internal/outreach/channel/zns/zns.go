// Package zns sends Zalo Notification Service (ZNS) template messages and
// receives their delivery events.
//
// The shapes follow Zalo's public developer documentation and third-party
// client code, and everything that may differ is configurable (base URL,
// which error codes are retried or mean an exhausted quota):
//
//	POST {base}/message/template, header access_token: <OA access token>
//	{"phone":"84987654321","template_id":"…","template_data":{…},"tracking_id":"…"}
//	→ {"error":0,"message":"Success","data":{"msg_id":"…","sent_time":"…",
//	   "quota":{"dailyQuota":"500","remainingQuota":"499"}}}
//
// A non-zero error is permanent unless its code is listed as retryable or
// as an exhausted quota (then the message waits until midnight, Vietnam
// time, when the daily quota renews). Delivery arrives on the OA's webhook
// as the event user_received_message (message.msg_id, message.tracking_id,
// message.delivery_time), signed in the header X-ZEvent-Signature:
// mac=<hex SHA-256 of app_id + raw body + timestamp + OA secret key> (a
// plain hash, not an HMAC; timestamp is the body's field), checked in
// constant time.
package zns

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

// DefaultBaseURL is Zalo's business API.
const DefaultBaseURL = "https://business.openapi.zalo.me"

// Config configures the adapter; outreach's flags map onto it.
type Config struct {
	BaseURL string // default DefaultBaseURL
	// AccessToken is the OA's access token; Token, when set, is asked for
	// it on every send instead (tokens expire and are refreshed).
	AccessToken string
	Token       func(ctx context.Context) (string, error)
	// AppID and SecretKey verify the webhook's signature (the OA's secret
	// key of the app's webhook settings).
	AppID     string
	SecretKey string
	// RetryCodes are error codes worth retrying (default -100, an error on
	// Zalo's side, and -124, an access token expired meanwhile).
	RetryCodes []int
	// QuotaCodes mean the daily quota is spent: the message waits until
	// midnight Vietnam time. A message mentioning "quota" counts too.
	QuotaCodes []int
	// Development sends with "mode":"development": Zalo delivers only to
	// the OA's administrators and does not bill (for trying templates).
	Development bool
	// Rate bounds sends per second across callers (0: no bound).
	Rate  float64
	Burst int
	// Timeout bounds one request (default 15 s).
	Timeout time.Duration
	Client  *http.Client
	Now     func() time.Time
	Logger  *slog.Logger
}

// Sender sends ZNS template messages.
type Sender struct {
	cfg     Config
	limiter *channel.Limiter
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, apperr.FieldError("zns_url", "Địa chỉ API Zalo %q không hợp lệ.", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.RetryCodes == nil {
		cfg.RetryCodes = []int{-100, -124}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sender{cfg: cfg, limiter: channel.NewLimiter(cfg.Rate, cfg.Burst, cfg.Now)}, nil
}

// Kind is channel.ZNS.
func (s *Sender) Kind() channel.Kind { return channel.ZNS }

type sendRequest struct {
	Phone        string            `json:"phone"`
	TemplateID   string            `json:"template_id"`
	TemplateData map[string]string `json:"template_data"`
	TrackingID   string            `json:"tracking_id,omitempty"`
	Mode         string            `json:"mode,omitempty"`
}

// flexString reads a JSON string or number as text (Zalo sends both).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

type sendResponse struct {
	Error   int    `json:"error"`
	Message string `json:"message"`
	Data    struct {
		MsgID    flexString `json:"msg_id"`
		SentTime flexString `json:"sent_time"`
		Quota    struct {
			Daily     flexString `json:"dailyQuota"`
			Remaining flexString `json:"remainingQuota"`
		} `json:"quota"`
	} `json:"data"`
}

const maxResponse = 64 << 10

// Send sends m's template to m.To.
func (s *Sender) Send(ctx context.Context, m channel.Message) (channel.Result, error) {
	phone, err := channel.International(m.To)
	if err != nil {
		return channel.Result{}, err
	}
	if m.Template == "" || len(m.Template) > 100 {
		return channel.Result{}, channel.Permanent(apperr.FieldError("template", "Chưa chọn mẫu tin ZNS hợp lệ."))
	}
	params := m.Params
	if params == nil {
		params = map[string]string{}
	}
	sr := sendRequest{Phone: phone, TemplateID: m.Template, TemplateData: params, TrackingID: m.TrackingID}
	if s.cfg.Development {
		sr.Mode = "development"
	}
	body, err := json.Marshal(sr)
	if err != nil {
		return channel.Result{}, channel.Permanent(err)
	}
	token := s.cfg.AccessToken
	if s.cfg.Token != nil {
		if token, err = s.cfg.Token(ctx); err != nil {
			return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Chưa lấy được mã truy cập Zalo OA.")
		}
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return channel.Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.BaseURL+"/message/template", bytes.NewReader(body))
	if err != nil {
		return channel.Result{}, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", token)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không gọi được API Zalo ZNS.")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không đọc được trả lời của Zalo ZNS.")
	}
	if resp.StatusCode != http.StatusOK {
		e := apperr.New(apperr.Unavailable, "Zalo ZNS trả lời HTTP %d.", resp.StatusCode)
		if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout {
			return channel.Result{}, channel.Permanent(e)
		}
		return channel.Result{}, e
	}
	var r sendResponse
	if len(raw) > maxResponse || json.Unmarshal(raw, &r) != nil {
		return channel.Result{}, apperr.New(apperr.Unavailable, "Trả lời của Zalo ZNS không đọc được.")
	}
	detail := fmt.Sprintf("%d %s", r.Error, r.Message)
	if r.Error != 0 {
		res := channel.Result{Detail: detail}
		e := apperr.New(apperr.Unavailable, "Zalo ZNS từ chối tin (mã %d): %s", r.Error, r.Message)
		switch {
		case slices.Contains(s.cfg.QuotaCodes, r.Error) || strings.Contains(strings.ToLower(r.Message), "quota"):
			return res, channel.Later(nextMidnight(s.cfg.Now()), e)
		case slices.Contains(s.cfg.RetryCodes, r.Error):
			return res, e
		default:
			e.Code = apperr.Invalid
			return res, channel.Permanent(e)
		}
	}
	if r.Data.Quota.Remaining != "" {
		detail += fmt.Sprintf(" (còn %s/%s tin trong ngày)", r.Data.Quota.Remaining, r.Data.Quota.Daily)
	}
	return channel.Result{ProviderID: string(r.Data.MsgID), Parts: 1, Accepted: true, Detail: detail}, nil
}

// nextMidnight is the next 00:00 in Vietnam time after t.
func nextMidnight(t time.Time) time.Time {
	v := t.In(locale.VN)
	return time.Date(v.Year(), v.Month(), v.Day()+1, 0, 0, 0, 0, locale.VN)
}

// Event is a webhook event as Zalo posts it (the fields this adapter reads).
type Event struct {
	AppID     string     `json:"app_id"`
	OAID      string     `json:"oa_id"`
	EventName string     `json:"event_name"`
	Timestamp flexString `json:"timestamp"`
	Message   struct {
		MsgID        flexString `json:"msg_id"`
		TrackingID   flexString `json:"tracking_id"`
		DeliveryTime flexString `json:"delivery_time"`
	} `json:"message"`
}

// MaxWebhookBody bounds a webhook request's body.
const MaxWebhookBody = 64 << 10

// ErrSignature is a webhook whose signature does not match.
var ErrSignature = apperr.New(apperr.Unauthorized, "Chữ ký sự kiện Zalo không đúng.")

// ParseEvent checks a webhook body against its X-ZEvent-Signature header
// (appID and secret as configured) and reads it. A delivery event gives a
// Report (ok true); other events are valid but give none.
func ParseEvent(body []byte, signature, appID, secret string) (channel.Report, bool, error) {
	if len(body) > MaxWebhookBody {
		return channel.Report{}, false, apperr.New(apperr.Invalid, "Sự kiện Zalo quá lớn.")
	}
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&ev); err != nil {
		return channel.Report{}, false, apperr.Wrap(err, apperr.Invalid, "Sự kiện Zalo không đọc được.")
	}
	if !validSignature(body, string(ev.Timestamp), signature, appID, secret) {
		return channel.Report{}, false, ErrSignature
	}
	if ev.EventName != "user_received_message" {
		return channel.Report{}, false, nil
	}
	r := channel.Report{
		TrackingID: string(ev.Message.TrackingID),
		ProviderID: string(ev.Message.MsgID),
		Delivered:  true,
		Status:     "delivered",
		At:         millis(string(ev.Message.DeliveryTime)),
	}
	if r.ProviderID == "" && r.TrackingID == "" {
		return channel.Report{}, false, apperr.FieldError("message.msg_id", "Sự kiện Zalo không có mã tin.")
	}
	if len(r.ProviderID) > 200 || len(r.TrackingID) > 200 {
		return channel.Report{}, false, apperr.FieldError("message.msg_id", "Mã tin trong sự kiện Zalo quá dài.")
	}
	return r, true, nil
}

// Signature returns the X-ZEvent-Signature value of body.
func Signature(body []byte, timestamp, appID, secret string) string {
	h := sha256.New()
	h.Write([]byte(appID))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(secret))
	return "mac=" + hex.EncodeToString(h.Sum(nil))
}

func validSignature(body []byte, timestamp, header, appID, secret string) bool {
	if secret == "" {
		return false // never accept unsigned events
	}
	return channel.EqualSecret(strings.TrimSpace(header), Signature(body, timestamp, appID, secret))
}

// millis reads a Unix time in milliseconds (or seconds) as Zalo writes it.
func millis(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || n <= 0:
		return time.Time{}
	case n > 1e11 && n < 1e14:
		return time.UnixMilli(n)
	case n <= 1e11:
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// Handler serves the OA webhook: signature checked (401 and a log line when
// wrong), delivery events handed to sink; other events are acknowledged.
func (s *Sender) Handler(sink channel.ReportSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxWebhookBody))
		if err != nil {
			http.Error(w, "Sự kiện Zalo quá lớn.", http.StatusRequestEntityTooLarge)
			return
		}
		r, ok, err := ParseEvent(body, req.Header.Get("X-ZEvent-Signature"), s.cfg.AppID, s.cfg.SecretKey)
		switch {
		case errors.Is(err, ErrSignature):
			s.cfg.Logger.Warn("zns: webhook signature refused", "remote", req.RemoteAddr, "bytes", len(body))
			http.Error(w, apperr.MessageOf(err), http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, apperr.MessageOf(err), http.StatusBadRequest)
			return
		case !ok:
			w.WriteHeader(http.StatusOK)
			return
		}
		if r.At.IsZero() {
			r.At = s.cfg.Now()
		}
		if err := sink.Report(req.Context(), r); err != nil {
			http.Error(w, apperr.MessageOf(err), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
