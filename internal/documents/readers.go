package documents

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Bounds of AddReaders.
const (
	maxReadersAdded  = 200
	maxReaderReason  = 500
	readerReasonName = "Lý do"
)

// AddReaders names people (account ids) and units (org unit ids) as
// readers of document docID (Document.Readers, Document.Units), inside
// the caller's transaction tx: the direction of a document calls it in
// its own, so the readers exist iff the direction committed. access.Can
// then lets them read it, in another agency too, a state secret only
// within their clearance (access's named readers). The document is
// indexed again for search in tx, so search finds it for them at once.
// Naming someone already named keeps the first row; the account that
// names them is the actor in ctx (actor.With), 0 for none. It makes no
// access decision: its caller has already asked access.Can for its own
// action, before the transaction.
func (s *Service) AddReaders(ctx context.Context, tx *sql.Tx, docID int64, people, units []int64, reason string) error {
	if tx == nil || docID <= 0 {
		return fmt.Errorf("documents.AddReaders: a transaction and a document id are required")
	}
	if len(people)+len(units) > maxReadersAdded {
		return apperr.FieldError("readers", "Tối đa %d người và đơn vị được xem một văn bản mỗi lần", maxReadersAdded)
	}
	if reason != "" {
		var err error
		if reason, err = locale.CleanName("reason", readerReasonName, reason, maxReaderReason); err != nil {
			return err
		}
	}
	d, err := s.load(ctx, tx, docID)
	if err != nil {
		return err
	}
	var by int64
	if a := actor.From(ctx); a != nil {
		by = a.AccountID
	}
	now := s.opts.Now().UnixMicro()
	add := func(account, unit int64) error {
		if account < 0 || unit < 0 || (account == 0) == (unit == 0) {
			return fmt.Errorf("documents.AddReaders: invalid reader %d/%d", account, unit)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO documents_readers (document_id, account_id, unit_id, reason, added_by, added_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (document_id, account_id, unit_id) DO NOTHING`, docID, account, unit, reason, by, now)
		return err
	}
	for _, p := range uniq(people) {
		if err := add(p, 0); err != nil {
			return err
		}
		if !slices.Contains(d.Readers, p) {
			d.Readers = append(d.Readers, p)
		}
	}
	for _, u := range uniq(units) {
		if err := add(0, u); err != nil {
			return err
		}
		if !slices.Contains(d.Units, u) {
			d.Units = append(d.Units, u)
		}
	}
	return s.index(ctx, tx, d)
}

// loadReaders adds the named readers of d (documents_readers) to
// d.Readers and d.Units.
func loadReaders(ctx context.Context, q db.Querier, d *Document) error {
	return eachRow(ctx, q, `SELECT account_id, unit_id FROM documents_readers WHERE document_id = $1 ORDER BY added_at, account_id, unit_id`,
		[]any{d.ID}, func(sc scanner) error {
			var account, unit int64
			if err := sc.Scan(&account, &unit); err != nil {
				return err
			}
			switch {
			case account > 0 && !slices.Contains(d.Readers, account):
				d.Readers = append(d.Readers, account)
			case unit > 0 && !slices.Contains(d.Units, unit):
				d.Units = append(d.Units, unit)
			}
			return nil
		})
}

func uniq(ids []int64) []int64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}
