package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCommandLineRejectsBadInputWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt")
	if err := os.MkdirAll(corrupt, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corrupt, "chinhquyen.db"), []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runCalCases(t, []calCase{
		{name: "no command", args: nil, code: 2, errHas: "serve"},
		{name: "help lists the commands", args: []string{"--help"}, code: 0, has: []string{"serve", "migrate", "version", "units import"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errHas: "không có lệnh"},
		{name: "unknown flag", args: []string{"serve", "--bogus"}, code: 2, errHas: "flag provided but not defined"},
		{name: "stray argument", args: []string{"serve", "--data", dir, "extra"}, code: 2},
		{name: "database that does not answer", args: []string{"serve", "--data", dir, "--database", "postgres://postgres@127.0.0.1:1/x?connect_timeout=2"}, code: 1, errHas: "Không kết nối được PostgreSQL"},
		{name: "unknown database scheme", args: []string{"migrate", "--database", "mysql://x"}, code: 1, errHas: "không hợp lệ"},
		{name: "data folder is a file", args: []string{"serve", "--data", aFile}, code: 1, errHas: "thư mục dữ liệu"},
		{name: "corrupt SQLite file", args: []string{"migrate", "--data", corrupt}, code: 1, errHas: "bị hỏng"},
		{name: "bad log level", args: []string{"serve", "--data", dir, "--log-level", "loud"}, code: 1, errHas: "Mức nhật ký"},
		{name: "help is not an error", args: []string{"serve", "--help"}, code: 0},
		{name: "version", args: []string{"version"}, code: 0, has: []string{"chinhquyen"}},
	})
}

func TestBadEnvironmentVariableIsNamed(t *testing.T) {
	t.Setenv("CHINHQUYEN_NO_DEMO", "maybe")
	runCalCases(t, []calCase{
		{name: "bad boolean in env", args: []string{"serve", "--data", t.TempDir()}, code: 1, errHas: "CHINHQUYEN_NO_DEMO"},
	})
}

func TestMigrateCreatesEveryModuleAndReportsStatus(t *testing.T) {
	dir := t.TempDir()
	runCalCases(t, []calCase{
		{name: "migrate", args: []string{"migrate", "--data", dir, "--log-level", "error"}, code: 0, has: []string{"platform", "audit", "org", "identity"}},
		{name: "status only", args: []string{"migrate", "--status", "--data", dir}, code: 0, has: []string{"module", "current", "known"}},
	})
}

// The README's first command: serve starts on a fresh data folder, loads
// the demo, prints the URL and one login per role, answers, and stops
// cleanly when asked to (SIGTERM cancels the context the same way).
func TestServeFirstStartPrintsURLAndDemoLoginsThenShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var errOut strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: outW, stderr: &errOut}, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "error"})
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	var url string
	var printed []string
	deadline := time.After(2 * time.Minute)
	for url == "" || !strings.Contains(strings.Join(printed, "\n"), "chỉ để dùng thử") {
		lineCh := make(chan bool, 1)
		go func() { lineCh <- lines.Scan() }()
		select {
		case ok := <-lineCh:
			if !ok {
				t.Fatalf("serve ended early: %s", errOut.String())
			}
		case <-deadline:
			t.Fatal("serve did not print its URL and logins")
		}
		line := lines.Text()
		printed = append(printed, line)
		if m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line); m != "" && url == "" {
			url = m
		}
	}
	go io.Copy(io.Discard, outR)
	all := strings.Join(printed, "\n")
	for _, want := range []string{"demo.leader", "demo.clerk", "demo.system_admin", "demo.onestop_officer", "001090012345"} {
		if !strings.Contains(all, want) {
			t.Errorf("first start did not print login %s:\n%s", want, all)
		}
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz = %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after shutdown: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
