package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/exchange/edxml"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

// exchangeCommands lists the subcommands of `exchange`; a new one is
// registered in init and named here.
var exchangeCommands = []string{"verify"}

func init() {
	register(&command{name: "exchange", summary: "trao đổi văn bản edXML giữa các cơ quan, QCVN 102:2016/BTTTT (document exchange; see its subcommands)", run: exchangeGroup})
	register(&command{name: "exchange verify", summary: "kiểm tra một gói tin edXML: cấu trúc, trường bắt buộc, chữ ký, tệp đính kèm (verify a package)", run: exchangeVerify})
}

// exchangeGroup lists the subcommands named in exchangeCommands when it
// runs, after every file's init has added its own.
func exchangeGroup(ctx context.Context, e *env, args []string) error {
	return group("exchange", exchangeCommands...)(ctx, e, args)
}

// exchangeVerify checks a package received from anywhere and prints what
// it found; it fails (exit 1) when anything does not pass. It reads the
// file within edxml.DefaultLimits and trusts the roots given with --trust
// and, when --data or --database names an installation, that installation's
// trust store (its own CAs and the imported certificates), read without
// changing anything.
func exchangeVerify(ctx context.Context, e *env, args []string) error {
	var cfg app.Config
	var trust listFlag
	b := config.NewBinder(newFlags(e, "exchange verify", "FILE"))
	cfg.BindDatabase(b)
	b.FS.Var(&trust, "trust", "trusted root (and intermediate) certificates, PEM or DER (repeat the flag for several files)")
	var atText string
	b.FS.StringVar(&atText, "at", "", "check the signer's certificate at this moment, dd/mm/yyyy or \"dd/mm/yyyy hh:mm:ss\" Vietnam time (e.g. when the package was received); default now")
	// FILE may come before or after the flags.
	var files []string
	rest := args
	for {
		if err := parseFlags(b, rest); err != nil {
			return err
		}
		if b.FS.NArg() == 0 {
			break
		}
		files = append(files, b.FS.Arg(0))
		rest = b.FS.Args()[1:]
	}
	if len(files) != 1 {
		b.FS.Usage()
		return fmt.Errorf("%w: cần đúng một tệp gói tin", errUsage)
	}
	name := files[0]
	at := clock.Now()
	if atText != "" {
		var err error
		if at, err = parseAt(atText); err != nil {
			return err
		}
	}

	roots, intermediates := x509.NewCertPool(), []*x509.Certificate(nil)
	var sources []string
	for _, f := range trust {
		certs, err := readChain(f, "")
		if err != nil {
			return err
		}
		for _, c := range certs {
			if isSelfSigned(c) {
				roots.AddCert(c)
			} else {
				intermediates = append(intermediates, c)
			}
		}
		sources = append(sources, f)
	}
	if installationNamed(b.FS) {
		d, _, err := openExisting(ctx, &cfg, pki.Migrations)
		if err != nil {
			return err
		}
		ta, err := pki.ReadTrust(ctx, d)
		d.Close()
		if err != nil {
			return err
		}
		for _, c := range ta.RootCerts {
			roots.AddCert(c)
		}
		intermediates = append(intermediates, ta.Intermediate...)
		sources = append(sources, "kho tin cậy của "+d.Location)
	}

	data, err := readPackageFile(name, edxml.DefaultLimits.MaxBytes)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	w := e.stdout
	fmt.Fprintf(w, "Gói tin: %s (%d byte, SHA-256 %s)\n", name, len(data), hex.EncodeToString(sum[:]))
	p, err := edxml.Parse(data, edxml.DefaultLimits)
	if err != nil {
		fmt.Fprintf(w, "Kết quả: KHÔNG ĐỌC ĐƯỢC (%s)\n", edxml.ReasonOf(err))
		return err
	}
	printPackage(w, p)
	// Intermediates from --trust or the trust store help a chain whose
	// KeyInfo carries only the signer's certificate.
	p.Chain = append(p.Chain, intermediates...)
	var pool *x509.CertPool
	if len(sources) > 0 {
		pool = roots
	}
	rep, verr := edxml.Verify(p, pool, at)
	if rep.SignedBy != nil {
		c := rep.SignedBy
		fmt.Fprintf(w, "Người ký (chứng thư): %s\n  cấp bởi: %s\n  hiệu lực: %s – %s\n", c.Subject, c.Issuer,
			locale.FormatDate(c.NotBefore), locale.FormatDate(c.NotAfter))
	} else {
		fmt.Fprintln(w, "Người ký (chứng thư): không có")
	}
	fmt.Fprintf(w, "Kiểm tra chứng thư vào: %s\n", at.In(locale.VN).Format(edxml.TimestampLayout))
	if len(sources) > 0 {
		fmt.Fprintf(w, "Tin cậy: %s\n", strings.Join(sources, "; "))
	} else {
		fmt.Fprintln(w, "Tin cậy: chưa chỉ định (--trust hoặc --data): người ký không thể được xác nhận")
	}
	if len(rep.Attachments) > 0 {
		fmt.Fprintln(w, "Tệp đính kèm:")
		for _, a := range rep.Attachments {
			state := "ĐÚNG"
			switch {
			case !a.OK:
				state = "SAI: " + a.Problem
			case a.Unprotected:
				state = "có, nhưng không được chữ ký bảo vệ"
			}
			fmt.Fprintf(w, "  %s\t%d byte\tSHA-256 %s\t%s\n", orDash(a.Name), a.Size, hex.EncodeToString(a.SHA256[:]), state)
		}
	}
	for _, s := range rep.Warnings {
		fmt.Fprintf(w, "Lưu ý: %s\n", s)
	}
	if verr != nil {
		fmt.Fprintln(w, "Kết quả: KHÔNG HỢP LỆ")
		for _, s := range rep.Problems {
			fmt.Fprintf(w, "  - %s\n", s)
		}
		return apperr.Wrap(verr, apperr.Invalid, "Gói tin %s không hợp lệ (%d lỗi, lý do đầu tiên %s)", name, len(rep.Problems), edxml.ReasonOf(verr))
	}
	fmt.Fprintln(w, "Kết quả: HỢP LỆ")
	return nil
}

// parseAt reads --at: a date (its start) or a date and time, Vietnam time.
func parseAt(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{edxml.TimestampLayout, "02/01/2006 15:04", edxml.DateLayout} {
		if t, err := time.ParseInLocation(layout, s, locale.VN); err == nil {
			return t, nil
		}
	}
	return time.Time{}, apperr.FieldError("at", "--at %q không phải ngày dd/mm/yyyy hoặc thời điểm dd/mm/yyyy hh:mm:ss", clipArg(s))
}

// installationNamed reports whether --data or --database was given, on the
// command line or through the environment.
func installationNamed(fs *flag.FlagSet) bool {
	named := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "data" || f.Name == "database" {
			named = true
		}
	})
	for _, n := range []string{"data", "database"} {
		if _, ok := os.LookupEnv(config.Env(n)); ok {
			named = true
		}
	}
	return named
}

// readPackageFile reads a package file, refusing one larger than max.
func readPackageFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp %s", name)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp %s", name)
	}
	if int64(len(data)) > max {
		return nil, apperr.New(apperr.Invalid, "edxml: tệp %s lớn hơn giới hạn %d byte", name, max)
	}
	return data, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func printPackage(w io.Writer, p *edxml.Package) {
	org := func(o edxml.Organization) string {
		if o.OrganName == "" {
			return orDash(o.OrganID)
		}
		return orDash(o.OrganID) + " — " + o.OrganName
	}
	if s := p.Status; s != nil {
		fmt.Fprintf(w, "Loại: gói tin trạng thái %s (%s)\n", orDash(string(s.Code)), orDash(s.Code.Text()))
		fmt.Fprintf(w, "Từ: %s\n", org(s.From))
		fmt.Fprintf(w, "Trả lời văn bản: %s, số %s, ngày %s, của %s\n", orDash(s.ResponseFor.DocumentID), orDash(s.ResponseFor.Code),
			orDash(s.ResponseFor.PromulgationDate.VN()), orDash(s.ResponseFor.OrganID))
		if s.Description != "" {
			fmt.Fprintf(w, "Mô tả: %s\n", s.Description)
		}
		if !s.Timestamp.IsZero() {
			fmt.Fprintf(w, "Thời điểm: %s\n", s.Timestamp.In(locale.VN).Format(edxml.TimestampLayout))
		}
		return
	}
	m := p.Message
	fmt.Fprintln(w, "Loại: văn bản (MessageHeader)")
	fmt.Fprintf(w, "Từ: %s\n", org(m.From))
	for _, t := range m.To {
		fmt.Fprintf(w, "Đến: %s\n", org(t))
	}
	fmt.Fprintf(w, "Mã văn bản (DocumentId): %s\n", orDash(m.DocumentID))
	code := m.CodeNumber
	if m.CodeNotation != "" {
		code += "/" + m.CodeNotation
	}
	fmt.Fprintf(w, "Số, ký hiệu: %s; ngày ban hành %s\n", orDash(code), orDash(m.PromulgationDate.VN()))
	fmt.Fprintf(w, "Trích yếu: %s\n", orDash(m.Subject))
	fmt.Fprintf(w, "Nghiệp vụ: %d (%s)", int(m.Business.Type), orDash(m.Business.Type.Text()))
	if m.Business.DocumentID != "" {
		fmt.Fprintf(w, ", văn bản %s", m.Business.DocumentID)
	}
	if m.Business.Reason != "" {
		fmt.Fprintf(w, ", lý do: %s", m.Business.Reason)
	}
	fmt.Fprintln(w)
}
