package web

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	h.rd.render(w, r, http.StatusOK, "home", "home.title", nil)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.rd.errorPage(w, r, apperr.New(apperr.NotFound, "Không tìm thấy trang %s", r.URL.Path))
}
