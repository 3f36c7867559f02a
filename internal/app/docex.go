package app

import (
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/exchange/docex"
)

// ConnectExchange builds the documents flow across nodes over ex: an
// issued document's recipients hosted on peers get signed edXML packages
// queued in the transaction, packages received for agencies
// hosted here land in their clerks' inbox (/office/inbox), and the
// receivers' registration, return, direction, progress and completion go
// back as statuses 03, 02, 04, 05 and 06, each in its step's transaction.
// Called once, after the exchange service is built.
func (a *App) ConnectExchange(ex *exchange.Service) error {
	if ex == nil {
		return nil
	}
	svc, err := docex.New(a.DB, docex.Options{Documents: a.Documents, Directory: docDirectory{a}, Uploads: a.Blob, Audit: a.Audit,
		Exchange: ex, Now: a.Now, Logger: a.Log})
	if err != nil {
		return err
	}
	a.Docex = svc
	a.Documents.SetExchange(svc, svc)
	if a.Tasks != nil {
		a.Tasks.SetObserver(svc)
	}
	ex.SetReceiver(svc)
	return nil
}
