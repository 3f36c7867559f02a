package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/exchange"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// ExchangePage is the system administrator's page of the document exchange
// (/admin/exchange): this node (URL, fingerprint, certificate, agency
// codes), the trusted peers with their health (last contact, queue,
// consecutive failures), a peer's outage history (/admin/exchange/{id}),
// a form trusting a peer (URL and pasted PEM certificate), a button
// removing one and one marking it a parent node (statistics roll-up,
// /admin/exchange/stats). exchange asks access.Can and audits.
type ExchangePage struct {
	rd *renderer
	ex *exchange.Service
}

// Exchange returns the exchange page sharing h's templates.
func (h *Handler) Exchange(ex *exchange.Service) *ExchangePage {
	return &ExchangePage{rd: h.rd, ex: ex}
}

// Register mounts the page on mux.
func (p *ExchangePage) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/exchange", p.list)
	mux.HandleFunc("POST /admin/exchange", p.add)
	mux.HandleFunc("GET /admin/exchange/{id}", p.list)
	mux.HandleFunc("POST /admin/exchange/{id}/remove", p.remove)
	mux.HandleFunc("POST /admin/exchange/{id}/parent", p.parent)
	mux.HandleFunc("GET /admin/exchange/stats", p.stats)
	mux.HandleFunc("GET /admin/exchange/messages/{id}/{part}", p.download)
}

type exchangeForm struct{ URL, Cert, Name string }

type exchangeData struct {
	Node     *exchange.Node
	NodeErr  string // why this node's certificate is not available
	Peers    []*exchange.Peer
	Parents  map[int64]bool // the peers this node sends its statistics to
	Form     exchangeForm
	Error    string
	Notice   string // catalog key
	Selected *exchange.Peer
	Outages  []exchange.Outage
	Messages []exchange.Message
}

// exchangeOutagesShown and exchangeMessagesShown bound a peer's lists.
const (
	exchangeOutagesShown  = 100
	exchangeMessagesShown = 100
)

func (p *ExchangePage) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := exchangeData{}
	switch r.URL.Query().Get("ok") {
	case "removed":
		d.Notice = "exchange.removed"
	case "added":
		d.Notice = "exchange.added"
	case "parent":
		d.Notice = "exchange.parent.saved"
	}
	p.page(w, r, a, http.StatusOK, d)
}

func (p *ExchangePage) page(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d exchangeData) {
	peers, err := p.ex.Peers(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Peers = peers
	if d.Parents, err = p.ex.Parents(r.Context(), a); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	if d.Node, err = p.ex.Node(r.Context(), a); err != nil {
		d.NodeErr = apperr.MessageOf(err)
	}
	if s := r.PathValue("id"); s != "" && r.Method == http.MethodGet {
		id, _ := strconv.ParseInt(s, 10, 64)
		for _, peer := range peers {
			if peer.ID == id {
				d.Selected = peer
			}
		}
		if d.Selected == nil {
			p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có nút kết nối này"))
			return
		}
		if d.Outages, err = p.ex.Outages(r.Context(), a, id, exchangeOutagesShown); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
		if d.Messages, err = p.ex.Messages(r.Context(), a, id, exchangeMessagesShown); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	p.rd.render(w, r, status, "exchange", "exchange.title", d)
}

// maxExchangeForm bounds the form (a PEM certificate is a few KB).
const maxExchangeForm = 70 << 10

func (p *ExchangePage) add(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	f := exchangeForm{URL: strings.TrimSpace(r.PostFormValue("url")), Cert: strings.TrimSpace(r.PostFormValue("cert")),
		Name: strings.TrimSpace(r.PostFormValue("name"))}
	if len(f.URL)+len(f.Cert)+len(f.Name) > maxExchangeForm {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu quá dài"))
		return
	}
	_, err := p.ex.AddPeer(r.Context(), a, exchange.AddPeerRequest{URL: f.URL, CertPEM: []byte(f.Cert), Name: f.Name})
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
		p.rd.errorPage(w, r, err)
		return
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.page(w, r, a, httpx.Status(err), exchangeData{Form: f, Error: apperr.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/admin/exchange?ok=added", http.StatusSeeOther)
}

func (p *ExchangePage) remove(w http.ResponseWriter, r *http.Request) {
	p.peerStep(w, r, "removed", func(a *actor.Actor, id int64) error { return p.ex.RemovePeer(r.Context(), a, id) })
}

// peerStep runs an action on the peer of the path and goes back to the
// list with ok; a failure is an error page.
func (p *ExchangePage) peerStep(w http.ResponseWriter, r *http.Request, ok string, do func(a *actor.Actor, id int64) error) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có nút kết nối này"))
		return
	}
	if err := do(a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/exchange?ok="+ok, http.StatusSeeOther)
}

// download serves a kept package or its receipt (the evidence of a
// dispute) as a file named by the message number.
func (p *ExchangePage) download(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	part := r.PathValue("part")
	if err != nil || id <= 0 || (part != "package" && part != "receipt") {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có gói tin này"))
		return
	}
	b, err := p.ex.MessageBytes(r.Context(), a, id, part == "receipt")
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="goitin-`+strconv.FormatInt(id, 10)+"-"+part+`.edxml"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}
