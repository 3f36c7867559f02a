package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/documents"
	"github.com/chinhquyen/chinhquyen/internal/org"
	"github.com/chinhquyen/chinhquyen/internal/search"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

// SearchPage is the office's document search (/office/search): a search
// box with the filters (type, agency, period, status, urgency), the ranked
// results with the matched words marked, the total and numbered pages. A
// GET form: it works without JavaScript and a search can be bookmarked.
// The results are only what the reader may open (search.Service asks the
// access rules in SQL and access.Permits per row).
type SearchPage struct {
	rd     *renderer
	search *search.Service
	org    *org.Service
}

// Search returns the document search page sharing h's templates.
func (h *Handler) Search(s *search.Service, o *org.Service) *SearchPage {
	return &SearchPage{rd: h.rd, search: s, org: o}
}

// Register mounts the page on mux.
func (p *SearchPage) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /office/search", p.show)
}

type searchOption struct {
	Value, Label string
}

type searchPageLink struct {
	N       int
	URL     string
	Current bool
}

type searchData struct {
	Asked  bool // a search was made (words or a filter)
	Start  int  // the number of the page's first result
	Form   url.Values
	Error  string
	Field  string
	Res    docsearch.Results
	Pages  []searchPageLink
	Prev   string
	Next   string
	Types  []searchOption
	Urgent []searchOption
	Status []searchOption
	Agency []searchOption
	Names  map[int64]string // agency names of the results
	Labels map[string]string
}

// searchStatuses are the document statuses a search filters on, with
// their Vietnamese names.
var searchStatuses = []searchOption{
	{documents.StatusRegistered, "Đã vào sổ văn bản đến"}, {documents.StatusWithdrawn, "Đã thu hồi số"},
	{"draft", "Dự thảo"}, {"review", "Đang trình duyệt"}, {"returned", "Trả lại"}, {"approved", "Đã duyệt"},
	{"signed", "Đã ký"}, {"numbered", "Đã cấp số"}, {"issued", "Đã ban hành"},
}

func (p *SearchPage) show(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	d := searchData{Form: q, Names: map[int64]string{}, Labels: map[string]string{}}
	for _, t := range documents.Types() {
		d.Types = append(d.Types, searchOption{t.Code, t.Code + " — " + t.Name})
		d.Labels["type:"+t.Code] = t.Name
	}
	for _, u := range []documents.Urgency{documents.UrgencyNormal, documents.UrgencyUrgent, documents.UrgencyVeryUrgent, documents.UrgencyFlash} {
		d.Urgent = append(d.Urgent, searchOption{string(u), u.Label()})
		d.Labels["urgency:"+string(u)] = u.Label()
	}
	d.Status = searchStatuses
	for _, s := range searchStatuses {
		d.Labels["status:"+s.Value] = s.Label
	}
	if p.org != nil {
		// The agency filter offers the agencies the reader's roles cover
		// (every one for a platform-wide grant): no other's documents
		// can be found by them.
		covered, all := map[int64]bool{a.AgencyID: true}, false
		for _, g := range a.Roles {
			switch {
			case g.AgencyID == 0:
				all = true
			case g.Subtree:
				ids, _ := p.org.Subtree(r.Context(), g.AgencyID, org.Date{})
				for _, id := range ids {
					covered[id] = true
				}
			default:
				covered[g.AgencyID] = true
			}
		}
		if list, err := p.org.Agencies(r.Context(), org.AgencyFilter{}); err == nil {
			for _, g := range list {
				d.Names[g.ID] = g.Name
				if all || covered[g.ID] {
					d.Agency = append(d.Agency, searchOption{strconv.FormatInt(g.ID, 10), g.Name})
				}
			}
		}
	}
	for _, k := range []string{"q", "type", "agency", "from", "to", "status", "urgency"} {
		if q.Get(k) != "" {
			d.Asked = true
		}
	}
	if !d.Asked {
		p.rd.render(w, r, http.StatusOK, "search", "search.title", d)
		return
	}
	params, err := docsearch.Parse(q)
	if err == nil {
		d.Res, err = docsearch.Search(r.Context(), p.search, a, params)
	}
	if err != nil {
		if apperr.CodeOf(err) != apperr.Invalid {
			p.rd.errorPage(w, r, err)
			return
		}
		d.Error = apperr.MessageOf(err)
		var e *apperr.Error
		if errors.As(err, &e) {
			d.Field = e.Field
		}
		p.rd.render(w, r, http.StatusBadRequest, "search", "search.title", d)
		return
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vals := range q {
			if k != "page" && len(vals) > 0 && vals[0] != "" {
				v.Set(k, vals[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		return "/office/search?" + v.Encode()
	}
	d.Start = (d.Res.Page-1)*d.Res.PerPage + 1
	// Numbered links around the current page, and previous/next.
	cur := d.Res.Page
	for n := max(1, cur-4); n <= min(d.Res.Pages, cur+4); n++ {
		d.Pages = append(d.Pages, searchPageLink{N: n, URL: link(n), Current: n == cur})
	}
	if cur > 1 {
		d.Prev = link(cur - 1)
	}
	if cur < d.Res.Pages {
		d.Next = link(cur + 1)
	}
	p.rd.render(w, r, http.StatusOK, "search", "search.title", d)
}
