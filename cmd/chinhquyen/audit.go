package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"golang.org/x/mod/sumdb/note"
)

func init() {
	register(&command{name: "audit", summary: "nhật ký kiểm toán (audit log; see its subcommands)", run: group("audit", auditCommands...)})
	register(&command{name: "audit verify", summary: "kiểm tra toàn bộ nhật ký kiểm toán: bản ghi, cây Merkle, điểm kiểm tra đã ký (verify the audit log)", run: auditVerify})
	register(&command{name: "audit checkpoint", summary: "in điểm kiểm tra đã ký mới nhất, để lưu giữ bên ngoài CSDL (print the latest signed checkpoint)", run: auditCheckpoint})
}

var auditCommands = []string{"verify", "checkpoint"}

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// openAuditDB opens the configured database for reading the audit log. It
// creates and migrates nothing: verifying must not change what it checks.
func openAuditDB(ctx context.Context, cfg *app.Config) (*db.DB, error) {
	d, st, err := openExisting(ctx, cfg, audit.Migrations)
	if err != nil {
		return nil, err
	}
	if st.Current == 0 {
		d.Close()
		return nil, apperr.New(apperr.NotFound, "Cơ sở dữ liệu %s chưa có nhật ký kiểm toán (chưa chạy chinhquyen serve hoặc migrate?)", d.Location)
	}
	return d, nil
}

// readVerifierKeys accepts a key ("name+hash+base64") or a file holding one
// or more keys (e.g. the published audit-verifier.pub).
func readVerifierKeys(v string) ([]string, error) {
	if st, err := os.Stat(v); err == nil && !st.IsDir() {
		b, err := os.ReadFile(v)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp khóa kiểm tra %s", v)
		}
		keys := strings.Fields(string(b))
		if len(keys) == 0 {
			return nil, apperr.New(apperr.Invalid, "Tệp khóa kiểm tra %s trống", v)
		}
		for _, k := range keys {
			if _, err := note.NewVerifier(k); err != nil {
				return nil, apperr.Wrap(err, apperr.Invalid, "Tệp %s chứa khóa kiểm tra không hợp lệ", v)
			}
		}
		return keys, nil
	}
	if _, err := note.NewVerifier(strings.TrimSpace(v)); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid,
			"--verifier-key %q không phải tệp có sẵn, cũng không phải khóa kiểm tra hợp lệ (dạng tên+mã+base64, như trong %s)", clipArg(v), audit.VerifierKeyFile)
	}
	return []string{strings.TrimSpace(v)}, nil
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var checkpoints listFlag
	var verifierKey string
	var asJSON bool
	b := config.NewBinder(newFlags(e, "audit verify", ""))
	cfg.BindDatabase(b)
	b.FS.Var(&checkpoints, "checkpoint", "a signed checkpoint kept outside the database (file; repeat the flag for several)")
	b.FS.StringVar(&verifierKey, "verifier-key", os.Getenv("CHINHQUYEN_AUDIT_VERIFIER_KEY"),
		"the published verifier key, or a file holding it (default: "+audit.VerifierKeyFile+" in the data folder, else the keys recorded in the database) (env CHINHQUYEN_AUDIT_VERIFIER_KEY)")
	b.FS.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	opts := audit.VerifyOptions{DataDir: cfg.DataDir}
	if verifierKey != "" {
		keys, err := readVerifierKeys(verifierKey)
		if err != nil {
			return err
		}
		opts.VerifierKeys = keys
	}
	for _, f := range checkpoints {
		text, err := os.ReadFile(f)
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp điểm kiểm tra %s", f)
		}
		opts.Checkpoints = append(opts.Checkpoints, string(text))
	}
	d, err := openAuditDB(ctx, &cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, verr := audit.Verify(ctx, d, opts)
	if rep == nil {
		return verr
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
		return verr
	}
	printVerifyReport(e, rep, len(checkpoints))
	return verr
}

func printVerifyReport(e *env, rep *audit.VerifyReport, outside int) {
	w := e.stdout
	if rep.OK {
		fmt.Fprintln(w, "Nhật ký kiểm toán nguyên vẹn / audit log intact.")
	} else {
		fmt.Fprintln(w, "NHẬT KÝ KIỂM TOÁN ĐÃ BỊ SỬA ĐỔI / AUDIT LOG TAMPERED.")
	}
	fmt.Fprintf(w, "  Số bản ghi trong cây / tree size:              %d\n", rep.TreeSize)
	if len(rep.Root) > 0 {
		fmt.Fprintf(w, "  Gốc cây tính lại / recomputed root:            %s\n", base64.StdEncoding.EncodeToString(rep.Root))
	}
	fmt.Fprintf(w, "  Điểm kiểm tra đã kiểm / checkpoints checked:   %d (%d lưu ngoài CSDL / kept outside)\n", rep.Checkpoints, outside)
	fmt.Fprintf(w, "  Có chữ ký bảo đảm tới / covered by signature:  %d\n", rep.Covered)
	fmt.Fprintf(w, "  Chưa đưa vào cây / pending:                    %d\n", rep.Pending)
	fmt.Fprintf(w, "  Thời gian / duration:                          %s\n", rep.Duration.Round(time.Millisecond))
	if rep.KeysFromDatabase {
		fmt.Fprintln(w, "  Cảnh báo: không có khóa kiểm tra công bố (--verifier-key hoặc "+audit.VerifierKeyFile+"): đã tin khóa lưu trong CSDL.")
		fmt.Fprintln(w, "  Warning: no published verifier key was given; the keys recorded in the database were trusted.")
	}
	if p := rep.Problem; p != nil {
		fmt.Fprintf(w, "  Vấn đề đầu tiên / first problem: %s", p.Kind)
		if p.EntryID != 0 {
			fmt.Fprintf(w, ", bản ghi / entry %d", p.EntryID)
		}
		if p.LeafIndex >= 0 {
			fmt.Fprintf(w, ", vị trí / leaf index %d", p.LeafIndex)
		}
		fmt.Fprintf(w, "\n    %s\n    %s\n", p.Message, p.MessageEN)
	}
}

func auditCheckpoint(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	b := config.NewBinder(newFlags(e, "audit checkpoint", ""))
	cfg.BindDatabase(b)
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() > 0 {
		return usageError(e, b, "lệnh không nhận đối số, chỉ nhận cờ")
	}
	d, err := openAuditDB(ctx, &cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	cp, err := audit.LatestCheckpoint(ctx, d)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(e.stdout, cp.Note)
	return err
}
