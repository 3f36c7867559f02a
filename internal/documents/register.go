package documents

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Direction says which register a document belongs to.
type Direction string

// The two directions.
const (
	Incoming Direction = "in"  // văn bản đến
	Outgoing Direction = "out" // văn bản đi
)

// Series is a numbering series within an agency's registers (Decree 30,
// Art. 15.1–15.2): each runs from 01 every calendar year.
type Series string

// The series. Incoming documents use Normal, and Confidential for state
// secrets (Art. 22.4 refers to the state-secrets law).
const (
	Normal       Series = "normal"       // administrative documents
	Confidential Series = "confidential" // state secrets (Art. 15.2)
	Legal        Series = "legal"        // legal normative documents (Art. 15.1a)
	Copies       Series = "copies"       // SY, TrS, SL share one series
)

// Register names one register: an agency's incoming or outgoing documents
// of one series in one calendar year.
type Register struct {
	AgencyID  int64
	Direction Direction
	Series    Series
	Year      int
}

// RegisterYear is the calendar year of t in Vietnam time: a document
// received at 23:30 UTC on 31 December belongs to the next year's register.
func RegisterYear(t time.Time) int { return t.In(locale.VN).Year() }

// SeriesFor chooses the outgoing series of a document (Art. 15).
func SeriesFor(t Type, stateSecret, legalNormative bool) Series {
	switch {
	case stateSecret:
		return Confidential
	case legalNormative:
		return Legal
	case t.Copy:
		return Copies
	}
	return Normal
}

// Entry states.
const (
	entryUsed      = "used"
	entryWithdrawn = "withdrawn"
)

// nextNumber takes the next number of r inside tx. The counter row is created or bumped with one
// statement: on PostgreSQL the upsert locks the row until tx ends, so
// concurrent registrations of one register queue behind each other; on
// SQLite the single writer serialises them. A rolled-back tx gives its
// number back with the rest of the change, so numbers have no gaps.
func nextNumber(ctx context.Context, tx *sql.Tx, r Register) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO documents_counters (agency_id, direction, series, reg_year, last_number)
		VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (agency_id, direction, series, reg_year) DO UPDATE SET last_number = documents_counters.last_number + 1
		RETURNING last_number`, r.AgencyID, string(r.Direction), string(r.Series), r.Year).Scan(&n)
	return n, err
}

// recordNumber writes number n of r, given to documentID, into the
// register; its primary key makes a duplicate number impossible to store.
func recordNumber(ctx context.Context, tx *sql.Tx, r Register, n int, documentID int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO documents_register_entries (agency_id, direction, series, reg_year, reg_number, document_id, state, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.AgencyID, string(r.Direction), string(r.Series), r.Year, n, documentID, entryUsed, at.UnixMicro())
	return err
}

// withdrawNumber marks a number of r withdrawn with a note (the register's
// Ghi chú). The counter is not touched, so the number is never given again.
func withdrawNumber(ctx context.Context, tx *sql.Tx, r Register, number int, note string) error {
	res, err := tx.ExecContext(ctx, `UPDATE documents_register_entries SET state = $1, note = $2
		WHERE agency_id = $3 AND direction = $4 AND series = $5 AND reg_year = $6 AND reg_number = $7 AND state = $8`,
		entryWithdrawn, note, r.AgencyID, string(r.Direction), string(r.Series), r.Year, number, entryUsed)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "Số %s trong sổ năm %d không có hoặc đã bị thu hồi", FormatNumber(number), r.Year)
	}
	return nil
}

// RegisterEntry is one line of a register.
type RegisterEntry struct {
	Number     int
	DocumentID int64
	Withdrawn  bool
	Note       string
	At         time.Time
}

// Entries lists a register's numbers in order. It decides no access: the
// caller (a register page or export) asks access.Can first.
func (s *Service) Entries(ctx context.Context, r Register) ([]RegisterEntry, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT reg_number, document_id, state, note, at FROM documents_register_entries
		WHERE agency_id = $1 AND direction = $2 AND series = $3 AND reg_year = $4 ORDER BY reg_number`,
		r.AgencyID, string(r.Direction), string(r.Series), r.Year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RegisterEntry
	for rows.Next() {
		var e RegisterEntry
		var state string
		var at int64
		if err := rows.Scan(&e.Number, &e.DocumentID, &state, &e.Note, &at); err != nil {
			return nil, err
		}
		e.Withdrawn, e.At = state == entryWithdrawn, time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
