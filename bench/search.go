package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/clock"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/search"
)

func init() {
	suites = append(suites, suite{name: "search", run: benchSearch})
}

// searchAgencies own the generated documents; the reader is a specialist
// of one of them, cleared for internal information (and, in a row of its
// own, a leader of every agency).
const searchAgencies = 200

// searchQueries are what an official types: a topic, a place, a topic and
// a place, a phrase, without accents or with them.
var searchQueries = []string{
	"sua chua duong giao thong", "Đà Nẵng", "ke hoach phong chong lut bao", "dat dai Hue",
	`"giai phong mat bang"`, "bao cao tinh hinh kinh te xa hoi", "dang uy", "tiep cong dan Can Tho",
}

// benchSearch measures Search (folding, access-filtered ranked query,
// total, highlighting) over generated documents with Vietnamese
// summaries: p50 and p95 beside the full-text query alone (the engine's
// match and rank of the same words, no access filter, no total, no
// highlight). 1,000,000 documents in the full run, 20,000 with -short.
func benchSearch(o *opts) ([]row, error) {
	ctx := context.Background()
	n := 1_000_000
	if o.short {
		n = 20_000
	}
	if o.searchDocs > 0 {
		n = o.searchDocs
	}
	rows, err := searchRows(ctx, o, db.Config{SQLiteSync: "NORMAL"}, "SQLite", n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if server := os.Getenv("CHINHQUYEN_BENCH_POSTGRES"); server != "" {
		u, drop, err := benchPostgresDB(ctx, server)
		if err != nil {
			return nil, err
		}
		pg, err := searchRows(ctx, o, db.Config{URL: u}, "PostgreSQL", n)
		drop()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		rows = append(rows, pg...)
	}
	return rows, nil
}

func searchRows(ctx context.Context, o *opts, cfg db.Config, engine string, n int) ([]row, error) {
	d, _, done, err := freshDB(ctx, o, cfg, "search", search.Migrations)
	if err != nil {
		return nil, err
	}
	defer done()
	s := search.New(d, search.Options{Logger: o.log})
	s.Register("document", access.DocumentsRead)
	start := clock.Now()
	if err := generateDocuments(ctx, d, s, n); err != nil {
		return nil, err
	}
	loadRate := float64(n) / clock.Now().Sub(start).Seconds()
	if d.Dialect == db.Postgres {
		if _, err := d.Writer().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			return nil, err
		}
	}

	reader := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 7, Clearance: "noi_bo",
		Roles: []actor.RoleGrant{{Role: string(access.Specialist), AgencyID: 7}}}
	rounds := 25
	if o.short {
		rounds = 5
	}
	// A reader of every agency (a platform-wide grant): the index cannot
	// narrow to a few agencies, so every match is ranked and counted.
	wide := &actor.Actor{AccountID: 7, Kind: actor.Official, AgencyID: 7, Clearance: "noi_bo",
		Roles: []actor.RoleGrant{{Role: string(access.Leader), AgencyID: 0}}}
	var ours, limit, broad []time.Duration
	for round := range rounds {
		for _, q := range searchQueries {
			t0 := clock.Now()
			if _, err := s.Search(ctx, reader, search.Query{Text: q}); err != nil {
				return nil, err
			}
			ours = append(ours, clock.Now().Sub(t0))
			t0 = clock.Now()
			if err := engineQuery(ctx, d, q); err != nil {
				return nil, err
			}
			limit = append(limit, clock.Now().Sub(t0))
			if round < 2 {
				t0 = clock.Now()
				if _, err := s.Search(ctx, wide, search.Query{Text: q}); err != nil {
					return nil, err
				}
				broad = append(broad, clock.Now().Sub(t0))
			}
		}
	}
	name := func(p string) string {
		return fmt.Sprintf("search %s, %s documents, %d queries × %d, %s", p, num(float64(n)), len(searchQueries), rounds, engine)
	}
	return []row{
		{Name: name("p50"), Value: ms(percentile(ours, 50)), Unit: "ms", Limit: "the full-text query alone (match and rank, top 20)",
			LimitV: ms(percentile(limit, 50)), Lower: true},
		{Name: name("p95"), Value: ms(percentile(ours, 95)), Unit: "ms", Limit: "the full-text query alone (match and rank, top 20)",
			LimitV: ms(percentile(limit, 95)), Lower: true, Goal: "≤ 50 ms at 1 M documents"},
		{Name: fmt.Sprintf("search p95, reader of every agency, %s documents, %d queries × 2, %s", num(float64(n)), len(searchQueries), engine),
			Value: ms(percentile(broad, 95)), Unit: "ms", Limit: "the full-text query alone (match and rank, top 20)", LimitV: ms(percentile(limit, 95)), Lower: true},
		{Name: fmt.Sprintf("documents indexed in batches of 2,000, %s", engine), Value: loadRate, Unit: "docs/s"},
	}, nil
}

func percentile(v []time.Duration, p int) time.Duration {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[(len(v)-1)*p/100]
}

// engineQuery is the limit: the same words matched and ranked by the
// engine alone, the best 20 ids.
func engineQuery(ctx context.Context, d *db.DB, q string) error {
	var ws []string
	for _, w := range strings.FieldsFunc(locale.Fold(q), func(r rune) bool { return r == ' ' || r == '"' }) {
		ws = append(ws, w)
	}
	var query, arg string
	if d.Dialect == db.Postgres {
		query = `SELECT f.entry_id FROM search_fts f, to_tsquery('simple', $1) q WHERE f.tsv @@ q ORDER BY ts_rank(f.tsv, q) DESC LIMIT 20`
		arg = "'" + strings.Join(ws, "' & '") + "'"
	} else {
		query = `SELECT rowid FROM search_fts WHERE search_fts MATCH $1 ORDER BY bm25(search_fts, 10.0, 1.0) LIMIT 20`
		arg = `"` + strings.Join(ws, `" AND "`) + `"`
	}
	rows, err := d.Reader().QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// The pieces of generated summaries (trích yếu).
var (
	genActs   = []string{"Về việc", "Kế hoạch", "Báo cáo", "Thông báo", "Quyết định", "Tờ trình", "Công văn"}
	genTopics = []string{"sửa chữa đường giao thông nông thôn", "phòng chống lụt bão và tìm kiếm cứu nạn", "giải phóng mặt bằng dự án",
		"cấp giấy chứng nhận quyền sử dụng đất đai", "tình hình kinh tế - xã hội", "tiếp công dân định kỳ", "chuyển đổi số trong cơ quan nhà nước",
		"phòng, chống dịch bệnh", "xây dựng nông thôn mới", "kiện toàn Đảng ủy", "thu ngân sách nhà nước", "cải cách thủ tục hành chính",
		"tuyển dụng công chức", "bảo vệ môi trường", "quản lý trật tự xây dựng", "hỗ trợ hộ nghèo", "an toàn thực phẩm", "diễn tập phòng thủ"}
	genPlaces = []string{"Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Lào Cai", "Đắk Lắk", "Quảng Ninh", "Nghệ An", "Thanh Hóa",
		"phường Bến Thành", "xã Đông Hòa", "thị trấn Sa Pa", "huyện Đức Trọng", "tỉnh Gia Lai", "Đồng Tháp", "Bình Định", "Tây Ninh"}
	genPeriods = []string{"năm 2026", "quý I", "quý II", "6 tháng đầu năm", "tháng 9", "giai đoạn 2026-2030", ""}
	genTypes   = []string{"QĐ", "TB", "KH", "BC", "TTr", "CV"}
)

// generateDocuments indexes n documents in transactions of 2,000 (in
// multi-row statements).
func generateDocuments(ctx context.Context, d *db.DB, s *search.Service, n int) error {
	rng := rand.New(rand.NewPCG(10, 2026))
	pick := func(v []string) string { return v[rng.IntN(len(v))] }
	const batch = 2000
	docs := make([]search.Doc, 0, batch)
	for i := 1; i <= n; i++ {
		level := access.Internal
		switch rng.IntN(20) {
		case 0:
			level = access.Restricted
		case 1, 2:
			level = access.Public
		}
		day := calendar.Date{Year: 2026, Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)}
		agency := int64(1 + rng.IntN(searchAgencies))
		summary := strings.TrimSpace(fmt.Sprintf("%s %s tại %s %s", pick(genActs), pick(genTopics), pick(genPlaces), pick(genPeriods)))
		doc := search.Doc{Kind: "document", ID: int64(i), AgencyID: agency, Level: level,
			Title: fmt.Sprintf("%d/%s-UBND %s", 1+rng.IntN(999), pick(genTypes), summary),
			Body:  fmt.Sprintf("Ủy ban nhân dân %s; %s", pick(genPlaces), pick(genTopics)),
			Type:  pick(genTypes), Status: "issued", Urgency: "thuong", Date: day}
		if level == access.Restricted {
			doc.People = []int64{int64(1 + rng.IntN(50))}
		}
		docs = append(docs, doc)
		if len(docs) == batch || i == n {
			if err := d.Tx(ctx, func(tx *sql.Tx) error { return s.IndexMany(ctx, tx, docs) }); err != nil {
				return err
			}
			docs = docs[:0]
		}
	}
	return nil
}
