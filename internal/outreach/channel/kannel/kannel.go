// Package kannel sends SMS through a Kannel gateway's smsbox (the sendsms
// HTTP interface) and receives its delivery reports on the dlr-url.
//
// A message goes out as GET {URL}?username&password&from&to&text&
// charset=UTF-8&coding=0|2&dlr-mask=27&dlr-url=…: Kannel answers
// "0: Accepted for delivery" or "3: Queued for later delivery" (accepted),
// a 4xx such as 403 "Authorization failed" or 400 "Invalid …" (permanent:
// retrying cannot cure it) or a 5xx (transient). Kannel splits a long text
// into concatenated parts itself (sendsms-user concatenation = true).
// Delivery reports come back to the dlr-url with Kannel's escapes filled
// in: id (ours), status (%d: 1 delivered, 2 failed, 4 buffered, 8 accepted
// by the SMSC, 16 refused by the SMSC), smsc (%i), fid (%F, the SMSC's
// message id), reply (%A) and ts (%T).
package kannel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
	"github.com/chinhquyen/chinhquyen/internal/outreach/smstext"
)

// DLR status bits of Kannel (dlr-mask and %d).
const (
	DLRDelivered   = 1
	DLRFailed      = 2
	DLRBuffered    = 4
	DLRSMSCSuccess = 8
	DLRSMSCReject  = 16
	// DefaultDLRMask asks for final reports and the SMSC's acceptance or
	// refusal (1+2+8+16).
	DefaultDLRMask = DLRDelivered | DLRFailed | DLRSMSCSuccess | DLRSMSCReject
)

// Config configures the adapter; outreach's flags map onto it.
type Config struct {
	// URL is smsbox's sendsms URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms.
	URL      string
	Username string
	Password string
	// From is the sender shown on phones (a brandname registered with the
	// carriers, or a short code).
	From string
	// LocalNumbers sends numbers as 0xxxxxxxxx (an SMSC that wants the
	// national form) instead of 84xxxxxxxxx.
	LocalNumbers bool
	// SMSC routes through one smsc-id of Kannel's; empty lets Kannel choose.
	SMSC string
	// DLRURL is where Kannel calls back, this adapter's Handler as reached
	// from Kannel (e.g. http://10.0.0.5:8080/outreach/kannel/dlr); empty
	// asks for no reports.
	DLRURL string
	// DLRToken, when set, is added to the dlr-url and required by Handler.
	DLRToken string
	// DLRMask is Kannel's dlr-mask; 0 means DefaultDLRMask.
	DLRMask int
	// Rate bounds messages handed to Kannel per second across every caller
	// (0: no bound); Burst is how many may go at once (default 1).
	Rate  float64
	Burst int
	// Quiet is the daily window when only emergencies go out.
	Quiet channel.QuietHours
	// Timeout bounds one request to smsbox (default 10 s).
	Timeout time.Duration
	// Client is the HTTP client (default: one with Timeout).
	Client *http.Client
	// Now is the clock (default clock.Now).
	Now func() time.Time
}

// Sender hands SMS to Kannel.
type Sender struct {
	cfg     Config
	limiter *channel.Limiter
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, apperr.FieldError("kannel_url", "Địa chỉ Kannel %q không hợp lệ (http://máy:cổng/cgi-bin/sendsms).", cfg.URL)
	}
	if cfg.DLRURL != "" {
		if d, err := url.Parse(cfg.DLRURL); err != nil || d.Host == "" {
			return nil, apperr.FieldError("kannel_dlr_url", "Địa chỉ nhận báo cáo phát %q không hợp lệ.", cfg.DLRURL)
		}
	}
	if err := cfg.Quiet.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.DLRMask == 0 {
		cfg.DLRMask = DefaultDLRMask
	}
	return &Sender{cfg: cfg, limiter: channel.NewLimiter(cfg.Rate, cfg.Burst, cfg.Now)}, nil
}

// Kind is channel.SMS.
func (s *Sender) Kind() channel.Kind { return channel.SMS }

// Limiter is the shared rate limiter (nil without a rate).
func (s *Sender) Limiter() *channel.Limiter { return s.limiter }

// maxText bounds a text handed to Kannel: 10 concatenated UCS-2 parts.
const maxText = 10 * smstext.UCS2Multi

// Send hands m to Kannel. Outside emergencies it waits for quiet hours to end
// (a channel.Later error) and for its turn under the rate.
func (s *Sender) Send(ctx context.Context, m channel.Message) (channel.Result, error) {
	to, err := channel.International(m.To)
	if err != nil {
		return channel.Result{}, err
	}
	if s.cfg.LocalNumbers {
		to = "0" + to[2:]
	}
	if strings.TrimSpace(m.Text) == "" {
		return channel.Result{}, channel.Permanent(apperr.FieldError("text", "Tin nhắn không có nội dung."))
	}
	enc := m.Coding
	if enc == "" {
		enc = smstext.Measure(m.Text).Encoding
	}
	if enc == smstext.GSM7 && !smstext.IsGSM(m.Text) {
		return channel.Result{}, channel.Permanent(apperr.FieldError("text", "Tin nhắn không dấu còn ký tự ngoài bảng GSM; hãy bỏ dấu hoặc gửi có dấu (UCS-2)."))
	}
	count := smstext.MeasureAs(m.Text, enc)
	if count.Characters > 10*smstext.GSMMulti || (enc == smstext.UCS2 && count.Characters > maxText) {
		return channel.Result{}, channel.Permanent(apperr.FieldError("text", "Tin nhắn dài quá 10 phần (%d ký tự).", count.Characters))
	}
	if err := s.cfg.Quiet.Hold(s.cfg.Now(), m); err != nil {
		return channel.Result{}, err
	}
	if err := s.limiter.Wait(ctx); err != nil {
		return channel.Result{}, err
	}
	coding := "0"
	if enc == smstext.UCS2 {
		coding = "2"
	}
	q := url.Values{
		"username": {s.cfg.Username},
		"password": {s.cfg.Password},
		"to":       {to},
		"text":     {m.Text},
		"charset":  {"UTF-8"},
		"coding":   {coding},
	}
	if s.cfg.From != "" {
		q.Set("from", s.cfg.From)
	}
	if s.cfg.SMSC != "" {
		q.Set("smsc", s.cfg.SMSC)
	}
	if m.Priority >= channel.PriorityHigh {
		q.Set("priority", strconv.Itoa(min(m.Priority, 3)))
	}
	if s.cfg.DLRURL != "" && m.TrackingID != "" {
		q.Set("dlr-mask", strconv.Itoa(s.cfg.DLRMask))
		q.Set("dlr-url", s.dlrURL(m.TrackingID))
	}
	u := s.cfg.URL
	if strings.Contains(u, "?") {
		u += "&" + q.Encode()
	} else {
		u += "?" + q.Encode()
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return channel.Result{}, channel.Permanent(err)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		// url.Error repeats the URL, password included: keep the cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không gọi được cổng SMS Kannel.")
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	body := strings.TrimSpace(string(b))
	res := channel.Result{Parts: count.Segments, Detail: body}
	switch {
	case resp.StatusCode/100 == 2 && (strings.HasPrefix(body, "0:") || strings.HasPrefix(body, "3:")):
		res.Accepted = true
		return res, nil
	case resp.StatusCode/100 == 4:
		return res, channel.Permanent(apperr.New(apperr.Invalid, "Cổng SMS Kannel từ chối tin nhắn (HTTP %d): %s", resp.StatusCode, body))
	default:
		return res, apperr.New(apperr.Unavailable, "Cổng SMS Kannel chưa nhận tin nhắn (HTTP %d): %s", resp.StatusCode, body)
	}
}

// dlrURL is the dlr-url for one message, with Kannel's escapes.
func (s *Sender) dlrURL(tracking string) string {
	v := url.Values{"id": {tracking}}
	if s.cfg.DLRToken != "" {
		v.Set("token", s.cfg.DLRToken)
	}
	sep := "?"
	if strings.Contains(s.cfg.DLRURL, "?") {
		sep = "&"
	}
	// The escapes must reach Kannel unencoded, so they are appended by hand.
	return s.cfg.DLRURL + sep + v.Encode() + "&status=%d&smsc=%i&fid=%F&ts=%T&reply=%A"
}

// maxQuery bounds a report's query string.
const maxQuery = 4096

// ParseDLR reads one delivery report from the dlr-url's query string.
func ParseDLR(rawQuery string) (channel.Report, error) {
	if len(rawQuery) > maxQuery {
		return channel.Report{}, apperr.New(apperr.Invalid, "Báo cáo phát tin quá dài.")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return channel.Report{}, apperr.Wrap(err, apperr.Invalid, "Báo cáo phát tin không đọc được.")
	}
	r := channel.Report{TrackingID: q.Get("id"), ProviderID: q.Get("fid"), Detail: q.Get("reply")}
	if r.TrackingID == "" || len(r.TrackingID) > 200 {
		return channel.Report{}, apperr.FieldError("id", "Báo cáo phát tin không có mã tin nhắn.")
	}
	st, err := strconv.Atoi(q.Get("status"))
	if err != nil {
		return channel.Report{}, apperr.FieldError("status", "Trạng thái báo cáo phát tin %q không phải số.", q.Get("status"))
	}
	switch st {
	case DLRDelivered:
		r.Status, r.Delivered = "delivered", true
	case DLRFailed:
		r.Status = "failed"
	case DLRBuffered:
		r.Status, r.Interim = "buffered", true
	case DLRSMSCSuccess:
		r.Status, r.Interim = "smsc", true
	case DLRSMSCReject:
		r.Status = "rejected"
	default:
		return channel.Report{}, apperr.FieldError("status", "Trạng thái báo cáo phát tin %d không rõ.", st)
	}
	if ts, err := strconv.ParseInt(q.Get("ts"), 10, 64); err == nil && ts > 0 && ts < 1<<40 {
		r.At = time.Unix(ts, 0)
	}
	if smsc := q.Get("smsc"); smsc != "" {
		r.Detail = strings.TrimSpace(smsc + " " + r.Detail)
	}
	if len(r.Detail) > 500 {
		r.Detail = strings.ToValidUTF8(r.Detail[:500], "")
	}
	return r, nil
}

// Handler serves the dlr-url: it parses each report and hands it to sink.
// Kannel calls it with GET; a bad token is 403, a malformed report 400, a
// sink failure 500.
func (s *Sender) Handler(sink channel.ReportSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if s.cfg.DLRToken != "" && !channel.EqualSecret(req.URL.Query().Get("token"), s.cfg.DLRToken) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		r, err := ParseDLR(req.URL.RawQuery)
		if err != nil {
			http.Error(w, apperr.MessageOf(err), http.StatusBadRequest)
			return
		}
		if r.At.IsZero() {
			r.At = s.cfg.Now()
		}
		if err := sink.Report(req.Context(), r); err != nil {
			http.Error(w, fmt.Sprintf("report: %s", apperr.MessageOf(err)), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
}
