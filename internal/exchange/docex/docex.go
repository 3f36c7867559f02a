// Package docex carries official documents between nodes of the document
// exchange as edXML packages (QCVN 102:2016/BTTTT): an outgoing document
// issued to an agency hosted on a peer is built into a signed package and
// queued in the transaction (documents.Dispatcher); a package
// received for an agency hosted here waits in its clerk's inbox until the
// clerk registers it (documents.RegisterIncoming, the attached files byte
// for byte, so their PAdES signatures still validate) or returns it with a
// reason; the receiver's steps flow back as status packages (02 returned,
// 03 registered, 04 directed, 05 in process, 06 completed), each queued in
// the transaction of the step, and land on the sender's timeline. The
// sender's clerk may revoke a document sent to a peer (Business 1), or ask
// one recipient to give it back (status 13), which the receiving clerk
// accepts (15) or refuses with a reason (16); a new document replacing or
// amending one sent before goes with Business 3 or 2 and the receiver
// links the two.
//
// Every change asks access.Can and writes its audit entry in the one
// db.Tx of the change.
package docex

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"embed"
	"errors"
	"log/slog"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/blob"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/tasks"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migrations is the module's schema.
var Migrations = db.Embedded("docex", migrationFiles)

// Exchange is what docex needs of the node's exchange service
// (*exchange.Service, through Transport).
type Exchange interface {
	// Enqueue stores a signed package for delivery in the caller's
	// transaction.
	Enqueue(ctx context.Context, tx *sql.Tx, out exchange.Outbound) error
	// Signer returns the node's key and certificate chain, leaf first.
	Signer(ctx context.Context) (crypto.Signer, []*x509.Certificate, error)
	// RemoteAgencies lists the agencies hosted on peers.
	RemoteAgencies(ctx context.Context) ([]exchange.RemoteAgency, error)
}

// Options configure the Service.
type Options struct {
	Documents *documents.Service
	Directory documents.Directory
	Uploads   *blob.Service
	Audit     documents.Recorder
	Exchange  Exchange
	Now       func() time.Time // clock.Now when nil
	Logger    *slog.Logger
}

// Service is the documents flow across nodes.
type Service struct {
	db   *db.DB
	opts Options
}

// New returns the service; Install connects it to documents, tasks and
// the exchange.
func New(d *db.DB, opts Options) (*Service, error) {
	if d == nil || opts.Documents == nil || opts.Directory == nil || opts.Uploads == nil || opts.Audit == nil || opts.Exchange == nil {
		return nil, errors.New("docex.New: DB, Documents, Directory, Uploads, Audit and Exchange are required")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Service{db: d, opts: opts}, nil
}

// RemoteAgency implements documents.RemoteDirectory from the peers'
// directories.
func (s *Service) RemoteAgency(ctx context.Context, code string) (string, bool, error) {
	ags, err := s.opts.Exchange.RemoteAgencies(ctx)
	if err != nil {
		return "", false, err
	}
	for _, a := range ags {
		if a.Code == code {
			return a.Name, true, nil
		}
	}
	return "", false, nil
}

// What docex implements and needs, checked at compile time.
var (
	_ Exchange                   = (*exchange.Service)(nil)
	_ exchange.Receiver          = (*Service)(nil)
	_ exchange.ReceiptObserver   = (*Service)(nil)
	_ documents.Dispatcher       = (*Service)(nil)
	_ documents.RemoteDirectory  = (*Service)(nil)
	_ documents.DispatchPreparer = (*Service)(nil)
	_ tasks.Observer             = (*Service)(nil)
)
