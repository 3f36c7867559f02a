package exchange

import (
	"bytes"
	"context"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// Statistics roll-up: a node pushes its one-stop and document figures per
// agency and month to its parent nodes (the province, the ministry), which
// show them beside their own. The report is JSON signed with the node key
// like the directory and travels over the same mutual TLS as packages.
const (
	// KindRollup is the periodic job pushing this node's figures.
	KindRollup = "exchange.rollup"
	// RollupEvery is its period: a parent's picture is at most this old.
	RollupEvery = time.Hour

	MaxStatsReportSize = 4 << 20
	MaxStatsMonths     = 12
	MaxStatsRows       = 2 * MaxAgencies
	MaxFigure          = 1_000_000_000
	// maxReportSkew is how far ahead of this node's clock a report's
	// generation time may be (the two clocks differ a little).
	maxReportSkew = 10 * time.Minute
)

// Figures are one agency's counts for one month. The one-stop figures are
// those of report form II.06a (Decision 766/QĐ-TTg): dossiers received in
// the month, resolved early or on time, resolved late, still being
// resolved in time, and overdue; the document figures count incoming
// documents registered and outgoing documents issued (Decree 30/2020/NĐ-CP).
type Figures struct {
	Received  int64 `json:"received"`
	OnTime    int64 `json:"on_time"`
	Late      int64 `json:"late"`
	InProcess int64 `json:"in_process"`
	Overdue   int64 `json:"overdue"`
	Incoming  int64 `json:"incoming"`
	Outgoing  int64 `json:"outgoing"`
}

// figureNames name the figures as stored, in the order of fields.
var figureNames = [...]string{"received", "on_time", "late", "in_process", "overdue", "incoming", "outgoing"}

func (f *Figures) fields() [len(figureNames)]*int64 {
	return [...]*int64{&f.Received, &f.OnTime, &f.Late, &f.InProcess, &f.Overdue, &f.Incoming, &f.Outgoing}
}

// Add adds o to f.
func (f *Figures) Add(o Figures) {
	of := o.fields()
	for i, p := range f.fields() {
		*p += *of[i]
	}
}

// AgencyFigures are the figures of one agency code for one month
// (yyyy-mm, Vietnam time).
type AgencyFigures struct {
	Agency  string  `json:"agency"`
	Month   string  `json:"month"`
	Figures Figures `json:"figures"`
}

// StatsSource gives this node's figures; app implements it with onestop
// and documents, which exchange does not import.
type StatsSource interface {
	// Figures returns the figures per agency (by electronic identifier
	// code) and month of the months in [from, to), both first instants of
	// a month in Vietnam time.
	Figures(ctx context.Context, from, to time.Time) ([]AgencyFigures, error)
}

// SetStatsSource sets where this node's figures come from. Without one,
// nothing is pushed and the combined picture has no figures of this node.
func (s *Service) SetStatsSource(src StatsSource) {
	s.mu.Lock()
	s.stats = src
	s.mu.Unlock()
}

func (s *Service) statsSource() StatsSource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stats
}

// StatsReport is what a node pushes to its parents: its figures for the
// months listed (every agency with figures in those months; a month listed
// without rows had none), as of GeneratedAt.
type StatsReport struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Months      []string        `json:"months"`
	Rows        []AgencyFigures `json:"rows"`
}

// SignStatsReport returns the report signed with id's key, in the
// directory's wire form.
func SignStatsReport(r StatsReport, id *Identity) ([]byte, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return signPayload(payload, id)
}

func badReport(format string, args ...any) error {
	return apperr.New(apperr.Invalid, "Báo cáo thống kê của nút kết nối không hợp lệ: "+format, args...)
}

// ParseStatsReport reads a signed report, checks its signature against one
// of certs (the pinned certificate, then the one a renewal replaced) and
// validates it: months yyyy-mm, unique, at most MaxStatsMonths; rows at
// most MaxStatsRows, one per agency code and listed month; figures 0 to
// MaxFigure.
func ParseStatsReport(data []byte, certs ...*x509.Certificate) (*StatsReport, error) {
	if len(data) > MaxStatsReportSize {
		return nil, apperr.New(apperr.Invalid, "Báo cáo thống kê quá lớn (tối đa %d byte)", MaxStatsReportSize)
	}
	var sd signedDirectory
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sd); err != nil {
		return nil, badReport("không đọc được JSON (%v)", err)
	}
	if len(sd.Payload) == 0 || len(sd.Signature) == 0 {
		return nil, badReport("thiếu nội dung hoặc chữ ký")
	}
	if !signedBy(sd.Payload, sd.Signature, certs) {
		return nil, apperr.New(apperr.Invalid, "Chữ ký của báo cáo thống kê không khớp với chứng thư số đã ghim của nút kết nối")
	}
	var r StatsReport
	dec = json.NewDecoder(bytes.NewReader(sd.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, badReport("nội dung không phải JSON đúng mẫu (%v)", err)
	}
	return &r, r.validate()
}

func signedBy(payload, sig []byte, certs []*x509.Certificate) bool {
	for _, c := range certs {
		if c != nil && c.CheckSignature(signatureAlgorithm(c.PublicKey), payload, sig) == nil {
			return true
		}
	}
	return false
}

func (r *StatsReport) validate() error {
	if r.GeneratedAt.IsZero() || r.GeneratedAt.Year() < 2000 || r.GeneratedAt.Year() > 9999 {
		return badReport("thiếu thời điểm lập báo cáo")
	}
	if len(r.Months) == 0 || len(r.Months) > MaxStatsMonths {
		return badReport("phải có từ 1 đến %d tháng", MaxStatsMonths)
	}
	months := make(map[string]bool, len(r.Months))
	for _, m := range r.Months {
		if !validMonth(m) {
			return badReport("tháng %q không đúng dạng yyyy-mm", truncate(m, 20))
		}
		if months[m] {
			return badReport("tháng %s lặp lại", m)
		}
		months[m] = true
	}
	if len(r.Rows) > MaxStatsRows {
		return badReport("quá nhiều dòng (tối đa %d)", MaxStatsRows)
	}
	seen := make(map[[2]string]bool, len(r.Rows))
	for i, row := range r.Rows {
		if err := checkCode(row.Agency); err != nil {
			return badReport("dòng %d: %s", i+1, apperr.MessageOf(err))
		}
		if !months[row.Month] {
			return badReport("dòng %d: tháng %q không thuộc các tháng của báo cáo", i+1, truncate(row.Month, 20))
		}
		if seen[[2]string{row.Agency, row.Month}] {
			return badReport("cơ quan %s, tháng %s lặp lại", row.Agency, row.Month)
		}
		seen[[2]string{row.Agency, row.Month}] = true
		for j, p := range row.Figures.fields() {
			if *p < 0 || *p > MaxFigure {
				return badReport("dòng %d: số liệu %s phải từ 0 đến %d", i+1, figureNames[j], MaxFigure)
			}
		}
	}
	return nil
}

func validMonth(m string) bool {
	t, err := time.Parse("2006-01", m)
	return err == nil && t.Format("2006-01") == m && t.Year() >= 2000
}

// monthStart is the first instant of the month holding t, Vietnam time.
func monthStart(t time.Time) time.Time {
	vn := t.In(locale.VN)
	return time.Date(vn.Year(), vn.Month(), 1, 0, 0, 0, 0, locale.VN)
}

// reportMonths are the months a report covers at now: the previous one
// (late resolutions still change it) and the current one.
func reportMonths(now time.Time) (from, to time.Time, months []string) {
	cur := monthStart(now)
	from, to = cur.AddDate(0, -1, 0), cur.AddDate(0, 1, 0)
	return from, to, []string{from.Format("2006-01"), cur.Format("2006-01")}
}

// ownFigures are this node's figures for [from, to) from the source, kept
// to the agencies it hosts (a parent refuses any other code), with their
// names.
func (s *Service) ownFigures(ctx context.Context, from, to time.Time, months []string) ([]AgencyFigures, map[string]string, error) {
	src := s.statsSource()
	if src == nil {
		return nil, nil, nil
	}
	ags, err := s.opts.Agencies(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := make(map[string]string, len(ags))
	for _, a := range ags {
		names[a.Code] = a.Name
	}
	rows, err := src.Figures(ctx, from, to)
	if err != nil {
		return nil, nil, err
	}
	out := rows[:0:0]
	for _, r := range rows {
		if _, ok := names[r.Agency]; ok && (r.Month == months[0] || r.Month == months[len(months)-1]) {
			out = append(out, r)
		}
	}
	return out, names, nil
}

func (s *Service) registerRollup(r *jobs.Runner) {
	r.Periodic(jobs.Periodic{Name: KindRollup, Every: RollupEvery, Handler: func(ctx context.Context, _ jobs.Job) error {
		return s.PushStats(ctx)
	}})
}

// PushStats sends this node's figures for the previous and current month
// to every parent node. Without a source or a parent it does nothing.
func (s *Service) PushStats(ctx context.Context) error {
	if s.statsSource() == nil {
		return nil
	}
	parents, err := s.queryPeers(ctx, "WHERE p.id IN (SELECT peer_id FROM exchange_parents) ORDER BY p.id")
	if err != nil || len(parents) == 0 {
		return err
	}
	now := s.now()
	from, to, months := reportMonths(now)
	rows, _, err := s.ownFigures(ctx, from, to, months)
	if err != nil {
		return err
	}
	id, err := s.opts.Identity(ctx)
	if err != nil {
		return err
	}
	body, err := SignStatsReport(StatsReport{GeneratedAt: now.UTC().Truncate(time.Microsecond), Months: months, Rows: rows}, id)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range parents {
		if err := s.pushStats(ctx, p, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) pushStats(ctx context.Context, p *Peer, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+"/exchange/stats", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client(ctx, p).Do(req)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "Không gửi được báo cáo thống kê đến nút cấp trên %s: %v", p.Name, err)
	}
	defer resp.Body.Close()
	if err := s.followRenewal(ctx, p, resp.TLS); err != nil {
		return err
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var eb httpx.ErrorBody
	_ = json.Unmarshal(answer, &eb)
	return apperr.New(apperr.Unavailable, "Nút cấp trên %s không nhận báo cáo thống kê (HTTP %d): %s", p.Name, resp.StatusCode, truncate(eb.Error.Message, 500))
}

// StatsReceipt is the parent's answer to a report: the months whose
// figures were replaced and those kept because a newer report was
// already received.
type StatsReceipt struct {
	Stored []string `json:"stored"`
	Stale  []string `json:"stale"`
}

func (s *Service) serveStats(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		s.statsDeny(w, r, "", apperr.New(apperr.Forbidden, "Bên gọi không trình chứng thư số của nút kết nối (TLS hai chiều)"))
		return
	}
	fp := Fingerprint(r.TLS.PeerCertificates[0])
	peer, err := s.peerForClient(ctx, r.TLS.PeerCertificates)
	if err != nil {
		s.statsDeny(w, r, fp, err)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxStatsReportSize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.statsRefuse(w, r, peer, nil, http.StatusRequestEntityTooLarge,
				apperr.New(apperr.Invalid, "Báo cáo thống kê quá lớn (tối đa %d byte)", MaxStatsReportSize))
			return
		}
		httpx.Error(w, r, apperr.Wrap(err, apperr.Invalid, "Không đọc được báo cáo thống kê"))
		return
	}
	if peer.Agencies, err = s.peerAgencies(ctx, s.db.Reader(), "WHERE a.peer_id = $1", peer.ID); err != nil {
		httpx.Error(w, r, err)
		return
	}
	rep, err := s.admitReport(peer, raw)
	if err != nil {
		s.statsRefuse(w, r, peer, raw, httpx.Status(err), err)
		return
	}
	rec, err := s.storeReport(ctx, peer, rep, digest(raw))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, rec)
}

// admitReport parses the report and checks that it speaks only of the
// agencies the peer hosts (its directory) and was not made in the future.
func (s *Service) admitReport(peer *Peer, raw []byte) (*StatsReport, error) {
	rep, err := ParseStatsReport(raw, peer.Cert, peer.Previous)
	if err != nil {
		return nil, err
	}
	if rep.GeneratedAt.After(s.now().Add(maxReportSkew)) {
		return nil, badReport("thời điểm lập báo cáo %s ở tương lai", rep.GeneratedAt.In(locale.VN).Format("02/01/2006 15:04"))
	}
	hosted := make(map[string]bool, len(peer.Agencies))
	for _, a := range peer.Agencies {
		hosted[a.Code] = true
	}
	for _, row := range rep.Rows {
		if !hosted[row.Agency] {
			return nil, apperr.New(apperr.Forbidden, "Mã định danh %q không thuộc nút kết nối %s (theo danh bạ đã ký của nút)", row.Agency, peer.Name)
		}
	}
	return rep, nil
}

// storeReport replaces, month by month, the peer's kept figures with the
// report's when it is newer than the kept report of that month; in one
// transaction with its audit entry.
func (s *Service) storeReport(ctx context.Context, peer *Peer, rep *StatsReport, sum string) (*StatsReceipt, error) {
	gen := db.Micros(rep.GeneratedAt)
	byMonth := map[string][]AgencyFigures{}
	for _, row := range rep.Rows {
		byMonth[row.Month] = append(byMonth[row.Month], row)
	}
	var rec StatsReceipt
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		rec = StatsReceipt{Stored: []string{}, Stale: []string{}}
		for _, m := range rep.Months {
			// The upsert takes the month's row lock, so of two reports
			// arriving together the older one sees the newer and stops.
			var got int64
			err := tx.QueryRowContext(ctx, `INSERT INTO exchange_stats_reports (peer_id, month, generated_at, received_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (peer_id, month) DO UPDATE SET generated_at = excluded.generated_at, received_at = excluded.received_at
				WHERE exchange_stats_reports.generated_at < excluded.generated_at RETURNING peer_id`, peer.ID, m, gen, db.Micros(s.now())).Scan(&got)
			if errors.Is(err, sql.ErrNoRows) {
				rec.Stale = append(rec.Stale, m)
				continue
			}
			if err != nil {
				return err
			}
			if err := storeMonth(ctx, tx, peer.ID, m, gen, byMonth[m]); err != nil {
				return err
			}
			rec.Stored = append(rec.Stored, m)
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Action: "exchange.stats.receive", ObjectType: "exchange_peer", ObjectID: strconv.FormatInt(peer.ID, 10),
			Summary: map[string]any{"peer": peer.Name, "generated_at": rep.GeneratedAt.UTC(), "stored": rec.Stored, "stale": rec.Stale, "rows": len(rep.Rows), "sha256": sum}})
	})
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// statsBatch is how many figures one INSERT writes (6 parameters each).
const statsBatch = 500

func storeMonth(ctx context.Context, tx *sql.Tx, peer int64, month string, gen int64, rows []AgencyFigures) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM exchange_stats WHERE peer_id = $1 AND month = $2", peer, month); err != nil {
		return err
	}
	var sb strings.Builder
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO exchange_stats (peer_id, agency_code, month, figure, value, generated_at) VALUES "+sb.String(), args...)
		sb.Reset()
		args = args[:0]
		return err
	}
	for _, row := range rows {
		for i, p := range row.Figures.fields() {
			if sb.Len() > 0 {
				sb.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6)
			args = append(args, peer, row.Agency, month, figureNames[i], *p, gen)
			if len(args) >= statsBatch*6 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// statsDeny answers a caller whose certificate is not pinned: 403, audited.
func (s *Service) statsDeny(w http.ResponseWriter, r *http.Request, fp string, err error) {
	if apperr.CodeOf(err) == apperr.Forbidden {
		s.auditStats(r.Context(), audit.Entry{Action: "exchange.stats.deny", ObjectType: "exchange_peer", ObjectID: fp,
			Summary: map[string]any{"fingerprint": fp, "remote": r.RemoteAddr}, Outcome: audit.OutcomeDenied, Reason: apperr.MessageOf(err)})
	}
	httpx.Error(w, r, err)
}

// statsRefuse answers a pinned peer's report that is refused: nothing of
// it is stored but the audit entry with its digest.
func (s *Service) statsRefuse(w http.ResponseWriter, r *http.Request, peer *Peer, raw []byte, status int, err error) {
	s.auditStats(r.Context(), audit.Entry{Action: "exchange.stats.refuse", ObjectType: "exchange_peer", ObjectID: strconv.FormatInt(peer.ID, 10),
		Summary: map[string]any{"peer": peer.Name, "sha256": digest(raw), "size": len(raw)}, Outcome: audit.OutcomeFailed, Reason: truncate(apperr.MessageOf(err), 500)})
	httpx.JSON(w, status, httpx.ErrorBody{Error: httpx.ErrorDetail{Code: apperr.CodeOf(err), Message: apperr.MessageOf(err)}})
}

func (s *Service) auditStats(ctx context.Context, e audit.Entry) {
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.opts.Audit.Record(ctx, tx, e) }); err != nil {
		s.log.Error("exchange: audit statistics report", "action", e.Action, "err", err)
	}
}

// SetParent marks the peer as a parent node (this node pushes its figures
// to it) or unmarks it. Audited as exchange.peer.parent.
func (s *Service) SetParent(ctx context.Context, a *actor.Actor, id int64, parent bool) error {
	if err := s.authorize(ctx, a, access.ExchangePeerManage, id); err != nil {
		return err
	}
	p, err := s.peer(ctx, s.db.Reader(), id)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var was int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM exchange_parents WHERE peer_id = $1", id).Scan(&was); err != nil {
			return err
		}
		q := "DELETE FROM exchange_parents WHERE peer_id = $1"
		args := []any{id}
		if parent {
			q, args = "INSERT INTO exchange_parents (peer_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", append(args, db.Micros(s.now()))
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "exchange.peer.parent", ObjectType: "exchange_peer", ObjectID: strconv.FormatInt(id, 10),
			Before: map[string]any{"parent": was > 0}, After: map[string]any{"parent": parent}, Summary: map[string]any{"name": p.Name, "parent": parent}})
	})
}

// Parents returns the ids of the parent peers.
func (s *Service) Parents(ctx context.Context, a *actor.Actor) (map[int64]bool, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, 0); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT peer_id FROM exchange_parents")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// StatsNode is one node's figures in the combined picture: this node
// (PeerID 0) or a child peer, with when its kept report was made and
// received.
type StatsNode struct {
	PeerID      int64
	Name        string
	GeneratedAt time.Time // zero for this node (computed now)
	ReceivedAt  time.Time
	Rows        []StatsLine
	Total       Figures
}

// StatsLine is an agency's figures for a month.
type StatsLine struct {
	Agency, AgencyName, Month string
	Figures                   Figures
}

// StatsView is the combined picture of the previous and current month:
// this node's figures, each child's, and the totals per month.
type StatsView struct {
	Months []string
	Nodes  []StatsNode
	// ByMonth are the totals of every node per month, in Months' order.
	ByMonth []Figures
	Total   Figures
}

// Stats returns the combined picture: this node's figures (from its
// source, now) and those each child node last reported, per agency and
// month, with totals.
func (s *Service) Stats(ctx context.Context, a *actor.Actor) (*StatsView, error) {
	if err := s.authorize(ctx, a, access.ExchangePeerView, 0); err != nil {
		return nil, err
	}
	from, to, months := reportMonths(s.now())
	own, names, err := s.ownFigures(ctx, from, to, months)
	if err != nil {
		return nil, err
	}
	v := &StatsView{Months: months, ByMonth: make([]Figures, len(months))}
	self := StatsNode{Name: "Nút này"}
	for _, r := range own {
		self.Rows = append(self.Rows, StatsLine{Agency: r.Agency, AgencyName: names[r.Agency], Month: r.Month, Figures: r.Figures})
	}
	sortLines(self.Rows)
	v.Nodes = append(v.Nodes, self)
	children, err := s.childStats(ctx, months)
	if err != nil {
		return nil, err
	}
	v.Nodes = append(v.Nodes, children...)
	for i := range v.Nodes {
		n := &v.Nodes[i]
		for _, l := range n.Rows {
			n.Total.Add(l.Figures)
			for j, m := range months {
				if l.Month == m {
					v.ByMonth[j].Add(l.Figures)
				}
			}
		}
		v.Total.Add(n.Total)
	}
	return v, nil
}

func sortLines(ls []StatsLine) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Agency != ls[j].Agency {
			return ls[i].Agency < ls[j].Agency
		}
		return ls[i].Month < ls[j].Month
	})
}

// childStats are the kept figures of the child peers for months, the
// peers ordered by name.
func (s *Service) childStats(ctx context.Context, months []string) ([]StatsNode, error) {
	q := s.db.Reader()
	rows, err := q.QueryContext(ctx, `SELECT r.peer_id, p.name, MAX(r.generated_at), MAX(r.received_at) FROM exchange_stats_reports r
		JOIN exchange_peers p ON p.id = r.peer_id GROUP BY r.peer_id, p.name ORDER BY p.name, r.peer_id`)
	if err != nil {
		return nil, err
	}
	var out []StatsNode
	idx := map[int64]int{}
	for rows.Next() {
		var n StatsNode
		var gen, rec int64
		if err := rows.Scan(&n.PeerID, &n.Name, &gen, &rec); err != nil {
			rows.Close()
			return nil, err
		}
		n.GeneratedAt, n.ReceivedAt = db.FromMicros(gen), db.FromMicros(rec)
		idx[n.PeerID] = len(out)
		out = append(out, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lines, err := q.QueryContext(ctx, `SELECT s.peer_id, s.agency_code, COALESCE(a.name, ''), s.month, s.figure, s.value FROM exchange_stats s
		LEFT JOIN exchange_peer_agencies a ON a.peer_id = s.peer_id AND a.code = s.agency_code
		WHERE s.month IN ($1, $2) ORDER BY s.peer_id, s.agency_code, s.month`, months[0], months[len(months)-1])
	if err != nil {
		return nil, err
	}
	defer lines.Close()
	figure := map[string]int{}
	for i, name := range figureNames {
		figure[name] = i
	}
	for lines.Next() {
		var peer, value int64
		var l StatsLine
		var name string
		if err := lines.Scan(&peer, &l.Agency, &l.AgencyName, &l.Month, &name, &value); err != nil {
			return nil, err
		}
		i, ok := idx[peer]
		fi, known := figure[name]
		if !ok || !known {
			continue
		}
		n := &out[i]
		if k := len(n.Rows) - 1; k < 0 || n.Rows[k].Agency != l.Agency || n.Rows[k].Month != l.Month {
			n.Rows = append(n.Rows, l)
		}
		*n.Rows[len(n.Rows)-1].Figures.fields()[fi] = value
	}
	return out, lines.Err()
}
