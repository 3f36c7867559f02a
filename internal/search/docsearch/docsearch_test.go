package docsearch

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/search"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		query string
		want  Params
		field string // "" = accepted
	}{
		{"q=da+nang", Params{Q: "da nang", Page: 1}, ""},
		{"type=q%C4%91&urgency=khan&status=registered&agency=7&from=1%2F2%2F2026&to=2026-03-01&page=3",
			Params{Type: "QĐ", Urgency: "khan", Status: "registered", AgencyID: 7, Page: 3}, ""},
		{"type=XX", Params{}, "type"},
		{"urgency=rat+gap", Params{}, "urgency"},
		{"status=Issued", Params{}, "status"},
		{"agency=-1", Params{}, "agency"},
		{"from=2026-02-30", Params{}, "from"},
		{"to=31%2F12%2F99", Params{}, "to"},
		{"page=501", Params{}, "page"},
		{"page=1e3", Params{}, "page"},
	} {
		v, _ := url.ParseQuery(c.query)
		p, err := Parse(v)
		if c.field != "" {
			var e *apperr.Error
			if err == nil || apperr.CodeOf(err) != apperr.Invalid || !asField(err, &e) || e.Field != c.field {
				t.Errorf("%s: %v, want EINVALID on %s", c.query, err, c.field)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		p.From, p.To = c.want.From, c.want.To
		if p != c.want {
			t.Errorf("%s: %+v, want %+v", c.query, p, c.want)
		}
	}
}

func asField(err error, e **apperr.Error) bool {
	if x, ok := err.(*apperr.Error); ok {
		*e = x
		return true
	}
	return false
}

func TestSplitTitle(t *testing.T) {
	f := search.Fragment{Text: Title("12/QĐ-UBND", "Về Đà Nẵng"), Marks: []search.Span{{Start: 0, End: 2}, {Start: 17, End: 21}}}
	sym, sum := split(f)
	if sym.Text != "12/QĐ-UBND" || sum.Text != "Về Đà Nẵng" || len(sym.Marks) != 1 || len(sum.Marks) != 1 ||
		sum.Text[sum.Marks[0].Start:sum.Marks[0].End] != "Đà" {
		t.Errorf("%+v %+v", sym, sum)
	}
	if sym, sum := split(search.Fragment{Text: "no symbol"}); sym.Text != "" || sum.Text != "no symbol" {
		t.Errorf("%+v %+v", sym, sum)
	}
}

// The parameters are outside input: Parse accepts or refuses with a
// field, never panics, and what it accepts is within bounds.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"q=da+nang&page=2", "type=TTr&from=1/1/2026&to=2026-12-31", "agency=99999999999999999999", "urgency=hoa_toc&status=draft", "q=%22a%22+%2A&page=-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := Parse(v)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if p.Page < 1 || (p.Page-1)*PerPage >= search.MaxOffset || len(p.Q) > search.MaxQuery || !utf8.ValidString(p.Status) || p.AgencyID < 0 {
			t.Fatalf("%q: %+v", raw, p)
		}
	})
}
