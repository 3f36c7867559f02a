package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/onestop"
	"github.com/chinhquyen/chinhquyen/internal/onestop/dvcqg"
)

func init() {
	register(&command{name: "dvcqg", summary: "Cổng Dịch vụ công quốc gia (the national portal; see its subcommands)", run: group("dvcqg", "procedures", "import", "receive")})
	register(&command{name: "dvcqg procedures", summary: "liệt kê thủ tục trên Cổng DVCQG, kiểm tra kết nối (list the portal's procedures)", run: dvcqgProcedures})
	register(&command{name: "dvcqg import", summary: "nhập thủ tục từ CSDL quốc gia vào danh mục, ở trạng thái tạm dừng (import procedures, inactive)", run: dvcqgImport})
	register(&command{name: "dvcqg receive", summary: "tiếp nhận hồ sơ nộp trên Cổng DVCQG từ tệp JSON hoặc - (register dossiers submitted on the portal)", run: dvcqgReceive})
}

// portalClient is the configured portal's client, or a clear error when
// --dvcqg-url is not set.
func portalClient(cfg *app.Config) (*dvcqg.Client, error) {
	if cfg.DVCQG.URL == "" {
		return nil, apperr.FieldError("dvcqg-url", "Chưa cấu hình Cổng Dịch vụ công quốc gia: đặt --dvcqg-url (CHINHQUYEN_DVCQG_URL) và tài khoản kết nối")
	}
	return cfg.DVCQG.Client()
}

// dvcqgProcedures prints the portal's procedures (LayDanhSachTTHC), one
// "code<TAB>name" a line: the connection and the account checked.
func dvcqgProcedures(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "dvcqg procedures", ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	c, err := portalClient(&cfg)
	if err != nil {
		return err
	}
	list, err := c.Procedures(ctx)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không lấy được danh sách thủ tục từ Cổng DVCQG")
	}
	for _, p := range list {
		fmt.Fprintf(e.stdout, "%s\t%s\n", p.MATTHC, p.TENTTHC)
	}
	fmt.Fprintf(e.stdout, "%d thủ tục\n", len(list))
	return nil
}

// dvcqgImport reads each procedure from the national database (LayThuTuc),
// maps it onto the catalogue (app.ProcedureFromPortal) and imports them
// all or none as the operator (audited), inactive until an administrator
// completes the online form and switches them on.
func dvcqgImport(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var level, agency string
	b := config.NewBinder(newFlags(e, "dvcqg import", "MÃ_THỦ_TỤC…"))
	cfg.BindDatabase(b)
	b.FS.StringVar(&level, "level", "", "level the procedures are handled at: province or commune (required)")
	b.FS.StringVar(&agency, "agency", "", "electronic code of the responsible agency, e.g. H15.01.01 (required)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() == 0 || level == "" || agency == "" {
		return usageError(e, b, "cần --level, --agency và ít nhất một mã thủ tục")
	}
	if b.FS.NArg() > 500 {
		return usageError(e, b, "tối đa 500 mã thủ tục một lần")
	}
	c, err := portalClient(&cfg)
	if err != nil {
		return err
	}
	var list []onestop.Procedure
	for _, code := range b.FS.Args() {
		code = strings.TrimSpace(code)
		src, ok, err := c.Procedure(ctx, code)
		if err != nil {
			return apperr.Wrap(err, apperr.Unavailable, "Không lấy được thủ tục %s từ Cổng DVCQG", clipArg(code))
		}
		if !ok {
			return apperr.New(apperr.NotFound, "Cổng DVCQG không có thủ tục mã %s", clipArg(code))
		}
		p, err := app.ProcedureFromPortal(src, onestop.Level(level), agency)
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Thủ tục %s: %s", clipArg(code), apperr.MessageOf(err))
		}
		list = append(list, p)
	}
	data, err := json.Marshal(list)
	if err != nil {
		return err
	}
	a, ctx, operator, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Catalogue.Import(ctx, operator, bytes.NewReader(data))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã nhập %d thủ tục (mới %d, cập nhật %d, không đổi %d), ở trạng thái tạm dừng: hãy bổ sung tờ khai trực tuyến, các bước xử lý rồi bật tại /admin/procedures\n",
		len(rep.Codes), rep.Created, rep.Updated, rep.Unchanged)
	return nil
}

// dvcqgReceive registers the dossiers of a batch the portal delivered (a
// JSON list, or {"data": [...]}, from a file or - for standard input) as
// online dossiers waiting for the desk, printing "portal code<TAB>dossier
// code" for each registered and the reason for each refused; the exit code
// is 1 when any was refused. A batch delivered again registers nothing
// twice.
func dvcqgReceive(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "dvcqg receive", "TỆP.json|-"))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() != 1 {
		return usageError(e, b, "cần đúng một tệp JSON (hoặc - để đọc từ đầu vào chuẩn)")
	}
	if _, err := portalClient(&cfg); err != nil {
		return err
	}
	var in io.Reader = os.Stdin
	if name := b.FS.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return apperr.Wrap(err, apperr.NotFound, "Không mở được tệp %s", clipArg(name))
		}
		defer f.Close()
		in = f
	}
	batch, err := dvcqg.ParseInbound(in)
	if err != nil {
		return err
	}
	a, ctx, _, err := openOperator(ctx, &cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	codes, errs := dvcqg.Intake(ctx, a.PortalSubmitter(), batch, a.Now())
	keys := make([]string, 0, len(codes)+len(errs))
	for k := range codes {
		keys = append(keys, k)
	}
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if code, ok := codes[k]; ok {
			fmt.Fprintf(e.stdout, "%s\t%s\n", k, code)
		} else {
			fmt.Fprintf(e.stdout, "%s\tlỗi: %s\n", k, apperr.MessageOf(errs[k]))
		}
	}
	if len(errs) > 0 {
		return apperr.New(apperr.Invalid, "%d trong %d hồ sơ không tiếp nhận được", len(errs), len(batch))
	}
	return nil
}
