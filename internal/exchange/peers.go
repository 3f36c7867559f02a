package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

var peerResource = access.Resource{Type: "exchange_peer"}

func (s *Service) authorize(ctx context.Context, a *actor.Actor, action access.Action, id int64) error {
	res := peerResource
	if id != 0 {
		res.ID = strconv.FormatInt(id, 10)
	}
	return access.Authorize(ctx, a, action, res)
}

// Node is this node as peers see it.
type Node struct {
	URL         string
	CertPEM     []byte
	Fingerprint string
	Agencies    []Agency
}

// Node describes this node: its URL, certificate and agency codes.
func (s *Service) Node(ctx context.Context, a *actor.Actor) (*Node, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, 0); err != nil {
		return nil, err
	}
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	return &Node{URL: s.opts.URL, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: id.Cert.Raw}),
		Fingerprint: Fingerprint(id.Cert), Agencies: d.Agencies}, nil
}

// ParseCertificatePEM reads the first certificate of a PEM text (or DER).
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	if len(data) > 64<<10 {
		return nil, apperr.FieldError("cert", "Tệp chứng thư số quá lớn (tối đa 64 KB)")
	}
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "CERTIFICATE" {
			return nil, apperr.FieldError("cert", "Khối PEM %q không phải chứng thư số (CERTIFICATE)", b.Type)
		}
		der = b.Bytes
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		e := apperr.Wrap(err, apperr.Invalid, "Không đọc được chứng thư số của nút kết nối")
		e.Field = "cert"
		return nil, e
	}
	return c, nil
}

func checkPeerURL(raw string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(raw) > 2000 {
		return "", apperr.FieldError("url", "Địa chỉ nút kết nối phải là URL https://máy-chủ[:cổng][/đường-dẫn], không có tài khoản hay tham số")
	}
	return raw, nil
}

// client returns an HTTP client that presents this node's certificate and
// accepts only the peer's pinned certificate, or a renewal of it (see
// isRenewal).
//
// Connections are kept alive, so a client is made per certificate of this
// node too: after this node renews, every connection made with the old
// certificate is closed and the next ones present the new certificate,
// which signs the packages.
func (s *Service) client(ctx context.Context, p *Peer) *http.Client {
	key := p.Fingerprint
	if p.CA != nil {
		key += "|" + Fingerprint(p.CA) + "|" + p.Subject
	}
	own := ""
	if id, err := s.opts.Identity(ctx); err == nil && id != nil && id.Cert != nil {
		own = Fingerprint(id.Cert)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if own != s.ownFingerprint {
		for _, c := range s.clients {
			c.CloseIdleConnections()
		}
		s.clients, s.ownFingerprint = nil, own
	}
	if c, ok := s.clients[key]; ok {
		return c
	}
	pinned := *p // the pins as they are now
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{
			MinVersion: tls.VersionTLS12,
			// The chain is not checked against roots: the peer is trusted by
			// its pinned certificate or a renewal of it, checked in
			// VerifyConnection.
			InsecureSkipVerify: true,
			VerifyConnection: func(cs tls.ConnectionState) error {
				if len(cs.PeerCertificates) == 0 {
					return errWrongPeerCert
				}
				if Fingerprint(cs.PeerCertificates[0]) == pinned.Fingerprint || s.isRenewal(&pinned, cs.PeerCertificates, x509.ExtKeyUsageServerAuth) {
					return nil
				}
				return errWrongPeerCert
			},
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				id, err := s.opts.Identity(context.Background())
				if err != nil {
					return nil, err
				}
				c := id.TLS()
				return &c, nil
			},
		},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 15 * time.Second,
	}
	c := &http.Client{Transport: tr, Timeout: s.opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if s.clients == nil {
		s.clients = map[string]*http.Client{}
	}
	s.clients[key] = c
	return c
}

// trustAnchor picks the CA to pin from the chain a peer presented with
// leaf: the highest CA certificate of the chain that leaf verifies up to
// now (the root when the peer sends it, else its issuing CA); nil if none.
func trustAnchor(leaf *x509.Certificate, chain []*x509.Certificate, now time.Time) *x509.Certificate {
	for i := len(chain) - 1; i >= 0; i-- {
		if ca := chain[i]; ca.IsCA && verifyUnder(leaf, ca, chain, now, x509.ExtKeyUsageServerAuth) == nil {
			return ca
		}
	}
	return nil
}

// verifyUnder checks that leaf chains to ca (through the other
// certificates of chain), is valid at now and allows usage.
func verifyUnder(leaf, ca *x509.Certificate, chain []*x509.Certificate, now time.Time, usage x509.ExtKeyUsage) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	inter := x509.NewCertPool()
	for _, c := range chain {
		if !c.Equal(ca) && !c.Equal(leaf) {
			inter.AddCert(c)
		}
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}

// isRenewal reports whether certs (a leaf and the chain presented with it)
// carry a renewal of p's pinned certificate: the same subject, chaining to
// the CA pinned with it, valid now for usage, and issued no earlier than
// the pinned certificate (an older certificate is never taken back).
func (s *Service) isRenewal(p *Peer, certs []*x509.Certificate, usage x509.ExtKeyUsage) bool {
	if p.CA == nil || p.Subject == "" || p.Cert == nil || len(certs) == 0 {
		return false
	}
	leaf := certs[0]
	if leaf.Subject.String() != p.Subject || leaf.NotBefore.Before(p.Cert.NotBefore) {
		return false
	}
	return verifyUnder(leaf, p.CA, certs[1:], s.now(), usage) == nil
}

// adoptRenewal pins leaf, a renewal of p's certificate the peer presented
// over mutual TLS (isRenewal), in place of the pinned one: the peer's id,
// codes and queued packages stay. Audited as exchange.peer.renewed.
func (s *Service) adoptRenewal(ctx context.Context, p *Peer, leaf *x509.Certificate) error {
	fp := Fingerprint(leaf)
	if fp == p.Fingerprint {
		return nil
	}
	old := p.Fingerprint
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		prevPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw}))
		res, err := tx.ExecContext(ctx, "UPDATE exchange_peers SET fingerprint = $1, cert_pem = $2, prev_cert_pem = $3 WHERE id = $4 AND fingerprint = $5",
			fp, certPEM, prevPEM, p.ID, old)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "Chứng thư số gia hạn của nút kết nối %s đã được ghim cho một nút kết nối khác", p.Name)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // adopted by a concurrent exchange
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.peer.renewed", ObjectType: "exchange_peer", ObjectID: strconv.FormatInt(p.ID, 10),
			Before:  map[string]any{"fingerprint": old, "not_after": p.Cert.NotAfter.UTC()},
			After:   map[string]any{"fingerprint": fp, "not_after": leaf.NotAfter.UTC(), "subject": p.Subject},
			Summary: map[string]any{"url": p.URL, "fingerprint": fp, "previous": old}})
	})
	if err != nil {
		return err
	}
	p.Fingerprint, p.Cert, p.Previous = fp, leaf, p.Cert
	return nil
}

// followRenewal adopts the certificate the peer presented on a connection
// if it is not the pinned one (the client accepted it as a renewal).
func (s *Service) followRenewal(ctx context.Context, p *Peer, cs *tls.ConnectionState) error {
	if p.ID == 0 || cs == nil || len(cs.PeerCertificates) == 0 || Fingerprint(cs.PeerCertificates[0]) == p.Fingerprint {
		return nil
	}
	if !s.isRenewal(p, cs.PeerCertificates, x509.ExtKeyUsageServerAuth) {
		return errWrongPeerCert
	}
	return s.adoptRenewal(ctx, p, cs.PeerCertificates[0])
}

var errWrongPeerCert = errors.New("nút kết nối trình chứng thư số khác với chứng thư đã ghim")

// fetchDirectory reads and checks the peer's signed directory (following
// a renewal of its certificate); it returns the chain the peer presented.
func (s *Service) fetchDirectory(ctx context.Context, p *Peer) (*Directory, []*x509.Certificate, error) {
	base := p.URL
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/exchange/directory", nil)
	if err != nil {
		return nil, nil, apperr.FieldError("url", "Địa chỉ nút kết nối không hợp lệ")
	}
	resp, err := s.client(ctx, p).Do(req)
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Không lấy được danh bạ của nút kết nối %s: %v", base, err)
	}
	defer resp.Body.Close()
	if err := s.followRenewal(ctx, p, resp.TLS); err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDirectorySize+1))
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Unavailable, "Không đọc được danh bạ của nút kết nối %s", base)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, apperr.New(apperr.Unavailable, "Nút kết nối %s trả lời danh bạ với mã HTTP %d", base, resp.StatusCode)
	}
	d, err := ParseDirectory(body, p.Cert)
	var chain []*x509.Certificate
	if resp.TLS != nil {
		chain = resp.TLS.PeerCertificates
	}
	return d, chain, err
}

// AddPeerRequest asks to trust a peer.
type AddPeerRequest struct {
	URL     string
	CertPEM []byte
	Name    string // default: the certificate's common name
}

// AddPeer trusts a peer: pins its certificate and learns its agency codes
// from its signed directory. Audited. A certificate already pinned is a
// conflict; a new certificate for a node already trusted at the same URL
// (its certificate was renewed) replaces the pinned one (exchange.peer.repin).
func (s *Service) AddPeer(ctx context.Context, a *actor.Actor, req AddPeerRequest) (*Peer, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerManage, 0); err != nil {
		return nil, err
	}
	base, err := checkPeerURL(req.URL)
	if err != nil {
		return nil, err
	}
	cert, err := ParseCertificatePEM(req.CertPEM)
	if err != nil {
		return nil, err
	}
	name := locale.NFC(req.Name)
	if name == "" {
		name = cert.Subject.CommonName
	}
	if name == "" {
		name = base
	}
	if len(name) > MaxNameLen {
		return nil, apperr.FieldError("name", "Tên nút kết nối quá dài (tối đa %d byte)", MaxNameLen)
	}
	fp := Fingerprint(cert)
	dir, chain, err := s.fetchDirectory(ctx, &Peer{URL: base, Fingerprint: fp, Cert: cert})
	if err != nil {
		return nil, err
	}
	now := s.now()
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	// The CA the peer presents with the pinned certificate is pinned with
	// its subject, so that the peer's renewed certificates are followed.
	caPEM, subject := "", ""
	if len(chain) > 1 {
		if ca := trustAnchor(cert, chain[1:], now); ca != nil {
			caPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
			subject = cert.Subject.String()
		}
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		// A node already trusted at this URL presents a new certificate
		// (renewed): pin the new one in its place, so its codes and queued
		// packages stay with it.
		var old string
		err := tx.QueryRowContext(ctx, "SELECT id, fingerprint FROM exchange_peers WHERE url = $1", base).Scan(&id, &old)
		if err == nil {
			if old == fp {
				return apperr.New(apperr.Conflict, "Nút kết nối %s đã được tin cậy với chứng thư số này", base)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE exchange_peers SET fingerprint = $1, cert_pem = $2, name = $3, ca_pem = $4, subject = $5, prev_cert_pem = '' WHERE id = $6",
				fp, certPEM, name, caPEM, subject, id); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "Chứng thư số này đã được ghim cho một nút kết nối khác")
				}
				return err
			}
			if err := s.storeAgencies(ctx, tx, id, dir.Agencies); err != nil {
				return err
			}
			return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "exchange.peer.repin", ObjectType: "exchange_peer",
				ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"fingerprint": old}, After: map[string]any{"name": name, "url": base, "fingerprint": fp, "agencies": codes(dir.Agencies)},
				Summary: map[string]any{"url": base, "fingerprint": fp, "previous": old}})
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO exchange_peers (name, url, fingerprint, cert_pem, ca_pem, subject, created_at, last_contact)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, name, base, fp, certPEM, caPEM, subject, db.Micros(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "Chứng thư số này đã được ghim cho một nút kết nối khác")
		}
		if err != nil {
			return err
		}
		if err := s.storeAgencies(ctx, tx, id, dir.Agencies); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "exchange.peer.add", ObjectType: "exchange_peer",
			ObjectID: strconv.FormatInt(id, 10), After: map[string]any{"name": name, "url": base, "fingerprint": fp, "agencies": codes(dir.Agencies)},
			Summary: map[string]any{"url": base, "fingerprint": fp, "agencies": len(dir.Agencies)}})
	})
	if err != nil {
		return nil, err
	}
	return s.peer(ctx, s.db.Reader(), id)
}

func codes(ags []Agency) []string {
	out := make([]string, len(ags))
	for i, a := range ags {
		out[i] = a.Code
	}
	return out
}

func (s *Service) storeAgencies(ctx context.Context, tx *sql.Tx, peer int64, ags []Agency) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM exchange_peer_agencies WHERE peer_id = $1", peer); err != nil {
		return err
	}
	for _, a := range ags {
		if _, err := tx.ExecContext(ctx, "INSERT INTO exchange_peer_agencies (peer_id, code, name) VALUES ($1, $2, $3)", peer, a.Code, a.Name); err != nil {
			return err
		}
	}
	return nil
}

// RefreshPeer reads the peer's directory again (new or removed agencies).
// Audited.
func (s *Service) RefreshPeer(ctx context.Context, a *actor.Actor, id int64) (*Peer, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerManage, id); err != nil {
		return nil, err
	}
	p, err := s.peer(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, err
	}
	dir, _, err := s.fetchDirectory(ctx, p)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.storeAgencies(ctx, tx, id, dir.Agencies); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "exchange.peer.refresh", ObjectType: "exchange_peer",
			ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"agencies": remoteCodes(p.Agencies)}, After: map[string]any{"agencies": codes(dir.Agencies)}})
	})
	if err != nil {
		return nil, err
	}
	return s.peer(ctx, s.db.Reader(), id)
}

func remoteCodes(ags []RemoteAgency) []string {
	out := make([]string, len(ags))
	for i, a := range ags {
		out[i] = a.Code
	}
	return out
}

// RemovePeer stops trusting a peer: its certificate is no longer admitted
// and nothing more is sent to it (queued deliveries fail). Audited; the
// messages exchanged with it are kept.
func (s *Service) RemovePeer(ctx context.Context, a *actor.Actor, id int64) error {
	if err := s.authorize(ctx, a, access.ExchangePeerManage, id); err != nil {
		return err
	}
	p, err := s.peer(ctx, s.db.Reader(), id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM exchange_peer_agencies WHERE peer_id = $1", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM exchange_outages WHERE peer_id = $1", id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM exchange_peers WHERE id = $1", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return peerNotFound(id)
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "exchange.peer.remove", ObjectType: "exchange_peer",
			ObjectID: strconv.FormatInt(id, 10), Before: map[string]any{"name": p.Name, "url": p.URL, "fingerprint": p.Fingerprint}})
	})
}

func peerNotFound(id int64) error {
	return apperr.New(apperr.NotFound, "Không có nút kết nối số %d", id)
}

const peerColumns = `p.id, p.name, p.url, p.fingerprint, p.cert_pem, p.created_at, p.last_contact, p.failures, p.last_error,
	(SELECT COUNT(*) FROM exchange_messages m WHERE m.peer_id = p.id AND m.direction = 'out' AND m.state IN ('queued', 'sent')),
	(SELECT COUNT(*) FROM exchange_outages o WHERE o.peer_id = p.id AND o.to_at = 0), p.ca_pem, p.subject, p.prev_cert_pem`

func scanPeer(sc interface{ Scan(...any) error }) (*Peer, error) {
	var p Peer
	var certPEM, caPEM, prevPEM string
	var created, contact int64
	var down int
	if err := sc.Scan(&p.ID, &p.Name, &p.URL, &p.Fingerprint, &certPEM, &created, &contact, &p.Failures, &p.LastError, &p.Queue, &down, &caPEM, &p.Subject, &prevPEM); err != nil {
		return nil, err
	}
	c, err := ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		return nil, fmt.Errorf("stored certificate of peer %d: %w", p.ID, err)
	}
	p.Cert = c
	if caPEM != "" {
		if p.CA, err = ParseCertificatePEM([]byte(caPEM)); err != nil {
			return nil, fmt.Errorf("stored CA certificate of peer %d: %w", p.ID, err)
		}
	}
	if prevPEM != "" {
		if p.Previous, err = ParseCertificatePEM([]byte(prevPEM)); err != nil {
			return nil, fmt.Errorf("stored previous certificate of peer %d: %w", p.ID, err)
		}
	}
	p.CreatedAt = db.FromMicros(created)
	if contact != 0 {
		p.LastContact = db.FromMicros(contact)
	}
	p.Down = down > 0
	return &p, nil
}

func (s *Service) peer(ctx context.Context, q db.Querier, id int64) (*Peer, error) {
	p, err := scanPeer(q.QueryRowContext(ctx, "SELECT "+peerColumns+" FROM exchange_peers p WHERE p.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, peerNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	p.Agencies, err = s.peerAgencies(ctx, q, "WHERE a.peer_id = $1", id)
	return p, err
}

// peerColumnsNoHealth are peerColumns with the health counts (queue,
// open outage) left at zero: what sending needs. Counting the queue is a
// walk over every queued message of the peer, which Enqueue (in the
// caller's transaction, on SQLite the one writer's) and every delivery
// would otherwise make: 10,000 queued packages made their drain quadratic.
const peerColumnsNoHealth = `p.id, p.name, p.url, p.fingerprint, p.cert_pem, p.created_at, p.last_contact, p.failures, p.last_error,
	0, 0, p.ca_pem, p.subject, p.prev_cert_pem`

// peerToSend is the peer without its health counts, for sending.
func (s *Service) peerToSend(ctx context.Context, q db.Querier, id int64) (*Peer, error) {
	p, err := scanPeer(q.QueryRowContext(ctx, "SELECT "+peerColumnsNoHealth+" FROM exchange_peers p WHERE p.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, peerNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	p.Agencies, err = s.peerAgencies(ctx, q, "WHERE a.peer_id = $1", id)
	return p, err
}

func (s *Service) peerByFingerprint(ctx context.Context, q db.Querier, fp string) (*Peer, error) {
	p, err := scanPeer(q.QueryRowContext(ctx, "SELECT "+peerColumns+" FROM exchange_peers p WHERE p.fingerprint = $1", fp))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Forbidden, "Chứng thư số của bên gọi không được ghim cho nút kết nối nào")
	}
	return p, err
}

// peerForClient finds the peer presenting certs as its client
// certificate chain: by the pinned fingerprint, or as a renewal of a
// peer's pinned certificate (isRenewal), which is then pinned in its place.
func (s *Service) peerForClient(ctx context.Context, certs []*x509.Certificate) (*Peer, error) {
	p, err := s.peerByFingerprint(ctx, s.db.Reader(), Fingerprint(certs[0]))
	if apperr.CodeOf(err) != apperr.Forbidden {
		return p, err
	}
	candidates, qerr := s.queryPeers(ctx, "WHERE p.subject = $1 AND p.ca_pem <> '' ORDER BY p.id", certs[0].Subject.String())
	if qerr != nil {
		return nil, qerr
	}
	for _, c := range candidates {
		if !s.isRenewal(c, certs, x509.ExtKeyUsageClientAuth) {
			continue
		}
		if aerr := s.adoptRenewal(ctx, c, certs[0]); aerr != nil {
			return nil, aerr
		}
		ags, aerr := s.peerAgencies(ctx, s.db.Reader(), "WHERE a.peer_id = $1", c.ID)
		if aerr != nil {
			return nil, aerr
		}
		c.Agencies = ags
		return c, nil
	}
	return nil, err
}

// queryPeers reads the peers (with their health) that the clause after
// FROM exchange_peers p selects, without their agencies.
func (s *Service) queryPeers(ctx context.Context, clause string, args ...any) ([]*Peer, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+peerColumns+" FROM exchange_peers p "+clause, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Peer
	for rows.Next() {
		p, err := scanPeer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Service) peerAgencies(ctx context.Context, q db.Querier, where string, args ...any) ([]RemoteAgency, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.code, a.name, a.peer_id, p.name FROM exchange_peer_agencies a
		JOIN exchange_peers p ON p.id = a.peer_id `+where+` ORDER BY a.code, a.peer_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RemoteAgency
	for rows.Next() {
		var r RemoteAgency
		if err := rows.Scan(&r.Code, &r.Name, &r.PeerID, &r.PeerName); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// peerHosts says whether the peer's directory lists the agency code.
func (s *Service) peerHosts(ctx context.Context, peer int64, code string) (bool, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_peer_agencies WHERE peer_id = $1 AND code = $2", peer, code).Scan(&n)
	return n > 0, err
}

// Peers lists the trusted peers with their health.
func (s *Service) Peers(ctx context.Context, a *actor.Actor) ([]*Peer, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, 0); err != nil {
		return nil, err
	}
	out, err := s.queryPeers(ctx, "ORDER BY p.name, p.id")
	if err != nil {
		return nil, err
	}
	ags, err := s.peerAgencies(ctx, s.db.Reader(), "")
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Peer{}
	for _, p := range out {
		byID[p.ID] = p
	}
	for _, r := range ags {
		if p := byID[r.PeerID]; p != nil {
			p.Agencies = append(p.Agencies, r)
		}
	}
	return out, nil
}

// Peer returns one peer with its health.
func (s *Service) Peer(ctx context.Context, a *actor.Actor, id int64) (*Peer, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, id); err != nil {
		return nil, err
	}
	return s.peer(ctx, s.db.Reader(), id)
}

// Outages lists a peer's outages, the latest first (at most limit).
func (s *Service) Outages(ctx context.Context, a *actor.Actor, peer int64, limit int) ([]Outage, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, peer); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, peer_id, from_at, to_at, error FROM exchange_outages
		WHERE peer_id = $1 ORDER BY from_at DESC, id DESC LIMIT $2`, peer, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Outage
	for rows.Next() {
		var o Outage
		var from, to int64
		if err := rows.Scan(&o.ID, &o.PeerID, &from, &to, &o.Error); err != nil {
			return nil, err
		}
		o.From = db.FromMicros(from)
		if to != 0 {
			o.To = db.FromMicros(to)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RemoteAgencies lists the agencies hosted by peers, by code (for
// recipient pickers; no access check: agency codes are public).
func (s *Service) RemoteAgencies(ctx context.Context) ([]RemoteAgency, error) {
	return s.peerAgencies(ctx, s.db.Reader(), "")
}

// PeerFor returns the peer hosting the agency code; ENOTFOUND when none does.
func (s *Service) PeerFor(ctx context.Context, code string) (*Peer, error) {
	return s.peerFor(ctx, s.db.Reader(), code)
}

func (s *Service) peerFor(ctx context.Context, q db.Querier, code string) (*Peer, error) {
	var id int64
	err := q.QueryRowContext(ctx, "SELECT peer_id FROM exchange_peer_agencies WHERE code = $1 ORDER BY peer_id LIMIT 1", code).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "Không có nút kết nối nào quản lý mã định danh %q", code)
	}
	if err != nil {
		return nil, err
	}
	return s.peerToSend(ctx, q, id)
}

// Message is a package sent to or received from a peer, as the evidence
// lists show it (the bytes are read with MessageBytes).
type Message struct {
	ID            int64
	Direction     string // out | in
	PeerID        int64
	From, To      string
	DocumentID    string
	Kind          string
	State         string // queued | delivered | refused | failed | received
	Digest        string // SHA-256 of the package, hex
	Size          int
	ReceiptStatus string // 01 | 02 | "" while none
	ReceiptDigest string
	Reason        string
	Attempts      int
	CreatedAt     time.Time
	DoneAt        time.Time // zero while queued
}

// Messages lists the latest messages exchanged with a peer (at most limit).
func (s *Service) Messages(ctx context.Context, a *actor.Actor, peer int64, limit int) ([]Message, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, peer); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, direction, peer_id, from_code, to_code, document_id, kind, state, digest,
		size, receipt_status, receipt_digest, reason, attempts, created_at, done_at
		FROM exchange_messages WHERE peer_id = $1 ORDER BY id DESC LIMIT $2`, peer, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var created, done int64
		if err := rows.Scan(&m.ID, &m.Direction, &m.PeerID, &m.From, &m.To, &m.DocumentID, &m.Kind, &m.State, &m.Digest,
			&m.Size, &m.ReceiptStatus, &m.ReceiptDigest, &m.Reason, &m.Attempts, &created, &done); err != nil {
			return nil, err
		}
		m.CreatedAt = db.FromMicros(created)
		if done != 0 {
			m.DoneAt = db.FromMicros(done)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessageBytes returns a kept package (receipt false) or the receipt
// answered for it (receipt true): the evidence of a dispute.
func (s *Service) MessageBytes(ctx context.Context, a *actor.Actor, id int64, receipt bool) ([]byte, error) {
	var peer int64
	var pkg, rec []byte
	var sum string
	err := s.db.Reader().QueryRowContext(ctx, "SELECT peer_id, package, receipt, digest FROM exchange_messages WHERE id = $1", id).Scan(&peer, &pkg, &rec, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		if aerr := s.authorize(ctx, a, access.ExchangePeerView, 0); aerr != nil {
			return nil, aerr
		}
		return nil, apperr.New(apperr.NotFound, "Không có gói tin số %d", id)
	}
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, a, access.ExchangePeerView, peer); err != nil {
		return nil, err
	}
	if receipt {
		if len(rec) == 0 {
			return nil, apperr.New(apperr.NotFound, "Gói tin số %d chưa có biên nhận", id)
		}
		return rec, nil
	}
	return s.packageOf(ctx, pkg, sum)
}
