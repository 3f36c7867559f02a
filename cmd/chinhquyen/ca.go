package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/app"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/pki"
)

func init() {
	register(&command{name: "ca init", summary: "khởi tạo CA gốc, CA cấp phát, TSA và OCSP (create the CAs)", run: caInit})
	register(&command{name: "ca issue", summary: "cấp chứng thư số cho cán bộ hoặc cơ quan (issue a certificate)", run: caIssue})
	register(&command{name: "ca renew", summary: "gia hạn chứng thư số (renew a certificate)", run: caRenew})
	register(&command{name: "ca revoke", summary: "thu hồi chứng thư số (revoke a certificate)", run: caRevoke})
	register(&command{name: "ca list", summary: "liệt kê CA và chứng thư số (list CAs and certificates)", run: caList})
	register(&command{name: "ca trust", summary: "kho tin cậy: import|list|remove (trust store)", run: caTrust})
}

// caFlags are the flags every `ca` command shares. The key store's flags
// (--key-passphrase, --pkcs11-module, --pkcs11-label, --pkcs11-pin) are
// app.Config's, shared with `serve`, so both open the same key store.
type caFlags struct {
	app.Config
	keyStore string
}

func (f *caFlags) bind(b *config.Binder) {
	f.BindDatabase(b)
	b.String(&f.BaseURL, "base-url", "", "public base URL written into certificates (AIA OCSP/caIssuers, CRL), e.g. https://dichvucong.example.gov.vn")
	b.String(&f.keyStore, "key-store", "", "where private keys live: file (encrypted PKCS#8 in <data>/pki/keys) or pkcs11; default: pkcs11 when --pkcs11-label is given, else file")
}

// caSession is an opened CA for one command.
type caSession struct {
	svc   *pki.Service
	close func()
	actor *actor.Actor
}

// prepare checks the flags and applies --key-store to the key-store config.
func (f *caFlags) prepare(needURL bool) error {
	if err := f.Validate(); err != nil {
		return err
	}
	if needURL && f.BaseURL == "" {
		return apperr.New(apperr.Invalid, "Cần địa chỉ công khai --base-url (CHINHQUYEN_BASE_URL): chứng thư số ghi địa chỉ OCSP và CRL theo địa chỉ này")
	}
	switch f.keyStore {
	case "":
	case "file":
		f.PKI.PKCS11Label = ""
	case "pkcs11":
		if f.PKI.PKCS11Label == "" {
			return apperr.New(apperr.Invalid, "Cần nhãn token PKCS#11 (--pkcs11-label) cho --key-store pkcs11")
		}
		if f.PKI.PKCS11Module == "" {
			f.PKI.PKCS11Module = "/usr/lib/softhsm/libsofthsm2.so"
		}
	default:
		return apperr.New(apperr.Invalid, "--key-store %q không hợp lệ: dùng file hoặc pkcs11", f.keyStore)
	}
	return nil
}

// caOperator is the system actor of a `ca` command, named after the shell
// user for the audit log.
func caOperator() *actor.Actor {
	who := "chinhquyen ca"
	if u, err := user.Current(); err == nil {
		who += " (" + u.Username + ")"
	}
	return actor.SystemActor(who)
}

func openCA(ctx context.Context, e *env, f *caFlags, needURL bool) (*caSession, error) {
	if err := f.prepare(needURL); err != nil {
		return nil, err
	}
	base := f.PublicURL("127.0.0.1:8080")
	log := f.NewLogger(os.Stderr)
	d, err := db.Open(ctx, db.Config{URL: f.DatabaseURL, DataDir: f.DataDir, SQLiteSync: f.SQLiteSync})
	if err != nil {
		return nil, err
	}
	closers := []func(){func() { d.Close() }}
	done := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if err := d.Migrate(ctx, log, audit.Migrations, pki.Migrations); err != nil {
		done()
		return nil, err
	}
	lg, err := audit.New(d, audit.Options{Logger: log, DataDir: f.DataDir})
	if err != nil {
		done()
		return nil, err
	}
	keys, closeKeys, err := app.OpenKeyStore(f.Config, log)
	if err != nil {
		done()
		return nil, err
	}
	closers = append(closers, func() { closeKeys() })
	svc, err := pki.New(ctx, d, pki.Config{BaseURL: base, Keys: keys, Audit: lg, Logger: log})
	if err != nil {
		done()
		return nil, err
	}
	return &caSession{svc: svc, close: done, actor: caOperator()}, nil
}

func caInit(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var req pki.InitRequest
	var alg string
	b := config.NewBinder(newFlags(e, "ca init", ""))
	f.bind(b)
	b.String(&req.Organization, "org", "", "operating agency (O), e.g. \"UBND tỉnh Quảng Trị\"")
	b.String(&req.Province, "province", "", "province (ST)")
	b.String(&req.RootName, "root-name", "root", "root CA name in URLs")
	b.String(&req.IssuingName, "issuing-name", "issuing", "issuing CA name in URLs")
	b.String(&alg, "algorithm", "ecdsa-p256", "key algorithm: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-3072")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	req.Algorithm = pki.KeyAlgorithm(alg)
	s, err := openCA(ctx, e, &f, true)
	if err != nil {
		return err
	}
	defer s.close()
	res, err := s.svc.Init(ctx, s.actor, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã khởi tạo CA (CAs created):\n")
	for _, ca := range []pki.CA{res.Root, res.Issuing} {
		fp := sha256.Sum256(ca.Certificate.Raw)
		fmt.Fprintf(e.stdout, "  %-8s %s\n           serial %s  SHA-256 %s\n           hiệu lực đến %s\n", ca.Name, ca.Certificate.Subject.CommonName,
			ca.Serial, hex.EncodeToString(fp[:]), locale.FormatDate(ca.NotAfter))
	}
	fmt.Fprintf(e.stdout, "  TSA      serial %s\n  OCSP     serial %s\n", res.TSA.Serial, res.OCSP.Serial)
	return nil
}

// caIssue issues from the platform's registers: the subject of a personal
// certificate is its holder's official record, a seal's its agency's, so
// it opens the whole platform (org, identity) as serve does.
func caIssue(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var req pki.IssueRequest
	var alg, csrFile, out, agency, holder string
	var days int
	b := config.NewBinder(newFlags(e, "ca issue", ""))
	f.bind(b)
	b.String(&req.CA, "ca", "", "issuing CA name (default: the only issuing CA)")
	b.String(&req.Profile, "profile", "official", "profile: official (cán bộ) or seal (cơ quan)")
	b.String(&holder, "holder", "", "account id of the official a personal certificate is for (name, title, agency from their org record)")
	b.String(&agency, "agency", "", "agency of a seal: id or electronic identifier code, e.g. H15.10 (name, code, place from org)")
	b.String(&csrFile, "csr", "", "PKCS#10 request file (PEM/DER); without it the platform generates and keeps the key")
	b.String(&alg, "algorithm", "ecdsa-p256", "algorithm of a generated key")
	b.Int(&days, "days", 0, "validity in days (default: the profile's)")
	b.String(&out, "out", "", "write the certificate PEM here (default: stdout)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	req.Algorithm = pki.KeyAlgorithm(alg)
	req.Validity = time.Duration(days) * 24 * time.Hour
	if holder != "" {
		id, err := strconv.ParseInt(strings.TrimSpace(holder), 10, 64)
		if err != nil || id <= 0 {
			return apperr.FieldError("holder", "--holder %q không hợp lệ: cần mã số tài khoản của cán bộ", holder)
		}
		req.Holder = id
	}
	csr, err := readCSR(csrFile)
	if err != nil {
		return err
	}
	req.CSR = csr
	if err := f.prepare(true); err != nil {
		return err
	}
	a, ctx, _, err := openOperator(ctx, &f.Config)
	if err != nil {
		return err
	}
	defer a.Close()
	if agency != "" {
		if req.AgencyID, err = agencyArg(ctx, a, agency); err != nil {
			return err
		}
	}
	c, err := a.PKI.Issue(ctx, caOperator(), req)
	if err != nil {
		return err
	}
	return printCert(e, c, out)
}

// readCSR reads a PKCS#10 request file; "" means none.
func readCSR(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp CSR %s", file)
	}
	return data, nil
}

func printCert(e *env, c *pki.Certificate, out string) error {
	fmt.Fprintf(e.stderr, "Đã cấp chứng thư số serial %s\n  %s\n  hiệu lực %s – %s\n", c.Serial, c.Subject,
		locale.FormatDate(c.NotBefore), locale.FormatDate(c.NotAfter))
	if out == "" {
		_, err := e.stdout.Write(c.PEM())
		return err
	}
	if err := os.WriteFile(out, c.PEM(), 0o644); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp %s", out)
	}
	return nil
}

func caRenew(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var req pki.RenewRequest
	var csrFile, out string
	b := config.NewBinder(newFlags(e, "ca renew", "SERIAL"))
	f.bind(b)
	b.String(&csrFile, "csr", "", "new PKCS#10 request (holder-kept key)")
	b.Bool(&req.KeepKey, "keep-key", false, "re-certify the same public key")
	b.Bool(&req.RevokeOld, "revoke-old", false, "revoke the old certificate (superseded)")
	b.String(&out, "out", "", "write the certificate PEM here (default: stdout)")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() != 1 {
		b.FS.Usage()
		return errUsage
	}
	csr, err := readCSR(csrFile)
	if err != nil {
		return err
	}
	req.CSR = csr
	if err := f.prepare(true); err != nil {
		return err
	}
	// A renewal re-reads its holder's or agency's identity from the
	// registers, as issuance does.
	a, ctx, _, err := openOperator(ctx, &f.Config)
	if err != nil {
		return err
	}
	defer a.Close()
	c, err := a.PKI.Renew(ctx, caOperator(), b.FS.Arg(0), req)
	if err != nil {
		return err
	}
	return printCert(e, c, out)
}

func caRevoke(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var reason, note string
	b := config.NewBinder(newFlags(e, "ca revoke", "SERIAL"))
	f.bind(b)
	b.String(&reason, "reason", "unspecified", "RFC 5280 reason: keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn, cACompromise, unspecified")
	b.String(&note, "note", "", "note kept in the audit log")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	if b.FS.NArg() != 1 {
		b.FS.Usage()
		return errUsage
	}
	r, err := pki.ParseReason(reason)
	if err != nil {
		return err
	}
	s, err := openCA(ctx, e, &f, false)
	if err != nil {
		return err
	}
	defer s.close()
	c, err := s.svc.Revoke(ctx, s.actor, b.FS.Arg(0), r, note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Đã thu hồi chứng thư số %s (%s), lý do %s\n", c.Serial, c.CommonName, r)
	return nil
}

func caList(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var filter pki.ListFilter
	b := config.NewBinder(newFlags(e, "ca list", ""))
	f.bind(b)
	b.String(&filter.CA, "ca", "", "only certificates of this CA")
	b.String(&filter.Profile, "profile", "", "only this profile")
	b.String(&filter.Search, "search", "", "name or UID contains")
	b.Int(&filter.Limit, "limit", 100, "at most this many certificates")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	s, err := openCA(ctx, e, &f, false)
	if err != nil {
		return err
	}
	defer s.close()
	cas, err := s.svc.CAs(ctx, s.actor)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CA\tPARENT\tSERIAL\tNOT AFTER\tREVOKED\tSUBJECT")
	for _, ca := range cas {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", ca.Name, ca.Parent, ca.Serial, locale.FormatDate(ca.NotAfter), ca.Revoked, ca.Certificate.Subject.CommonName)
	}
	tw.Flush()
	certs, err := s.svc.List(ctx, s.actor, filter)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	tw = tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tCA\tPROFILE\tNOT AFTER\tSTATUS\tNAME\tUID")
	for _, c := range certs {
		st := "valid"
		if c.Revoked {
			st = "revoked:" + c.RevocationReason.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Serial, c.CA, c.Profile, locale.FormatDate(c.NotAfter), st, c.CommonName, c.UID)
	}
	return tw.Flush()
}

func caTrust(ctx context.Context, e *env, args []string) error {
	var f caFlags
	var label string
	b := config.NewBinder(newFlags(e, "ca trust", "import FILE | list | remove FINGERPRINT"))
	f.bind(b)
	b.String(&label, "label", "", "label of imported certificates, e.g. \"NEAC Root CA\"")
	if err := parseFlags(b, args); err != nil {
		return err
	}
	rest := b.FS.Args()
	if len(rest) == 0 {
		b.FS.Usage()
		return errUsage
	}
	s, err := openCA(ctx, e, &f, false)
	if err != nil {
		return err
	}
	defer s.close()
	switch {
	case rest[0] == "import" && len(rest) == 2:
		data, err := os.ReadFile(rest[1])
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "Không đọc được tệp %s", rest[1])
		}
		added, err := s.svc.ImportTrusted(ctx, s.actor, data, label)
		if err != nil {
			return err
		}
		for _, t := range added {
			fmt.Fprintf(e.stdout, "Đã thêm %s %s\n  %s\n", t.Kind, t.Fingerprint, t.Subject)
		}
		if len(added) == 0 {
			fmt.Fprintln(e.stdout, "Không có chứng thư mới (đã có trong kho tin cậy)")
		}
	case rest[0] == "list" && len(rest) == 1:
		ts, err := s.svc.ListTrusted(ctx, s.actor)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SHA-256\tKIND\tNOT AFTER\tLABEL\tSUBJECT")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Fingerprint, t.Kind, locale.FormatDate(t.NotAfter), t.Label, t.Subject)
		}
		return tw.Flush()
	case rest[0] == "remove" && len(rest) == 2:
		if err := s.svc.RemoveTrusted(ctx, s.actor, rest[1]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã xóa %s khỏi kho tin cậy\n", strings.ToLower(rest[1]))
	default:
		b.FS.Usage()
		return errUsage
	}
	return nil
}
