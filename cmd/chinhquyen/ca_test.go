package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/org"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestCACommands(t *testing.T) {
	data := t.TempDir()
	t.Setenv("CHINHQUYEN_DATA", data)
	t.Setenv("CHINHQUYEN_BASE_URL", "https://dichvucong.quangtri.gov.vn")
	t.Setenv("CHINHQUYEN_KEY_PASSPHRASE", "mat-khau-kho-khoa")
	t.Setenv("CHINHQUYEN_LOG_LEVEL", "warn")

	code, out, errOut := runCmd(t, "ca", "init", "--org", "UBND tỉnh Quảng Trị")
	if code != 0 || !strings.Contains(out, "issuing") {
		t.Fatalf("ca init: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "ca", "init", "--org", "X"); code != 1 || !strings.Contains(errOut, "đã được khởi tạo") {
		t.Fatalf("second ca init: %d %s", code, errOut)
	}
	// The demo registers the officials and agencies certificates are for.
	a, err := app.Open(context.Background(), app.Config{DataDir: data, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error",
		BaseURL: "https://dichvucong.quangtri.gov.vn", PKI: app.PKIConfig{KeyPassphrase: "mat-khau-kho-khoa"}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.FirstStart(context.Background()); err != nil {
		t.Fatal(err)
	}
	var specialist int64
	snv, err := a.Org.AgencyByCode(context.Background(), "DEMO.H15.10", org.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := a.Identity.Officials(context.Background(), actor.SystemActor("test"), snv.ID); err == nil {
		for _, acc := range list {
			if acc.Login == "demo.specialist" {
				specialist = acc.ID
			}
		}
	}
	a.Close()
	if specialist == 0 {
		t.Fatal("no demo.specialist account")
	}

	pemFile := filepath.Join(t.TempDir(), "an.pem")
	code, _, errOut = runCmd(t, "ca", "issue", "--holder", strconv.FormatInt(specialist, 10), "--out", pemFile)
	if code != 0 {
		t.Fatalf("ca issue: %d %s", code, errOut)
	}
	if !strings.Contains(errOut, "CN=Trần Thu Hà") || !strings.Contains(errOut, "Sở Nội vụ tỉnh Lào Cai") {
		t.Fatalf("personal certificate not from the official's record: %s", errOut)
	}
	serial := regexp.MustCompile(`serial ([0-9a-f]+)`).FindStringSubmatch(errOut)[1]
	if code, _, errOut := runCmd(t, "ca", "renew", serial); code != 0 || !strings.Contains(errOut, "CN=Trần Thu Hà") {
		t.Fatalf("ca renew: %d %s", code, errOut)
	}
	code, out, _ = runCmd(t, "ca", "issue", "--profile", "seal", "--agency", "DEMO.H15.10")
	block, _ := pem.Decode([]byte(out))
	if code != 0 || block == nil {
		t.Fatalf("ca issue seal: %d %s", code, out)
	}
	if c, err := x509.ParseCertificate(block.Bytes); err != nil || c.Subject.CommonName != "Sở Nội vụ tỉnh Lào Cai" {
		t.Fatalf("seal certificate: %v", err)
	}
	if code, _, errOut := runCmd(t, "ca", "issue", "--profile", "seal", "--agency", "DEMO.H15.10", "--cn", "Cơ quan khác"); code == 0 {
		t.Fatalf("ca issue took a typed subject: %s", errOut)
	}
	if code, _, errOut := runCmd(t, "ca", "issue"); code != 1 || !strings.Contains(errOut, "Hãy chọn cán bộ") {
		t.Fatalf("issue to nobody: %d %s", code, errOut)
	}
	if code, out, errOut := runCmd(t, "ca", "revoke", "--reason", "keyCompromise", serial); code != 0 || !strings.Contains(out, serial) {
		t.Fatalf("ca revoke: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "ca", "revoke", serial); code != 1 || !strings.Contains(errOut, "đã bị thu hồi") {
		t.Fatalf("revoke twice: %d %s", code, errOut)
	}
	code, out, _ = runCmd(t, "ca", "list")
	if code != 0 || !strings.Contains(out, "revoked:keyCompromise") || !strings.Contains(out, "DEMO.H15.10") {
		t.Fatalf("ca list: %d\n%s", code, out)
	}
	if code, out, errOut := runCmd(t, "ca", "trust", "--label", "thử", "import", pemFile); code != 1 || !strings.Contains(errOut, "không phải chứng thư của CA") {
		t.Fatalf("trust import of a leaf: %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCmd(t, "ca", "trust", "list"); code != 0 {
		t.Fatal("ca trust list failed")
	}
	t.Setenv("CHINHQUYEN_KEY_PASSPHRASE", "sai-mat-khau-roi")
	if code, _, errOut := runCmd(t, "ca", "issue", "--holder", strconv.FormatInt(specialist, 10)); code != 1 || !strings.Contains(errOut, "Mật khẩu kho khóa") {
		t.Fatalf("wrong passphrase: %d %s", code, errOut)
	}
}
