package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/config"
)

func init() {
	register(&command{name: "blob", summary: "kho tệp (file store; see its subcommands)", run: group("blob", "check")})
	register(&command{name: "blob check", summary: "băm lại mọi tệp đã lưu, báo tệp thiếu hoặc hỏng (re-hash every stored file)", run: blobCheck})
}

// blobCheck re-hashes every object the database records, reading the
// store as serve does; it changes nothing. Any missing or corrupt object
// makes it exit 1.
func blobCheck(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "blob check", ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	d, st, err := openExisting(ctx, &cfg, blob.Migrations)
	if err != nil {
		return err
	}
	defer d.Close()
	if st.Current == 0 {
		return apperr.New(apperr.NotFound, "Cơ sở dữ liệu %s chưa có kho tệp (chưa chạy chinhquyen serve hoặc migrate?)", d.Location)
	}
	store, err := app.OpenBlobStore(ctx, cfg)
	if err != nil {
		return err
	}
	var progress func(done, total int64)
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("blob check"),
					progressbar.OptionShowBytes(true), progressbar.OptionShowTotalBytes(true), progressbar.OptionSetWidth(30),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			bar.Set64(done)
			if done == total {
				bar.Finish()
			}
		}
	}
	rep, err := blob.Check(ctx, d.Reader(), store, progress)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không kiểm tra hết được kho tệp %s", store.Describe())
	}
	for _, p := range rep.Problems {
		switch p.Kind {
		case "missing":
			fmt.Fprintf(e.stdout, "THIẾU  %s (%d byte)\n", p.Hash, p.Size)
		default:
			fmt.Fprintf(e.stdout, "HỎNG   %s (ghi nhận %d byte, đọc được %d byte, mã băm khác)\n", p.Hash, p.Size, p.Got)
		}
	}
	if len(rep.Problems) > 0 {
		return apperr.New(apperr.Conflict, "Kho tệp %s: %d/%d tệp thiếu hoặc hỏng: khôi phục chúng từ bản sao lưu", store.Describe(), len(rep.Problems), rep.Objects)
	}
	fmt.Fprintf(e.stdout, "Kho tệp %s: %d tệp (%d byte) đều khớp mã băm SHA-256.\n", store.Describe(), rep.Objects, rep.Bytes)
	return nil
}
