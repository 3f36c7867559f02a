package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
)

// user add and user grant check what the operator types against org and
// answer in Vietnamese.
func TestUserCommandsCheckOrg(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dbArgs := []string{"--data", dir, "--log-level", "error"}
			cfg := app.Config{DataDir: dir, SQLiteSync: "NORMAL", LogFormat: "text", LogLevel: "error"}
			if engine == db.Postgres {
				cfg.DatabaseURL = dbtest.NewPostgresDatabase(t)
				dbArgs = append(dbArgs, "--database", cfg.DatabaseURL)
			}
			a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.FirstStart(ctx); err != nil {
				t.Fatal(err)
			}
			demo, err := a.Org.LoadDemo(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
			id := func(v int64) string { return strconv.FormatInt(v, 10) }
			office, snvVP := id(demo.ProvinceOffice), id(demo.Units["H15.10/VP"])
			args := func(extra ...string) []string { return append(append([]string{}, extra...), dbArgs...) }
			runCalCases(t, []calCase{
				{name: "unit of another agency", code: 1, errHas: "không thuộc Văn phòng Ủy ban nhân dân tỉnh Lào Cai",
					args: args("user", "add", "--username", "vanthu.cli", "--name", "Văn Thư Dòng Lệnh", "--agency", office, "--unit", snvVP, "--positions", "van_thu")},
				{name: "unknown position code", code: 1, errHas: "Không có chức vụ mã \"tong_thu_ky\"",
					args: args("user", "add", "--username", "vanthu.cli", "--name", "Văn Thư Dòng Lệnh", "--agency", office, "--positions", "tong_thu_ky")},
				{name: "unknown agency", code: 1, errHas: "Không có cơ quan mã số 987654",
					args: args("user", "add", "--username", "vanthu.cli", "--name", "Văn Thư Dòng Lệnh", "--agency", "987654", "--positions", "van_thu")},
				{name: "unknown agency code", code: 1, errHas: "Lỗi",
					args: args("user", "add", "--username", "vanthu.cli", "--name", "Văn Thư Dòng Lệnh", "--agency", "DEMO.X99", "--positions", "van_thu")},
				{name: "agency by electronic code, positions by code", code: 0, has: []string{"Đã tạo tài khoản / created: vanthu.cli", "Mật khẩu ban đầu"},
					args: args("user", "add", "--username", "vanthu.cli", "--name", "Văn Thư Dòng Lệnh", "--agency", "DEMO.H15.01", "--unit", id(demo.Units["H15.01/HCTC"]),
						"--positions", "van_thu,chuyen_vien", "--role", "clerk")},
				// A refused grant creates no account: the same username is
				// still free afterwards.
				{name: "unknown role", code: 1, errHas: "khongco",
					args: args("user", "add", "--username", "ketoan.cli", "--name", "Kế Toán Dòng Lệnh", "--agency", "DEMO.H15.01", "--positions", "chuyen_vien", "--role", "khongco")},
				{name: "a citizen's role", code: 1, errHas: "Vai trò Người dân không cấp cho tài khoản cán bộ",
					args: args("user", "add", "--username", "ketoan.cli", "--name", "Kế Toán Dòng Lệnh", "--agency", "DEMO.H15.01", "--positions", "chuyen_vien", "--role", "citizen")},
				{name: "the username is still free", code: 0, has: []string{"Đã tạo tài khoản / created: ketoan.cli"},
					args: args("user", "add", "--username", "ketoan.cli", "--name", "Kế Toán Dòng Lệnh", "--agency", "DEMO.H15.01", "--positions", "chuyen_vien",
						"--role", "agency_admin", "--subtree")},
				{name: "grant in an agency that does not exist", code: 1, errHas: "Không có cơ quan mã số 987654",
					args: args("user", "grant", "--account", "1", "--role", "clerk", "--agency", "987654")},
			})
		})
	}
}
