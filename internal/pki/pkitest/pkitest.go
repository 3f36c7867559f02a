// Package pkitest sets up a working certificate authority for tests and for
// the bench/ program: a migrated database, a file key store, the audit log,
// an initialised CA and the HTTP handlers, plus builders for OCSP and
// RFC 3161 requests.
package pkitest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"log/slog"
	"math/big"
	"path/filepath"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/pki"
	"github.com/chinhquyen/chinhquyen/internal/pki/pkihttp"
)

// Passphrase protects the fixture's key files.
const Passphrase = "mật-khẩu-kho-khóa-thử"

// Fixture is an initialised CA.
type Fixture struct {
	DB      *db.DB
	Audit   *audit.Log
	Keys    *pki.FileKeyStore
	Service *pki.Service
	Handler *pkihttp.Handler
	Init    *pki.InitResult
	// Actor operates the CA: a security officer held platform-wide.
	Actor *actor.Actor
	// Holder is the official (a leader of agency 1) whom IssueOfficial's
	// certificates belong to: the one who may sign with them.
	Holder *actor.Actor
	// Directory is the CA's register of identities: agency 1 and Holder
	// are in it; tests add the agencies and officials they issue to.
	Directory *Directory
}

// The fixture's agency 1, whose seal and officials it issues.
const (
	AgencyName = "Sở Thông tin và Truyền thông tỉnh Quảng Trị"
	AgencyCode = "H48.18"
)

// Options tune Setup.
type Options struct {
	Logger    *slog.Logger // default: discard
	Now       func() time.Time
	Algorithm pki.KeyAlgorithm // CA keys, default ECDSA P-256
	Keys      pki.KeyStore     // default: a FileKeyStore in dataDir/keys
}

// Setup migrates d (audit + pki), opens a file key store under dataDir
// (cheap PBKDF2 for speed), and initialises the CA with certificates
// pointing at baseURL.
func Setup(ctx context.Context, d *db.DB, dataDir, baseURL string, o Options) (*Fixture, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = clock.Now
	}
	if err := d.Migrate(ctx, o.Logger, audit.Migrations, pki.Migrations); err != nil {
		return nil, err
	}
	lg, err := audit.New(d, audit.Options{Now: o.Now, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	f := &Fixture{DB: d, Audit: lg, Directory: NewDirectory(),
		Actor: &actor.Actor{AccountID: 1, Kind: actor.Official, Name: "Cán bộ an ninh", AgencyID: 1,
			Roles: []actor.RoleGrant{{Role: "security_officer"}}},
		Holder: &actor.Actor{AccountID: 2, Kind: actor.Official, Name: "Lãnh đạo", AgencyID: 1,
			Roles: []actor.RoleGrant{{Role: "leader", AgencyID: 1}}}}
	ks := o.Keys
	if ks == nil {
		f.Keys, err = pki.NewFileKeyStore(filepath.Join(dataDir, "keys"), []byte(Passphrase), 1000)
		if err != nil {
			return nil, err
		}
		ks = f.Keys
	}
	f.Directory.SetAgency(1, pki.Subject{CommonName: AgencyName, AgencyCode: AgencyCode, Locality: "Đông Hà", Province: "Quảng Trị"})
	f.Directory.SetOfficial(f.Holder.AccountID, f.Holder.AgencyID, pki.Subject{CommonName: "Lãnh Đạo Sở", UID: "QT-0002",
		Title: "Giám đốc", Organization: AgencyName, Locality: "Đông Hà", Province: "Quảng Trị"})
	f.Service, err = pki.New(ctx, d, pki.Config{BaseURL: baseURL, Keys: ks, Audit: lg, Now: o.Now, Logger: o.Logger, Directory: f.Directory})
	if err != nil {
		return nil, err
	}
	f.Handler = pkihttp.New(f.Service, o.Logger)
	f.Init, err = f.Service.Init(ctx, f.Actor, pki.InitRequest{Organization: "UBND tỉnh Quảng Trị", Province: "Quảng Trị", Algorithm: o.Algorithm})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// IssueOfficial records f.Holder in the directory as the official named
// name with staff code uid, then issues them a personal certificate with a
// platform-held key.
func (f *Fixture) IssueOfficial(ctx context.Context, name, uid string) (*pki.Certificate, error) {
	f.Directory.SetOfficial(f.Holder.AccountID, f.Holder.AgencyID, pki.Subject{
		CommonName: name, UID: uid, Title: "Chuyên viên", Organization: AgencyName, Locality: "Đông Hà", Province: "Quảng Trị"})
	return f.Service.Issue(ctx, f.Actor, pki.IssueRequest{Profile: "official", Holder: f.Holder.AccountID})
}

// OCSPRequest builds a DER OCSP request for cert (SHA-1 CertID, like
// openssl), with a 16-byte nonce when nonce is true.
func OCSPRequest(cert, issuer *x509.Certificate, nonce bool) []byte {
	spki := cryptobyte.String(issuer.RawSubjectPublicKeyInfo)
	var seq, alg cryptobyte.String
	var bits cryptobyte.String
	spki.ReadASN1(&seq, cbasn1.SEQUENCE)
	seq.ReadASN1(&alg, cbasn1.SEQUENCE)
	seq.ReadASN1(&bits, cbasn1.BIT_STRING)
	nh := sha1.Sum(issuer.RawSubject)
	kh := sha1.Sum(bits[1:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier([]int{1, 3, 14, 3, 2, 26})
							b.AddASN1NULL()
						})
						b.AddASN1OctetString(nh[:])
						b.AddASN1OctetString(kh[:])
						b.AddASN1BigInt(cert.SerialNumber)
					})
				})
			})
			if nonce {
				n := make([]byte, 16)
				_, _ = rand.Read(n)
				b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier([]int{1, 3, 6, 1, 5, 5, 7, 48, 1, 2})
							b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) { b.AddASN1OctetString(n) })
						})
					})
				})
			}
		})
	})
	return b.BytesOrPanic()
}

// TSAQuery builds a DER TimeStampReq for data hashed with h (SHA-256 when
// zero), with an optional nonce and certReq.
func TSAQuery(data []byte, h crypto.Hash, nonce *big.Int, certReq bool) []byte {
	if h == 0 {
		h = crypto.SHA256
	}
	oids := map[crypto.Hash][]int{crypto.SHA1: {1, 3, 14, 3, 2, 26}, crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3}}
	var digest []byte
	if h == crypto.SHA256 {
		d := sha256.Sum256(data)
		digest = d[:]
	} else {
		hh := h.New()
		hh.Write(data)
		digest = hh.Sum(nil)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oids[h])
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(digest)
		})
		if nonce != nil {
			b.AddASN1BigInt(nonce)
		}
		if certReq {
			b.AddASN1Boolean(true)
		}
	})
	return b.BytesOrPanic()
}
