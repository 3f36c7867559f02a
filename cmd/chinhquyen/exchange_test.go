package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edxmlTestdata holds the golden packages of QCVN 102:2016/BTTTT and the
// test CA that signed them.
const edxmlTestdata = "../../internal/exchange/edxml/testdata"

// TestExchangeVerify: a good package is described and passes against the
// root given with --trust or imported into an installation's trust store;
// a tampered, untrusted or unreadable one is described as far as it can be
// and exits 1 with the reason.
func TestExchangeVerify(t *testing.T) {
	t.Setenv("CHINHQUYEN_LOG_LEVEL", "warn")
	root := filepath.Join(edxmlTestdata, "root.pem")
	good := filepath.Join(edxmlTestdata, "new.edxml")

	code, out, errOut := runCmd(t, "exchange", "verify", good, "--trust", root, "--at", "01/06/2026 09:00")
	if code != 0 {
		t.Fatalf("verify: %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Từ: DEMO.H15.01.01 — Văn phòng UBND tỉnh Demo", "Đến: 000.00.01.H22 — Sở Nội vụ tỉnh Quảng Ninh",
		"Đến: DEMO.H15.02", "Mã văn bản (DocumentId): DEMO.H15.01.01,2026,00123", "Số, ký hiệu: 123/UBND-VP; ngày ban hành 10/03/2026",
		"Trích yếu: Về việc triển khai liên thông văn bản điện tử đến cấp xã", "Nghiệp vụ: 0 (văn bản mới)",
		"Người ký (chứng thư): CN=Văn thư UBND tỉnh Demo", "123-UBND-VP.pdf\t193 byte\tSHA-256 e5a636ac", "ĐÚNG", "Kết quả: HỢP LỆ"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// Flags before the file work too; a status package names its code.
	if code, out, errOut := runCmd(t, "exchange", "verify", "--trust", root, "--at", "01/06/2026", filepath.Join(edxmlTestdata, "status-02.edxml")); code != 0 ||
		!strings.Contains(out, "gói tin trạng thái 02 (từ chối)") || !strings.Contains(out, "Mô tả: Văn bản không đúng thẩm quyền") {
		t.Fatalf("status: %d\n%s\n%s", code, out, errOut)
	}

	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tampered := write("tampered.edxml", bytes.Replace(data, []byte("JVBERi0xLjQK"), []byte("JVBERi0xLjUK"), 1))
	code, out, errOut = runCmd(t, "exchange", "verify", tampered, "--trust", root)
	if code != 1 || !strings.Contains(out, "SAI: giá trị băm khác Manifest") || !strings.Contains(out, "Kết quả: KHÔNG HỢP LỆ") ||
		!strings.Contains(errOut, "edxml.attachment") {
		t.Fatalf("tampered: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "exchange", "verify", good)
	if code != 1 || !strings.Contains(out, "Tin cậy: chưa chỉ định") || !strings.Contains(errOut, "edxml.untrusted") {
		t.Fatalf("no trust: %d\n%s\n%s", code, out, errOut)
	}
	bomb := write("bomb.xml", []byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaa">]><a>&a;</a>`))
	code, out, errOut = runCmd(t, "exchange", "verify", bomb, "--trust", root)
	if code != 1 || !strings.Contains(out, "KHÔNG ĐỌC ĐƯỢC (edxml.dtd)") || !strings.Contains(errOut, "DTD") {
		t.Fatalf("bomb: %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, "exchange"); code != 0 || !strings.Contains(out, "exchange verify") || !strings.Contains(out, "exchange peer") {
		t.Errorf("exchange lists its subcommands: %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"exchange", "verify"}, {"exchange", "verify", good, good}, {"exchange", "bogus"}} {
		if code, _, _ := runCmd(t, bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if code, _, errOut := runCmd(t, "exchange", "verify", filepath.Join(dir, "none.edxml")); code != 1 || !strings.Contains(errOut, "Không đọc được tệp") {
		t.Errorf("missing file: %d %s", code, errOut)
	}

	// --at: the moment the certificate is checked at.
	if code, out, errOut := runCmd(t, "exchange", "verify", good, "--trust", root, "--at", "01/06/2026"); code != 0 ||
		!strings.Contains(out, "Kiểm tra chứng thư vào: 01/06/2026 00:00:00") {
		t.Fatalf("--at: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "exchange", "verify", good, "--trust", root, "--at", "01/01/2050"); code != 1 || !strings.Contains(errOut, "edxml.untrusted") {
		t.Fatalf("--at after the certificate: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "exchange", "verify", good, "--at", "2026-06-01"); code != 1 || !strings.Contains(errOut, "--at") {
		t.Fatalf("--at malformed: %d %s", code, errOut)
	}

	// An installation whose trust store holds the root: --data is enough.
	data2 := t.TempDir()
	t.Setenv("CHINHQUYEN_KEY_PASSPHRASE", "mat-khau-kho-khoa")
	if code, out, errOut := runCmd(t, "ca", "trust", "--data", data2, "--label", "CA thử nghiệm", "import", root); code != 0 {
		t.Fatalf("ca trust import: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "exchange", "verify", good, "--data", data2, "--at", "01/06/2026")
	if code != 0 || !strings.Contains(out, "Tin cậy: kho tin cậy của") {
		t.Fatalf("--data: %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, "exchange", "verify", good, "--data", t.TempDir()); code != 1 || !strings.Contains(errOut, "Không có cơ sở dữ liệu") {
		t.Fatalf("--data without a database: %d %s", code, errOut)
	}
}
