package api

import (
	"net/http"
	"strconv"

	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
)

// The audit log for auditors and security officers (access.Can audit.read):
//
//	GET /api/v1/audit/entries/{id}/proof  inclusion proof of one entry against the latest checkpoint
//	GET /api/v1/audit/checkpoint          the latest signed checkpoint and its verifier key
//
// docs/audit.md says how a third party checks a proof offline.
func (a *API) auditRoutes() []route {
	return []route{
		{"GET", "/api/v1/audit/entries/{id}/proof", a.auditProof},
		{"GET", "/api/v1/audit/checkpoint", a.auditCheckpoint},
	}
}

func (a *API) auditProof(w http.ResponseWriter, r *http.Request) {
	if a.deps.Audit == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Nhật ký kiểm toán chưa được bật"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		httpx.Error(w, r, apperr.FieldError("id", "Mã bản ghi nhật ký phải là số nguyên dương"))
		return
	}
	p, err := a.deps.Audit.Prove(r.Context(), actor.From(r.Context()), id)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, p)
}

func (a *API) auditCheckpoint(w http.ResponseWriter, r *http.Request) {
	if a.deps.Audit == nil {
		httpx.Error(w, r, apperr.New(apperr.Unavailable, "Nhật ký kiểm toán chưa được bật"))
		return
	}
	cp, err := a.deps.Audit.Checkpoint(r.Context(), actor.From(r.Context()))
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, cp)
}
