package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestWebhookCommands: add prints the secret once, list shows the
// endpoint without it, disable stops it, and mistakes are told plainly.
func TestWebhookCommands(t *testing.T) {
	t.Setenv("CHINHQUYEN_DATA", t.TempDir())
	t.Setenv("CHINHQUYEN_LOG_LEVEL", "warn")
	code, out, errOut := runCmd(t, "webhook", "add", "--url", "https://doitac.example.vn/hook", "--events", "document.received,document.issued")
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{43}`).FindString(out)
	if code != 0 || secret == "" || !strings.Contains(out, "số 1") {
		t.Fatalf("webhook add: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "webhook", "list")
	if code != 0 || !strings.Contains(out, "1\thttps://doitac.example.vn/hook\tdocument.issued,document.received\tđang dùng") || strings.Contains(out, secret) {
		t.Fatalf("webhook list: %d\n%s\n%s", code, out, errOut)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook", "add", "--url", "https://x.example.vn"}, "cần --url và --events"},
		{[]string{"webhook", "add", "--url", "ftp://x.example.vn", "--events", "*"}, "http://"},
		{[]string{"webhook", "add", "--url", "https://x.example.vn", "--events", "Văn bản"}, "Tên sự kiện"},
		{[]string{"webhook", "disable"}, "đúng một số"},
		{[]string{"webhook", "disable", "abc"}, "số nguyên dương"},
		{[]string{"webhook", "disable", "7"}, "Không có địa chỉ nhận webhook số 7"},
		{[]string{"webhook", "bogus"}, "không có lệnh webhook"},
	} {
		if code, _, errOut := runCmd(t, bad.args...); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: exit %d, %s", bad.args, code, errOut)
		}
	}
	if code, out, errOut = runCmd(t, "webhook", "disable", "1"); code != 0 || !strings.Contains(out, "Đã tắt") {
		t.Fatalf("webhook disable: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ = runCmd(t, "webhook", "list"); code != 0 || !strings.Contains(out, "đã tắt") {
		t.Fatalf("list after disable: %d\n%s", code, out)
	}
	if code, _, errOut = runCmd(t, "webhook", "disable", "1"); code == 0 || !strings.Contains(errOut, "đã tắt từ trước") {
		t.Fatalf("disable twice: %d %s", code, errOut)
	}
}
