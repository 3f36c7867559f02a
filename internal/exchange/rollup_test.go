package exchange_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/jobs"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// figuresSource is a StatsSource returning set rows, and the window it
// was last asked for.
type figuresSource struct {
	mu       sync.Mutex
	rows     []exchange.AgencyFigures
	from, to time.Time
}

func (f *figuresSource) Figures(_ context.Context, from, to time.Time) ([]exchange.AgencyFigures, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.from, f.to = from, to
	return append([]exchange.AgencyFigures(nil), f.rows...), nil
}

func (f *figuresSource) set(rows ...exchange.AgencyFigures) {
	f.mu.Lock()
	f.rows = rows
	f.mu.Unlock()
}

// months are the previous and current month now, Vietnam time.
func months() (prev, cur string) {
	now := clock.Now().In(locale.VN)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, locale.VN)
	return first.AddDate(0, -1, 0).Format("2006-01"), first.Format("2006-01")
}

// rollupPair is the province node as the child of the ministry node.
func rollupPair(t *testing.T, d *db.DB) (prov, min *node, parentID int64) {
	t.Helper()
	prov, min = pair(t, d, exchange.Options{})
	peers, err := prov.svc.Peers(context.Background(), admin)
	if err != nil || len(peers) != 1 {
		t.Fatalf("province peers: %v %v", peers, err)
	}
	return prov, min, peers[0].ID
}

func postStats(t *testing.T, id *exchange.Identity, to *node, body []byte) (int, string) {
	t.Helper()
	tc := &tls.Config{InsecureSkipVerify: true}
	if id != nil {
		tc.Certificates = []tls.Certificate{id.TLS()}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 10 * time.Second}
	resp, err := c.Post(to.url+"/exchange/stats", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func signedReport(t *testing.T, id *exchange.Identity, gen time.Time, rows ...exchange.AgencyFigures) []byte {
	t.Helper()
	prev, cur := months()
	body, err := exchange.SignStatsReport(exchange.StatsReport{GeneratedAt: gen, Months: []string{prev, cur}, Rows: rows}, id)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func countStats(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM exchange_stats").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// childLine is the figures the parent shows for a child's agency and month.
func childLine(t *testing.T, parent *node, agency, month string) (exchange.Figures, *exchange.StatsNode) {
	t.Helper()
	v, err := parent.svc.Stats(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v.Nodes[1:] {
		n := &v.Nodes[1+i]
		for _, l := range n.Rows {
			if l.Agency == agency && l.Month == month {
				return l.Figures, n
			}
		}
	}
	return exchange.Figures{}, nil
}

// TestRollupPush: the province, child of the ministry, pushes its figures
// for the previous and current month; the ministry shows them beside its
// own with the sums, the agency's name from the directory and when they
// came; a second push replaces them. Codes the province does not host
// never leave it.
func TestRollupPush(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		prov, min, parentID := rollupPair(t, d)
		prev, cur := months()
		child := &figuresSource{}
		child.set(
			exchange.AgencyFigures{Agency: "H24", Month: prev, Figures: exchange.Figures{Received: 10, OnTime: 7, Late: 1, InProcess: 1, Overdue: 1, Incoming: 40, Outgoing: 12}},
			exchange.AgencyFigures{Agency: "H24", Month: cur, Figures: exchange.Figures{Received: 4, InProcess: 3, Overdue: 1, Incoming: 9, Outgoing: 2}},
			exchange.AgencyFigures{Agency: "X99", Month: cur, Figures: exchange.Figures{Received: 1000}},
		)
		prov.svc.SetStatsSource(child)
		own := &figuresSource{}
		own.set(exchange.AgencyFigures{Agency: "G09", Month: cur, Figures: exchange.Figures{Received: 5, OnTime: 2, Incoming: 20, Outgoing: 30}})
		min.svc.SetStatsSource(own)

		// The node's runner pushes once for the current hour as it starts:
		// wait for that run (with no parent yet it sends nothing), so that
		// the pushes below are the only ones the parent audits.
		waitFor(t, "the roll-up's first run", func() bool {
			var periods, pending int
			prov.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs_periodic WHERE name = $1", exchange.KindRollup).Scan(&periods)
			prov.db.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = $1", exchange.KindRollup).Scan(&pending)
			return periods == 1 && pending == 0
		})
		// Without a parent nothing is sent.
		if err := prov.svc.PushStats(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countStats(t, min.db); n != 0 {
			t.Fatalf("pushed without a parent: %d figures", n)
		}
		if err := prov.svc.SetParent(ctx, &actor.Actor{AccountID: 2, Kind: actor.Official}, parentID, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("an official set the parent: %v", err)
		}
		if err := prov.svc.SetParent(ctx, admin, parentID, true); err != nil {
			t.Fatal(err)
		}
		if ps, err := prov.svc.Parents(ctx, admin); err != nil || !ps[parentID] {
			t.Fatalf("parents %v %v", ps, err)
		}
		if countAudit(t, prov.db, "exchange.peer.parent", "ok") != 1 {
			t.Fatal("parent not audited")
		}
		if err := prov.svc.PushStats(ctx); err != nil {
			t.Fatalf("push: %v", err)
		}
		wantFrom := time.Date(clock.Now().In(locale.VN).Year(), clock.Now().In(locale.VN).Month(), 1, 0, 0, 0, 0, locale.VN).AddDate(0, -1, 0)
		if !child.from.Equal(wantFrom) || !child.to.Equal(wantFrom.AddDate(0, 2, 0)) {
			t.Fatalf("asked for [%v, %v)", child.from, child.to)
		}
		v, err := min.svc.Stats(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Nodes) != 2 || v.Months[0] != prev || v.Months[1] != cur {
			t.Fatalf("view %+v", v)
		}
		self, kid := v.Nodes[0], v.Nodes[1]
		if self.PeerID != 0 || len(self.Rows) != 1 || self.Rows[0].AgencyName != "Bộ Nội vụ" || self.Rows[0].Figures.Outgoing != 30 {
			t.Fatalf("own figures %+v", self)
		}
		if kid.Name != "Lào Cai" || len(kid.Rows) != 2 || kid.ReceivedAt.IsZero() || kid.GeneratedAt.IsZero() {
			t.Fatalf("child %+v", kid)
		}
		if l := kid.Rows[0]; l.Agency != "H24" || l.AgencyName != "UBND tỉnh Lào Cai" || l.Month != prev || l.Figures.OnTime != 7 || l.Figures.Incoming != 40 {
			t.Fatalf("child's previous month %+v", l)
		}
		if kid.Total.Received != 14 || kid.Total.Overdue != 2 {
			t.Fatalf("child's total %+v", kid.Total)
		}
		if v.ByMonth[1].Received != 9 || v.ByMonth[1].Outgoing != 32 || v.ByMonth[0].Received != 10 || v.Total.Received != 19 || v.Total.Incoming != 69 {
			t.Fatalf("sums %+v total %+v", v.ByMonth, v.Total)
		}
		if n := countAudit(t, min.db, "exchange.stats.receive", "ok"); n != 1 {
			t.Fatalf("report audited %d times, want 1", n)
		}

		// A later push, by the roll-up job the node registered, replaces the
		// figures; a month without rows is emptied.
		child.set(exchange.AgencyFigures{Agency: "H24", Month: cur, Figures: exchange.Figures{Received: 6}})
		if err := prov.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: exchange.KindRollup})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the roll-up job", func() bool { f, _ := childLine(t, min, "H24", cur); return f.Received == 6 })
		if f, _ := childLine(t, min, "H24", cur); f.InProcess != 0 {
			t.Fatalf("after the second push %+v", f)
		}
		if f, n := childLine(t, min, "H24", prev); n != nil {
			t.Fatalf("previous month kept %+v", f)
		}

		// Unmarked, the ministry hears nothing more.
		if err := prov.svc.SetParent(ctx, admin, parentID, false); err != nil {
			t.Fatal(err)
		}
		child.set(exchange.AgencyFigures{Agency: "H24", Month: cur, Figures: exchange.Figures{Received: 99}})
		if err := prov.svc.PushStats(ctx); err != nil {
			t.Fatal(err)
		}
		if f, _ := childLine(t, min, "H24", cur); f.Received != 6 {
			t.Fatalf("pushed to a former parent: %+v", f)
		}
	})
}

// TestRollupRefusals: an unpinned caller is refused 403 and audited; a
// tampered signature, an agency the child does not host, unreadable or
// oversized bodies and a report from the future are refused, audited, and
// write nothing; an older report never replaces a newer one.
func TestRollupRefusals(t *testing.T) {
	dbtest.Each(t, modules, func(t *testing.T, d *db.DB) {
		prov, min, _ := rollupPair(t, d)
		_, cur := months()
		now := clock.Now().UTC()
		row := func(n int64) exchange.AgencyFigures {
			return exchange.AgencyFigures{Agency: "H24", Month: cur, Figures: exchange.Figures{Received: n}}
		}

		if code, body := postStats(t, newIdentity(t, "Lạ"), min, signedReport(t, prov.id, now, row(1))); code != http.StatusForbidden || !strings.Contains(body, "EFORBIDDEN") {
			t.Fatalf("unpinned: %d %s", code, body)
		}
		if code, _ := postStats(t, nil, min, signedReport(t, prov.id, now, row(1))); code != http.StatusForbidden {
			t.Fatalf("no certificate: %d", code)
		}
		if countAudit(t, min.db, "exchange.stats.deny", "denied") != 2 {
			t.Fatal("denied calls not audited")
		}

		// The payload changed after signing.
		var wire struct{ Payload, Signature []byte }
		if err := json.Unmarshal(signedReport(t, prov.id, now, row(1)), &wire); err != nil {
			t.Fatal(err)
		}
		wire.Payload = bytes.Replace(wire.Payload, []byte(`"received":1`), []byte(`"received":9`), 1)
		tampered, _ := json.Marshal(map[string]string{"payload": base64.StdEncoding.EncodeToString(wire.Payload), "signature": base64.StdEncoding.EncodeToString(wire.Signature)})
		refusals := []struct {
			name string
			body []byte
			code int
			msg  string
		}{
			{"tampered", tampered, http.StatusBadRequest, "Chữ ký của báo cáo thống kê không khớp"},
			{"signed by another key", signedReport(t, min.id, now, row(1)), http.StatusBadRequest, "Chữ ký"},
			{"not hosted", signedReport(t, prov.id, now, exchange.AgencyFigures{Agency: "G09", Month: cur}), http.StatusForbidden, "không thuộc nút kết nối"},
			{"bad JSON", []byte(`{"payload":`), http.StatusBadRequest, "không đọc được JSON"},
			{"oversized", bytes.Repeat([]byte(" "), exchange.MaxStatsReportSize+1), http.StatusRequestEntityTooLarge, "quá lớn"},
			{"future", signedReport(t, prov.id, now.Add(time.Hour), row(1)), http.StatusBadRequest, "ở tương lai"},
			{"negative", signedReport(t, prov.id, now, row(-1)), http.StatusBadRequest, "phải từ 0"},
		}
		for _, c := range refusals {
			code, body := postStats(t, prov.id, min, c.body)
			if code != c.code || !strings.Contains(body, c.msg) {
				t.Fatalf("%s: %d %s", c.name, code, body)
			}
		}
		if n := countStats(t, min.db); n != 0 {
			t.Fatalf("refused reports wrote %d figures", n)
		}
		if n := countAudit(t, min.db, "exchange.stats.refuse", "failed"); n != len(refusals) {
			t.Fatalf("%d refusals audited, want %d", n, len(refusals))
		}

		// Newer first, then an older one delayed in transit.
		if code, body := postStats(t, prov.id, min, signedReport(t, prov.id, now, row(5))); code != http.StatusOK || !strings.Contains(body, `"stored":["`) {
			t.Fatalf("report: %d %s", code, body)
		}
		code, body := postStats(t, prov.id, min, signedReport(t, prov.id, now.Add(-time.Hour), row(9)))
		if code != http.StatusOK || !strings.Contains(body, `"stored":[]`) {
			t.Fatalf("older report: %d %s", code, body)
		}
		if f, _ := childLine(t, min, "H24", cur); f.Received != 5 {
			t.Fatalf("an older report replaced a newer one: %+v", f)
		}
		if code, _ := postStats(t, prov.id, min, signedReport(t, prov.id, now.Add(time.Minute), row(7))); code != http.StatusOK {
			t.Fatal(code)
		}
		if f, _ := childLine(t, min, "H24", cur); f.Received != 7 {
			t.Fatalf("a newer report was not applied: %+v", f)
		}
	})
}

// TestStatsReportBounds: the parser refuses malformed months, duplicates,
// rows outside the listed months and too many months.
func TestStatsReportBounds(t *testing.T) {
	id := newIdentity(t, "Nút")
	_, cur := months()
	now := clock.Now().UTC()
	many := make([]string, exchange.MaxStatsMonths+1)
	for i := range many {
		many[i] = time.Date(2020+i/12, time.Month(i%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	}
	cases := map[string]exchange.StatsReport{
		"month":          {GeneratedAt: now, Months: []string{"2026-13"}},
		"month format":   {GeneratedAt: now, Months: []string{"2026-1"}},
		"no time":        {Months: []string{cur}},
		"no months":      {GeneratedAt: now},
		"too many":       {GeneratedAt: now, Months: many},
		"repeated month": {GeneratedAt: now, Months: []string{cur, cur}},
		"other month":    {GeneratedAt: now, Months: []string{cur}, Rows: []exchange.AgencyFigures{{Agency: "H24", Month: "2001-01"}}},
		"repeated row":   {GeneratedAt: now, Months: []string{cur}, Rows: []exchange.AgencyFigures{{Agency: "H24", Month: cur}, {Agency: "H24", Month: cur}}},
		"code":           {GeneratedAt: now, Months: []string{cur}, Rows: []exchange.AgencyFigures{{Agency: "H 24", Month: cur}}},
		"huge":           {GeneratedAt: now, Months: []string{cur}, Rows: []exchange.AgencyFigures{{Agency: "H24", Month: cur, Figures: exchange.Figures{Late: exchange.MaxFigure + 1}}}},
	}
	for name, r := range cases {
		body, err := exchange.SignStatsReport(r, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := exchange.ParseStatsReport(body, id.Cert); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	body, _ := exchange.SignStatsReport(exchange.StatsReport{GeneratedAt: now, Months: []string{cur}, Rows: []exchange.AgencyFigures{{Agency: "H24", Month: cur}}}, id)
	if _, err := exchange.ParseStatsReport(body, nil, id.Cert); err != nil {
		t.Fatalf("valid report refused: %v", err)
	}
}

// FuzzParseStatsReport: any body is refused with EINVALID or parsed into
// a report within the bounds.
func FuzzParseStatsReport(f *testing.F) {
	id := newIdentity(f, "Nút")
	_, cur := months()
	valid, _ := exchange.SignStatsReport(exchange.StatsReport{GeneratedAt: clock.Now().UTC(), Months: []string{cur},
		Rows: []exchange.AgencyFigures{{Agency: "H24", Month: cur, Figures: exchange.Figures{Received: 3}}}}, id)
	f.Add(valid)
	f.Add([]byte(`{"payload":"e30=","signature":"AA=="}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := exchange.ParseStatsReport(data, id.Cert)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %s: %v", apperr.CodeOf(err), err)
			}
			return
		}
		if len(r.Months) == 0 || len(r.Months) > exchange.MaxStatsMonths || len(r.Rows) > exchange.MaxStatsRows {
			t.Fatalf("out of bounds: %+v", r)
		}
	})
}
