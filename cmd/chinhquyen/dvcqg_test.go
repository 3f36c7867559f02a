package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDVCQGCommands: procedures lists the loopback portal's catalogue;
// import fetches a procedure and refuses it whole, naming the agency,
// when the responsible agency does not exist; mistakes are told plainly.
func TestDVCQGCommands(t *testing.T) {
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Service, MaTTHC string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/auth" && r.Header.Get("dstcode") == "H15":
			w.Write([]byte(`{"session":"s","error_code":"00"}`))
		case body.Service == "LayDanhSachTTHC":
			w.Write([]byte(`{"error_code":"00","result":[{"MATTHC":"1.001193","TENTTHC":"Đăng ký khai sinh"}]}`))
		case body.Service == "LayThuTuc" && body.MaTTHC == "1.001193":
			w.Write([]byte(`{"error_code":"00","result":[{"MATTHC":"1.001193","TENTTHC":"Đăng ký khai sinh",
				"LINHVUCTHUCHIEN":[{"TENLINHVUC":"Hộ tịch"}],"CACHTHUCTHUCHIEN":[{"KENH":2,"THOIGIAN":[{"THOIGIANGIAIQUYET":0,"DONVITINH":"Ngày làm việc"}]}]}]}`))
		case body.Service == "LayThuTuc":
			w.Write([]byte(`{"error_code":"00","result":[]}`))
		default:
			w.Write([]byte(`{"error_code":"01","message":"Sai"}`))
		}
	}))
	defer portal.Close()
	t.Setenv("CHINHQUYEN_DATA", t.TempDir())
	t.Setenv("CHINHQUYEN_LOG_LEVEL", "warn")
	if code, _, errOut := runCmd(t, "dvcqg", "procedures"); code == 0 || !strings.Contains(errOut, "--dvcqg-url") {
		t.Fatalf("without a portal: %d %s", code, errOut)
	}
	for k, v := range map[string]string{"URL": portal.URL, "USER": "h15", "PASSWORD": "p", "DSTCODE": "H15", "MADONVI": "H15.01.01"} {
		t.Setenv("CHINHQUYEN_DVCQG_"+k, v)
	}
	code, out, errOut := runCmd(t, "dvcqg", "procedures")
	if code != 0 || out != "1.001193\tĐăng ký khai sinh\n1 thủ tục\n" {
		t.Fatalf("dvcqg procedures: %d\n%s\n%s", code, out, errOut)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"dvcqg", "import", "1.001193"}, "cần --level, --agency"},
		{[]string{"dvcqg", "import", "--level", "commune", "--agency", "H15.01.01", "9.999999"}, "không có thủ tục mã 9.999999"},
		{[]string{"dvcqg", "import", "--level", "huyen", "--agency", "H15.01.01", "1.001193"}, "Cấp thực hiện"},
		{[]string{"dvcqg", "import", "--level", "commune", "--agency", "H99.99", "1.001193"}, "cơ quan"},
		{[]string{"dvcqg", "bogus"}, "không có lệnh dvcqg"},
	} {
		if code, _, errOut := runCmd(t, bad.args...); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: exit %d, %s", bad.args, code, errOut)
		}
	}
	// receive: a dossier of a procedure the catalogue lacks is refused by
	// name, exit 1; a malformed batch is refused whole.
	batch := filepath.Join(t.TempDir(), "batch.json")
	os.WriteFile(batch, []byte(`{"data":[{"MaHoSo":"G22.99-261207-000001","MaTTHC":"1.001193","ChuHoSo":"Lê Văn An","SoDinhDanh":"001090012345"}]}`), 0o600)
	code, out, errOut = runCmd(t, "dvcqg", "receive", batch)
	if code != 1 || !strings.Contains(out, "G22.99-261207-000001\tlỗi: Không có thủ tục hành chính mã") || !strings.Contains(errOut, "1 trong 1 hồ sơ") {
		t.Fatalf("dvcqg receive: %d\n%s\n%s", code, out, errOut)
	}
	os.WriteFile(batch, []byte(`{"data": 5}`), 0o600)
	if code, _, errOut := runCmd(t, "dvcqg", "receive", batch); code == 0 || !strings.Contains(errOut, "cần một danh sách hồ sơ") {
		t.Fatalf("malformed batch: %d %s", code, errOut)
	}
	t.Setenv("CHINHQUYEN_DVCQG_DSTCODE", "H99")
	if code, _, errOut := runCmd(t, "dvcqg", "procedures"); code == 0 || !strings.Contains(errOut, "Cổng DVCQG") {
		t.Fatalf("refused sign-in: %d %s", code, errOut)
	}
}
