package exchange

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// ReasonNotHosted is the refusal of a package whose recipient this node
// does not host.
const ReasonNotHosted = "Mã định danh không thuộc nút này"

// ReasonSenderNotHosted is the refusal of a package whose sending agency
// is not one the delivering peer's signed directory lists: a pinned node
// speaks for its own agencies only.
const ReasonSenderNotHosted = "Cơ quan gửi không thuộc nút đã chuyển gói tin (nếu nút đó mới thêm cơ quan, hãy cập nhật nút kết nối)"

// ServerTLS is the TLS configuration of the exchange listener: this
// node's certificate, and a client certificate requested (the handler
// admits only pinned ones; the directory is open to any caller so a new
// peer can read it before it is trusted).
func (s *Service) ServerTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ClientAuth: tls.RequestClientCert,
		GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			id, err := s.opts.Identity(h.Context())
			if err != nil {
				return nil, err
			}
			c := id.TLS()
			return &c, nil
		},
	}
}

func (s *Service) servePackage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		s.deny(w, r, "", apperr.New(apperr.Forbidden, "Bên gọi không trình chứng thư số của nút kết nối (TLS hai chiều)"))
		return
	}
	fp := Fingerprint(r.TLS.PeerCertificates[0])
	peer, err := s.peerForClient(ctx, r.TLS.PeerCertificates)
	if err != nil {
		s.deny(w, r, fp, err)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxPackage))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.reject(w, r, peer, nil, http.StatusRequestEntityTooLarge,
				apperr.New(apperr.Invalid, "Gói tin quá lớn (tối đa %d byte)", s.opts.MaxPackage))
			return
		}
		httpx.Error(w, r, apperr.Wrap(err, apperr.Invalid, "Không đọc được gói tin"))
		return
	}
	receipt, status, err := s.receivePackage(ctx, peer, raw)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	writeReceipt(w, receipt, status)
}

// receivePackage is the transport-neutral reception of raw from peer
// (HTTPS with mutual TLS, or JetStream): open and verify, check the
// recipient, deduplicate, and register it in one db.Tx with its audit
// entry. It returns the signed receipt (01, or 02 with the reason) to give
// back; an error means no receipt can be given (unreadable package,
// receiver not ready, database down) and is already audited when it is
// the package's fault.
func (s *Service) receivePackage(ctx context.Context, peer *Peer, raw []byte) ([]byte, string, error) {
	env, err := s.opts.Codec.Open(raw, peer.Cert)
	if err != nil && env != nil && peer.Previous != nil {
		// Signed before the peer's renewal, delivered after it.
		if env2, err2 := s.opts.Codec.Open(raw, peer.Previous); err2 == nil {
			env, err = env2, nil
		}
	}
	if env == nil {
		if err == nil {
			err = apperr.New(apperr.Internal, "Không đọc được gói tin")
		}
		s.auditReject(ctx, peer, raw, err)
		return nil, "", err
	}
	if err != nil {
		return s.refuse(ctx, peer, env, raw, apperr.MessageOf(err))
	}
	if ok, err := s.peerHosts(ctx, peer.ID, env.From); err != nil {
		return nil, "", err
	} else if !ok {
		return s.refuse(ctx, peer, env, raw, ReasonSenderNotHosted+" ("+env.From+")")
	}
	to, err := s.hostedRecipient(ctx, env)
	if err != nil {
		return nil, "", err
	}
	if to == "" {
		return s.refuse(ctx, peer, env, raw, ReasonNotHosted+" ("+env.To+")")
	}
	env.To = to
	recv := s.getReceiver()
	if recv == nil {
		return nil, "", apperr.New(apperr.Unavailable, "Nút nhận chưa sẵn sàng tiếp nhận gói tin; vui lòng gửi lại sau")
	}
	if rec, status, ok, err := s.answered(ctx, peer.ID, env.Key()); err != nil || ok {
		return rec, status, err
	}
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	receipt, err := s.opts.Codec.Receipt(env, StatusArrived, "", id, now)
	if err != nil {
		return nil, "", err
	}
	sum := env.digestOf(raw)
	col, err := s.keep(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var mid int64
		err := tx.QueryRowContext(ctx, `INSERT INTO exchange_messages (direction, peer_id, from_code, to_code, document_id, kind, dedup_key, digest, package,
				state, receipt, receipt_digest, receipt_status, created_at, done_at, size)
			VALUES ('in', $1, $2, $3, $4, $5, $6, $7, $8, 'received', $9, $10, '01', $11, $11, $12) RETURNING id`,
			peer.ID, env.From, env.To, env.DocumentID, env.Kind, env.Key(), sum, col, receipt, digest(receipt), db.Micros(now), len(raw)).Scan(&mid)
		if err != nil {
			return err
		}
		if err := recv.Receive(ctx, tx, Inbound{Peer: peer, Envelope: env, Raw: raw, MessageID: mid}); err != nil {
			return err
		}
		if err := s.recordContact(ctx, tx, peer.ID, now); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.receive", ObjectType: "exchange_message", ObjectID: strconv.FormatInt(mid, 10),
			After:   map[string]any{"peer": peer.ID, "from": env.From, "to": env.To, "document_id": env.DocumentID, "kind": env.Kind, "code": env.Code, "sha256": sum, "receipt_sha256": digest(receipt)},
			Summary: map[string]any{"peer": peer.Name, "from": env.From, "to": env.To, "document_id": env.DocumentID, "sha256": sum}})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			// The same package arrived twice at once: answer the first's
			// receipt, read in a transaction of its own — on SQLite the
			// first may be in the same group commit, which the reader pool
			// sees only once it is committed.
			var rec []byte
			var status string
			err2 := s.db.Tx(ctx, func(tx *sql.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT receipt, receipt_status FROM exchange_messages
					WHERE direction = 'in' AND peer_id = $1 AND dedup_key = $2`, peer.ID, env.Key()).Scan(&rec, &status)
			})
			if err2 == nil {
				return rec, status, nil
			}
		}
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code != apperr.Internal && ae.Code != apperr.Unavailable {
			return s.refuse(ctx, peer, env, raw, ae.Message)
		}
		return nil, "", err
	}
	return receipt, StatusArrived, nil
}

func writeReceipt(w http.ResponseWriter, receipt []byte, status string) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Exchange-Status", status)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(receipt)
}

// answered returns the receipt already given for a package with this
// deduplication key from this peer.
func (s *Service) answered(ctx context.Context, peer int64, key string) ([]byte, string, bool, error) {
	var rec []byte
	var status string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT receipt, receipt_status FROM exchange_messages
		WHERE direction = 'in' AND peer_id = $1 AND dedup_key = $2`, peer, key).Scan(&rec, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	return rec, status, true, nil
}

// hostedRecipient returns the first recipient of env this node hosts, ""
// when it hosts none.
func (s *Service) hostedRecipient(ctx context.Context, env *Envelope) (string, error) {
	ags, err := s.opts.Agencies(ctx)
	if err != nil {
		return "", err
	}
	hosted := make(map[string]bool, len(ags))
	for _, a := range ags {
		hosted[a.Code] = true
	}
	names := env.Recipients
	if len(names) == 0 {
		names = []string{env.To}
	}
	for _, code := range names {
		if code != "" && hosted[code] {
			return code, nil
		}
	}
	return "", nil
}

// deny answers a caller whose certificate is not pinned: 403, audited.
func (s *Service) deny(w http.ResponseWriter, r *http.Request, fp string, err error) {
	if apperr.CodeOf(err) == apperr.Forbidden {
		aerr := s.db.Tx(r.Context(), func(tx *sql.Tx) error {
			return s.opts.Audit.Record(r.Context(), tx, audit.Entry{Action: "exchange.package.deny", ObjectType: "exchange_peer", ObjectID: fp,
				Summary: map[string]any{"fingerprint": fp, "remote": r.RemoteAddr}, Outcome: audit.OutcomeDenied, Reason: apperr.MessageOf(err)})
		})
		if aerr != nil {
			s.log.Error("exchange: audit denied call", "err", aerr)
		}
	}
	httpx.Error(w, r, err)
}

// reject answers a package that could not be read at all (no envelope to
// answer with a status package): an HTTP error, audited with its digest.
func (s *Service) reject(w http.ResponseWriter, r *http.Request, peer *Peer, raw []byte, status int, err error) {
	s.auditReject(r.Context(), peer, raw, err)
	if status == http.StatusRequestEntityTooLarge {
		httpx.JSON(w, status, httpx.ErrorBody{Error: httpx.ErrorDetail{Code: apperr.CodeOf(err), Message: apperr.MessageOf(err)}})
		return
	}
	httpx.Error(w, r, err)
}

// auditReject audits a package refused without a status package.
func (s *Service) auditReject(ctx context.Context, peer *Peer, raw []byte, err error) {
	sum := ""
	if raw != nil {
		sum = digest(raw)
	}
	aerr := s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.refuse", ObjectType: "exchange_peer", ObjectID: strconv.FormatInt(peer.ID, 10),
			Summary: map[string]any{"peer": peer.Name, "sha256": sum, "size": len(raw)}, Outcome: audit.OutcomeFailed, Reason: truncate(apperr.MessageOf(err), 500)})
	})
	if aerr != nil {
		s.log.Error("exchange: audit refused package", "err", aerr)
	}
}

// refuse answers a readable package with a signed status 02 and the
// reason; the package is kept (refused, registered nowhere) and audited.
func (s *Service) refuse(ctx context.Context, peer *Peer, env *Envelope, raw []byte, reason string) ([]byte, string, error) {
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	receipt, err := s.opts.Codec.Receipt(env, StatusRefused, reason, id, now)
	if err != nil {
		// Too broken to be answered with a status package (its codes or
		// document id do not pass): the reason goes back as an error.
		err := apperr.New(apperr.Invalid, "%s", reason)
		s.auditReject(ctx, peer, raw, err)
		return nil, "", err
	}
	sum := env.digestOf(raw)
	col, err := s.keep(ctx, raw)
	if err != nil {
		return nil, "", err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var mid int64
		err := tx.QueryRowContext(ctx, `INSERT INTO exchange_messages (direction, peer_id, from_code, to_code, document_id, kind, dedup_key, digest, package,
				state, receipt, receipt_digest, receipt_status, reason, created_at, done_at, size)
			VALUES ('in', $1, $2, $3, $4, $5, $6, $7, $8, 'refused', $9, $10, '02', $11, $12, $12, $13)
			ON CONFLICT DO NOTHING RETURNING id`,
			peer.ID, env.From, env.To, truncate(env.DocumentID, 200), env.Kind, "refused|"+sum+"|"+digest([]byte(reason)), sum, col, receipt, digest(receipt),
			truncate(reason, 2000), db.Micros(now), len(raw)).Scan(&mid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.refuse", ObjectType: "exchange_message", ObjectID: strconv.FormatInt(mid, 10),
			Summary: map[string]any{"peer": peer.Name, "from": env.From, "to": env.To, "document_id": env.DocumentID, "sha256": sum, "receipt_sha256": digest(receipt)},
			Outcome: audit.OutcomeFailed, Reason: truncate(reason, 500)})
	})
	if err != nil {
		return nil, "", err
	}
	return receipt, StatusRefused, nil
}
