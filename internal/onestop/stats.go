package onestop

import (
	"context"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// StatsFilter selects the dossiers counted.
type StatsFilter struct {
	AgencyID      int64 // receiving agency; 0 = every agency the reader may read
	ProcedureCode string
	Field         string
	From, To      time.Time // submitted in [From, To); zero = unbounded
}

// StatsRow is one group's counts (the indicators every provincial system
// reports, Decision 766/QĐ-TTg and report form II.06a).
type StatsRow struct {
	Key string `json:"key"` // agency name, procedure code, field or month (yyyy-mm)

	Received  int `json:"received"`
	Direct    int `json:"direct"`
	Online    int `json:"online"`
	Postal    int `json:"postal"`
	Resolved  int `json:"resolved"`
	Early     int `json:"early"`
	OnTime    int `json:"on_time"`
	Late      int `json:"late"`
	PendingIn int `json:"pending_in_time"`
	Overdue   int `json:"pending_overdue"`

	Supplements int `json:"supplements"`
	Refusals    int `json:"refusals"`
	Withdrawals int `json:"withdrawals"`
	Stopped     int `json:"stopped"`
	Apologies   int `json:"apologies"`

	VerySatisfied int `json:"very_satisfied"`
	Satisfied     int `json:"satisfied"`
	Unsatisfied   int `json:"unsatisfied"`
}

// OnTimeRate is (early + on time) / resolved, 0..1; 1 when nothing was resolved.
func (r StatsRow) OnTimeRate() float64 {
	if r.Resolved == 0 {
		return 1
	}
	return float64(r.Early+r.OnTime) / float64(r.Resolved)
}

// Stats are the counts in total and by agency, procedure, field and month.
type Stats struct {
	Total       StatsRow   `json:"total"`
	ByAgency    []StatsRow `json:"by_agency"`
	ByProcedure []StatsRow `json:"by_procedure"`
	ByField     []StatsRow `json:"by_field"`
	ByMonth     []StatsRow `json:"by_month"`
	// LateSteps names the steps and agencies that held dossiers past
	// their share, most often first.
	LateSteps []LateStep `json:"late_steps"`
}

// Stats counts the dossiers matching f that a may read statistics of
// (onestop.stats.read in the agency; the system reads every agency):
// received by channel; resolved (result ready or returned) early, on time
// or late (half-day rule against the due moment); pending (received and
// not resolved) in time or overdue, a dossier awaiting a supplement being
// in time (report form II.06a); supplements, refusals, withdrawals,
// stops, apologies and ratings. Totals and groups by agency, procedure,
// field and month (of submission, Vietnam time).
func (s *DossierService) Stats(ctx context.Context, a *actor.Actor, f StatsFilter) (*Stats, error) {
	if a == nil {
		return nil, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để xem thống kê")
	}
	if f.AgencyID == 0 && a.Kind != actor.System {
		f.AgencyID = a.AgencyID
	}
	if f.AgencyID != 0 || a.Kind != actor.System {
		if err := access.Authorize(ctx, a, access.OnestopStatsRead, access.Resource{Type: "onestop_stats", AgencyID: f.AgencyID}); err != nil {
			return nil, err
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return nil, apperr.FieldError("to", "Khoảng thời gian thống kê không hợp lệ: ngày kết thúc phải sau ngày bắt đầu")
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.AgencyID != 0 {
		where = append(where, "d.agency_id = "+arg(f.AgencyID))
	}
	if f.ProcedureCode != "" {
		where = append(where, "d.procedure_code = "+arg(f.ProcedureCode))
	}
	if f.Field != "" {
		where = append(where, "d.field = "+arg(locale.NFC(f.Field)))
	}
	if !f.From.IsZero() {
		where = append(where, "d.submitted_at >= "+arg(f.From.UnixMicro()))
	}
	if !f.To.IsZero() {
		where = append(where, "d.submitted_at < "+arg(f.To.UnixMicro()))
	}
	cond := "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT agency_name, procedure_code, procedure_name, field, channel, status, submitted_at,
		due_at, decided_at, returned_at, outcome, supplement <> '', apology <> '', rating FROM onestop_dossiers d WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := s.opts.Now()
	st := &Stats{}
	groups := [4]map[string]*StatsRow{{}, {}, {}, {}}
	for rows.Next() {
		var agency, pcode, pname, field string
		var channel, status, submitted, due, decided, returned, outcome, rating int64
		var supp, apol bool
		if err := rows.Scan(&agency, &pcode, &pname, &field, &channel, &status, &submitted, &due, &decided, &returned, &outcome, &supp, &apol, &rating); err != nil {
			return nil, err
		}
		keys := [4]string{agency, pcode + " " + pname, field, micros(submitted).In(locale.VN).Format("2006-01")}
		rs := []*StatsRow{&st.Total}
		for i, k := range keys {
			r := groups[i][k]
			if r == nil {
				r = &StatsRow{Key: k}
				groups[i][k] = r
			}
			rs = append(rs, r)
		}
		for _, r := range rs {
			r.count(Channel(channel), Status(status), micros(due), micros(decided), Timeliness(outcome), supp, apol, Rating(rating), now, s.opts.Sessions)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := [4]*[]StatsRow{&st.ByAgency, &st.ByProcedure, &st.ByField, &st.ByMonth}
	for i, g := range groups {
		for _, r := range g {
			*out[i] = append(*out[i], *r)
		}
		sort.Slice(*out[i], func(x, y int) bool { return (*out[i])[x].Key < (*out[i])[y].Key })
	}
	st.Total.Key = "Tổng cộng"
	if st.LateSteps, err = s.lateSteps(ctx, cond, args, now); err != nil {
		return nil, err
	}
	return st, nil
}

// LateStep counts the hand-overs of one step of one agency made after the
// step's share of the legal time ran out (or still open past it): how a
// late dossier's delay is attributed to who held it.
type LateStep struct {
	Agency string `json:"agency"`
	Step   string `json:"step"`
	Count  int    `json:"count"`
}

func (s *DossierService) lateSteps(ctx context.Context, cond string, args []any, now time.Time) ([]LateStep, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT st.agency_name, st.name, COUNT(*) FROM onestop_dossier_steps st
		JOIN onestop_dossiers d ON d.id = st.dossier_id
		WHERE `+cond+` AND st.started_at > 0 AND st.due_at > 0 AND (st.ended_at > st.due_at OR (st.ended_at = 0 AND d.status IN (2, 4, 6) AND st.due_at < `+
		"$"+strconv.Itoa(len(args)+1)+`))
		GROUP BY st.agency_name, st.name ORDER BY COUNT(*) DESC, st.agency_name, st.name`, append(args, now.UnixMicro())...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LateStep
	for rows.Next() {
		var l LateStep
		if err := rows.Scan(&l.Agency, &l.Step, &l.Count); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (r *StatsRow) count(ch Channel, status Status, due, decided time.Time, outcome Timeliness, supp, apol bool, rating Rating, now time.Time, ss Sessions) {
	r.Received++
	switch ch {
	case ChannelDirect:
		r.Direct++
	case ChannelOnline:
		r.Online++
	case ChannelPostal:
		r.Postal++
	}
	switch status {
	case StatusResultReady, StatusReturned:
		r.Resolved++
		if outcome == 0 {
			outcome = ss.Classify(decided, due)
		}
		switch outcome {
		case Early:
			r.Early++
		case OnTime:
			r.OnTime++
		default:
			r.Late++
		}
	case StatusAccepted, StatusProcessing, StatusFinancial, StatusSupplement:
		if status == StatusSupplement || due.IsZero() || !now.After(due) {
			r.PendingIn++
		} else {
			r.Overdue++
		}
	case StatusRefused:
		r.Refusals++
	case StatusWithdrawn:
		r.Withdrawals++
	case StatusStopped:
		r.Stopped++
	}
	if supp {
		r.Supplements++
	}
	if apol {
		r.Apologies++
	}
	switch rating {
	case RatingVerySatisfied:
		r.VerySatisfied++
	case RatingSatisfied:
		r.Satisfied++
	case RatingUnsatisfied:
		r.Unsatisfied++
	}
}

// StatsColumns are the header of the statistics sheets.
var StatsColumns = []string{"Nhóm", "Tiếp nhận", "Trực tiếp", "Trực tuyến", "Bưu chính", "Đã giải quyết", "Trước hạn", "Đúng hạn",
	"Quá hạn", "Tỷ lệ đúng hạn (%)", "Đang giải quyết trong hạn", "Đang giải quyết quá hạn", "Yêu cầu bổ sung", "Từ chối tiếp nhận",
	"Rút hồ sơ", "Dừng xử lý", "Phiếu xin lỗi", "Rất hài lòng", "Hài lòng", "Không hài lòng"}

func (r StatsRow) cells() []any {
	return []any{r.Key, r.Received, r.Direct, r.Online, r.Postal, r.Resolved, r.Early, r.OnTime, r.Late,
		float64(int(r.OnTimeRate()*1000+0.5)) / 10, r.PendingIn, r.Overdue, r.Supplements, r.Refusals, r.Withdrawals, r.Stopped,
		r.Apologies, r.VerySatisfied, r.Satisfied, r.Unsatisfied}
}

// StatsXLSX writes Stats as an xlsx workbook to w: one sheet per grouping
// (agency, procedure, field, month), each ending with the total, and the
// steps held past their share.
func (s *DossierService) StatsXLSX(ctx context.Context, a *actor.Actor, f StatsFilter, w io.Writer) error {
	st, err := s.Stats(ctx, a, f)
	if err != nil {
		return err
	}
	return WriteStatsXLSX(w, st)
}

// WriteStatsXLSX writes st as an xlsx workbook.
func WriteStatsXLSX(w io.Writer, st *Stats) error {
	x := excelize.NewFile()
	defer x.Close()
	sheets := []struct {
		name string
		rows []StatsRow
	}{{"Theo cơ quan", st.ByAgency}, {"Theo thủ tục", st.ByProcedure}, {"Theo lĩnh vực", st.ByField}, {"Theo tháng", st.ByMonth}}
	for i, sh := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(sh.name); err != nil {
			return err
		}
		sw, err := x.NewStreamWriter(sh.name)
		if err != nil {
			return err
		}
		header := make([]any, len(StatsColumns))
		for j, c := range StatsColumns {
			header[j] = c
		}
		lines := [][]any{header}
		for _, r := range sh.rows {
			lines = append(lines, r.cells())
		}
		lines = append(lines, st.Total.cells())
		for j, l := range lines {
			ref, err := excelize.CoordinatesToCellName(1, j+1)
			if err != nil {
				return err
			}
			if err := sw.SetRow(ref, l); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	const late = "Bước quá hạn"
	if _, err := x.NewSheet(late); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(late)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"Cơ quan", "Bước xử lý", "Số lần quá hạn"}); err != nil {
		return err
	}
	for i, l := range st.LateSteps {
		ref, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(ref, []any{l.Agency, l.Step, l.Count}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}
