package notify

import (
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/locale"
)

func sampleData() map[string]string {
	return map[string]string{"Name": "Trần Văn <b>An</b>", "Login": "an.tv", "At": "07/12/2026 10:15", "Until": "07/12/2026 10:16",
		"IP": "203.0.113.9", "UserAgent": `Mozilla/5.0 "><script>alert(1)</script>`, "AccountURL": "https://dichvucong.example.vn/account",
		// tasks.reminder
		"Title": "Báo cáo <b>An</b> tiến độ", "Source": "Kết luận cuộc họp giao ban", "Role": "Chủ trì", "Deadline": "08/12/2026",
		"Weekday": "Thứ ba", "Progress": "40", "TaskURL": "https://dichvucong.example.vn/office/tasks/7",
		// onestop.status, onestop.step_reminder
		"Code": "H15.01.01-261207-0001", "Procedure": "Đăng ký <b>An</b> khai sinh", "Status": "Được tiếp nhận", "StatusCode": "2",
		"Note": "-", "Appointment": "17:00 08/12/2026", "TrackURL": "https://dichvucong.example.vn/portal/track/H15.01.01-261207-0001",
		"Step": "Thẩm định", "DossierURL": "https://dichvucong.example.vn/office/onestop/dossiers/1",
		// outreach.bulletin
		"Body": "Lịch tiêm chủng <b>An</b> 14/12", "Unsubscribe": "https://dichvucong.example.vn/outreach/unsubscribe?t=7.abc"}
}

func TestEveryTemplateRendersInBothLanguages(t *testing.T) {
	names := Templates()
	if len(names) < 5 {
		t.Fatalf("templates %v", names)
	}
	for _, name := range names {
		for _, lang := range locale.Langs {
			r, err := render(lang, name, sampleData())
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, name, err)
			}
			if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
				t.Errorf("%s/%s subject %q", lang, name, r.Subject)
			}
			if !strings.Contains(r.Text, "an.tv") || !strings.Contains(r.HTML, "an.tv") {
				t.Errorf("%s/%s does not name the login", lang, name)
			}
			// html/template escapes every value; the text part is plain text.
			if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<b>An</b>") {
				t.Errorf("%s/%s HTML carries unescaped input:\n%s", lang, name, r.HTML)
			}
			if !strings.Contains(r.HTML, `lang="`+string(lang)+`"`) {
				t.Errorf("%s/%s HTML without its language", lang, name)
			}
		}
	}
}

func TestRenderRefusesAMissingValueOrTemplate(t *testing.T) {
	data := sampleData()
	delete(data, "IP")
	if _, err := render(locale.VI, "account.password_changed", data); err == nil {
		t.Error("a template rendered with a value missing")
	}
	if _, err := render(locale.VI, "no.such.template", sampleData()); err == nil {
		t.Error("an unknown template rendered")
	}
	// An unsupported language falls back to Vietnamese.
	r, err := render("fr", "account.password_changed", sampleData())
	if err != nil || r.Subject != "Mật khẩu tài khoản của bạn vừa được thay đổi" {
		t.Errorf("fallback: %q, %v", r.Subject, err)
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SMTPConfig
		ok   bool
	}{
		{"smtp://user:pass@mail.example.vn:587", SMTPConfig{Host: "mail.example.vn", Port: 587, Username: "user", Password: "pass"}, true},
		{"smtp://mail.example.vn", SMTPConfig{Host: "mail.example.vn", Port: 587}, true},
		{"smtps://u%40x:p%3Aw@mail.example.vn", SMTPConfig{Host: "mail.example.vn", Port: 465, ImplicitTLS: true, Username: "u@x", Password: "p:w"}, true},
		{"smtp://localhost:25?tls=none", SMTPConfig{Host: "localhost", Port: 25, TLS: "none"}, true},
		{"smtp://relay:25?tls=opportunistic", SMTPConfig{Host: "relay", Port: 25, TLS: "opportunistic"}, true},
		{"smtp://[::1]:2525", SMTPConfig{Host: "::1", Port: 2525}, true},
		{"smtps://mail.example.vn?tls=none", SMTPConfig{}, false},
		{"smtp://relay?tls=yes", SMTPConfig{}, false},
		{"smtp://relay?debug=1", SMTPConfig{}, false},
		{"http://mail.example.vn", SMTPConfig{}, false},
		{"smtp://:587", SMTPConfig{}, false},
		{"smtp://mail.example.vn:0", SMTPConfig{}, false},
		{"smtp://mail.example.vn:70000", SMTPConfig{}, false},
		{"smtp://mail.example.vn/path", SMTPConfig{}, false},
		{"mail.example.vn:587", SMTPConfig{}, false},
		{"", SMTPConfig{}, false},
	} {
		got, err := ParseSMTPURL(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{"smtp://user:pass@mail.example.vn:587", "smtps://h", "smtp://h?tls=none", "smtp://[::1]:25/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseSMTPURL(s)
		if err == nil && (c.Host == "" || c.Port < 1 || c.Port > 65535) {
			t.Fatalf("accepted %q as %+v", s, c)
		}
	})
}
