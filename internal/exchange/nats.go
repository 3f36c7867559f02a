package exchange

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// NATSStream is the JetStream stream carrying the exchange of every node
// on a province's NATS: packages on chinhquyen.exchange.<node key>.packages,
// receipts on chinhquyen.exchange.<node key>.receipts (docs/exchange.md).
const NATSStream = "CHINHQUYEN_EXCHANGE"

const natsPrefix = "chinhquyen.exchange."

// Headers of an exchange message on NATS. None is trusted: the sender is
// the pinned peer whose certificate verifies the package's signature.
const (
	// HeaderSender is the sender's node certificate fingerprint, a hint of
	// which pinned peer to try first.
	HeaderSender = "Chinhquyen-Sender"
	// HeaderMessage is the sender's outbound message id, returned with the
	// receipt so the sender finds what it answers.
	HeaderMessage = "Chinhquyen-Message"
	// HeaderReplyTo is where a receipt goes when the sender cannot be
	// identified (a refusal 02 of a package signed by no pinned peer).
	HeaderReplyTo = "Chinhquyen-Reply-To"
)

// DefaultNATSResend is how long a package published on NATS waits for its
// receipt before it is published again: with DefaultMaxAttempts, about two
// days, like the back-off of HTTPS deliveries.
const DefaultNATSResend = 45 * time.Minute

// natsAckWait is how long the server waits for a consumer's acknowledgement
// before giving the message to another replica: a reception is one db.Tx.
const natsAckWait = 2 * time.Minute

var replySubject = regexp.MustCompile(`^chinhquyen\.exchange\.[0-9a-f]{32}\.receipts$`)

// NATSOptions tune the JetStream transport. Zero values take the defaults
// in brackets.
type NATSOptions struct {
	// Resend is how long a package waits for its receipt before it is
	// published again [DefaultNATSResend].
	Resend time.Duration
	// Batch is how many messages one replica holds at once [4].
	Batch int
}

type natsTransport struct {
	s      *Service
	js     jetstream.JetStream
	nc     *nats.Conn
	key    string // this node's key
	opts   NATSOptions
	cc     jetstream.ConsumeContext
	stream *jetstream.StreamInfo
}

// transports holds the transport of each Service using NATS.
var transports sync.Map // *Service → *natsTransport

// NodeKey names a node's subjects on NATS: a digest of its CA's public key
// and its node certificate's subject, both pinned by its peers, so the
// name survives the certificate's renewal.
func NodeKey(ca *x509.Certificate, subject string) string {
	h := sha256.New()
	h.Write(ca.RawSubjectPublicKeyInfo)
	h.Write([]byte{0})
	h.Write([]byte(subject))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// NATSKey returns this node's key on NATS (NodeKey of its own CA and
// subject, as its peers pin them).
func (s *Service) NATSKey(ctx context.Context) (string, error) {
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return "", err
	}
	ca := trustAnchor(id.Cert, id.Chain, s.now())
	if ca == nil {
		return "", errors.New("exchange: the node certificate does not chain to a CA of its chain; no key on NATS")
	}
	return NodeKey(ca, id.Cert.Subject.String()), nil
}

// UseNATS makes JetStream on nc the transport of packages to every peer
// whose CA and subject are pinned (their key is known), and starts
// consuming this node's packages and receipts on the durable consumer all
// its replicas share. StopNATS stops it; nc stays the caller's.
func (s *Service) UseNATS(ctx context.Context, nc *nats.Conn, o NATSOptions) error {
	if o.Resend <= 0 {
		o.Resend = DefaultNATSResend
	}
	if o.Batch <= 0 {
		o.Batch = 4
	}
	key, err := s.NATSKey(ctx)
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	t := &natsTransport{s: s, js: js, nc: nc, key: key, opts: o}
	if err := t.ensureStream(ctx); err != nil {
		return fmt.Errorf("exchange: stream %s: %w", NATSStream, err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, NATSStream, jetstream.ConsumerConfig{
		Durable: "node_" + key, FilterSubject: natsPrefix + key + ".>",
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: natsAckWait, MaxDeliver: -1,
	})
	if err != nil {
		return fmt.Errorf("exchange: consumer of %s: %w", key, err)
	}
	if t.cc, err = cons.Consume(t.handle, jetstream.PullMaxMessages(o.Batch)); err != nil {
		return err
	}
	if old, ok := transports.Swap(s, t); ok {
		old.(*natsTransport).cc.Stop()
	}
	return nil
}

// StopNATS stops consuming; deliveries go over HTTPS again.
func (s *Service) StopNATS() {
	if t, ok := transports.LoadAndDelete(s); ok {
		t.(*natsTransport).cc.Stop()
	}
}

// natsFor returns the transport to peer: NATS when this node uses it and
// the peer's key is known (its CA and subject pinned), else nil (HTTPS).
func (s *Service) natsFor(peer *Peer) *natsTransport {
	v, ok := transports.Load(s)
	if !ok || peer.CA == nil || peer.Subject == "" {
		return nil
	}
	return v.(*natsTransport)
}

// ensureStream creates the shared stream, or widens its message size to
// this node's --exchange-max-package (nodes of one NATS may differ).
func (t *natsTransport) ensureStream(ctx context.Context) error {
	size := t.s.opts.MaxPackage + 64<<10 // headers
	if size > math.MaxInt32 {
		size = math.MaxInt32
	}
	cfg := jetstream.StreamConfig{Name: NATSStream, Subjects: []string{natsPrefix + ">"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
		MaxMsgSize: int32(size), Duplicates: 10 * time.Minute}
	st, err := t.js.Stream(ctx, NATSStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		st, err = t.js.CreateStream(ctx, cfg)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			st, err = t.js.Stream(ctx, NATSStream)
		}
	}
	if err != nil {
		return err
	}
	if cur := st.CachedInfo().Config; cur.MaxMsgSize > 0 && cur.MaxMsgSize < cfg.MaxMsgSize {
		cur.MaxMsgSize = cfg.MaxMsgSize
		_, err = t.js.UpdateStream(ctx, cur)
	}
	return err
}

// handle processes one message of this node's consumer. It is
// acknowledged only once what it carries is committed (or refused for
// good); anything else comes back after a delay, to this replica or
// another.
func (t *natsTransport) handle(msg jetstream.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), natsAckWait)
	defer cancel()
	var err error
	switch {
	case strings.HasSuffix(msg.Subject(), ".packages"):
		err = t.receive(ctx, msg)
	case strings.HasSuffix(msg.Subject(), ".receipts"):
		err = t.receipt(ctx, msg)
	}
	if err != nil {
		t.s.log.Warn("exchange: NATS message kept for later", "subject", msg.Subject(), "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	if err := msg.Ack(); err != nil {
		t.s.log.Warn("exchange: NATS acknowledgement", "subject", msg.Subject(), "err", err)
	}
}

// receive registers a package published for this node. The sender is the
// pinned peer whose certificate verifies the signature; the receipt goes
// to that peer's subject.
func (t *natsTransport) receive(ctx context.Context, msg jetstream.Msg) error {
	s := t.s
	raw, hint := msg.Data(), msg.Headers().Get(HeaderSender)
	if int64(len(raw)) > s.opts.MaxPackage {
		return t.auditRefusal(ctx, raw, hint, fmt.Sprintf("Gói tin quá lớn (%d byte, tối đa %d byte)", len(raw), s.opts.MaxPackage))
	}
	peer, env, err := t.identify(ctx, raw, hint)
	if err != nil {
		return err
	}
	if peer == nil {
		return t.refuseUnknown(ctx, msg, raw, hint, env)
	}
	receipt, status, err := s.receivePackage(ctx, peer, raw)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			return nil // unreadable: audited, nothing to answer
		}
		return err
	}
	if peer.CA == nil || peer.Subject == "" {
		return nil // registered; this peer has no key on NATS to answer on
	}
	return t.publishReceipt(ctx, natsPrefix+NodeKey(peer.CA, peer.Subject)+".receipts", msg, receipt, status)
}

// signerCodec is a Codec that tells whether a package was signed with a
// given certificate itself (EDXML), not only verified through it.
type signerCodec interface {
	SignedBy(env *Envelope, cert *x509.Certificate) bool
}

// identify finds the pinned peer whose current or previous certificate
// verifies raw's signature: the peer whose own certificate signed it,
// else (a package signed under the trust store verifies through every
// peer) the first that verifies it, the hinted one first. A nil peer with
// no error means none does; env is then what could be read of the package.
func (t *natsTransport) identify(ctx context.Context, raw []byte, hint string) (*Peer, *Envelope, error) {
	peers, err := t.s.queryPeers(ctx, "ORDER BY CASE WHEN p.fingerprint = $1 THEN 0 ELSE 1 END, p.id", hint)
	if err != nil {
		return nil, nil, err
	}
	sc, strict := t.s.opts.Codec.(signerCodec)
	var env, weakEnv *Envelope
	var weak *Peer
	for _, p := range peers {
		for _, c := range []*x509.Certificate{p.Cert, p.Previous} {
			if c == nil {
				continue
			}
			e, err := t.s.opts.Codec.Open(raw, c)
			switch {
			case e == nil:
				return nil, nil, nil // not a package at all: no signer to try
			case err != nil:
				env = e
			case !strict || sc.SignedBy(e, c):
				return p, e, nil
			case weak == nil:
				weak, weakEnv = p, e
			}
		}
	}
	if weak != nil {
		return weak, weakEnv, nil
	}
	return nil, env, nil
}

// refuseUnknown refuses a package signed by no pinned peer: audited,
// registered nowhere, answered with a status 02 signed by this node when
// it names where to.
func (t *natsTransport) refuseUnknown(ctx context.Context, msg jetstream.Msg, raw []byte, hint string, env *Envelope) error {
	const reason = "Gói tin không được ký bởi nút kết nối nào đã ghim chứng thư số"
	if err := t.auditRefusal(ctx, raw, hint, reason); err != nil {
		return err
	}
	reply := msg.Headers().Get(HeaderReplyTo)
	if env == nil || !replySubject.MatchString(reply) {
		return nil
	}
	id, err := t.s.opts.Identity(ctx)
	if err != nil {
		return err
	}
	receipt, err := t.s.opts.Codec.Receipt(env, StatusRefused, reason, id, t.s.now())
	if err != nil {
		return nil // too broken to be answered: the audit entry is the record
	}
	return t.publishReceipt(ctx, reply, msg, receipt, StatusRefused)
}

// auditRefusal records a package refused before any peer was known.
func (t *natsTransport) auditRefusal(ctx context.Context, raw []byte, hint, reason string) error {
	return t.s.db.Tx(ctx, func(tx *sql.Tx) error {
		return t.s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.refuse", ObjectType: "exchange_peer", ObjectID: truncate(hint, 64),
			Summary: map[string]any{"transport": "nats", "sender_hint": truncate(hint, 64), "sha256": digest(raw), "size": len(raw)},
			Outcome: audit.OutcomeFailed, Reason: reason})
	})
}

func (t *natsTransport) publishReceipt(ctx context.Context, subject string, in jetstream.Msg, receipt []byte, status string) error {
	out := nats.NewMsg(subject)
	out.Data = receipt
	out.Header.Set(HeaderMessage, truncate(in.Headers().Get(HeaderMessage), 20))
	out.Header.Set("Chinhquyen-Status", status)
	_, err := t.js.PublishMsg(ctx, out)
	return err
}

// receipt finishes the outbound message a receipt answers, exactly as a
// receipt read from an HTTPS answer: it must verify against the pinned
// certificate of the peer the message went to and answer its document.
func (t *natsTransport) receipt(ctx context.Context, msg jetstream.Msg) error {
	s := t.s
	raw := msg.Data()
	id, err := strconv.ParseInt(msg.Headers().Get(HeaderMessage), 10, 64)
	if err != nil || len(raw) > MaxReceipt {
		s.log.Warn("exchange: NATS receipt without message id or too large; dropped")
		return nil
	}
	m, err := s.loadOutbound(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State != "queued" && m.State != "sent" && m.State != "failed" {
		return nil // already answered (a receipt given twice)
	}
	peer, err := s.peerToSend(ctx, s.db.Reader(), m.PeerID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	env, err := s.opts.Codec.Open(raw, peer.Cert)
	if err != nil || env.DocumentID != m.DocID {
		// Not the peer's answer to this package (a forgery or a replay):
		// the message waits and is published again.
		s.log.Warn("exchange: NATS receipt does not answer its message; dropped", "message", m.ID, "peer", peer.ID, "err", err)
		return nil
	}
	status, reason, err := s.opts.Codec.ReadReceipt(raw, peer.Cert)
	if err != nil {
		s.log.Warn("exchange: NATS receipt does not verify; dropped", "message", m.ID, "peer", peer.ID, "err", err)
		return nil
	}
	state := "delivered"
	if status != StatusArrived {
		state = "refused"
	}
	return s.finish(ctx, m, peer, state, raw, status, reason)
}

var errAwaitingReceipt = errors.New("đã chuyển gói tin qua NATS, chờ biên nhận")

// deliver publishes an outbound message on the peer's subject. The publish
// acknowledgement is the hand-over: the message is 'sent' and the job
// comes back after Resend to publish it again if no receipt came (the
// receiver deduplicates), until MaxAttempts.
func (t *natsTransport) deliver(ctx context.Context, j jobs.Job, m *outMessage, peer *Peer) error {
	s := t.s
	if m.State == "sent" && m.Attempts >= s.opts.MaxAttempts {
		reason := fmt.Sprintf("Không nhận được biên nhận của %s qua NATS sau %d lần gửi", peer.Name, m.Attempts)
		if err := s.finish(ctx, m, peer, "failed", nil, "", reason); err != nil {
			return err
		}
		return jobs.Permanent(errors.New(reason))
	}
	if max := t.nc.MaxPayload(); int64(len(m.Package)) > max {
		reason := fmt.Sprintf("Gói tin %d byte vượt giới hạn %d byte của máy chủ NATS (max_payload)", len(m.Package), max)
		if err := s.finish(ctx, m, peer, "failed", nil, "", reason); err != nil {
			return err
		}
		return jobs.Permanent(errors.New(reason))
	}
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return err
	}
	subject := natsPrefix + NodeKey(peer.CA, peer.Subject) + ".packages"
	out := nats.NewMsg(subject)
	out.Data = m.Package
	out.Header.Set(HeaderSender, Fingerprint(id.Cert))
	out.Header.Set(HeaderMessage, strconv.FormatInt(m.ID, 10))
	out.Header.Set(HeaderReplyTo, natsPrefix+t.key+".receipts")
	msgID := t.key + "." + strconv.FormatInt(m.ID, 10) + "." + strconv.Itoa(m.Attempts)
	if _, err := t.js.PublishMsg(ctx, out, jetstream.WithMsgID(msgID)); err != nil {
		err = fmt.Errorf("chuyển gói tin qua NATS: %w", err)
		if rerr := s.recordFailure(ctx, peer, err); rerr != nil {
			s.log.Error("exchange: record peer failure", "peer", peer.ID, "err", rerr)
		}
		if j.MaxAttempts > 0 && j.Attempt >= j.MaxAttempts {
			if ferr := s.finish(ctx, m, peer, "failed", nil, "", err.Error()); ferr != nil {
				return ferr
			}
		}
		return err
	}
	if err := t.markSent(ctx, m, peer, subject); err != nil {
		return err
	}
	return jobs.RetryAt(s.now().Add(t.opts.Resend), errAwaitingReceipt)
}

// markSent records the hand-over to JetStream, audited even when the
// receipt was quicker than this transaction (the message is then left as
// the receipt finished it).
func (t *natsTransport) markSent(ctx context.Context, m *outMessage, peer *Peer, subject string) error {
	s := t.s
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE exchange_messages SET state = 'sent', attempts = attempts + 1, reason = ''
			WHERE id = $1 AND state IN ('queued', 'sent', 'failed')`, m.ID)
		if err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.publish", ObjectType: "exchange_message", ObjectID: strconv.FormatInt(m.ID, 10),
			After:   map[string]any{"peer": peer.ID, "subject": subject, "attempt": m.Attempts + 1, "sha256": m.Digest},
			Summary: map[string]any{"to": m.ToCode, "document_id": m.DocID, "sha256": m.Digest, "transport": "nats"}})
	})
}
