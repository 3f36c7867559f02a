package dvcqg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// The portal's services this adapter calls.
const (
	ServiceSync          = "DongBoHoSoMC"        // push a dossier
	ServiceProgress      = "CapNhatTienDoHoSoMC" // push progress rows
	ServiceLookup        = "TraCuuHoSo"          // does the portal have a dossier
	ServiceProcedure     = "LayThuTuc"           // one procedure of the catalogue
	ServiceProcedureList = "LayDanhSachTTHC"     // the catalogue's list
)

// MaxResponse bounds the bytes read from one answer of the portal; an
// answer past it is an error, not a truncated success.
const MaxResponse = 4 << 20

// Config is where the portal is and who this province is to it.
type Config struct {
	// BaseURL is the adapter's address, e.g. https://api.dichvucong.gov.vn
	// (the LGSP's, where a province goes through one). Empty: the adapter
	// is off.
	BaseURL string
	// AuthEndpoint, IntegrationEndpoint and ShareEndpoint are paths under
	// BaseURL: the session, the dossier pushes, the catalogue and look-ups
	// (ShareEndpoint defaults to IntegrationEndpoint).
	AuthEndpoint, IntegrationEndpoint, ShareEndpoint string
	Username, Password                               string
	// DstCode is sent as the dstcode header of every call (the
	// province's code at the portal).
	DstCode string
	// MaDonVi is the agency code sent with every call (madonvi).
	MaDonVi string
	// Timeout bounds one call, connection to last byte (30 s).
	Timeout time.Duration
	// Transport replaces http.DefaultTransport's clone (tests).
	Transport http.RoundTripper
	// Classify tells what a non-success error_code means; nil: Classify.
	Classify func(code string) Kind
	// FileHosts are the hosts Download fetches a dossier's files from
	// (the portal's file servers); BaseURL's host always is one. A file
	// URL elsewhere is refused, so an inbound dossier cannot make the
	// platform fetch from its own network.
	FileHosts []string
}

// Validate checks the configuration of an adapter that is on.
func (c Config) Validate() error {
	if c.BaseURL == "" {
		return nil
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return apperr.FieldError("dvcqg-url", "Địa chỉ Cổng Dịch vụ công quốc gia --dvcqg-url không hợp lệ (dạng https://máy-chủ)")
	}
	for name, p := range map[string]string{"dvcqg-auth-endpoint": c.AuthEndpoint, "dvcqg-endpoint": c.IntegrationEndpoint} {
		if p == "" || !strings.HasPrefix(p, "/") {
			return apperr.FieldError(name, "Đường dẫn --%s phải bắt đầu bằng /", name)
		}
	}
	if c.ShareEndpoint != "" && !strings.HasPrefix(c.ShareEndpoint, "/") {
		return apperr.FieldError("dvcqg-share-endpoint", "Đường dẫn --dvcqg-share-endpoint phải bắt đầu bằng /")
	}
	if c.Username == "" || c.Password == "" {
		return apperr.FieldError("dvcqg-user", "Cần tài khoản --dvcqg-user và mật khẩu --dvcqg-password khi đã đặt --dvcqg-url")
	}
	if c.DstCode == "" {
		return apperr.FieldError("dvcqg-dstcode", "Cần mã kết nối --dvcqg-dstcode khi đã đặt --dvcqg-url")
	}
	if c.MaDonVi == "" {
		return apperr.FieldError("dvcqg-madonvi", "Cần mã đơn vị --dvcqg-madonvi khi đã đặt --dvcqg-url")
	}
	return nil
}

// Kind classifies a failed call.
type Kind int

// The kinds of failure.
const (
	// Retryable: the network, a timeout, a 5xx, 408, 429, or an error_code
	// of the portal's own trouble; the job tries again later.
	Retryable Kind = iota
	// Permanent: a 4xx or an error_code that refuses the data; retrying
	// sends the same refusal, so the job fails for an administrator.
	Permanent
	// Session: the session expired or is unknown; the client signs in
	// again once and repeats the call.
	Session
)

// Classify is the default reading of a non-success error_code. The portal
// publishes no table: codes naming the session (401, 403, "session" in
// words) renew it, codes from 500 up and -1 are the portal's own trouble,
// every other code refuses the data.
func Classify(code string) Kind {
	switch strings.ToLower(strings.TrimSpace(code)) {
	case "401", "403", "-401", "session", "invalid_session", "token_expired":
		return Session
	case "-1", "99", "999":
		return Retryable
	}
	if n, err := strconv.Atoi(strings.TrimSpace(code)); err == nil && n >= 500 && n < 600 {
		return Retryable
	}
	return Permanent
}

// Error is a failed call to the portal.
type Error struct {
	Service string // the service called, or "auth"
	Status  int    // HTTP status, 0 when none came
	Code    string // the answer's error_code, if any
	Message string // the answer's message, or what went wrong
	Kind    Kind
	Err     error // the cause (network, decoding)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Cổng DVCQG, %s: ", e.Service)
	switch {
	case e.Code != "":
		fmt.Fprintf(&b, "mã lỗi %s", e.Code)
		if e.Message != "" {
			fmt.Fprintf(&b, " (%s)", e.Message)
		}
	case e.Message != "":
		b.WriteString(e.Message)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ", HTTP %d", e.Status)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth trying again later: a portal
// Error of kind Retryable or Session, or any other error (network).
func IsRetryable(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind != Permanent
	}
	return err != nil
}

// Response is the portal's answer: error_code and message, and whatever
// else it carried (result, session).
type Response struct {
	ErrorCode string
	Message   string
	Session   string
	Result    json.RawMessage // "result" or "data", if present
}

// OK reports whether the answer is a success ("00" or 0).
func (r Response) OK() bool { return r.ErrorCode == "00" || r.ErrorCode == "0" }

// ParseResponse reads one answer of the portal: a JSON object with
// error_code as a string or a number, a message (message, error_message or
// msg), a session and a result (result or data). Anything else is an
// error: a body that is not one JSON object, an error_code of another
// type, or fields of the wrong type.
func ParseResponse(body []byte) (Response, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Response{}, fmt.Errorf("câu trả lời không phải JSON: %w", err)
	}
	if raw == nil {
		return Response{}, errors.New("câu trả lời không phải một đối tượng JSON")
	}
	if dec.More() {
		return Response{}, errors.New("câu trả lời có dữ liệu thừa sau đối tượng JSON")
	}
	var r Response
	code, ok := raw["error_code"]
	if !ok {
		return Response{}, errors.New("câu trả lời thiếu error_code")
	}
	var err error
	if r.ErrorCode, err = scalar(code); err != nil {
		return Response{}, fmt.Errorf("error_code: %w", err)
	}
	for _, k := range []string{"message", "error_message", "msg", "error_msg"} {
		if v, ok := raw[k]; ok && string(v) != "null" {
			if r.Message, err = scalar(v); err != nil {
				return Response{}, fmt.Errorf("%s: %w", k, err)
			}
			break
		}
	}
	if v, ok := raw["session"]; ok && string(v) != "null" {
		if r.Session, err = scalar(v); err != nil {
			return Response{}, fmt.Errorf("session: %w", err)
		}
	}
	for _, k := range []string{"result", "data"} {
		if v, ok := raw[k]; ok {
			r.Result = v
			break
		}
	}
	r.Message = clip(r.Message, 500)
	return r, nil
}

// scalar reads a JSON string or number as text.
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return "", errors.New("không phải chuỗi hay số")
	}
	return n.String(), nil
}

// clip cuts s to at most n bytes on a rune boundary, valid UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Client calls the portal. It keeps one session, signs in when it has
// none, and signs in again once when a call answers that the session is
// no longer valid. Safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client

	mu      sync.Mutex
	session string
}

// NewClient returns a client for cfg (which must Validate with a BaseURL).
func NewClient(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, apperr.FieldError("dvcqg-url", "Chưa cấu hình địa chỉ Cổng Dịch vụ công quốc gia --dvcqg-url")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ShareEndpoint == "" {
		cfg.ShareEndpoint = cfg.IntegrationEndpoint
	}
	if cfg.Classify == nil {
		cfg.Classify = Classify
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	tr := cfg.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = 10 * time.Second
		t.ResponseHeaderTimeout = cfg.Timeout
		tr = t
	}
	return &Client{cfg: cfg, http: &http.Client{
		Timeout:   cfg.Timeout,
		Transport: tr,
		// The portal answers where it is asked; a redirect would carry the
		// credentials elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// post sends body as JSON to path and reads the answer, bounded.
func (c *Client) post(ctx context.Context, service, path string, body any) (Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return Response{}, &Error{Service: service, Kind: Permanent, Message: "không mã hoá được dữ liệu gửi", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return Response{}, &Error{Service: service, Kind: Permanent, Message: "địa chỉ không hợp lệ", Err: err}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("dstcode", c.cfg.DstCode)
	resp, err := c.http.Do(req)
	if err != nil {
		msg := "không kết nối được"
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			msg = "quá thời gian chờ trả lời"
		}
		return Response{}, &Error{Service: service, Kind: Retryable, Message: msg, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return Response{}, &Error{Service: service, Status: resp.StatusCode, Kind: Retryable, Message: "đọc câu trả lời bị gián đoạn", Err: err}
	}
	if len(data) > MaxResponse {
		return Response{}, &Error{Service: service, Status: resp.StatusCode, Kind: Permanent,
			Message: fmt.Sprintf("câu trả lời quá lớn (hơn %d byte)", MaxResponse)}
	}
	parsed, perr := ParseResponse(data)
	switch s := resp.StatusCode; {
	case s == http.StatusUnauthorized:
		return Response{}, &Error{Service: service, Status: s, Code: parsed.ErrorCode, Message: parsed.Message, Kind: Session}
	case s >= 500 || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests:
		return Response{}, &Error{Service: service, Status: s, Code: parsed.ErrorCode, Message: parsed.Message, Kind: Retryable}
	case s >= 400:
		return Response{}, &Error{Service: service, Status: s, Code: parsed.ErrorCode, Message: parsed.Message, Kind: Permanent}
	case s < 200 || s >= 300:
		return Response{}, &Error{Service: service, Status: s, Kind: Permanent, Message: "câu trả lời không mong đợi"}
	}
	if perr != nil {
		// A 2xx whose body is not the portal's answer: a proxy's page, a
		// truncated reply. Retry: it is not a refusal of the data.
		return Response{}, &Error{Service: service, Status: resp.StatusCode, Kind: Retryable, Message: "câu trả lời không đúng định dạng", Err: perr}
	}
	if !parsed.OK() {
		return parsed, &Error{Service: service, Status: resp.StatusCode, Code: parsed.ErrorCode, Message: parsed.Message,
			Kind: c.cfg.Classify(parsed.ErrorCode)}
	}
	return parsed, nil
}

// signIn gets a new session.
func (c *Client) signIn(ctx context.Context) (string, error) {
	r, err := c.post(ctx, "auth", c.cfg.AuthEndpoint, map[string]string{"username": c.cfg.Username, "password": c.cfg.Password})
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Kind == Session {
			pe.Kind = Permanent // refused credentials: signing in again will not help
		}
		return "", err
	}
	if r.Session == "" {
		return "", &Error{Service: "auth", Kind: Retryable, Message: "câu trả lời không có phiên làm việc (session)"}
	}
	return r.Session, nil
}

// currentSession returns the cached session, signing in when there is none.
func (c *Client) currentSession(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session != "" {
		return c.session, nil
	}
	s, err := c.signIn(ctx)
	if err != nil {
		return "", err
	}
	c.session = s
	return s, nil
}

// dropSession forgets stale unless another call already replaced it.
func (c *Client) dropSession(stale string) {
	c.mu.Lock()
	if c.session == stale {
		c.session = ""
	}
	c.mu.Unlock()
}

// Call invokes service with data (and any extra envelope fields) on path,
// with the session, madonvi and dstcode; a session error signs in again
// once and repeats the call.
func (c *Client) call(ctx context.Context, path, service string, fields map[string]any) (Response, error) {
	for attempt := 0; ; attempt++ {
		s, err := c.currentSession(ctx)
		if err != nil {
			return Response{}, err
		}
		body := map[string]any{"session": s, "madonvi": c.cfg.MaDonVi, "service": service}
		for k, v := range fields {
			body[k] = v
		}
		r, err := c.post(ctx, service, path, body)
		var pe *Error
		if err != nil && errors.As(err, &pe) && pe.Kind == Session {
			c.dropSession(s)
			if attempt == 0 {
				continue
			}
			pe.Kind = Retryable // a fresh session refused at once: try later
		}
		return r, err
	}
}

// SyncDossier pushes dossiers with DongBoHoSoMC; data is the marshalled
// DossierSync list.
func (c *Client) SyncDossier(ctx context.Context, updating bool, data ...json.RawMessage) error {
	u := "False"
	if updating {
		u = "True"
	}
	_, err := c.call(ctx, c.cfg.IntegrationEndpoint, ServiceSync, map[string]any{"isUpdating": u, "data": data})
	return err
}

// UpdateProgress pushes progress rows with CapNhatTienDoHoSoMC.
func (c *Client) UpdateProgress(ctx context.Context, rows ...json.RawMessage) error {
	_, err := c.call(ctx, c.cfg.IntegrationEndpoint, ServiceProgress, map[string]any{"data": rows})
	return err
}

// HasDossier asks the portal (TraCuuHoSo) whether it holds the dossier.
func (c *Client) HasDossier(ctx context.Context, code string) (bool, error) {
	r, err := c.call(ctx, c.cfg.ShareEndpoint, ServiceLookup, map[string]any{"mahoso": code})
	if err != nil {
		return false, err
	}
	res := bytes.TrimSpace(r.Result)
	if len(res) == 0 || string(res) == "null" {
		return false, nil
	}
	if res[0] == '{' { // one dossier rather than a list of them
		var one map[string]json.RawMessage
		if err := json.Unmarshal(res, &one); err != nil {
			return false, &Error{Service: ServiceLookup, Kind: Retryable, Message: "kết quả tra cứu không đúng định dạng", Err: err}
		}
		return len(one) > 0, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(res, &list); err != nil {
		return false, &Error{Service: ServiceLookup, Kind: Retryable, Message: "kết quả tra cứu không phải danh sách", Err: err}
	}
	return len(list) > 0, nil
}

// Download fetches one file of an inbound dossier from the portal's file
// servers (Config.FileHosts, BaseURL's host), at most max bytes, with the
// session header dstcode; redirects are not followed. A host not listed,
// a 4xx or a file over max is a permanent error; the network, a timeout
// or a 5xx a retryable one.
func (c *Client) Download(ctx context.Context, f File, max int64) ([]byte, error) {
	fail := func(kind Kind, status int, msg string, err error) ([]byte, error) {
		return nil, &Error{Service: "download", Kind: kind, Status: status, Message: msg, Err: err}
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fail(Permanent, 0, fmt.Sprintf("đường dẫn tệp %q không hợp lệ", clip(f.URL, 200)), nil)
	}
	if !c.fileHost(u.Host) {
		return fail(Permanent, 0, fmt.Sprintf("tệp ở máy chủ %q không thuộc Cổng DVCQG (--dvcqg-file-hosts)", clip(u.Host, 100)), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fail(Permanent, 0, "đường dẫn tệp không hợp lệ", err)
	}
	req.Header.Set("dstcode", c.cfg.DstCode)
	resp, err := c.http.Do(req)
	if err != nil {
		return fail(Retryable, 0, "không tải được tệp", err)
	}
	defer resp.Body.Close()
	switch s := resp.StatusCode; {
	case s >= 500 || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests:
		return fail(Retryable, s, "máy chủ tệp đang lỗi", nil)
	case s < 200 || s >= 300:
		return fail(Permanent, s, "không tải được tệp", nil)
	}
	if resp.ContentLength > max {
		return fail(Permanent, resp.StatusCode, fmt.Sprintf("tệp %s quá lớn (tối đa %d byte)", clip(f.Name, 100), max), nil)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return fail(Retryable, resp.StatusCode, "tải tệp bị gián đoạn", err)
	}
	if int64(len(data)) > max {
		return fail(Permanent, resp.StatusCode, fmt.Sprintf("tệp %s quá lớn (tối đa %d byte)", clip(f.Name, 100), max), nil)
	}
	return data, nil
}

func (c *Client) fileHost(host string) bool {
	if base, err := url.Parse(c.cfg.BaseURL); err == nil && strings.EqualFold(base.Host, host) {
		return true
	}
	for _, h := range c.cfg.FileHosts {
		if strings.EqualFold(strings.TrimSpace(h), host) {
			return true
		}
	}
	return false
}
