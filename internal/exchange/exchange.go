// Package exchange connects this deployment (a node) to other nodes so that
// official documents travel between agencies hosted on different
// installations, as edXML packages (QCVN 102:2016) over HTTPS with mutual
// TLS.
//
// A node has a node certificate (Options.Identity), the agency codes it
// hosts (Options.Agencies) and a public exchange URL. A peer is another
// node trusted by pinning its certificate (the SHA-256 of its DER), with
// the CA it presents and the certificate's subject so that a renewed
// certificate (same subject, same CA, valid, newer) is pinned in its place
// when the peer presents it (docs/exchange.md): its
// agency codes come from its directory (GET /exchange/directory), a JSON
// list signed with its node key and checked against the pinned certificate.
//
// Sending: Enqueue, in the caller's transaction, stores the package as an
// outbound message and queues a jobs job that POSTs it to the peer's
// /exchange/packages with the node certificate as client certificate; the
// peer must present its pinned certificate. While the peer is down the job
// retries with back-off and the peer's outage is recorded. The receiver
// answers with a signed receipt (status 01 arrived, or 02 refused with the
// reason), stored with the outbound message.
//
// Receiving: /exchange/packages admits only a client certificate pinned for
// a peer (403 and an audit entry otherwise), reads a bounded body, opens the
// package with the Codec (parse and signature check against the peer's
// certificate), checks that its recipient is hosted here, then in one
// db.Tx records the inbound message (deduplicated per peer by the
// package's document id, kind and business or status code), calls the
// Receiver and writes the audit entry; a duplicate is answered with the
// first answer again.
//
// Over NATS JetStream (UseNATS, --nats-url) packages and receipts travel
// on per-node subjects of one work-queue stream instead, the receiving
// replicas share a durable consumer, and the sender is the pinned peer
// whose certificate signed the package (nats.go, docs/exchange.md).
//
// Every message in and out is audited with its SHA-256, and both the
// package and the receipt are kept (exchange_messages): the evidence of a
// dispute.
package exchange

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the exchange module's schema.
var Migrations = db.Embedded("exchange", migrationFiles)

// KindDeliver is the job that posts an outbound package to its peer.
const KindDeliver = "exchange.deliver"

// The kinds of outbound packages.
const (
	KindDocument = "document"
	KindStatus   = "status"
)

// Receipt statuses (QCVN 102:2016 status codes).
const (
	StatusArrived = "01" // đã đến
	StatusRefused = "02" // từ chối tiếp nhận
)

// DefaultMaxPackage bounds a received package's size.
const DefaultMaxPackage = 64 << 20

// DefaultMaxAttempts bounds the deliveries of one package: with the job
// runner's back-off capped at an hour, about two days of a peer's outage
// before the message fails (and shows on /admin/jobs to be retried).
const DefaultMaxAttempts = 60

// Identity is this node's certificate and key.
type Identity struct {
	Signer crypto.Signer
	Cert   *x509.Certificate
	// Chain is the issuing CAs, nearest first (not the root is fine).
	Chain []*x509.Certificate
}

// TLS returns the identity as a TLS certificate (client and server).
func (id *Identity) TLS() tls.Certificate {
	c := tls.Certificate{PrivateKey: id.Signer, Leaf: id.Cert, Certificate: [][]byte{id.Cert.Raw}}
	for _, ca := range id.Chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return c
}

// Agency is an agency code a node hosts, with its name.
type Agency struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// RemoteAgency is an agency hosted by a peer.
type RemoteAgency struct {
	Code, Name string
	PeerID     int64
	PeerName   string
}

// Peer is a trusted node.
type Peer struct {
	ID          int64
	Name        string
	URL         string // base URL; packages go to URL + "/exchange/packages"
	Fingerprint string // SHA-256 of the pinned certificate's DER, lower-case hex
	Cert        *x509.Certificate
	// CA is the CA certificate the peer presented in its chain when it was
	// pinned, and Subject its node certificate's subject (RFC 4514): a
	// renewed node certificate with the same subject chaining to CA is
	// adopted when the peer presents it (nil and "" for a peer pinned
	// before, which needs a re-pin).
	CA      *x509.Certificate
	Subject string
	// Previous is the certificate a renewal replaced (nil if none): a
	// package signed before the renewal and delivered after it verifies
	// against it.
	Previous    *x509.Certificate
	Agencies    []RemoteAgency
	CreatedAt   time.Time
	LastContact time.Time // last successful exchange either way; zero if none
	Queue       int       // outbound messages waiting for delivery
	Failures    int       // consecutive failed deliveries
	LastError   string
	Down        bool // an outage is open
}

// Outage is a period during which deliveries to a peer failed.
type Outage struct {
	ID     int64
	PeerID int64
	From   time.Time
	To     time.Time // zero while it lasts
	Error  string
}

// Outbound is a signed package to deliver to the node hosting ToCode.
type Outbound struct {
	ToCode     string
	DocumentID string
	Kind       string // KindDocument or KindStatus
	Package    []byte
}

// Envelope is what the Codec reads from a package.
type Envelope struct {
	From, To string // agency codes; To is the recipient hosted here once admitted
	// Recipients are every recipient the package names (To is one of them).
	Recipients []string
	DocumentID string
	Kind       string // KindDocument or KindStatus
	// Code is the business type (0 new, 1 revoke, 2 update, 3 replace) of a
	// document or the status code of a status package: with the document
	// id and kind it identifies a package for deduplication.
	Code string
	// Package is the parsed package (*edxml.Package with the edXML codec).
	Package any
	// Digest is the SHA-256 of the raw package in hex when the codec
	// computed it while reading; empty otherwise.
	Digest string
}

// digestOf is the package's SHA-256 in hex: the codec's when it has one,
// rather than a second pass over the bytes.
func (e *Envelope) digestOf(raw []byte) string {
	if e.Digest != "" {
		return e.Digest
	}
	return digest(raw)
}

// Key is the deduplication key of the envelope.
func (e *Envelope) Key() string {
	return e.Kind + "|" + e.From + "|" + e.To + "|" + e.DocumentID + "|" + e.Code
}

// Inbound is a package received from a peer, handed to the Receiver.
type Inbound struct {
	Peer      *Peer
	Envelope  *Envelope
	Raw       []byte
	MessageID int64
}

// Receiver registers inbound packages. Receive runs inside the transaction
// that records the inbound message; an apperr refuses the package: the
// sender gets status 02 with the error's message as the reason and nothing
// is kept but the refused message.
type Receiver interface {
	Receive(ctx context.Context, tx *sql.Tx, in Inbound) error
}

// Delivered is an outbound package the peer answered with its signed
// receipt (status 01 arrived, or 02 refused with the reason).
type Delivered struct {
	Peer       *Peer
	ToCode     string
	DocumentID string
	Kind       string // KindDocument or KindStatus
	Package    []byte // the package as sent
	Status     string // StatusArrived or StatusRefused
	Reason     string
}

// ReceiptObserver is told of every receipt a peer answers, inside the
// transaction that stores the receipt with its outbound message, so what
// it records (the sender's timeline) exists iff the receipt is kept. The
// Receiver is asked for it: a Receiver implementing it observes receipts.
type ReceiptObserver interface {
	Delivered(ctx context.Context, tx *sql.Tx, d Delivered) error
}

// Codec reads and writes packages: edXML in production.
type Codec interface {
	// Open parses raw and verifies its signature against the sender's
	// certificate. It returns the envelope whenever the structure parsed,
	// even with an error (a wrong signature), so the refusal can name the
	// document; an apperr's message becomes the reason of status 02.
	Open(raw []byte, sender *x509.Certificate) (*Envelope, error)
	// Receipt builds the signed status package answering env (status 01,
	// or 02 with reason), From and To swapped.
	Receipt(env *Envelope, status, reason string, id *Identity, now time.Time) ([]byte, error)
	// ReadReceipt parses and verifies a receipt from the peer.
	ReadReceipt(raw []byte, peer *x509.Certificate) (status, reason string, err error)
}

// Options configure a Service. Zero values take the defaults in brackets.
type Options struct {
	Now    func() time.Time // [clock.Now]
	Logger *slog.Logger     // [slog.Default()]
	Audit  *audit.Log       // required
	// URL is this node's public exchange base URL (--exchange-url).
	URL string
	// Identity returns this node's certificate and key (renewable: asked
	// for on every use).
	Identity func(ctx context.Context) (*Identity, error)
	// Agencies returns the agency codes this node hosts.
	Agencies func(ctx context.Context) ([]Agency, error)
	// Codec opens and answers packages.
	Codec Codec
	// MaxPackage bounds a received package [DefaultMaxPackage].
	MaxPackage int64
	// Store keeps packages as files named by their SHA-256 (store.go);
	// nil keeps them in their rows.
	Store blob.Store
	// Timeout bounds one delivery or directory request [60s].
	Timeout time.Duration
	// MaxAttempts bounds the delivery of one package [DefaultMaxAttempts].
	MaxAttempts int
}

// Service is this node's side of the exchange.
type Service struct {
	db   *db.DB
	opts Options
	now  func() time.Time
	log  *slog.Logger

	mu       sync.RWMutex
	receiver Receiver
	stats    StatsSource
	clients  map[string]*http.Client // per pinned fingerprint, for this node's certificate ownFingerprint
	// ownFingerprint is this node's certificate the clients present.
	ownFingerprint string
}

// New returns the service on d (migrated with Migrations).
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil {
		return nil, errors.New("exchange.New: nil database")
	}
	if opts.Audit == nil || opts.Identity == nil || opts.Agencies == nil || opts.Codec == nil {
		return nil, errors.New("exchange.New: Audit, Identity, Agencies and Codec are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxPackage <= 0 {
		opts.MaxPackage = DefaultMaxPackage
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	return &Service{db: d, opts: opts, now: opts.Now, log: opts.Logger}, nil
}

// SetReceiver sets who registers inbound packages. Without one, every
// inbound package is refused.
func (s *Service) SetReceiver(r Receiver) {
	s.mu.Lock()
	s.receiver = r
	s.mu.Unlock()
}

func (s *Service) getReceiver() Receiver {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.receiver
}

// Signer returns this node's key and certificate chain (leaf first), for
// signing packages.
func (s *Service) Signer(ctx context.Context) (crypto.Signer, []*x509.Certificate, error) {
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return nil, nil, err
	}
	return id.Signer, append([]*x509.Certificate{id.Cert}, id.Chain...), nil
}

// Register registers the delivery job's handler on r.
func (s *Service) Register(r *jobs.Runner) {
	r.Register(KindDeliver, s.deliver)
	s.registerRollup(r)
}

// Fingerprint is the SHA-256 of a certificate's DER in lower-case hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Handler serves /exchange/directory, /exchange/packages and
// /exchange/stats (statistics roll-up from child nodes), for the
// exchange listener (mutual TLS, ServerTLS).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /exchange/directory", s.serveDirectory)
	mux.HandleFunc("POST /exchange/packages", s.servePackage)
	mux.HandleFunc("POST /exchange/stats", s.serveStats)
	return mux
}
