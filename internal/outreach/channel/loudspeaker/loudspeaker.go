// Package loudspeaker hands programmes to the commune loudspeaker systems
// (hệ thống đài truyền thanh cơ sở ứng dụng công nghệ thông tin – viễn
// thông, Circular 39/2020/TT-BTTTT): either a generic HTTP push to the
// system's management software (POST multipart: a "metadata" JSON part and
// an "audio" part) or a drop folder the system watches (<id>.ogg, then
// <id>.json, each written atomically; the JSON appears last, so a watcher
// that waits for it never reads half a programme).
//
// The metadata carries the priority as the Circular ranks programmes:
// normal (the commune's broadcast schedule places it, "schedule":
// "commune"), priority (inserted ahead of the schedule, "insert") and
// emergency (played at once, interrupting, "now").
package loudspeaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

// Config configures the adapter: URL for the HTTP push, else Folder.
type Config struct {
	URL    string // the push endpoint, e.g. https://truyenthanh.example.vn/api/programmes
	Token  string // sent as Authorization: Bearer
	Folder string // the drop folder when URL is empty
	// MaxAudio bounds a programme's audio (default 50 MiB).
	MaxAudio int
	Timeout  time.Duration // one push (default 2 minutes: audio is large)
	Client   *http.Client
	Now      func() time.Time
}

// Metadata describes a programme to the loudspeaker system.
type Metadata struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Priority  string   `json:"priority"` // normal, priority, emergency
	Level     int      `json:"priority_level"`
	Schedule  string   `json:"schedule"` // commune, insert, now
	Communes  []string `json:"communes"`
	ValidFrom string   `json:"valid_from,omitempty"` // RFC 3339, Vietnam time
	ValidTo   string   `json:"valid_to,omitempty"`
	AudioType string   `json:"audio_type"`
	AudioFile string   `json:"audio_file"`
	Bytes     int      `json:"audio_bytes"`
	Created   string   `json:"created"`
}

// Sender delivers programmes.
type Sender struct{ cfg Config }

// New checks cfg.
func New(cfg Config) (*Sender, error) {
	switch {
	case cfg.URL != "":
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, apperr.FieldError("loudspeaker_url", "Địa chỉ hệ thống truyền thanh %q không hợp lệ.", cfg.URL)
		}
	case cfg.Folder != "":
		st, err := os.Stat(cfg.Folder)
		if err != nil || !st.IsDir() {
			return nil, apperr.FieldError("loudspeaker_folder", "Thư mục giao bản tin truyền thanh %q không tồn tại.", cfg.Folder)
		}
	default:
		return nil, apperr.FieldError("loudspeaker_url", "Cần địa chỉ hệ thống truyền thanh hoặc thư mục giao bản tin.")
	}
	if cfg.MaxAudio <= 0 {
		cfg.MaxAudio = 50 << 20
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	return &Sender{cfg: cfg}, nil
}

// Kind is channel.Loudspeaker.
func (s *Sender) Kind() channel.Kind { return channel.Loudspeaker }

var extensions = map[string]string{"audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/wav": ".wav"}

// sniff checks the audio is what its type says.
func sniff(b []byte, typ string) bool {
	switch typ {
	case "audio/ogg":
		return bytes.HasPrefix(b, []byte("OggS"))
	case "audio/mpeg":
		return bytes.HasPrefix(b, []byte("ID3")) || len(b) > 1 && b[0] == 0xff && b[1]&0xe0 == 0xe0
	case "audio/wav":
		return len(b) > 12 && bytes.HasPrefix(b, []byte("RIFF")) && string(b[8:12]) == "WAVE"
	}
	return false
}

// safeID is a tracking id usable as a file name.
func safeID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Describe checks m and returns its metadata.
func (s *Sender) Describe(m channel.Message) (Metadata, error) {
	if !safeID(m.TrackingID) {
		return Metadata{}, channel.Permanent(apperr.FieldError("tracking_id", "Mã bản tin %q không dùng làm tên tệp được (chữ, số, - và _).", m.TrackingID))
	}
	ext, ok := extensions[m.AudioType]
	if !ok || !sniff(m.Audio, m.AudioType) {
		return Metadata{}, channel.Permanent(apperr.FieldError("audio", "Bản tin truyền thanh cần âm thanh ogg/opus, mp3 hoặc wav."))
	}
	if len(m.Audio) > s.cfg.MaxAudio {
		return Metadata{}, channel.Permanent(apperr.FieldError("audio", "Âm thanh bản tin quá lớn (%d MB, tối đa %d MB).", len(m.Audio)>>20, s.cfg.MaxAudio>>20))
	}
	var communes []string
	for _, c := range strings.Split(m.To, ",") {
		if c = strings.TrimSpace(c); c != "" {
			communes = append(communes, c)
		}
	}
	if len(communes) == 0 {
		return Metadata{}, channel.Permanent(apperr.FieldError("to", "Chưa chọn xã, phường nhận bản tin."))
	}
	md := Metadata{
		ID: m.TrackingID, Title: locale.NFC(m.Title), Communes: communes, Level: m.Priority,
		AudioType: m.AudioType, AudioFile: m.TrackingID + ext, Bytes: len(m.Audio),
		Created: s.cfg.Now().In(locale.VN).Format(time.RFC3339),
	}
	switch {
	case m.Priority >= channel.PriorityEmergency:
		md.Priority, md.Schedule, md.Level = "emergency", "now", channel.PriorityEmergency
	case m.Priority == channel.PriorityHigh:
		md.Priority, md.Schedule = "priority", "insert"
	default:
		md.Priority, md.Schedule, md.Level = "normal", "commune", channel.PriorityNormal
	}
	if !m.ValidFrom.IsZero() {
		md.ValidFrom = m.ValidFrom.In(locale.VN).Format(time.RFC3339)
	}
	if !m.ValidTo.IsZero() {
		md.ValidTo = m.ValidTo.In(locale.VN).Format(time.RFC3339)
		if !m.ValidTo.After(s.cfg.Now()) {
			return Metadata{}, channel.Permanent(apperr.FieldError("valid_to", "Bản tin đã hết thời hạn phát."))
		}
	}
	return md, nil
}

// Send pushes or drops m's programme.
func (s *Sender) Send(ctx context.Context, m channel.Message) (channel.Result, error) {
	md, err := s.Describe(m)
	if err != nil {
		return channel.Result{}, err
	}
	if s.cfg.URL != "" {
		return s.push(ctx, md, m.Audio)
	}
	return s.drop(md, m.Audio)
}

func (s *Sender) push(ctx context.Context, md Metadata, audio []byte) (channel.Result, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	meta, _ := json.Marshal(md)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="metadata"`)
	h.Set("Content-Type", "application/json")
	pw, _ := mw.CreatePart(h)
	_, _ = pw.Write(meta)
	h = textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="audio"; filename=%q`, md.AudioFile))
	h.Set("Content-Type", md.AudioType)
	pw, _ = mw.CreatePart(h)
	_, _ = pw.Write(audio)
	_ = mw.Close()

	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, &body)
	if err != nil {
		return channel.Result{}, channel.Permanent(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Idempotency-Key", md.ID)
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không gửi được bản tin tới hệ thống truyền thanh.")
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	switch {
	case resp.StatusCode/100 == 2:
		var ans struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &ans)
		if len(ans.ID) > 200 {
			ans.ID = ""
		}
		return channel.Result{ProviderID: ans.ID, Parts: 1, Accepted: true, Detail: fmt.Sprintf("HTTP %d", resp.StatusCode)}, nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
		return channel.Result{}, channel.Permanent(apperr.New(apperr.Invalid, "Hệ thống truyền thanh từ chối bản tin (HTTP %d): %s", resp.StatusCode, strings.ToValidUTF8(string(raw[:min(len(raw), 300)]), "")))
	default:
		return channel.Result{}, apperr.New(apperr.Unavailable, "Hệ thống truyền thanh chưa nhận bản tin (HTTP %d).", resp.StatusCode)
	}
}

func (s *Sender) drop(md Metadata, audio []byte) (channel.Result, error) {
	meta, _ := json.MarshalIndent(md, "", "  ")
	if err := writeAtomic(s.cfg.Folder, md.AudioFile, audio); err != nil {
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không ghi được âm thanh bản tin vào thư mục truyền thanh.")
	}
	if err := writeAtomic(s.cfg.Folder, md.ID+".json", append(meta, '\n')); err != nil {
		return channel.Result{}, apperr.Wrap(err, apperr.Unavailable, "Không ghi được thông tin bản tin vào thư mục truyền thanh.")
	}
	return channel.Result{ProviderID: md.ID, Parts: 1, Accepted: true, Detail: filepath.Join(s.cfg.Folder, md.ID+".json")}, nil
}

// writeAtomic writes name in dir through a temporary file, fsync and
// rename, then fsyncs the folder: the name holds all of data or nothing.
func writeAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
