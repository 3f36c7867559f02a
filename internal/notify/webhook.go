package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// The headers of a webhook request. The signature covers the timestamp and
// the body, so a receiver that checks the timestamp is recent refuses a
// replayed request.
const (
	SignatureHeader = "X-Chinhquyen-Signature" // "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body)
	TimestampHeader = "X-Chinhquyen-Timestamp" // unix seconds
	EventHeader     = "X-Chinhquyen-Event"     // the event's name
	DeliveryHeader  = "X-Chinhquyen-Delivery"  // the message's id, the same on every attempt
)

// Sign returns the SignatureHeader value of body sent at unix second ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// MaxSkew is how far a webhook's timestamp may be from the receiver's clock
// for VerifySignature.
const MaxSkew = 5 * time.Minute

// VerifySignature checks a received webhook (for receivers written in Go,
// and for the tests): the timestamp header is unix seconds within MaxSkew
// of now and the signature header is Sign of it and body. It compares in
// constant time.
func VerifySignature(secret []byte, timestamp, signature string, body []byte, now time.Time) error {
	if len(timestamp) == 0 || len(timestamp) > 20 {
		return errors.New("missing or malformed timestamp")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || strconv.FormatInt(ts, 10) != timestamp {
		return errors.New("malformed timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return errors.New("timestamp outside the allowed skew")
	}
	if !hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body))) {
		return errors.New("signature does not match")
	}
	return nil
}

// checkWebhookURL validates an endpoint's address: absolute http or https,
// a host, no credentials (the secret signs; it is not sent).
func checkWebhookURL(raw string) (string, error) {
	bad := func(msg string) (string, error) {
		return "", &apperr.Error{Code: apperr.Invalid, Field: "url", Message: msg}
	}
	if len(raw) > 2048 || !utf8.ValidString(raw) {
		return bad("Địa chỉ nhận webhook quá dài hoặc không hợp lệ")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("Địa chỉ nhận webhook phải là một URL http:// hoặc https:// đầy đủ")
	}
	if u.User != nil {
		return bad("Địa chỉ nhận webhook không được chứa tên người dùng hoặc mật khẩu")
	}
	u.Fragment = ""
	return u.String(), nil
}

// webhookSender posts signed JSON.
type webhookSender struct {
	client *http.Client
}

func newWebhookSender(timeout time.Duration, transport http.RoundTripper) *webhookSender {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	return &webhookSender{client: &http.Client{
		Timeout:   timeout,
		Transport: transport,
		// A redirect is an answer (3xx, retried later), never followed: the
		// signature was made for this endpoint, not wherever it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// post sends body to url and classifies the answer: 2xx delivered; 4xx
// other than 408 and 429 permanent (the receiver refuses this request and
// will again); anything else — 408, 429, 3xx, 5xx, a timeout, a refused
// connection — retried.
func (w *webhookSender) post(ctx context.Context, endpoint string, secret []byte, id, event string, now time.Time, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", jobs.Permanent(fmt.Errorf("webhook request: %w", err))
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chinhquyen-webhook/1")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(secret, ts, body))
	req.Header.Set(EventHeader, event)
	req.Header.Set(DeliveryHeader, id)
	resp, err := w.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("webhook %s: %w", redactURL(endpoint), err)
	}
	defer resp.Body.Close()
	// Enough of the answer to explain a refusal; the rest is drained so the
	// connection can be reused, within a bound.
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return resp.Header.Get("X-Request-Id"), nil
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return "", jobs.Permanent(fmt.Errorf("webhook %s answered %s: %s", redactURL(endpoint), resp.Status, printable(head)))
	default:
		return "", fmt.Errorf("webhook %s answered %s: %s", redactURL(endpoint), resp.Status, printable(head))
	}
}

// redactURL drops the query, which may carry a receiver's token, from an
// address shown in errors.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}

// printable keeps an answer's text short, valid UTF-8 and on one line.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "�")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.TrimSpace(s)
}
