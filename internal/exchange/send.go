package exchange

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
)

// MaxReceipt bounds a receipt read from a peer.
const MaxReceipt = 4 << 20

type deliverPayload struct {
	MessageID int64 `json:"message_id"`
}

// Enqueue stores out as an outbound message to the peer hosting out.ToCode
// and queues its delivery, both in tx (the caller's transaction), with an
// audit entry naming the package's SHA-256. ENOTFOUND when no peer hosts
// the code.
func (s *Service) Enqueue(ctx context.Context, tx *sql.Tx, out Outbound) error {
	_, err := s.enqueue(ctx, tx, out)
	return err
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, out Outbound) (int64, error) {
	if out.Kind != KindDocument && out.Kind != KindStatus {
		return 0, apperr.FieldError("kind", "Loại gói tin %q không hợp lệ (document hoặc status)", out.Kind)
	}
	if len(out.Package) == 0 || int64(len(out.Package)) > s.opts.MaxPackage {
		return 0, apperr.FieldError("package", "Gói tin rỗng hoặc quá lớn (tối đa %d byte)", s.opts.MaxPackage)
	}
	if out.DocumentID == "" || len(out.DocumentID) > 200 {
		return 0, apperr.FieldError("document_id", "Thiếu mã văn bản (DocumentId) hoặc quá dài")
	}
	p, err := s.peerFor(ctx, tx, out.ToCode)
	if err != nil {
		return 0, err
	}
	now := s.now()
	sum := digest(out.Package)
	col, err := s.column(ctx, out.Package, sum)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO exchange_messages (direction, peer_id, to_code, document_id, kind, digest, package, size, state, created_at)
		VALUES ('out', $1, $2, $3, $4, $5, $6, $7, 'queued', $8) RETURNING id`,
		p.ID, out.ToCode, out.DocumentID, out.Kind, sum, col, len(out.Package), db.Micros(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store outbound message: %w", err)
	}
	payload, _ := json.Marshal(deliverPayload{MessageID: id})
	if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: KindDeliver, Payload: payload, RunAt: now, MaxAttempts: s.opts.MaxAttempts}); err != nil {
		return 0, err
	}
	err = s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.queue", ObjectType: "exchange_message", ObjectID: strconv.FormatInt(id, 10),
		After:   map[string]any{"peer": p.ID, "to": out.ToCode, "document_id": out.DocumentID, "kind": out.Kind, "sha256": sum},
		Summary: map[string]any{"peer": p.Name, "to": out.ToCode, "document_id": out.DocumentID, "kind": out.Kind, "sha256": sum}})
	return id, err
}

type outMessage struct {
	ID                  int64
	PeerID              int64
	ToCode, DocID, Kind string
	Digest, State       string
	Package             []byte
	Attempts            int
}

// loadOutbound reads an outbound message with its package (from the
// store unchecked: the receiver checks the signature and the files'
// digests).
func (s *Service) loadOutbound(ctx context.Context, id int64) (*outMessage, error) {
	var m outMessage
	err := s.db.Reader().QueryRowContext(ctx, `SELECT id, peer_id, to_code, document_id, kind, digest, state, package, attempts
		FROM exchange_messages WHERE id = $1 AND direction = 'out'`, id).
		Scan(&m.ID, &m.PeerID, &m.ToCode, &m.DocID, &m.Kind, &m.Digest, &m.State, &m.Package, &m.Attempts)
	if err == nil {
		m.Package, err = s.readPackage(ctx, m.Package, m.Digest, false)
	}
	return &m, err
}

// deliver is the job posting one outbound message to its peer.
func (s *Service) deliver(ctx context.Context, j jobs.Job) error {
	var p deliverPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.MessageID == 0 {
		return jobs.Permanent(fmt.Errorf("exchange.deliver: bad payload %s", j.Payload))
	}
	m, err := s.loadOutbound(ctx, p.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Permanent(fmt.Errorf("outbound message %d does not exist", p.MessageID))
	}
	if err != nil {
		return err
	}
	if m.State != "queued" && m.State != "failed" && m.State != "sent" {
		return nil // answered in an earlier run whose job outlived it
	}
	// A failed message runs again when the administrator retries its job.
	peer, err := s.peerToSend(ctx, s.db.Reader(), m.PeerID)
	if err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return jobs.Permanent(s.finish(ctx, m, nil, "failed", nil, "", "nút kết nối đã bị gỡ"))
		}
		return err
	}
	if t := s.natsFor(peer); t != nil {
		return t.deliver(ctx, j, m, peer)
	}
	receipt, status, reason, err := s.post(ctx, peer, m.Package)
	if err != nil {
		if rerr := s.recordFailure(ctx, peer, err); rerr != nil {
			s.log.Error("exchange: record peer failure", "peer", peer.ID, "err", rerr)
		}
		if jobs.IsPermanent(err) || j.Attempt >= j.MaxAttempts && j.MaxAttempts > 0 {
			if ferr := s.finish(ctx, m, peer, "failed", nil, "", err.Error()); ferr != nil {
				return ferr
			}
		} else {
			_ = s.db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE exchange_messages SET attempts = attempts + 1, reason = $1 WHERE id = $2", truncate(err.Error(), 1000), m.ID)
				return err
			})
		}
		return err
	}
	state := "delivered"
	if status != StatusArrived {
		state = "refused"
	}
	return s.finish(ctx, m, peer, state, receipt, status, reason)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// finish records the outcome of a delivery: the receipt, the peer's
// recovery when it answered, and the audit entry.
func (s *Service) finish(ctx context.Context, m *outMessage, peer *Peer, state string, receipt []byte, status, reason string) error {
	now := s.now()
	rd := ""
	if receipt != nil {
		rd = digest(receipt)
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_messages SET state = $1, receipt = $2, receipt_digest = $3, receipt_status = $4,
			reason = $5, attempts = attempts + 1, done_at = $6 WHERE id = $7 AND state IN ('queued', 'sent', 'failed')`,
			state, receipt, rd, status, truncate(reason, 2000), db.Micros(now), m.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // finished by another run
		}
		if peer != nil && receipt != nil {
			if err := s.recordContact(ctx, tx, peer.ID, now); err != nil {
				return err
			}
			if obs, ok := s.getReceiver().(ReceiptObserver); ok {
				if err := obs.Delivered(ctx, tx, Delivered{Peer: peer, ToCode: m.ToCode, DocumentID: m.DocID, Kind: m.Kind,
					Package: m.Package, Status: status, Reason: reason}); err != nil {
					return err
				}
			}
		}
		outcome := audit.OutcomeOK
		if state != "delivered" {
			outcome = audit.OutcomeFailed
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.package.send", ObjectType: "exchange_message", ObjectID: strconv.FormatInt(m.ID, 10),
			After:   map[string]any{"peer": m.PeerID, "to": m.ToCode, "document_id": m.DocID, "kind": m.Kind, "sha256": m.Digest, "state": state, "receipt_sha256": rd, "status": status},
			Summary: map[string]any{"to": m.ToCode, "document_id": m.DocID, "sha256": m.Digest, "receipt_sha256": rd, "status": status},
			Outcome: outcome, Reason: truncate(reason, 500)})
	})
}

// recordContact notes a successful exchange with a peer: last contact,
// failures reset, the open outage closed.
func (s *Service) recordContact(ctx context.Context, tx *sql.Tx, peer int64, now interface{ UnixMicro() int64 }) error {
	at := now.UnixMicro()
	if _, err := tx.ExecContext(ctx, "UPDATE exchange_peers SET last_contact = $1, failures = 0, last_error = '' WHERE id = $2", at, peer); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE exchange_outages SET to_at = $1 WHERE peer_id = $2 AND to_at = 0", at, peer)
	return err
}

// recordFailure counts a failed delivery and opens an outage if none is.
func (s *Service) recordFailure(ctx context.Context, peer *Peer, cause error) error {
	now := db.Micros(s.now())
	msg := truncate(cause.Error(), 1000)
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE exchange_peers SET failures = failures + 1, last_error = $1 WHERE id = $2", msg, peer.ID); err != nil {
			return err
		}
		var open int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_outages WHERE peer_id = $1 AND to_at = 0", peer.ID).Scan(&open); err != nil {
			return err
		}
		if open == 0 {
			_, err := tx.ExecContext(ctx, "INSERT INTO exchange_outages (peer_id, from_at, error) VALUES ($1, $2, $3)", peer.ID, now, msg)
			return err
		}
		return nil
	})
}

// post sends a package and reads the peer's signed receipt. A network
// error or 5xx is retryable; a 4xx without receipt, or a receipt that does
// not verify, is permanent.
func (s *Service) post(ctx context.Context, peer *Peer, pkg []byte) (receipt []byte, status, reason string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, peer.URL+"/exchange/packages", bytes.NewReader(pkg))
	if err != nil {
		return nil, "", "", jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	client := s.client(ctx, peer)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", "", fmt.Errorf("gửi tới %s: %w", peer.URL, err)
	}
	defer resp.Body.Close()
	// A peer that renewed its certificate signs its receipt with the new
	// key: the renewal, accepted by the TLS check, is pinned first.
	if err := s.followRenewal(ctx, peer, resp.TLS); err != nil {
		return nil, "", "", fmt.Errorf("chứng thư số gia hạn của %s: %w", peer.URL, err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxReceipt+1))
	if err != nil {
		return nil, "", "", fmt.Errorf("đọc trả lời của %s: %w", peer.URL, err)
	}
	if len(body) > MaxReceipt {
		return nil, "", "", jobs.Permanent(fmt.Errorf("trả lời của %s quá lớn", peer.URL))
	}
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout:
		return nil, "", "", fmt.Errorf("%s trả lời HTTP %d: %s", peer.URL, resp.StatusCode, errorMessage(body))
	default:
		return nil, "", "", jobs.Permanent(fmt.Errorf("%s từ chối gói tin (HTTP %d): %s", peer.URL, resp.StatusCode, errorMessage(body)))
	}
	status, reason, err = s.opts.Codec.ReadReceipt(body, peer.Cert)
	if err != nil {
		// Retried: a peer that renewed its certificate signs with a key
		// not pinned yet; once it is pinned again the same package is sent
		// again and the receiver, which deduplicates, answers once more.
		// A connection kept alive from before the peer's renewal shows its
		// old certificate: closed, so the next attempt meets the new one
		// (a renewal is then pinned as above).
		resp.Body.Close()
		client.CloseIdleConnections()
		return nil, "", "", fmt.Errorf("biên nhận của %s không hợp lệ: %w", peer.URL, err)
	}
	return body, status, reason, nil
}

// errorMessage reads the message of a JSON error body (httpx.ErrorBody).
func errorMessage(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return truncate(e.Error.Message, 500)
	}
	return truncate(string(bytes.ToValidUTF8(body, nil)), 200)
}
