package documents

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
)

// RegisterRow is one line of a register as Decree 30/2020/NĐ-CP Appendix
// IV prints it: the number and, unless withdrawn or hidden from the reader,
// the document it went to.
type RegisterRow struct {
	Number     int
	Withdrawn  bool
	Note       string // Ghi chú: why a number was withdrawn, a duplicate's first registration
	DocumentID int64
	// Hidden: the reader may not read the document (restricted to named
	// people, or a state secret above their clearance): its line keeps
	// the number and date only, so the register shows no gap.
	Hidden     bool
	ReceivedAt time.Time // Ngày đến (incoming); the numbering instant (outgoing)
	Sender     string    // Tác giả (incoming)
	Symbol     string    // Số, ký hiệu văn bản
	IssuedOn   calendar.Date
	TypeName   string
	Summary    string
	Signer     string // Người ký (outgoing)
	Recipients string // Nơi nhận văn bản (outgoing)
	// Handler and Transferred are, for an incoming document, the unit or
	// person it was directed to (Đơn vị hoặc người nhận) and when (Ngày
	// chuyển); the caller fills them from the direction, which this
	// package does not keep.
	Handler     string
	Transferred time.Time
}

// TypeAndSummary is the register column "Tên loại và trích yếu nội dung".
func (r RegisterRow) TypeAndSummary() string {
	name, _, _ := strings.Cut(r.TypeName, " (") // "Quyết định (cá biệt)" → "Quyết định"
	switch {
	case r.TypeName == "":
		return r.Summary
	case r.Summary == "":
		return name
	}
	return name + " " + lowerFirstRune(r.Summary)
}

// lowerFirstRune lowers the first letter of a summary that continues the
// type's name ("Quyết định" + "Về việc …" → "Quyết định về việc …"), but
// not of an abbreviation such as "V/v" or "UBND".
func lowerFirstRune(s string) string {
	first, n := utf8.DecodeRuneInString(s)
	second, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(first) && unicode.IsLower(second) {
		return string(unicode.ToLower(first)) + s[n:]
	}
	return s
}

// ReadRegister returns the lines of a register in number order. Its
// readers are the agency's officials who read documents
// (access.DocumentsRead on the agency at internal level); each line whose
// document they may not read is Hidden.
func (s *Service) ReadRegister(ctx context.Context, a *actor.Actor, r Register) ([]RegisterRow, error) {
	if r.Direction != Incoming && r.Direction != Outgoing {
		return nil, apperr.FieldError("direction", "Sổ đăng ký phải là sổ văn bản đến hoặc văn bản đi")
	}
	switch r.Series {
	case Normal, Confidential, Legal, Copies:
	default:
		return nil, apperr.FieldError("series", "Loại sổ %q không hợp lệ", clipText(string(r.Series), 20))
	}
	if r.Year < 1945 || r.Year > 9999 {
		return nil, apperr.FieldError("year", "Năm %d không hợp lệ", r.Year)
	}
	res := access.Resource{Type: "register", ID: fmt.Sprintf("%d/%s/%s/%d", r.AgencyID, r.Direction, r.Series, r.Year), AgencyID: r.AgencyID, Level: access.Internal}
	if r.Series == Confidential {
		// The state-secret register is for the cleared only.
		res.Level = access.Secret
	}
	if err := access.Authorize(ctx, a, access.DocumentsRead, res); err != nil {
		return nil, err
	}
	q := `SELECT e.reg_number, e.state, e.note, e.at, e.document_id, COALESCE(d.received_at, 0), COALESCE(d.sender, ''), COALESCE(d.symbol, ''),
		COALESCE(d.issued_on, ''), COALESCE(d.type_code, ''), COALESCE(d.summary, ''), COALESCE(d.classification, ''), COALESCE(d.created_by, 0),
		COALESCE(d.duplicate_of, 0), COALESCE(o.signer_name, ''), COALESCE(o.signer_position, ''), COALESCE(o.recipients_text, ''),
		CASE WHEN d.id IS NOT NULL AND ` + namedSQL(a) + ` THEN 1 ELSE 0 END, COALESCE(o.unit_id, 0)
		FROM documents_register_entries e
		LEFT JOIN documents d ON d.id = e.document_id
		LEFT JOIN documents_outgoing o ON o.document_id = e.document_id
		WHERE e.agency_id = $1 AND e.direction = $2 AND e.series = $3 AND e.reg_year = $4 ORDER BY e.reg_number`
	rows, err := s.db.Reader().QueryContext(ctx, q, r.AgencyID, string(r.Direction), string(r.Series), r.Year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RegisterRow{}
	for rows.Next() {
		var row RegisterRow
		var state, issued, typ, level, signer, position string
		var at, received, createdBy, dup, named, unit int64
		if err := rows.Scan(&row.Number, &state, &row.Note, &at, &row.DocumentID, &received, &row.Sender, &row.Symbol, &issued, &typ,
			&row.Summary, &level, &createdBy, &dup, &signer, &position, &row.Recipients, &named, &unit); err != nil {
			return nil, err
		}
		row.Withdrawn = state == entryWithdrawn
		row.ReceivedAt = time.UnixMicro(received).UTC()
		if r.Direction == Outgoing || received == 0 {
			row.ReceivedAt = time.UnixMicro(at).UTC()
		}
		if issued != "" {
			row.IssuedOn, _ = calendar.ParseISO(issued)
		}
		if t, ok := LookupType(typ); ok {
			row.TypeName = t.Name
		}
		if signer != "" {
			row.Signer = signer
			if position != "" {
				row.Signer = signer + " (" + position + ")"
			}
		}
		if dup != 0 && row.Note == "" {
			row.Note = "Đăng ký lại văn bản #" + strconv.FormatInt(dup, 10)
		}
		l, err := access.ParseLevel(level)
		if err != nil {
			l = access.UltraSecret
		}
		if row.DocumentID == 0 || !access.Permits(ctx, a, access.DocumentsRead, rowResource(a, row.DocumentID, r.AgencyID, l, createdBy, named == 1, unit)) {
			row = RegisterRow{Number: row.Number, Withdrawn: row.Withdrawn, Note: row.Note, ReceivedAt: row.ReceivedAt, Hidden: row.DocumentID != 0}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
