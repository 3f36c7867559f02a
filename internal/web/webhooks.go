package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/notify"
)

// WebhooksPage is the system administrator's page of webhook endpoints
// (/admin/webhooks): the list with each endpoint's events and newest
// delivery, a form adding one (its signing secret shown once, on the
// answer to that form), a button disabling one, and an endpoint's recent
// deliveries (/admin/webhooks/{id}). notify asks access.Can and audits.
type WebhooksPage struct {
	rd     *renderer
	notify *notify.Service
}

// Webhooks returns the webhooks page sharing h's templates.
func (h *Handler) Webhooks(n *notify.Service) *WebhooksPage {
	return &WebhooksPage{rd: h.rd, notify: n}
}

// Register mounts the page on mux.
func (p *WebhooksPage) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/webhooks", p.list)
	mux.HandleFunc("POST /admin/webhooks", p.add)
	mux.HandleFunc("GET /admin/webhooks/{id}", p.list)
	mux.HandleFunc("POST /admin/webhooks/{id}/disable", p.disable)
}

type webhookForm struct{ URL, Events string }

type webhooksData struct {
	Webhooks []notify.Webhook
	Form     webhookForm
	Error    string
	Notice   string // catalog key
	// Created and Secret are the endpoint just added and its secret,
	// shown on this one answer only.
	Created *notify.Webhook
	Secret  string
	// Selected is the endpoint whose deliveries are listed.
	Selected   *notify.Webhook
	Deliveries []notify.Delivery
}

// webhookDeliveriesShown bounds an endpoint's list of attempts.
const webhookDeliveriesShown = 50

func (p *WebhooksPage) list(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	d := webhooksData{}
	if r.URL.Query().Get("ok") == "disabled" {
		d.Notice = "webhooks.disabled"
	}
	p.page(w, r, a, http.StatusOK, d)
}

func (p *WebhooksPage) page(w http.ResponseWriter, r *http.Request, a *actor.Actor, status int, d webhooksData) {
	list, err := p.notify.Webhooks(r.Context(), a)
	if err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	d.Webhooks = list
	if s := r.PathValue("id"); s != "" && r.Method == http.MethodGet {
		id, _ := strconv.ParseInt(s, 10, 64)
		for i := range list {
			if list[i].ID == id {
				d.Selected = &list[i]
			}
		}
		if d.Selected == nil {
			p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có địa chỉ nhận webhook này"))
			return
		}
		if d.Deliveries, err = p.notify.WebhookDeliveries(r.Context(), a, id, webhookDeliveriesShown); err != nil {
			p.rd.errorPage(w, r, err)
			return
		}
	}
	p.rd.render(w, r, status, "webhooks", "webhooks.title", d)
}

// maxWebhookForm bounds the form's fields.
const maxWebhookForm = 4096

func (p *WebhooksPage) add(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	f := webhookForm{URL: strings.TrimSpace(r.PostFormValue("url")), Events: strings.TrimSpace(r.PostFormValue("events"))}
	if len(f.URL)+len(f.Events) > maxWebhookForm {
		p.rd.errorPage(w, r, apperr.New(apperr.Invalid, "Biểu mẫu quá dài"))
		return
	}
	events, err := notify.ParseEvents(f.Events)
	var created notify.Webhook
	var secret string
	if err == nil {
		created, secret, err = p.notify.AddWebhook(r.Context(), a, f.URL, events)
	}
	if apperr.Is(err, apperr.Forbidden) || apperr.Is(err, apperr.Unauthorized) {
		p.rd.errorPage(w, r, err)
		return
	}
	if err != nil {
		httpx.LogError(r, httpx.Status(err), err)
		p.page(w, r, a, httpx.Status(err), webhooksData{Form: f, Error: apperr.MessageOf(err)})
		return
	}
	// The secret is in this answer only: never cached, never redirected to.
	w.Header().Set("Cache-Control", "no-store")
	p.page(w, r, a, http.StatusCreated, webhooksData{Created: &created, Secret: secret, Notice: "webhooks.created"})
}

func (p *WebhooksPage) disable(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		p.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không có địa chỉ nhận webhook này"))
		return
	}
	if err := p.notify.DisableWebhook(r.Context(), a, id); err != nil {
		p.rd.errorPage(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/webhooks?ok=disabled", http.StatusSeeOther)
}
