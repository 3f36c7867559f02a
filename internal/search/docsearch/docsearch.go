// Package docsearch is the search of official documents as the API
// (searchDocuments) and the office search page ask it: the request's
// parameters read and checked once, the index searched as the reader, and
// each hit split back into the document's symbol and summary with their
// highlights. Both layers call Search, so they answer alike.
package docsearch

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/calendar"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/locale"
	"github.com/chinhquyen/chinhquyen/internal/search"
)

// Kind is the search index's kind of official documents.
const Kind = "document"

// PerPage is how many documents a page of results lists.
const PerPage = 20

// Title is what the index keeps as a document's title: the symbol and the
// summary on two lines, so a hit's title splits back into the two (a
// symbol holds no line break).
func Title(symbol, summary string) string { return symbol + "\n" + summary }

// Params is one search: the words and the filters, as typed.
type Params struct {
	Q        string
	Type     string // Decree 30 Appendix III code (QĐ, TB, …; CV for Công văn)
	AgencyID int64
	From, To calendar.Date
	Status   string
	Urgency  string // thuong, khan, thuong_khan, hoa_toc
	Page     int    // 1, 2, …
}

// Parse reads the parameters q, type, agency, from, to (dd/mm/yyyy or
// yyyy-mm-dd), status, urgency and page; an empty one does not filter.
// Errors are EINVALID with the field named and a Vietnamese message.
func Parse(v url.Values) (Params, error) {
	p := Params{Q: locale.NFC(v.Get("q")), Status: strings.TrimSpace(v.Get("status")), Page: 1}
	if len(p.Q) > search.MaxQuery {
		return p, apperr.FieldError("q", "Nội dung tìm kiếm dài quá %d ký tự", search.MaxQuery)
	}
	if t := strings.TrimSpace(v.Get("type")); t != "" {
		typ, err := documents.ParseType(t)
		if err != nil {
			return p, err
		}
		p.Type = typ.Code
	}
	if u := strings.TrimSpace(v.Get("urgency")); u != "" {
		urg, err := documents.ParseUrgency(u)
		if err != nil {
			return p, err
		}
		p.Urgency = string(urg)
	}
	if len(p.Status) > 32 || strings.ContainsFunc(p.Status, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z') }) {
		return p, apperr.FieldError("status", "Trạng thái văn bản không hợp lệ")
	}
	if a := strings.TrimSpace(v.Get("agency")); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return p, apperr.FieldError("agency", "Cơ quan phải là mã số nguyên dương")
		}
		p.AgencyID = id
	}
	var err error
	if p.From, err = parseDate(v.Get("from"), "from", "Từ ngày"); err != nil {
		return p, err
	}
	if p.To, err = parseDate(v.Get("to"), "to", "Đến ngày"); err != nil {
		return p, err
	}
	if pg := strings.TrimSpace(v.Get("page")); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 1 || (n-1)*PerPage >= search.MaxOffset {
			return p, apperr.FieldError("page", "Số trang phải từ 1 đến %d", (search.MaxOffset-1)/PerPage+1)
		}
		p.Page = n
	}
	return p, nil
}

func parseDate(s, field, label string) (calendar.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return calendar.Date{}, nil
	}
	var d calendar.Date
	var err error
	if strings.Contains(s, "/") {
		d, err = calendar.ParseVN(s)
	} else {
		d, err = calendar.ParseISO(s)
	}
	if err != nil {
		return d, apperr.FieldError(field, "%s: %s", label, apperr.MessageOf(err))
	}
	return d, nil
}

// Item is one document found.
type Item struct {
	ID       int64         `json:"id"`
	Symbol   string        `json:"symbol"`
	Summary  string        `json:"summary"`
	Type     string        `json:"type"`
	IssuedOn calendar.Date `json:"issued_on"`
	Urgency  string        `json:"urgency"`
	Status   string        `json:"status"`
	AgencyID int64         `json:"agency_id"`
	// Highlights are the matched words as byte spans of the symbol, the
	// summary, and a piece of the rest of the indexed text (sender,
	// extracted text of the attachments): text, never markup.
	Highlights Highlights `json:"highlights"`
}

// Highlights of one document.
type Highlights struct {
	Symbol  []search.Span   `json:"symbol"`
	Summary []search.Span   `json:"summary"`
	Text    search.Fragment `json:"text"`
}

// SymbolParts and SummaryParts are the matched and unmatched runs for a
// page, which prints them escaped with <mark> around the matched ones.
func (it Item) SymbolParts() []search.Part {
	return search.Fragment{Text: it.Symbol, Marks: it.Highlights.Symbol}.Parts()
}

// SummaryParts: see SymbolParts.
func (it Item) SummaryParts() []search.Part {
	return search.Fragment{Text: it.Summary, Marks: it.Highlights.Summary}.Parts()
}

// Results is one page of documents found.
type Results struct {
	Items []Item `json:"items"`
	// Total counts every document the reader may see that matches, over
	// all pages; nothing they may not open is counted.
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	// Pages is how many pages can be asked for (at most up to
	// search.MaxOffset results).
	Pages int `json:"pages"`
}

// Search finds the documents reader may read that match p.
func Search(ctx context.Context, s *search.Service, reader *actor.Actor, p Params) (Results, error) {
	if p.Page < 1 {
		p.Page = 1
	}
	r, err := s.Search(ctx, reader, search.Query{Text: p.Q, Kind: Kind, Limit: PerPage, Page: p.Page, From: p.From, To: p.To,
		Filters: search.Filters{Type: p.Type, Status: p.Status, Urgency: p.Urgency, AgencyID: p.AgencyID}})
	if err != nil {
		return Results{}, err
	}
	out := Results{Items: make([]Item, 0, len(r.Items)), Total: r.Total, Page: p.Page, PerPage: PerPage}
	reach := min(r.Total, search.MaxOffset)
	out.Pages = int((reach + PerPage - 1) / PerPage)
	for _, h := range r.Items {
		sym, sum := split(h.Title)
		out.Items = append(out.Items, Item{ID: h.ID, Symbol: sym.Text, Summary: sum.Text, Type: h.Type, IssuedOn: h.Date,
			Urgency: h.Urgency, Status: h.Status, AgencyID: h.AgencyID,
			Highlights: Highlights{Symbol: nonNil(sym.Marks), Summary: nonNil(sum.Marks), Text: h.Snippet}})
	}
	return out, nil
}

// split cuts a title made by Title back into symbol and summary, each with
// its own spans. A title without a line break is all summary.
func split(f search.Fragment) (symbol, summary search.Fragment) {
	at := strings.IndexByte(f.Text, '\n')
	if at < 0 {
		return search.Fragment{}, f
	}
	symbol.Text, summary.Text = f.Text[:at], f.Text[at+1:]
	for _, m := range f.Marks {
		switch {
		case m.End <= at:
			symbol.Marks = append(symbol.Marks, m)
		case m.Start > at:
			summary.Marks = append(summary.Marks, search.Span{Start: m.Start - at - 1, End: m.End - at - 1})
		}
	}
	return symbol, summary
}

func nonNil(s []search.Span) []search.Span {
	if s == nil {
		return []search.Span{}
	}
	return s
}

// NotSearchable is the notice of a document whose files' content cannot
// be found by search (yet).
const NotSearchable = "Chưa tìm kiếm được nội dung tệp"

// Content says whether the content of a document's attachments can be
// found by search, for the document page: Notice is empty when every file
// is searchable (or there is none), else NotSearchable with the reason of
// each file that is not.
type Content struct {
	Files  []search.Text `json:"files"`
	Notice string        `json:"notice,omitempty"`
	// Pending: extraction is still to run; the page may say "đang xử lý".
	Pending bool `json:"pending,omitempty"`
}

// reasons are what a person is told of a file that is not searchable.
var reasons = map[string]string{
	search.TextPending:     "đang đọc nội dung tệp",
	search.TextEmpty:       "tệp không có chữ đọc được",
	search.TextUnavailable: "máy chủ chưa cài công cụ đọc tệp quét (OCR)",
	search.TextUnsupported: "định dạng tệp chưa được hỗ trợ",
	search.TextFailed:      "không đọc được nội dung tệp",
}

// ContentOf returns Content for document id. It makes no access decision:
// call it for a document already shown to the reader.
func ContentOf(ctx context.Context, s *search.Service, id int64) (Content, error) {
	texts, err := s.Texts(ctx, Kind, id)
	if err != nil {
		return Content{}, err
	}
	c := Content{Files: texts}
	var why []string
	for _, t := range texts {
		if t.Status == search.TextDone {
			continue
		}
		c.Pending = c.Pending || t.Status == search.TextPending
		if r := reasons[t.Status]; r != "" && !slices.Contains(why, r) {
			why = append(why, r)
		}
	}
	if len(why) > 0 {
		c.Notice = NotSearchable + ": " + strings.Join(why, "; ")
	}
	return c, nil
}
