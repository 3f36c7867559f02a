package documents

import (
	"context"
	"database/sql"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/db"
)

// RemoteRecipient is a recipient agency hosted on another node of the
// document exchange (edXML, QCVN 102:2016), named by its electronic
// identifier code.
type RemoteRecipient struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// RemoteDirectory answers whether an agency code is hosted on a peer
// node; the exchange implements it from the peers' signed directories.
type RemoteDirectory interface {
	// RemoteAgency returns the agency's name and true when code is hosted
	// on a trusted peer.
	RemoteAgency(ctx context.Context, code string) (name string, ok bool, err error)
}

// Dispatcher hands an issued document to the exchange for its remote
// recipients. It is called inside the delivery transaction (the
// one that attaches the sealed PDF and writes the platform deliveries),
// so the signed packages are queued iff the issue committed; an error
// rolls the delivery step back. issued is the sealed PDF,
// unchanged, whose signatures the recipients validate.
type Dispatcher interface {
	Dispatch(ctx context.Context, tx *sql.Tx, a *actor.Actor, d *Document, issued []byte) error
}

// DispatchPreparer is the optional part of a Dispatcher that must run
// before the delivery transaction, not inside it: fetching the node's
// signing key may issue its certificate on first use, a write of its own.
type DispatchPreparer interface {
	PrepareDispatch(ctx context.Context) error
}

// SetExchange installs the remote directory and the dispatcher of the
// document exchange (built after this module).
func (s *Service) SetExchange(remote RemoteDirectory, dispatch Dispatcher) {
	s.opts.Remote, s.opts.Dispatcher = remote, dispatch
}

// Timeline events the exchange writes: a package sent to a peer and the
// statuses its receiver sends back (QCVN 102:2016 status codes), and a
// revocation in either direction.
const (
	EventRemoteSent       = "remote_sent"        // a package queued for a peer's agency
	EventRemoteArrived    = "remote_arrived"     // 01: the peer received it
	EventRemoteRefused    = "remote_refused"     // 02: the receiving agency returned it
	EventRemoteAccepted   = "remote_accepted"    // 03: registered in its incoming register
	EventRemoteAssigned   = "remote_assigned"    // 04: its leader directed it
	EventRemoteProcessing = "remote_processing"  // 05: being handled
	EventRemoteCompleted  = "remote_completed"   // 06: completed
	EventRevokeSent       = "remote_revoke_sent" // the sender revoked it (Business 1)
	EventRevoked          = "revoked_by_sender"  // a received document revoked by its sender
	EventRemoteReceived   = "remote_received"    // registered from a peer's package
	EventRemoteReplaced   = "replaced_by_sender" // the sender sent a replacement (Business 3) or an amendment (2)
	// Take-back (statuses 13, 15, 16): asked by the sender, answered by
	// the receiver; a registered document the receiver let go.
	EventTakeBackSent        = "remote_takeback_asked"    // 13 sent to a recipient
	EventTakeBackAccepted    = "remote_takeback_accepted" // 15: the recipient let it be taken back
	EventTakeBackRefused     = "remote_takeback_refused"  // 16: the recipient refused, with its reason
	EventTakeBackRequested   = "takeback_requested"       // 13 received for a registered document
	EventTakenBack           = "taken_back_by_sender"     // the clerk let the sender take it back
	EventTakeBackRefusedHere = "takeback_refused"         // the clerk refused the sender's request
)

func init() {
	for k, v := range map[string]string{
		EventRemoteSent: "Gửi liên thông", EventRemoteArrived: "Nơi nhận liên thông đã nhận gói tin",
		EventRemoteRefused: "Nơi nhận liên thông từ chối", EventRemoteAccepted: "Nơi nhận liên thông đã vào sổ",
		EventRemoteAssigned: "Nơi nhận liên thông đã giao xử lý", EventRemoteProcessing: "Nơi nhận liên thông đang xử lý",
		EventRemoteCompleted: "Nơi nhận liên thông đã hoàn thành", EventRevokeSent: "Thu hồi văn bản đã gửi liên thông",
		EventRevoked: "Bên gửi đã thu hồi văn bản", EventRemoteReceived: "Tiếp nhận liên thông",
		EventRemoteReplaced: "Bên gửi đã gửi văn bản thay thế hoặc sửa đổi, bổ sung",
		EventTakeBackSent:   "Yêu cầu lấy lại văn bản đã gửi liên thông", EventTakeBackAccepted: "Nơi nhận liên thông đồng ý cho lấy lại",
		EventTakeBackRefused: "Nơi nhận liên thông từ chối cho lấy lại", EventTakeBackRequested: "Bên gửi yêu cầu lấy lại văn bản",
		EventTakenBack: "Đã cho bên gửi lấy lại văn bản", EventTakeBackRefusedHere: "Từ chối cho bên gửi lấy lại văn bản",
	} {
		eventLabels[k] = v
	}
}

// RecordEvent writes a timeline row of document docID inside the
// caller's transaction (the exchange records what peers answer).
func (s *Service) RecordEvent(ctx context.Context, tx *sql.Tx, docID int64, a *actor.Actor, kind, comment string, detail map[string]any) error {
	return addEvent(ctx, tx, docID, a, s.opts.Now(), kind, 0, comment, detail)
}

// RegisterIncomingWith is RegisterIncoming with also run inside its
// transaction before the audit entry: the exchange marks the received
// package registered and queues the status back in the same transaction.
func (s *Service) RegisterIncomingWith(ctx context.Context, a *actor.Actor, req IncomingRequest, also func(tx *sql.Tx, d *Document) error) (*Document, error) {
	return s.registerIncoming(ctx, a, req, also)
}

func loadRemoteRecipients(ctx context.Context, q db.Querier, o *OutgoingInfo, id int64) error {
	return eachRow(ctx, q, `SELECT code, name FROM documents_remote_recipients WHERE document_id = $1 ORDER BY code`,
		[]any{id}, func(sc scanner) error {
			var r RemoteRecipient
			if err := sc.Scan(&r.Code, &r.Name); err != nil {
				return err
			}
			o.RemoteRecipients = append(o.RemoteRecipients, r)
			return nil
		})
}
