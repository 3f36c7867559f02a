package loudspeaker

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/outreach/channel"
)

var (
	now  = time.Date(2026, 12, 7, 9, 0, 0, 0, locale.VN)
	ogg  = append([]byte("OggS\x00\x02"), make([]byte, 200)...)
	prog = channel.Message{
		TrackingID: "d-42", To: "00004, 00007", Title: "Lịch tiêm vắc xin sởi",
		Audio: ogg, AudioType: "audio/ogg",
		ValidFrom: now, ValidTo: now.Add(48 * time.Hour),
	}
)

func TestPush(t *testing.T) {
	type got struct {
		md    Metadata
		audio []byte
		file  string
		auth  string
	}
	var last got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			t.Error(err)
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		last = got{auth: r.Header.Get("Authorization")}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(p)
			switch p.FormName() {
			case "metadata":
				if err := json.Unmarshal(b, &last.md); err != nil {
					t.Error(err)
				}
			case "audio":
				last.audio, last.file = b, p.FileName()
			}
		}
		switch last.md.Communes[0] {
		case "bad":
			w.WriteHeader(http.StatusUnprocessableEntity)
		case "down":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.Write([]byte(`{"id":"prog-981"}`))
		}
	}))
	defer srv.Close()
	s, err := New(Config{URL: srv.URL, Token: "tt-token", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		priority                 int
		wantPriority, wantSchema string
	}{
		{channel.PriorityNormal, "normal", "commune"},
		{channel.PriorityHigh, "priority", "insert"},
		{channel.PriorityEmergency, "emergency", "now"},
	} {
		m := prog
		m.Priority = tc.priority
		res, err := s.Send(context.Background(), m)
		if err != nil || !res.Accepted || res.ProviderID != "prog-981" {
			t.Fatalf("Send = %+v, %v", res, err)
		}
		md := last.md
		if md.Priority != tc.wantPriority || md.Schedule != tc.wantSchema || md.Level != tc.priority ||
			md.ID != "d-42" || md.Title != "Lịch tiêm vắc xin sởi" || len(md.Communes) != 2 || md.Communes[1] != "00007" ||
			md.ValidFrom != "2026-12-07T09:00:00+07:00" || md.ValidTo != "2026-12-09T09:00:00+07:00" {
			t.Errorf("metadata %+v", md)
		}
		if string(last.audio) != string(ogg) || last.file != "d-42.ogg" || last.auth != "Bearer tt-token" {
			t.Errorf("audio %d bytes %q auth %q", len(last.audio), last.file, last.auth)
		}
	}
	m := prog
	m.To = "bad"
	if _, err := s.Send(context.Background(), m); !channel.IsPermanent(err) {
		t.Errorf("422: %v", err)
	}
	m.To = "down"
	if _, err := s.Send(context.Background(), m); err == nil || channel.IsPermanent(err) {
		t.Errorf("503: %v", err)
	}
}

func TestDescribeRefuses(t *testing.T) {
	s, err := New(Config{Folder: t.TempDir(), MaxAudio: 1000, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*channel.Message){
		"path in id":   func(m *channel.Message) { m.TrackingID = "../x" },
		"no id":        func(m *channel.Message) { m.TrackingID = "" },
		"not ogg":      func(m *channel.Message) { m.Audio = []byte("ID3....") },
		"unknown type": func(m *channel.Message) { m.AudioType = "audio/flac" },
		"too large":    func(m *channel.Message) { m.Audio = append([]byte("OggS"), make([]byte, 2000)...) },
		"no commune":   func(m *channel.Message) { m.To = " , " },
		"expired":      func(m *channel.Message) { m.ValidTo = now.Add(-time.Minute) },
	} {
		m := prog
		edit(&m)
		if _, err := s.Send(context.Background(), m); !channel.IsPermanent(err) {
			t.Errorf("%s: %v, want permanent", name, err)
		}
	}
}

func TestDropFolder(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Folder: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := prog
	m.Priority = channel.PriorityEmergency
	res, err := s.Send(context.Background(), m)
	if err != nil || !res.Accepted {
		t.Fatalf("Send = %+v, %v", res, err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "d-42.json" || names[1] != "d-42.ogg" {
		t.Fatalf("folder holds %v (no temporary file may remain)", names)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "d-42.ogg"))
	if string(b) != string(ogg) {
		t.Error("audio differs")
	}
	var md Metadata
	b, _ = os.ReadFile(filepath.Join(dir, "d-42.json"))
	if err := json.Unmarshal(b, &md); err != nil || md.Priority != "emergency" || md.Schedule != "now" || md.AudioFile != "d-42.ogg" || md.Bytes != len(ogg) {
		t.Errorf("metadata %s (%v)", b, err)
	}
	// A retry of the same delivery replaces the files, never duplicates.
	if _, err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("after a retry: %d entries", len(entries))
	}
	if _, err := New(Config{Folder: filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing folder accepted")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("no URL nor folder accepted")
	}
}
