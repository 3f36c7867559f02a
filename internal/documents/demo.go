package documents

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/locale"
)

// DemoAgency is an agency of the demo province whose registers receive
// demo documents.
type DemoAgency struct {
	ID     int64
	Name   string // full name, e.g. "Sở Nội vụ tỉnh Lào Cai"
	Abbrev string // symbol abbreviation: UBND, SNV …
	// Units are the abbreviations of its drafting units, for Công văn
	// symbols (125/UBND-VP); "VP" when empty.
	Units []string
	// Clerk is the account registering its documents (their created_by,
	// so the clerk reads the restricted ones); 0 = the system.
	Clerk int64
	// Signer and SignerPosition sign its outgoing documents.
	Signer, SignerPosition string
	// Weight is its share of the documents (busier agencies receive more).
	Weight int
}

// DemoSeed describes the demo documents to create.
type DemoSeed struct {
	Agencies []DemoAgency
	// Count is how many documents to create over the last twelve months
	// (DefaultDemoCount when 0).
	Count int
	// Seed makes the generated year reproducible.
	Seed uint64
	// Province is the demo province's place name in the senders' names
	// ("Tỉnh ủy Lào Cai"); "Lào Cai" when empty.
	Province string
	// Tourism names the province's tourist places in a subject ("Sa Pa -
	// Bắc Hà" when empty).
	Tourism string
}

// DefaultDemoCount is the demo's number of documents.
const DefaultDemoCount = 2400

// DemoResult counts what SeedDemo created.
type DemoResult struct {
	Incoming, Outgoing, Restricted, Secret, Withdrawn int
	// Docs are the documents written, oldest first (for the tasks demo).
	Docs []*Document
}

// demoBatch is the number of documents written per transaction.
const demoBatch = 600

// demoDoc is one generated document before it is written.
type demoDoc struct {
	doc       Document
	symbolKey string
	senderKey string
	withdrawn bool
	legal     bool
	signer    string
	position  string
	unit      string
	recipient string
}

// SeedDemo fills the demo agencies' registers with a realistic year of
// incoming and outgoing documents (Vietnamese summaries of real
// administrative subjects, urgent ones, restricted ones, a few state
// secrets kept as metadata only, a few withdrawn numbers), received on
// working days over the twelve months before the service's clock. Every
// register is numbered from 01 each calendar year in date order,
// continuing the register's counter, so the registers stay consecutive.
// Documents are written in a few transactions, each indexed for search
// (the index hook) and audited with one entry. Only the system may
// (access.DocumentsIncomingRegister on each agency).
func (s *Service) SeedDemo(ctx context.Context, a *actor.Actor, seed DemoSeed) (DemoResult, error) {
	var res DemoResult
	if len(seed.Agencies) == 0 {
		return res, nil
	}
	for _, g := range seed.Agencies {
		if err := access.Authorize(ctx, a, access.DocumentsIncomingRegister, access.Resource{Type: "document", ID: "demo", AgencyID: g.ID}); err != nil {
			return res, err
		}
	}
	n := seed.Count
	if n <= 0 {
		n = DefaultDemoCount
	}
	docs := generateDemo(seed, n, s.opts.Now())
	// Numbers continue each register's counter (zero on a new installation).
	last := map[Register]int{}
	for i := range docs {
		d := &docs[i].doc
		r := Register{AgencyID: d.AgencyID, Direction: d.Direction, Series: d.Series, Year: d.Year}
		if _, ok := last[r]; !ok {
			var v int
			err := s.db.Reader().QueryRowContext(ctx, `SELECT last_number FROM documents_counters WHERE agency_id = $1 AND direction = $2 AND series = $3 AND reg_year = $4`,
				r.AgencyID, string(r.Direction), string(r.Series), r.Year).Scan(&v)
			if err != nil && !isNoRows(err) {
				return res, err
			}
			last[r] = v
		}
		last[r]++
		d.Number = last[r]
		if d.Direction == Outgoing {
			t, _ := LookupType(d.Type)
			p := SymbolParts{Number: d.Number, Type: t, Agency: agencyAbbrev(seed.Agencies, d.AgencyID), Unit: docs[i].unit}
			if docs[i].legal {
				p.Year = d.Year
			}
			sym, err := FormatSymbol(p)
			if err != nil {
				return res, err
			}
			d.Symbol = sym
			ps, err := ParseSymbol(sym)
			if err != nil {
				return res, err
			}
			docs[i].symbolKey = ps.Key()
		}
	}
	for start := 0; start < len(docs); start += demoBatch {
		batch := docs[start:min(start+demoBatch, len(docs))]
		if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.writeDemo(ctx, tx, a, batch) }); err != nil {
			return DemoResult{}, fmt.Errorf("demo documents: %w", err)
		}
	}
	res.Docs = make([]*Document, len(docs))
	for i, d := range docs {
		res.Docs[i] = &docs[i].doc
		switch {
		case d.doc.Direction == Incoming:
			res.Incoming++
		default:
			res.Outgoing++
		}
		switch {
		case d.doc.Classification == access.Restricted:
			res.Restricted++
		case d.doc.Classification.StateSecret():
			res.Secret++
		}
		if d.withdrawn {
			res.Withdrawn++
		}
	}
	return res, nil
}

func agencyAbbrev(list []DemoAgency, id int64) string {
	for _, g := range list {
		if g.ID == id {
			return g.Abbrev
		}
	}
	return "UBND"
}

// writeDemo writes one batch: documents, their register entries, the
// registers' counters, the search index and one audit entry.
func (s *Service) writeDemo(ctx context.Context, tx *sql.Tx, a *actor.Actor, batch []demoDoc) error {
	created := s.opts.Now().UnixMicro()
	counters := map[Register]int{}
	var entries []any
	for i := range batch {
		dd := &batch[i]
		d := &dd.doc
		err := tx.QueryRowContext(ctx, `INSERT INTO documents (direction, agency_id, series, reg_year, symbol, symbol_key, type_code,
			issued_on, sender, sender_key, summary, urgency, classification, received_at, status, duplicate_of, created_by, created_at, reg_number)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, $17, $18) RETURNING id`,
			string(d.Direction), d.AgencyID, string(d.Series), d.Year, d.Symbol, dd.symbolKey, d.Type,
			d.IssuedOn.String(), d.Sender, dd.senderKey, d.Summary, string(d.Urgency), d.Classification.String(), d.ReceivedAt.UnixMicro(),
			d.Status, d.CreatedBy, created, d.Number).Scan(&d.ID)
		if err != nil {
			return err
		}
		if d.Direction == Outgoing {
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_outgoing (document_id, unit_abbrev, legal, signer_id, signer_name, signer_authority,
				signer_position, recipients_text, issued_at) VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8)`,
				d.ID, dd.unit, boolInt(dd.legal), dd.signer, "", dd.position, dd.recipient, d.ReceivedAt.UnixMicro()); err != nil {
				return err
			}
		}
		state, note := entryUsed, ""
		if dd.withdrawn {
			state, note = entryWithdrawn, "Vào sổ nhầm (văn bản gửi nhầm cơ quan)"
		}
		entries = append(entries, d.AgencyID, string(d.Direction), string(d.Series), d.Year, d.Number, d.ID, state, note, d.ReceivedAt.UnixMicro())
		r := Register{AgencyID: d.AgencyID, Direction: d.Direction, Series: d.Series, Year: d.Year}
		counters[r] = max(counters[r], d.Number)
		if s.opts.Index != nil {
			// A document registered by the system names no clerk reader.
			idx := indexDocOf(d)
			idx.Resource.People = slices.DeleteFunc(idx.Resource.People, func(id int64) bool { return id == 0 })
			if err := s.opts.Index(ctx, tx, idx); err != nil {
				return err
			}
		}
	}
	const cols = 9
	for start := 0; start < len(entries); start += 50 * cols {
		part := entries[start:min(start+50*cols, len(entries))]
		var b strings.Builder
		b.WriteString(`INSERT INTO documents_register_entries (agency_id, direction, series, reg_year, reg_number, document_id, state, note, at) VALUES `)
		for i := 0; i < len(part)/cols; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for c := range cols {
				if c > 0 {
					b.WriteString(", ")
				}
				b.WriteString("$" + strconv.Itoa(i*cols+c+1))
			}
			b.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, b.String(), part...); err != nil {
			return err
		}
	}
	for r, n := range counters {
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents_counters (agency_id, direction, series, reg_year, last_number) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (agency_id, direction, series, reg_year) DO UPDATE SET last_number = $5 WHERE documents_counters.last_number < $5`,
			r.AgencyID, string(r.Direction), string(r.Series), r.Year, n); err != nil {
			return err
		}
	}
	return s.opts.Audit.Record(ctx, tx, audit.Entry{Actor: a, Action: "documents.demo.seed", ObjectType: "document",
		ObjectID: strconv.FormatInt(batch[0].doc.ID, 10) + "-" + strconv.FormatInt(batch[len(batch)-1].doc.ID, 10),
		Summary:  map[string]any{"documents": len(batch), "registers": len(counters)}})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The subjects of the demo's documents: real fields of a province's
// administration, combined with verbs and periods into summaries.
var demoTopics = []string{
	"công tác chuyển đổi số và phát triển chính quyền số",
	"cải cách hành chính và nâng cao chỉ số PAR INDEX",
	"phòng, chống thiên tai và tìm kiếm cứu nạn mùa mưa lũ",
	"xây dựng nông thôn mới và đô thị văn minh",
	"Chương trình mục tiêu quốc gia giảm nghèo bền vững",
	"Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi",
	"bảo đảm trật tự, an toàn giao thông",
	"phòng cháy, chữa cháy và cứu nạn, cứu hộ",
	"quản lý, sử dụng đất đai và cấp giấy chứng nhận quyền sử dụng đất",
	"thu, chi ngân sách nhà nước",
	"giải ngân vốn đầu tư công",
	"sắp xếp, tinh gọn tổ chức bộ máy",
	"tuyển dụng, sử dụng và quản lý công chức, viên chức",
	"thi đua, khen thưởng",
	"phát triển du lịch " + demoTourism,
	"quản lý, bảo vệ và phát triển rừng",
	"phòng, chống dịch bệnh trên gia súc, gia cầm",
	"công tác tôn giáo và tín ngưỡng",
	"tiếp công dân, giải quyết khiếu nại, tố cáo",
	"phòng, chống tham nhũng, tiêu cực",
	"cung cấp dịch vụ công trực tuyến toàn trình",
	"triển khai Đề án 06 về dữ liệu dân cư và định danh điện tử",
	"bảo đảm an toàn thông tin mạng",
	"chăm lo Tết Nguyên đán cho hộ nghèo, gia đình chính sách",
	"kiểm soát thủ tục hành chính",
	"quản lý an toàn thực phẩm",
	"phổ biến, giáo dục pháp luật",
	"hỗ trợ nhà ở cho hộ nghèo và hộ cận nghèo",
	"xóa nhà tạm, nhà dột nát",
	"phát triển kinh tế cửa khẩu",
}

var demoEvents = []string{
	"Hội nghị sơ kết công tác cải cách hành chính",
	"Hội nghị trực tuyến toàn quốc về chuyển đổi số",
	"lớp bồi dưỡng kỹ năng soạn thảo văn bản hành chính",
	"Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội",
	"buổi làm việc với Đoàn công tác của Bộ Nội vụ",
	"Lễ phát động phong trào thi đua",
	"Hội nghị đối thoại với doanh nghiệp",
	"diễn tập phòng thủ khu vực",
}

type demoForm struct {
	typ   string
	build func(r *rand.Rand, topic, event string, on calendar.Date) string
}

func period(r *rand.Rand, on calendar.Date) string {
	y := strconv.Itoa(on.Year)
	switch r.IntN(4) {
	case 0:
		return "năm " + y
	case 1:
		return "quý " + []string{"I", "II", "III", "IV"}[(int(on.Month)-1)/3] + "/" + y
	case 2:
		return "tháng " + strconv.Itoa(int(on.Month)) + "/" + y
	}
	return "6 tháng " + map[bool]string{true: "đầu", false: "cuối"}[on.Month <= 6] + " năm " + y
}

func pick[T any](r *rand.Rand, v []T) T { return v[r.IntN(len(v))] }

var demoForms = []demoForm{
	{CongVan, func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"V/v triển khai ", "V/v đôn đốc thực hiện ", "V/v tăng cường ", "V/v báo cáo kết quả ", "V/v đề nghị cung cấp số liệu về ",
			"V/v góp ý dự thảo văn bản về ", "V/v hướng dẫn thực hiện "}) + t
	}},
	{CongVan, func(r *rand.Rand, t, e string, on calendar.Date) string { return "V/v cử cán bộ tham dự " + e }},
	{"KH", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"Triển khai ", "Kiểm tra ", "Tuyên truyền về ", "Thực hiện "}) + t + " " + period(r, on)
	}},
	{"BC", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"Kết quả ", "Tình hình thực hiện ", "Sơ kết ", "Tổng kết "}) + t + " " + period(r, on)
	}},
	{"QĐ", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"Về việc thành lập Tổ công tác về ", "Về việc phê duyệt Kế hoạch ", "Về việc giao chỉ tiêu ", "Về việc khen thưởng thành tích trong "}) + t
	}},
	{"TB", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"Kết luận của Chủ tịch UBND tỉnh tại cuộc họp về ", "Ý kiến chỉ đạo của lãnh đạo UBND tỉnh về "}) + t
	}},
	{"TTr", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return pick(r, []string{"Đề nghị phê duyệt kinh phí ", "Xin chủ trương thực hiện ", "Đề nghị ban hành Kế hoạch "}) + t
	}},
	{"GM", func(r *rand.Rand, t, e string, on calendar.Date) string { return "Dự " + e }},
	{"CT", func(r *rand.Rand, t, e string, on calendar.Date) string { return "Về tăng cường " + t }},
	{"HD", func(r *rand.Rand, t, e string, on calendar.Date) string {
		return "Thực hiện " + t + " " + period(r, on)
	}},
}

// demoProvince and demoTourism are the names in demoSenders and
// demoTopics, replaced by DemoSeed's Province and Tourism.
const (
	demoProvince = "Lào Cai"
	demoTourism  = "Sa Pa - Bắc Hà"
)

// demoSenders are bodies that send documents to the province: the
// central government and the province's party and state bodies (with the
// abbreviations of their symbols and drafting units).
var demoSenders = []struct{ name, abbr, unit string }{
	{"Văn phòng Chính phủ", "VPCP", "KSTT"},
	{"Bộ Nội vụ", "BNV", "CQĐP"},
	{"Bộ Tài chính", "BTC", "NSNN"},
	{"Bộ Khoa học và Công nghệ", "BKHCN", "CĐSQG"},
	{"Bộ Dân tộc và Tôn giáo", "BDTTG", "VP"},
	{"Bộ Công an", "BCA", "C06"},
	{"Bộ Nông nghiệp và Môi trường", "BNNMT", "KHTC"},
	{"Bộ Xây dựng", "BXD", "QLN"},
	{"Tỉnh ủy Lào Cai", "TU", "VPTU"},
	{"Hội đồng nhân dân tỉnh Lào Cai", "HĐND", "VP"},
	{"Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Lào Cai", "MTTQ", "BTT"},
	{"Công an tỉnh Lào Cai", "CAT", "PV01"},
	{"Bộ Chỉ huy Quân sự tỉnh Lào Cai", "BCH", "TM"},
	{"Sở Y tế tỉnh Lào Cai", "SYT", "NVY"},
	{"Sở Giáo dục và Đào tạo tỉnh Lào Cai", "SGDĐT", "GDPT"},
	{"Sở Xây dựng tỉnh Lào Cai", "SXD", "QLXD"},
	{"Sở Nông nghiệp và Môi trường tỉnh Lào Cai", "SNNMT", "CCPTNT"},
	{"Kho bạc Nhà nước khu vực IX", "KBNN", "KSC"},
}

// generateDemo makes n documents in date order: each falls on a working
// day (Monday to Friday) between 07:30 and 16:30 Vietnam time within the
// twelve months before now.
func generateDemo(seed DemoSeed, n int, now time.Time) []demoDoc {
	r := rand.New(rand.NewPCG(seed.Seed, seed.Seed^0x5eed))
	today := calendar.DateOf(now.In(locale.VN))
	start := today.AddDays(-364)
	var days []calendar.Date
	for d := start; !d.After(today); d = d.AddDays(1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days = append(days, d)
		}
	}
	var weights []int
	total := 0
	for _, g := range seed.Agencies {
		w := max(g.Weight, 1)
		total += w
		weights = append(weights, total)
	}
	senderNumbers := map[string]int{}
	// The instants first, in order, so senders' numbers grow with time.
	times := make([]time.Time, n)
	for i := range times {
		at := days[r.IntN(len(days))].At(7*60 + 30).Add(time.Duration(r.IntN(9*3600)) * time.Second)
		if at.After(now) {
			at = now.Add(-time.Duration(r.IntN(3600)+60) * time.Second)
		}
		times[i] = at
	}
	slices.SortFunc(times, time.Time.Compare)
	out := make([]demoDoc, 0, n)
	for _, at := range times {
		day := calendar.DateOf(at.In(locale.VN))
		k := r.IntN(total)
		gi, _ := slices.BinarySearch(weights, k+1)
		g := seed.Agencies[gi]
		form := pick(r, demoForms)
		topic, event := pick(r, demoTopics), pick(r, demoEvents)
		if seed.Tourism != "" {
			topic = strings.Replace(topic, demoTourism, seed.Tourism, 1)
		}
		dd := demoDoc{}
		d := &dd.doc
		d.AgencyID, d.Type, d.CreatedBy = g.ID, form.typ, g.Clerk
		d.ReceivedAt = at.UTC().Truncate(time.Microsecond)
		d.Year = RegisterYear(at)
		d.Urgency = UrgencyNormal
		switch u := r.IntN(100); {
		case u < 1:
			d.Urgency = UrgencyFlash
		case u < 5:
			d.Urgency = UrgencyVeryUrgent
		case u < 15:
			d.Urgency = UrgencyUrgent
		}
		d.Classification = access.Internal
		switch c := r.IntN(100); {
		case c < 3:
			d.Classification = access.Secret
		case c < 11:
			d.Classification = access.Restricted
		case c < 21:
			d.Classification = access.Public
		}
		if t, ok := LookupType(d.Type); ok {
			d.TypeName = t.Name
		}
		if r.IntN(100) < 55 {
			d.Direction, d.Status, d.Series = Incoming, StatusRegistered, Normal
			if d.Classification.StateSecret() {
				d.Series = Confidential
			}
			snd := pick(r, demoSenders)
			senderNumbers[snd.abbr+strconv.Itoa(d.Year)] += 1 + r.IntN(40)
			num := senderNumbers[snd.abbr+strconv.Itoa(d.Year)]
			groups := []string{form.typ, snd.abbr}
			if form.typ == CongVan {
				groups = []string{snd.abbr, snd.unit}
			}
			d.Symbol = strconv.Itoa(num) + "/" + strings.Join(groups, "-")
			if num < 10 {
				d.Symbol = "0" + d.Symbol
			}
			d.Sender = snd.name
			if seed.Province != "" {
				d.Sender = strings.Replace(d.Sender, demoProvince, seed.Province, 1)
			}
			d.IssuedOn = day.AddDays(-r.IntN(4))
			if ps, err := ParseSymbol(d.Symbol); err == nil {
				dd.symbolKey = ps.Key()
			}
			dd.senderKey = locale.Fold(d.Sender)
			dd.withdrawn = r.IntN(400) == 0
			if dd.withdrawn {
				d.Status = StatusWithdrawn
			}
		} else {
			d.Direction, d.Status = Outgoing, "issued"
			t, _ := LookupType(d.Type)
			dd.legal = d.Type == "QĐ" && g.Abbrev == "UBND" && r.IntN(10) == 0
			d.Series = SeriesFor(t, d.Classification.StateSecret(), dd.legal)
			d.Sender = g.Name
			d.IssuedOn = day
			dd.unit = "VP"
			if len(g.Units) > 0 {
				dd.unit = pick(r, g.Units)
			}
			dd.signer, dd.position = g.Signer, g.SignerPosition
			dd.recipient = pick(r, []string{"Như trên;\nLưu: VT.", "Các sở, ban, ngành tỉnh;\nUBND các xã, phường;\nLưu: VT.",
				"Văn phòng Chính phủ;\nBộ Nội vụ;\nLưu: VT, " + dd.unit + ".", "Thường trực Tỉnh ủy;\nThường trực HĐND tỉnh;\nLưu: VT."})
		}
		d.Summary = form.build(r, topic, event, d.IssuedOn)
		out = append(out, dd)
	}
	return out
}
