package zns

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

// lastMode is the mode of the last successful request.
var lastMode string

// fakeZalo answers POST /message/template as Zalo's API documents it; the
// phone number picks the outcome.
func fakeZalo(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/message/template" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("access_token") != "oa-token" {
			fmt.Fprint(w, `{"error":-124,"message":"Access token is invalid"}`)
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("body: %v", err)
		}
		switch req["phone"] {
		case "84912345678":
			lastMode, _ = req["mode"].(string)
			data := req["template_data"].(map[string]any)
			if req["template_id"] != "tpl-1" || data["ten"] != "Nguyễn Văn An" || req["tracking_id"] != "d-1" {
				t.Errorf("request %v", req)
			}
			fmt.Fprint(w, `{"error":0,"message":"Success","data":{"msg_id":"a1b2c3","sent_time":"1796674544000","quota":{"dailyQuota":"500","remainingQuota":"499"}}}`)
		case "84912345670":
			fmt.Fprint(w, `{"error":-108,"message":"Phone number is invalid"}`)
		case "84912345671":
			fmt.Fprint(w, `{"error":-144,"message":"OA has exceeded the daily quota"}`)
		case "84912345672":
			fmt.Fprint(w, `{"error":-100,"message":"Unknown error"}`)
		case "84912345673":
			w.WriteHeader(http.StatusBadGateway)
		case "84912345674":
			fmt.Fprint(w, `not json`)
		case "84912345675":
			fmt.Fprint(w, `{"error":-150,"message":"Something new","x":`+strings.Repeat(`"a"`, 30000)+`}`)
		}
	}))
}

func TestSend(t *testing.T) {
	srv := fakeZalo(t)
	defer srv.Close()
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, locale.VN)
	s, err := New(Config{BaseURL: srv.URL, AccessToken: "oa-token", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := channel.Message{TrackingID: "d-1", To: "0912345678", Template: "tpl-1", Params: map[string]string{"ten": "Nguyễn Văn An"}}
	res, err := s.Send(ctx, m)
	if err != nil || !res.Accepted || res.ProviderID != "a1b2c3" || !strings.Contains(res.Detail, "499/500") {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	for _, tc := range []struct {
		to        string
		perm      bool
		retryAt   time.Time
		transient bool
	}{
		{to: "0912345670", perm: true},
		{to: "0912345671", retryAt: time.Date(2026, 12, 8, 0, 0, 0, 0, locale.VN)},
		{to: "0912345672", transient: true},
		{to: "0912345673", transient: true},
		{to: "0912345674", transient: true},
		{to: "0912345675", transient: true}, // an answer over the bound is not read
		{to: "12", perm: true},
	} {
		m.To = tc.to
		_, err := s.Send(ctx, m)
		at, later := channel.RetryAt(err)
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.to)
		case tc.perm != channel.IsPermanent(err):
			t.Errorf("%s: %v, permanent want %v", tc.to, err, tc.perm)
		case !tc.retryAt.IsZero() && (!later || !at.Equal(tc.retryAt)):
			t.Errorf("%s: %v, want retry at %v", tc.to, err, tc.retryAt)
		case tc.transient && (later || channel.IsPermanent(err)):
			t.Errorf("%s: %v, want transient", tc.to, err)
		}
	}
	m.To, m.Template = "0912345678", ""
	if _, err := s.Send(ctx, m); !channel.IsPermanent(err) {
		t.Errorf("no template: %v", err)
	}
	if lastMode != "" {
		t.Errorf("mode %q sent outside development", lastMode)
	}
	dev, _ := New(Config{BaseURL: srv.URL, AccessToken: "oa-token", Development: true})
	m.To, m.Template = "0912345678", "tpl-1"
	if res, err := dev.Send(ctx, m); err != nil || !res.Accepted || lastMode != "development" {
		t.Errorf("development mode: %+v %v, mode %q", res, err, lastMode)
	}
	stale, _ := New(Config{BaseURL: srv.URL, Token: func(context.Context) (string, error) { return "old", nil }})
	m.Template = "tpl-1"
	if _, err := stale.Send(ctx, m); err == nil || channel.IsPermanent(err) {
		t.Errorf("expired token should be retried: %v", err)
	}
}

const appID, secret = "1234567890", "oa-secret-key"

func event(name string) []byte {
	return []byte(`{"app_id":"` + appID + `","oa_id":"579745863508352884","event_name":"` + name + `","timestamp":"1796674600000","sender":{"id":"579745863508352884"},"recipient":{"id":"8213412345678"},"message":{"msg_id":"a1b2c3","tracking_id":"d-1","delivery_time":"1796674599000"}}`)
}

func TestWebhook(t *testing.T) {
	var got []channel.Report
	var logs bytes.Buffer
	s, err := New(Config{AppID: appID, SecretKey: secret, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler(channel.ReportFunc(func(_ context.Context, r channel.Report) error { got = append(got, r); return nil }))
	post := func(body []byte, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/zns/webhook", bytes.NewReader(body))
		req.Header.Set("X-ZEvent-Signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	body := event("user_received_message")
	good := Signature(body, "1796674600000", appID, secret)
	if code := post(body, good); code != 200 {
		t.Fatalf("good signature: %d", code)
	}
	if len(got) != 1 || got[0].TrackingID != "d-1" || got[0].ProviderID != "a1b2c3" || !got[0].Delivered || !got[0].At.Equal(time.UnixMilli(1796674599000)) {
		t.Fatalf("reports %+v", got)
	}
	tampered := bytes.Replace(body, []byte("d-1"), []byte("d-2"), 1)
	for _, tc := range []struct {
		body []byte
		sig  string
	}{
		{tampered, good},
		{body, "mac=" + strings.Repeat("0", 64)},
		{body, ""},
		{body, Signature(body, "1796674600000", appID, "wrong")},
	} {
		if code := post(tc.body, tc.sig); code != http.StatusUnauthorized {
			t.Errorf("signature %q: %d, want 401", tc.sig, code)
		}
	}
	if !strings.Contains(logs.String(), "signature refused") {
		t.Errorf("refusal not logged: %s", logs.String())
	}
	other := event("user_send_text")
	if code := post(other, Signature(other, "1796674600000", appID, secret)); code != 200 || len(got) != 1 {
		t.Errorf("other event: %d, %d reports", code, len(got))
	}
	if code := post([]byte(`{"event_name":`), good); code != 400 {
		t.Errorf("malformed: %d", code)
	}
	big := append(event("user_received_message"), bytes.Repeat([]byte(" "), MaxWebhookBody)...)
	if code := post(big, good); code != http.StatusRequestEntityTooLarge {
		t.Errorf("big: %d", code)
	}
	// A numeric timestamp is signed as written.
	num := []byte(`{"app_id":"1","event_name":"user_received_message","timestamp":1796674600000,"message":{"msg_id":"z9"}}`)
	if r, ok, err := ParseEvent(num, Signature(num, "1796674600000", appID, secret), appID, secret); err != nil || !ok || r.ProviderID != "z9" {
		t.Errorf("numeric timestamp: %+v %v %v", r, ok, err)
	}
	// Without a configured secret nothing is accepted.
	if _, _, err := ParseEvent(body, Signature(body, "1796674600000", appID, ""), appID, ""); apperr.CodeOf(err) != apperr.Unauthorized {
		t.Errorf("no secret: %v", err)
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add(event("user_received_message"), "")
	f.Add([]byte(`{"timestamp":12,"message":{"msg_id":1e400}}`), "mac=00")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		ts := ""
		var probe struct {
			Timestamp flexString `json:"timestamp"`
		}
		if json.Unmarshal(body, &probe) == nil {
			ts = string(probe.Timestamp)
		}
		// Signed correctly, a body parses or is refused, never panics.
		for _, s := range []string{sig, Signature(body, ts, appID, secret)} {
			r, ok, err := ParseEvent(body, s, appID, secret)
			if err == nil && ok && (len(r.ProviderID) > 200 || !r.Delivered) {
				t.Fatalf("report %+v", r)
			}
			if err == nil && s == sig && sig != Signature(body, ts, appID, secret) {
				t.Fatalf("accepted a wrong signature %q", sig)
			}
		}
		_, _ = io.Discard.Write(body)
	})
}
