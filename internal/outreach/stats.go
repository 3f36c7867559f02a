package outreach

import (
	"context"
	"io"
	"sort"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/xuri/excelize/v2"
)

// PublicBulletins returns the bulletins sent to a commune, newest first
// (at most limit), for its public page and feed. The commune must exist
// today or have existed (an old code still shows what was sent to it).
func (s *Service) PublicBulletins(ctx context.Context, code string, limit int) ([]*Bulletin, error) {
	code = strings.TrimSpace(code)
	if len(code) != 5 || strings.Trim(code, "0123456789") != "" {
		return nil, apperr.FieldError("code", "Mã xã, phường phải gồm 5 chữ số")
	}
	if _, err := s.opts.Org.AdminUnitsOn(ctx, code, org.Date{}); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 50 {
		limit = 20
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+prefixed("b.", bulletinColumns)+` FROM outreach_bulletins b
		JOIN outreach_bulletin_communes c ON c.bulletin_id = b.id WHERE c.commune_code = $1 AND b.status IN ('sending', 'sent')
		ORDER BY b.sent_at DESC, b.id DESC LIMIT $2`, code, limit)
	if err != nil {
		return nil, err
	}
	var out []*Bulletin
	for rows.Next() {
		b, err := scanBulletin(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, b := range out {
		full, err := s.load(ctx, s.db.Reader(), b.ID)
		if err != nil {
			return nil, err
		}
		out[i] = full
	}
	return out, nil
}

func prefixed(p, cols string) string {
	f := strings.Split(cols, ",")
	for i, c := range f {
		f[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(f, ", ")
}

// StatRow is one line of the figures: deliveries of a commune, channel,
// language and month by status, with their cost.
type StatRow struct {
	Month     string `json:"month"` // yyyy-mm (Vietnam time) of sending
	Commune   string `json:"commune_code"`
	Channel   string `json:"channel"`
	Lang      string `json:"lang"`
	Total     int    `json:"total"`
	Delivered int    `json:"delivered"` // sent or reported delivered
	Failed    int    `json:"failed"`
	Queued    int    `json:"queued"`
	Cost      int64  `json:"cost"`
}

// Stats are an agency's figures.
type Stats struct {
	Bulletins int              `json:"bulletins"`
	Residents int              `json:"residents"` // active subscribers of its commune
	Rows      []StatRow        `json:"rows"`
	CostMonth map[string]int64 `json:"cost_by_month"`
	Failures  map[string]int   `json:"failures"` // reason → count
}

// Stats counts an agency's deliveries per month, commune, channel and
// language, the failures by reason, and the cost per month.
func (s *Service) Stats(ctx context.Context, a *actor.Actor, agencyID int64) (*Stats, error) {
	if err := access.Can(ctx, a, access.OutreachStats, access.Resource{Type: "outreach_stats", AgencyID: agencyID}).Err(); err != nil {
		return nil, err
	}
	st := &Stats{CostMonth: map[string]int64{}, Failures: map[string]int{}}
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM outreach_bulletins WHERE agency_id = $1 AND status IN ('sending','sent')", agencyID).Scan(&st.Bulletins); err != nil {
		return nil, err
	}
	if g, err := s.opts.Org.Agency(ctx, agencyID, org.Date{}); err == nil && g.AdminUnitCode != "" {
		if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM outreach_subscribers WHERE commune_code = $1 AND status = 'active'", g.AdminUnitCode).Scan(&st.Residents); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT b.sent_at, d.commune_code, d.channel, d.lang, d.status, count(*), COALESCE(sum(d.cost), 0)
		FROM outreach_deliveries d JOIN outreach_bulletins b ON b.id = d.bulletin_id WHERE b.agency_id = $1
		GROUP BY b.sent_at, d.commune_code, d.channel, d.lang, d.status`, agencyID)
	if err != nil {
		return nil, err
	}
	idx := map[StatRow]*StatRow{}
	for rows.Next() {
		var sent int64
		var commune, ch, lang, status string
		var n int
		var cost int64
		if err := rows.Scan(&sent, &commune, &ch, &lang, &status, &n, &cost); err != nil {
			rows.Close()
			return nil, err
		}
		key := StatRow{Month: fromMicros(sent).In(locale.VN).Format("2006-01"), Commune: commune, Channel: ch, Lang: lang}
		r := idx[key]
		if r == nil {
			k := key
			r = &k
			idx[key] = r
		}
		r.Total += n
		r.Cost += cost
		switch status {
		case DeliverySent, DeliveryDelivered:
			r.Delivered += n
		case DeliveryFailed, DeliveryReplaced:
			r.Failed += n
		case DeliveryQueued:
			r.Queued += n
		}
		st.CostMonth[key.Month] += cost
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range idx {
		st.Rows = append(st.Rows, *r)
	}
	sort.Slice(st.Rows, func(i, j int) bool {
		a, b := st.Rows[i], st.Rows[j]
		if a.Month != b.Month {
			return a.Month > b.Month
		}
		if a.Commune != b.Commune {
			return a.Commune < b.Commune
		}
		if a.Channel != b.Channel {
			return a.Channel < b.Channel
		}
		return a.Lang < b.Lang
	})
	fr, err := s.db.Reader().QueryContext(ctx, `SELECT d.last_error, count(*) FROM outreach_deliveries d JOIN outreach_bulletins b ON b.id = d.bulletin_id
		WHERE b.agency_id = $1 AND d.status IN ('failed', 'replaced') GROUP BY d.last_error ORDER BY count(*) DESC LIMIT 20`, agencyID)
	if err != nil {
		return nil, err
	}
	defer fr.Close()
	for fr.Next() {
		var reason string
		var n int
		if err := fr.Scan(&reason, &n); err != nil {
			return nil, err
		}
		if reason == "" {
			reason = "Không rõ lý do"
		}
		st.Failures[reason] += n
	}
	return st, fr.Err()
}

// WriteStatsXLSX writes st as an xlsx workbook: the deliveries per month,
// commune, channel and language; the cost per month; the failures by
// reason.
func WriteStatsXLSX(w io.Writer, st *Stats) error {
	x := excelize.NewFile()
	defer x.Close()
	sheet := func(name string, first bool, lines [][]any) error {
		if first {
			if err := x.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(name); err != nil {
			return err
		}
		sw, err := x.NewStreamWriter(name)
		if err != nil {
			return err
		}
		for i, l := range lines {
			ref, err := excelize.CoordinatesToCellName(1, i+1)
			if err != nil {
				return err
			}
			if err := sw.SetRow(ref, l); err != nil {
				return err
			}
		}
		return sw.Flush()
	}
	lines := [][]any{{"Tháng", "Xã, phường", "Kênh", "Ngôn ngữ", "Tổng", "Đã gửi", "Lỗi", "Đang chờ", "Chi phí (đồng)"}}
	for _, r := range st.Rows {
		lines = append(lines, []any{r.Month, r.Commune, r.Channel, r.Lang, r.Total, r.Delivered, r.Failed, r.Queued, r.Cost})
	}
	if err := sheet("Theo xã, kênh, ngôn ngữ", true, lines); err != nil {
		return err
	}
	months := make([]string, 0, len(st.CostMonth))
	for m := range st.CostMonth {
		months = append(months, m)
	}
	sort.Strings(months)
	lines = [][]any{{"Tháng", "Chi phí (đồng)"}}
	for _, m := range months {
		lines = append(lines, []any{m, st.CostMonth[m]})
	}
	if err := sheet("Chi phí theo tháng", false, lines); err != nil {
		return err
	}
	lines = [][]any{{"Lý do", "Số lần"}}
	for reason, n := range st.Failures {
		lines = append(lines, []any{reason, n})
	}
	if err := sheet("Lỗi", false, lines); err != nil {
		return err
	}
	return x.Write(w)
}
