package onestop

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// CodeSeqDigits is the minimum width of a dossier code's sequence: at
// least 4 digits, longer once a day passes 9999 (Circular 03/2025/TT-VPCP
// Art. 13, as Circular 01/2018/TT-VPCP Art. 19 before it).
const CodeSeqDigits = 4

// FormatCode returns a dossier code: the receiving agency's electronic
// identifier code, the Vietnam date of receipt (YYMMDD) and the day's
// sequence of at least 4 digits, e.g. H15.01.01-261207-0012.
func FormatCode(agencyCode string, at time.Time, seq int) string {
	return fmt.Sprintf("%s-%s-%0*d", agencyCode, at.In(locale.VN).Format("060102"), CodeSeqDigits, seq)
}

// nextCode takes the next dossier code of the agency for the Vietnam day
// of at, inside tx: the counter row is created or bumped by one statement
// (as documents' registers number), so on PostgreSQL concurrent
// submissions to one agency queue on the row and on SQLite the single
// writer serialises them; a rolled-back submission gives its number back.
// The code column's unique index refuses a duplicate whatever happens.
func nextCode(ctx context.Context, tx *sql.Tx, agencyID int64, agencyCode string, at time.Time) (string, error) {
	if strings.TrimSpace(agencyCode) == "" {
		return "", apperr.New(apperr.Invalid, "Cơ quan tiếp nhận chưa có mã định danh điện tử: không cấp được mã hồ sơ")
	}
	day := at.In(locale.VN).Format("060102")
	var n int
	err := tx.QueryRowContext(ctx, `INSERT INTO onestop_code_counters (agency_id, day, last_number) VALUES ($1, $2, 1)
		ON CONFLICT (agency_id, day) DO UPDATE SET last_number = onestop_code_counters.last_number + 1
		RETURNING last_number`, agencyID, day).Scan(&n)
	if err != nil {
		return "", err
	}
	return FormatCode(agencyCode, at, n), nil
}

// ParseDossierCode checks the shape of a dossier code typed on the
// tracking page or in the API (agency code, YYMMDD, 4 or more digits) and
// returns it normalised (trimmed, upper case).
func ParseDossierCode(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := apperr.FieldError("code", "Mã hồ sơ %q không đúng dạng: mã cơ quan-YYMMDD-số thứ tự (ví dụ H15.01.01-261207-0012)", clipRunes(s, 60))
	if len(s) > 80 {
		return "", bad
	}
	parts := strings.Split(s, "-")
	if len(parts) < 3 {
		return "", bad
	}
	seq, date := parts[len(parts)-1], parts[len(parts)-2]
	agency := strings.Join(parts[:len(parts)-2], "-")
	if agency == "" || len(date) != 6 || len(seq) < CodeSeqDigits || len(seq) > 9 || !digits(date) || !digits(seq) {
		return "", bad
	}
	for _, r := range agency {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "", bad
		}
	}
	if _, err := time.Parse("060102", date); err != nil {
		return "", bad
	}
	return s, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
