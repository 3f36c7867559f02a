package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
)

type registerData struct {
	Kind, ID, Name, Email, Phone string
	Error, Field                 string
	Done                         *identity.Account
}

func (p *Accounts) registerForm(w http.ResponseWriter, r *http.Request) {
	p.rd.render(w, r, http.StatusOK, "account_register", "register.title", registerData{Kind: "citizen"})
}

func (p *Accounts) register(w http.ResponseWriter, r *http.Request) {
	d := registerData{Kind: r.PostFormValue("kind"), ID: trimmed(r, "id"), Name: trimmed(r, "name"),
		Email: trimmed(r, "email"), Phone: trimmed(r, "phone")}
	kind := actor.Citizen
	if d.Kind == "business" {
		kind = actor.Business
	}
	var err error
	if r.PostFormValue("password") != r.PostFormValue("password2") {
		err = apperr.FieldError("password2", "Hai lần nhập mật khẩu không khớp")
	} else {
		var acc identity.Account
		acc, err = p.id.Register(r.Context(), identity.Registration{Kind: kind, ID: d.ID, Name: d.Name, Email: d.Email,
			Phone: d.Phone, Password: r.PostFormValue("password"), IP: identityhttp.ClientIP(r)})
		if err == nil {
			p.rd.render(w, r, http.StatusCreated, "account_register", "register.title", registerData{Done: &acc})
			return
		}
	}
	httpx.LogError(r, httpx.Status(err), err)
	d.Error = apperr.MessageOf(err)
	var ae *apperr.Error
	if asAppErr(err, &ae) {
		d.Field = ae.Field
	}
	p.rd.render(w, r, httpx.Status(err), "account_register", "register.title", d)
}
