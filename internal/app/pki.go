package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/config"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/hsm"
	"github.com/chinhquyen/chinhquyen/internal/signing"
	"github.com/chinhquyen/chinhquyen/internal/web"
)

// PKIConfig says where the certificate authority keeps its private keys:
// encrypted key files in <data>/pki/keys (the default), or a PKCS#11 token
// when a token label is given.
type PKIConfig struct {
	// KeyPassphrase protects the key files; empty = the file
	// KeyPassphraseFile in the data folder, generated on first start.
	KeyPassphrase string
	// PKCS11Module, PKCS11Label and PKCS11PIN name an HSM token instead.
	PKCS11Module, PKCS11Label, PKCS11PIN string
}

// KeyPassphraseFile is where a generated key-store passphrase is kept,
// relative to the data folder (mode 0600).
const KeyPassphraseFile = "pki/key-passphrase"

// KeysDir is the file key store's folder, relative to the data folder.
const KeysDir = "pki/keys"

// bind registers the key-store flags. Every database command binds them
// (BindDatabase), so `serve` and `ca` open the same key store from the
// same CHINHQUYEN_* variables.
func (c *PKIConfig) bind(b *config.Binder) {
	b.Secret(&c.KeyPassphrase, "key-passphrase", "passphrase of the CA's key files (default: "+KeyPassphraseFile+" in the data folder, generated on first start)")
	b.String(&c.PKCS11Module, "pkcs11-module", "", "PKCS#11 module (.so) of an HSM keeping the CA's keys, e.g. /usr/lib/softhsm/libsofthsm2.so")
	b.String(&c.PKCS11Label, "pkcs11-label", "", "PKCS#11 token label; given, the CA's keys live in that token instead of key files")
	b.Secret(&c.PKCS11PIN, "pkcs11-pin", "PKCS#11 user PIN")
}

// UsesPKCS11 reports whether the keys live in an HSM token.
func (c PKIConfig) UsesPKCS11() bool { return c.PKCS11Label != "" }

// OpenKeyStore opens the key store cfg names. A file key store without a
// configured passphrase uses the one in KeyPassphraseFile, generating it
// (random, 0600) the first time and logging where — never its value.
// close releases the store (logs out of the token).
func OpenKeyStore(cfg Config, log *slog.Logger) (store pki.KeyStore, close func() error, err error) {
	if cfg.PKI.UsesPKCS11() {
		if cfg.PKI.PKCS11Module == "" {
			return nil, nil, apperr.New(apperr.Invalid, "Cần đường dẫn mô-đun PKCS#11 (--pkcs11-module) cho token %q", cfg.PKI.PKCS11Label)
		}
		st, err := hsm.Open(hsm.Config{Module: cfg.PKI.PKCS11Module, TokenLabel: cfg.PKI.PKCS11Label, PIN: cfg.PKI.PKCS11PIN})
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
	pass := []byte(cfg.PKI.KeyPassphrase)
	if len(pass) == 0 {
		if pass, err = keyPassphrase(filepath.Join(cfg.DataDir, KeyPassphraseFile), log); err != nil {
			return nil, nil, err
		}
	}
	ks, err := pki.NewFileKeyStore(filepath.Join(cfg.DataDir, KeysDir), pass, 0)
	if err != nil {
		return nil, nil, err
	}
	return ks, func() error { return nil }, nil
}

// keyPassphrase reads the generated passphrase at path, creating it first
// if it does not exist.
func keyPassphrase(path string, log *slog.Logger) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err == nil {
		pass := []byte(strings.TrimRight(string(text), "\r\n"))
		if len(pass) < 8 {
			return nil, apperr.New(apperr.Invalid, "Tệp mật khẩu kho khóa %s bị hỏng (quá ngắn)", path)
		}
		return pass, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được tệp mật khẩu kho khóa %s", path)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	pass := []byte(base64.RawURLEncoding.EncodeToString(raw))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không tạo được thư mục %s", filepath.Dir(path))
	}
	// O_EXCL: two processes starting together keep the first file.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return keyPassphrase(path, log)
	}
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp mật khẩu kho khóa %s", path)
	}
	_, err = f.Write(append(pass, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, apperr.Wrap(err, apperr.Unavailable, "Không ghi được tệp mật khẩu kho khóa %s", path)
	}
	log.Warn("generated the passphrase of the CA's key files: back it up apart from the database and the key files, or set CHINHQUYEN_KEY_PASSPHRASE_FILE",
		"path", path)
	return pass, nil
}

// buildPKI opens the key store and builds the certificate authority and
// the document signature service.
func (a *App) buildPKI(ctx context.Context) error {
	keys, closeKeys, err := OpenKeyStore(a.Config, a.Log)
	if err != nil {
		return err
	}
	addr := a.Config.Addr
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	a.PKI, err = pki.New(ctx, a.DB, pki.Config{BaseURL: a.Config.PublicURL(addr), Keys: keys, Audit: a.Audit, Now: a.Now, Logger: a.Log,
		Directory: pkiDirectory{org: a.Org, id: a.Identity}})
	if err != nil {
		closeKeys()
		return fmt.Errorf("certificate authority: %w", err)
	}
	a.Signing, err = signing.New(signing.Config{DB: a.DB, PKI: a.PKI, Audit: a.Audit, Now: a.Now, Logger: a.Log})
	if err != nil {
		closeKeys()
		return fmt.Errorf("signature service: %w", err)
	}
	a.closeKeys = closeKeys
	return nil
}

// closePKI releases the key store.
func (a *App) closePKI() {
	if a.closeKeys != nil {
		if err := a.closeKeys(); err != nil {
			a.Log.Warn("close the key store", "err", err)
		}
		a.closeKeys = nil
	}
}

// pkiRefreshEvery is how often the periodic job re-signs OCSP answers
// past half their validity and re-issues CRLs past half theirs.
const pkiRefreshEvery = 5 * time.Minute

// refreshPKI keeps revocation data fresh: pre-signed OCSP answers
// (RefreshOCSP) and every CA's CRL. It runs as the periodic job
// "pki.refresh", once per period across replicas; an error (a wrong
// key-store passphrase, a missing token) fails the run, which shows on
// /admin/jobs, and the next period tries again.
func (a *App) refreshPKI(ctx context.Context, _ jobs.Job) error {
	cas, err := a.PKI.CAs(ctx, actor.SystemActor("pki-refresh"))
	if err != nil || len(cas) == 0 {
		return err
	}
	var errs []error
	if n, err := a.PKI.RefreshOCSP(ctx, 0); err != nil {
		errs = append(errs, fmt.Errorf("refresh OCSP answers: %w", err))
	} else if n > 0 {
		a.Log.Info("pki: OCSP answers re-signed", "count", n)
	}
	for _, ca := range cas {
		if _, _, err := a.PKI.CRL(ctx, ca.Name); err != nil {
			errs = append(errs, fmt.Errorf("refresh the CRL of %s: %w", ca.Name, err))
		}
	}
	return errors.Join(errs...)
}

// seedDemoPKI, on the demo's first start, initialises the platform CA
// (like `chinhquyen ca init`), issues personal certificates to the demo
// leader and clerk, and the seals of the province's committee and of its
// one-stop commune's (UBND tỉnh Lào Cai and UBND xã Bắc Hà); the clerk of the
// provincial office keeps that seal (a clerk role in the committee), and
// the demo security officer runs the CA (platform-wide). Keys stay in the
// key store; nothing secret is printed.
func (a *App) seedDemoPKI(ctx context.Context, demo *org.Demo) error {
	sys := actor.SystemActor("first-start")
	ctx = access.WithGuard(ctx, a.Guard)
	committee, err := a.Org.Agency(ctx, demo.ProvinceCommittee, org.Date{})
	if err != nil {
		return err
	}
	province := strings.TrimPrefix(demo.Province.Name, "Tỉnh ")
	cas, err := a.PKI.CAs(ctx, sys)
	if err != nil {
		return err
	}
	if len(cas) == 0 {
		if _, err := a.PKI.Init(ctx, sys, pki.InitRequest{Organization: committee.ShortName, Province: province}); err != nil {
			return err
		}
	}
	account := func(o org.DemoOfficial) (identity.Account, error) {
		list, err := a.Identity.Officials(ctx, sys, o.AgencyID)
		if err != nil {
			return identity.Account{}, err
		}
		for _, acc := range list {
			if acc.Login == "demo."+o.Role {
				return acc, nil
			}
		}
		return identity.Account{}, apperr.New(apperr.NotFound, "Không có tài khoản mẫu demo.%s", o.Role)
	}
	var issued []string
	for _, role := range []string{org.DemoLeader, org.DemoClerk} {
		o, ok := demo.Official(role)
		if !ok {
			continue
		}
		acc, err := account(o)
		if err != nil {
			return err
		}
		c, err := a.PKI.Issue(ctx, sys, pki.IssueRequest{Profile: "official", Holder: acc.ID})
		if err != nil {
			return err
		}
		issued = append(issued, c.Serial)
		if role == org.DemoClerk {
			// The provincial office's clerk keeps the committee's seal.
			if err := a.Identity.GrantRole(ctx, sys, acc.ID, actor.RoleGrant{Role: string(access.Clerk), AgencyID: committee.ID}); err != nil {
				return err
			}
		}
	}
	seals := []int64{committee.ID}
	for _, c := range demo.Communes {
		// The commune with demo officials seals its one-stop results
		// (a birth certificate is the commune committee's, not the
		// province's).
		if c.Code == demo.Spec.OnestopCommune() {
			seals = append(seals, c.Committee)
		}
	}
	for _, agency := range seals {
		seal, err := a.PKI.Issue(ctx, sys, pki.IssueRequest{Profile: "seal", AgencyID: agency})
		if err != nil {
			return err
		}
		issued = append(issued, seal.Serial)
	}
	if o, ok := demo.Official(org.DemoSecurityOfficer); ok {
		acc, err := account(o)
		if err != nil {
			return err
		}
		// The province's security officer runs the platform's CA.
		if err := a.Identity.GrantRole(ctx, sys, acc.ID, actor.RoleGrant{Role: string(access.SecurityOfficer)}); err != nil {
			return err
		}
	}
	a.Log.Info("demo certificates issued (keys in the platform key store)", "serials", issued)
	return nil
}

// uploadLimit is the request-body cap of the routes that take a PDF
// upload (signing.MaxPDFSize plus a signature image and form fields).
const uploadLimit = signing.MaxPDFSize + signing.MaxImageSize + 1<<20

// uploadRoutes take PDF uploads; every other request keeps the small cap.
var uploadRoutes = map[string]bool{"/sign": true, "/verify": true, "/api/v1/pdf/verify": true, web.NewDocumentRoute: true,
	web.NewDraftRoute: true, web.DraftVersionRoute: true, web.NewDossierRoute: true, web.SupplementDossierRoute: true,
	web.OnestopNewRoute: true, web.OnestopDecisionRoute: true}

// isUploadRoute says whether path takes a file in its body: the routes
// above, and a bulletin's recording (/outreach/bulletins/{id}/audio, up to
// outreach.MaxAudioBytes).
func isUploadRoute(path string) bool {
	if uploadRoutes[path] {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/outreach/bulletins/")
	id, audio := strings.CutSuffix(rest, "/audio")
	return ok && audio && id != "" && !strings.Contains(id, "/")
}

// fileUploadRoute takes any file (blob), within --upload-max; it streams
// to disk, so it holds no more memory than a small request.
const fileUploadRoute = "/api/v1/uploads"

// limitBody caps request bodies at small bytes, or at uploadLimit on the
// PDF upload routes and files on the file upload route (POST only).
func limitBody(small, files int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := small
			if r.Method == http.MethodPost && isUploadRoute(r.URL.Path) {
				n = uploadLimit
			}
			if r.Method == http.MethodPost && r.URL.Path == fileUploadRoute {
				n = files
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, n)
			}
			next.ServeHTTP(w, r)
		})
	}
}
