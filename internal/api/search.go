package api

import (
	"net/http"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/search/docsearch"
)

// Search of official documents:
//
//	GET /api/v1/documents/search?q=…&type=&agency=&from=&to=&status=&urgency=&page=  (searchDocuments)
func (a *API) searchRoutes() []route {
	return []route{
		{"GET", "/api/v1/documents/search", a.searchDocuments},
	}
}

// searchDocuments answers one page of the documents the caller may read
// that match, ranked (or newest first without words), with the total of
// every such document: a document the caller may not open is neither
// listed nor counted.
func (a *API) searchDocuments(w http.ResponseWriter, r *http.Request) {
	if a.deps.Search == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Dịch vụ tìm kiếm chưa được bật"))
		return
	}
	act := actor.From(r.Context())
	if act == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Bạn cần đăng nhập để tìm văn bản"))
		return
	}
	p, err := docsearch.Parse(r.URL.Query())
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := docsearch.Search(r.Context(), a.deps.Search, act, p)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpx.JSON(w, http.StatusOK, res)
}
