package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pdfsign"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/hsm"
	"github.com/chinhquyen/chinhquyen/internal/signing"
)

func init() {
	register(&command{name: "pdf sign", summary: "ký số tệp PDF (PAdES) bằng khóa và chứng thư của bất kỳ CA nào (sign a PDF)", run: pdfSign})
	register(&command{name: "pdf verify", summary: "kiểm tra chữ ký số trong tệp PDF (verify a PDF's signatures)", run: pdfVerify})
}

// Secrets of `pdf sign` come from the environment (or a file it names),
// never from flags, which other users of the machine can read in the
// process list.
const (
	envKeyPassword = "CHINHQUYEN_KEY_PASSWORD" // passphrase of an encrypted --key
	envPKCS11PIN   = "CHINHQUYEN_PKCS11_PIN"   // user PIN of the --pkcs11-label token
)

// secretEnv reads NAME, or the file named by NAME_FILE (trailing newline
// dropped).
func secretEnv(name string) (string, error) {
	if path := os.Getenv(name + "_FILE"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp %s (biến %s_FILE)", path, name)
		}
		return strings.TrimRight(string(data), "\r\n"), nil
	}
	return os.Getenv(name), nil
}

type pdfSignFlags struct {
	in, out, key, cert, chain string
	level, tsa                string
	tsaTimeout, revTimeout    time.Duration
	tsaFallback, requireRev   bool
	p11Module, p11Label       string
	page                      int
	rect, image               string
	sealOverLeader, invisible bool
	reason, location, title   string
}

func pdfSign(ctx context.Context, e *env, args []string) error {
	var f pdfSignFlags
	fs := newFlags(e, "pdf sign", "")
	base := fs.Usage
	fs.Usage = func() {
		base()
		fmt.Fprintf(e.stderr, "\nBí mật lấy từ biến môi trường, không qua cờ / secrets come from the environment, never flags:\n"+
			"  %s (hoặc %s_FILE)  mật khẩu của khóa --key đã mã hóa / passphrase of an encrypted --key\n"+
			"  %s    (hoặc %s_FILE)  mã PIN của token PKCS#11 / PIN of the PKCS#11 token\n"+
			"Khóa PEM/DER: PKCS#1, PKCS#8 (cả PKCS#8 mã hóa), SEC1. Tệp kết quả chỉ xuất hiện khi ký thành công.\n",
			envKeyPassword, envKeyPassword, envPKCS11PIN, envPKCS11PIN)
	}
	b := config.NewBinder(fs)
	b.String(&f.in, "in", "", "PDF to sign (required)")
	b.String(&f.out, "out", "", "signed PDF to write (required; written only on success)")
	b.String(&f.key, "key", "", "private key file, PEM or DER (PKCS#1, PKCS#8, encrypted PKCS#8, SEC1); not with --pkcs11-label")
	b.String(&f.cert, "cert", "", "signer certificate, PEM or DER (may be followed by its chain) (required)")
	b.String(&f.chain, "chain", "", "intermediate (and root) certificates, PEM")
	b.String(&f.level, "level", "", "PAdES level: B-B, B-T, B-LT or B-LTA (default B-T with --tsa, else B-B)")
	b.String(&f.tsa, "tsa", "", "RFC 3161 time-stamping authority URL (B-T and above), e.g. https://dichvucong.example.gov.vn/pki/tsa")
	b.Duration(&f.tsaTimeout, "tsa-timeout", 15*time.Second, "give up on the TSA after this long")
	b.Bool(&f.tsaFallback, "tsa-fallback", false, "if the TSA fails, sign at B-B with a warning instead of failing")
	b.Duration(&f.revTimeout, "revocation-timeout", 10*time.Second, "give up on each OCSP/CRL request after this long")
	b.Bool(&f.requireRev, "require-revocation-check", false, "refuse to sign when the signer's revocation status cannot be checked")
	b.String(&f.p11Module, "pkcs11-module", "", "PKCS#11 module (.so) of the token holding the key, e.g. /usr/lib/softhsm/libsofthsm2.so")
	b.String(&f.p11Label, "pkcs11-label", "", "label of the PKCS#11 token holding the key of --cert")
	b.Int(&f.page, "page", 0, "page of the visible signature (default: the last page)")
	b.String(&f.rect, "rect", "", "rectangle x,y,w,h in points (default: bottom right of the page)")
	b.String(&f.image, "image", "", "PNG shown in the signature: blue handwritten signature or red seal, transparent background")
	b.Bool(&f.sealOverLeader, "seal-over-leader", false, "organisation's seal over the left third of the leader's signature already in the PDF (Decree 30/2020)")
	b.Bool(&f.invisible, "invisible", false, "no visible signature")
	b.String(&f.reason, "reason", "", "reason, written in the signature")
	b.String(&f.location, "location", "", "place of signing, written in the signature")
	b.String(&f.title, "title", "", "title shown under the name in a text appearance")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if f.in == "" || f.out == "" || f.cert == "" || (f.key == "" && f.p11Label == "") {
		fs.Usage()
		return fmt.Errorf("%w: --in, --out, --cert and --key (or --pkcs11-label) are required", errUsage)
	}
	if f.key != "" && f.p11Label != "" {
		return fmt.Errorf("%w: --key and --pkcs11-label exclude each other", errUsage)
	}
	in, err := os.ReadFile(f.in)
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp PDF %s", f.in)
	}
	if !strings.Contains(string(in[:min(len(in), 1024)]), "%PDF-") {
		return apperr.New(apperr.Invalid, "Tệp %s không phải tệp PDF (thiếu phần đầu %%PDF-)", f.in)
	}
	chain, err := readChain(f.cert, f.chain)
	if err != nil {
		return err
	}
	var key crypto.Signer
	if f.p11Label != "" {
		pin, err := secretEnv(envPKCS11PIN)
		if err != nil {
			return err
		}
		module := f.p11Module
		if module == "" {
			module = "/usr/lib/softhsm/libsofthsm2.so"
		}
		st, err := hsm.Open(hsm.Config{Module: module, TokenLabel: f.p11Label, PIN: pin})
		if err != nil {
			return err
		}
		defer st.Close()
		if key, err = st.SignerFor(chain[0].PublicKey); err != nil {
			return err
		}
	} else {
		data, err := os.ReadFile(f.key)
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp khóa %s", f.key)
		}
		pass, err := secretEnv(envKeyPassword)
		if err != nil {
			return err
		}
		if key, err = pki.LoadPrivateKey(data, []byte(pass)); err != nil {
			if apperr.Is(err, apperr.Unauthorized) {
				return apperr.Wrap(err, apperr.Unauthorized, "%s Đặt mật khẩu vào biến môi trường %s (hoặc %s_FILE).", apperr.MessageOf(err), envKeyPassword, envKeyPassword)
			}
			return err
		}
	}
	chain = signerFirst(chain, key.Public())
	level := pdfsign.Level(strings.ToUpper(f.level))
	if level == "" {
		level = pdfsign.LevelBB
		if f.tsa != "" {
			level = pdfsign.LevelBT
		}
	}
	opts := pdfsign.SignOptions{Signer: key, Chain: chain, Level: level, Reason: f.reason, Location: f.location,
		TSAFallback: f.tsaFallback, RequireRevocationCheck: f.requireRev,
		Revocation: &pdfsign.HTTPRevocationSource{Timeout: f.revTimeout}}
	if f.tsa != "" {
		opts.TimeStamper = &pdfsign.HTTPTimeStamper{URL: f.tsa, Timeout: f.tsaTimeout}
	}
	for _, c := range chain {
		if isSelfSigned(c) {
			opts.ExtraCerts = append(opts.ExtraCerts, c)
		}
	}
	ao := signing.AppearanceOptions{Invisible: f.invisible, Page: f.page, Title: f.title, Seal: f.sealOverLeader}
	if f.rect != "" {
		if ao.Rect, err = parseRect(f.rect); err != nil {
			return err
		}
	}
	if f.image != "" {
		if ao.Image, err = os.ReadFile(f.image); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Không đọc được ảnh %s", f.image)
		}
	}
	if f.sealOverLeader {
		ws, err := pdfsign.SignatureWidgets(in)
		if err != nil {
			return err
		}
		visible := false
		for _, w := range ws {
			visible = visible || (w.Visible() && !w.DocTS)
		}
		if !visible {
			return apperr.New(apperr.Invalid, "--seal-over-leader: tệp %s chưa có chữ ký hiển thị của lãnh đạo để đóng dấu đè lên", f.in)
		}
	}
	now := clock.Now()
	opts.Now = func() time.Time { return now }
	if opts.Appearance, err = signing.BuildAppearance(in, ao, chain[0], now); err != nil {
		return err
	}
	out, res, err := pdfsign.Sign(ctx, in, opts)
	if err != nil {
		return err
	}
	if err := writeAtomic(f.out, out); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "Cảnh báo: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "Đã ký %s → %s\n  người ký: %s\n  mức: PAdES %s (yêu cầu %s), trường %s\n  thời điểm ký: %s\n",
		f.in, f.out, chain[0].Subject.CommonName, res.Level, res.RequestedLevel, res.FieldName, res.SigningTime.In(locale.VN).Format(time.RFC3339))
	if res.TimestampTime != nil {
		fmt.Fprintf(e.stdout, "  dấu thời gian: %s\n", res.TimestampTime.In(locale.VN).Format(time.RFC3339))
	}
	return nil
}

// readChain reads the signer certificate file (perhaps with its chain)
// and the optional chain file.
func readChain(certFile, chainFile string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, name := range []string{certFile, chainFile} {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp chứng thư %s", name)
		}
		certs, err := pki.LoadCertificates(data)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "Tệp %s: %s", name, apperr.MessageOf(err))
		}
		out = append(out, certs...)
	}
	return out, nil
}

// signerFirst puts the certificate of pub first (the --cert file may list
// its chain in any order); without one the order is kept and pdfsign
// reports the mismatch.
func signerFirst(chain []*x509.Certificate, pub crypto.PublicKey) []*x509.Certificate {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	k, ok := pub.(equaler)
	if !ok {
		return chain
	}
	for i, c := range chain {
		if k.Equal(c.PublicKey) {
			out := append([]*x509.Certificate{c}, chain[:i]...)
			return append(out, chain[i+1:]...)
		}
	}
	return chain
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}

// parseRect reads "x,y,w,h" in points into llx, lly, urx, ury.
func parseRect(s string) ([4]float64, error) {
	var r [4]float64
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return r, apperr.FieldError("rect", "--rect cần 4 số x,y,w,h (điểm, 1/72 inch), ví dụ 330,90,200,80")
	}
	var v [4]float64
	for i, p := range parts {
		n, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || n < 0 || n > 14400 {
			return r, apperr.FieldError("rect", "--rect: %q không phải số hợp lệ", p)
		}
		v[i] = n
	}
	if v[2] <= 0 || v[3] <= 0 {
		return r, apperr.FieldError("rect", "--rect: chiều rộng và chiều cao phải dương")
	}
	return [4]float64{v[0], v[1], v[0] + v[2], v[1] + v[3]}, nil
}

// writeAtomic writes data to a temporary file in path's folder and renames
// it over path, so a failure never leaves a partial output.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được vào thư mục %s", dir)
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s", path)
	}
	return nil
}
