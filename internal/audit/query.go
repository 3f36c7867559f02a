package audit

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Row is one stored entry as the audit viewer shows it.
type Row struct {
	ID           int64     `json:"id"`
	At           time.Time `json:"at"`
	ActorKind    string    `json:"actor_kind"`
	ActorAccount int64     `json:"actor_account"` // 0 for the system
	ActorAgency  int64     `json:"actor_agency"`
	ActorIP      string    `json:"actor_ip"`
	ActorSession string    `json:"actor_session"`
	Action       string    `json:"action"`
	ObjectType   string    `json:"object_type"`
	ObjectID     string    `json:"object_id"`
	BeforeDigest string    `json:"before_digest"` // hex SHA-256, "" when none
	AfterDigest  string    `json:"after_digest"`
	Summary      string    `json:"summary"` // canonical JSON, "" when none
	Outcome      string    `json:"outcome"`
	Reason       string    `json:"reason"`
	LeafIndex    int64     `json:"leaf_index"` // -1 until integrated
}

// Filter selects entries for the viewer; zero fields do not filter.
type Filter struct {
	Account      int64     // actor account id
	Agency       int64     // actor agency id
	ObjectType   string    // exact
	ObjectID     string    // exact; only with ObjectType
	ActionPrefix string    // "org." matches org.units.import; a full action matches itself
	From, To     time.Time // From <= at < To
	Outcome      string    // ok, denied, failed
	// After is the keyset cursor: the Cursor of the last row of the
	// previous page ("" for the first page).
	After string
	Limit int // page size, default 50, at most 1000
}

// Page is one page of rows, newest first.
type Page struct {
	Rows []Row `json:"rows"`
	// Next is the cursor of the next page, "" when this is the last.
	Next string `json:"next"`
}

// Cursor is the keyset position of r: "<at micros>.<id>".
func (r Row) Cursor() string {
	return strconv.FormatInt(db.Micros(r.At), 10) + "." + strconv.FormatInt(r.ID, 10)
}

func parseCursor(c string) (at, id int64, err error) {
	a, b, ok := strings.Cut(c, ".")
	if ok {
		at, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			id, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil {
		return 0, 0, apperr.FieldError("after", "Vị trí trang không hợp lệ")
	}
	return at, id, nil
}

// Validate reports EINVALID for a filter Query would refuse, so a caller
// can refuse it before it starts writing (ExportCSV streams).
func (f Filter) Validate() error {
	_, _, err := f.where()
	return err
}

// Get returns the stored entry id as the viewer shows it, or ENOTFOUND.
func Get(ctx context.Context, d *db.DB, id int64) (Row, error) {
	r, err := scanRow(d.Reader().QueryRowContext(ctx, "SELECT "+recordColumns+" FROM audit_entries WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, apperr.New(apperr.NotFound, "Không có bản ghi nhật ký kiểm toán %d", id)
	}
	return r, err
}

// where builds the WHERE clause and its arguments.
func (f Filter) where() (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, v ...any) {
		for _, x := range v {
			args = append(args, x)
			cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if f.Account != 0 {
		add("actor_account = ?", f.Account)
	}
	if f.Agency != 0 {
		add("actor_agency = ?", f.Agency)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
		if f.ObjectID != "" {
			add("object_id = ?", f.ObjectID)
		}
	} else if f.ObjectID != "" {
		return "", nil, apperr.FieldError("object_id", "Cần chọn loại đối tượng khi lọc theo mã đối tượng")
	}
	if p := f.ActionPrefix; p != "" {
		if validAction(strings.TrimSuffix(p, ".")) != nil {
			return "", nil, apperr.FieldError("action", "Tiền tố hành động %q không hợp lệ", p)
		}
		// A range instead of LIKE: uses the index on both engines and
		// needs no escaping. "org" matches "org" and "org.…", not "orgx".
		base := strings.TrimSuffix(p, ".")
		add("(action = ? OR (action >= ? AND action < ?))", base, base+".", base+"/")
	}
	if !f.From.IsZero() {
		add("at >= ?", db.Micros(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", db.Micros(f.To))
	}
	if f.Outcome != "" {
		switch f.Outcome {
		case OutcomeOK, OutcomeDenied, OutcomeFailed:
		default:
			return "", nil, apperr.FieldError("outcome", "Kết quả %q không hợp lệ", f.Outcome)
		}
		add("outcome = ?", f.Outcome)
	}
	if f.After != "" {
		at, id, err := parseCursor(f.After)
		if err != nil {
			return "", nil, err
		}
		add("(at < ? OR (at = ? AND id < ?))", at, at, id)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

const recordColumns = `id, at, actor_kind, actor_account, actor_agency, actor_ip, actor_session, action,
 object_type, object_id, before_digest, after_digest, summary, outcome, reason, coalesce(leaf_index, -1)`

// Query returns one page of entries matching f, newest first (by time, then
// id), for the audit viewer. The caller checks that the viewer may see them
// (access decides; e.g. an agency auditor passes Agency). EINVALID for a bad
// filter or cursor.
func Query(ctx context.Context, d *db.DB, f Filter) (*Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	where, args, err := f.where()
	if err != nil {
		return nil, err
	}
	args = append(args, limit+1)
	rows, err := d.Reader().QueryContext(ctx, "SELECT "+recordColumns+" FROM audit_entries"+where+
		" ORDER BY at DESC, id DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("query audit entries: %w", err)
	}
	defer rows.Close()
	page := &Page{Rows: []Row{}}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query audit entries: %w", err)
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		page.Next = page.Rows[limit-1].Cursor()
	}
	return page, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRow(s scanner) (Row, error) {
	var r Row
	var at int64
	var before, after []byte
	if err := s.Scan(&r.ID, &at, &r.ActorKind, &r.ActorAccount, &r.ActorAgency, &r.ActorIP, &r.ActorSession, &r.Action,
		&r.ObjectType, &r.ObjectID, &before, &after, &r.Summary, &r.Outcome, &r.Reason, &r.LeafIndex); err != nil {
		return r, fmt.Errorf("read audit entry: %w", err)
	}
	r.At = db.FromMicros(at)
	if before != nil {
		r.BeforeDigest = hex.EncodeToString(before)
	}
	if after != nil {
		r.AfterDigest = hex.EncodeToString(after)
	}
	return r, nil
}

// csvHeader is the export's header row, Vietnamese first as the viewer.
var csvHeader = []string{"Mã", "Thời điểm", "Loại tài khoản", "Tài khoản", "Cơ quan", "Địa chỉ IP", "Phiên",
	"Hành động", "Loại đối tượng", "Mã đối tượng", "Kết quả", "Lý do", "Tóm tắt", "Băm trước", "Băm sau", "Vị trí lá"}

// CSVTimeLayout is the export's time format (Vietnam time).
const CSVTimeLayout = "02/01/2006 15:04:05"

// ExportCSV writes every entry matching f (newest first; Limit and After are
// ignored) to w as CSV: UTF-8 with a byte order mark so Excel shows
// Vietnamese correctly, times as dd/mm/yyyy HH:MM:SS in Vietnam time. It
// streams in pages, so memory stays flat for any size. Cells starting with
// = + - @ are prefixed with ' so a spreadsheet does not run them as formulas.
func ExportCSV(ctx context.Context, d *db.DB, f Filter, w io.Writer) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f.After, f.Limit = "", 1000
	row := make([]string, len(csvHeader))
	for {
		page, err := Query(ctx, d, f)
		if err != nil {
			return err
		}
		for _, r := range page.Rows {
			row[0] = strconv.FormatInt(r.ID, 10)
			row[1] = r.At.In(locale.VN).Format(CSVTimeLayout)
			row[2] = r.ActorKind
			row[3] = strconv.FormatInt(r.ActorAccount, 10)
			row[4] = strconv.FormatInt(r.ActorAgency, 10)
			row[5] = r.ActorIP
			row[6] = r.ActorSession
			row[7] = r.Action
			row[8] = r.ObjectType
			row[9] = r.ObjectID
			row[10] = r.Outcome
			row[11] = r.Reason
			row[12] = r.Summary
			row[13] = r.BeforeDigest
			row[14] = r.AfterDigest
			row[15] = strconv.FormatInt(r.LeafIndex, 10)
			for i, c := range row {
				row[i] = safeCell(c)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		f.After = page.Next
	}
}

func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return s // a negative number, e.g. leaf index -1
		}
		return "'" + s
	}
	return s
}
