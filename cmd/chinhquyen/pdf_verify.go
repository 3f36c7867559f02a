package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
)

func pdfVerify(ctx context.Context, e *env, args []string) error {
	var in, trust string
	var asJSON, offline bool
	var timeout time.Duration
	fs := newFlags(e, "pdf verify", "")
	b := config.NewBinder(fs)
	b.String(&in, "in", "", "PDF to verify (required)")
	b.String(&trust, "trust", "", "trusted root (and intermediate) certificates, PEM or DER; several files separated by commas")
	b.Bool(&asJSON, "json", false, "print the report as JSON (ETSI EN 319 102-1 indications) instead of Vietnamese text")
	b.Bool(&offline, "offline", false, "never fetch OCSP/CRL: use only the revocation data in the file")
	b.Duration(&timeout, "revocation-timeout", 10*time.Second, "give up on each OCSP/CRL request after this long")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if in == "" {
		fs.Usage()
		return fmt.Errorf("%w: --in is required", errUsage)
	}
	data, err := os.ReadFile(in)
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp PDF %s", in)
	}
	ts := &pdfsign.TrustStore{}
	if trust != "" {
		for _, name := range strings.Split(trust, ",") {
			certs, err := readChain(strings.TrimSpace(name), "")
			if err != nil {
				return err
			}
			for _, c := range certs {
				if isSelfSigned(c) {
					ts.Roots = append(ts.Roots, c)
				} else {
					ts.Intermediates = append(ts.Intermediates, c)
				}
			}
		}
	}
	opts := pdfsign.VerifyOptions{Trust: ts}
	if !offline {
		opts.Revocation = &pdfsign.HTTPRevocationSource{Timeout: timeout}
	}
	rep, err := pdfsign.Verify(ctx, data, opts)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprint(e.stdout, rep.Text())
		if trust == "" && len(rep.Signatures) > 0 {
			fmt.Fprintln(e.stdout, "\nLưu ý: chưa chỉ định chứng thư gốc tin cậy (--trust): chuỗi chứng thư không thể được xác nhận.")
		}
	}
	switch {
	case len(rep.Signatures) == 0:
		return apperr.New(apperr.Invalid, "Tệp %s không có chữ ký số", in)
	case rep.Indication != pdfsign.TotalPassed:
		return apperr.New(apperr.Invalid, "Không phải mọi chữ ký đều hợp lệ: kết luận chung %s", rep.Indication)
	}
	return nil
}
