package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/apperr"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
	"github.com/chinhquyen/chinhquyen/internal/identity/identityhttp"
)

// Auth serves sign-in, the current account and API tokens:
//
//	POST   /api/v1/auth/login        {"login","password","otp"?} → {"token","expires_at",…}
//	POST   /api/v1/auth/logout       ends the bearer session
//	GET    /api/v1/me                the actor
//	GET    /api/v1/auth/tokens       the actor's API tokens
//	POST   /api/v1/auth/tokens       {"name","scopes":[…],"ttl_days"} → the secret, once
//	DELETE /api/v1/auth/tokens/{id}  revoke
type Auth struct {
	id *identity.Service
}

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty"`
}

// ParseLoginRequest decodes a login body strictly: one JSON object of at
// most 4 KiB with known fields only.
func ParseLoginRequest(body io.Reader) (LoginRequest, error) {
	var req LoginRequest
	dec := json.NewDecoder(io.LimitReader(body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return LoginRequest{}, apperr.Wrap(err, apperr.Invalid, "Nội dung đăng nhập phải là JSON dạng {\"login\": …, \"password\": …, \"otp\": …}")
	}
	if dec.More() {
		return LoginRequest{}, apperr.New(apperr.Invalid, "Nội dung đăng nhập chỉ gồm một đối tượng JSON")
	}
	if req.Login == "" || req.Password == "" {
		return LoginRequest{}, apperr.FieldError("login", "Thiếu login hoặc password")
	}
	return req, nil
}

type sessionJSON struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
	MFA       bool      `json:"mfa"`
	Account   meJSON    `json:"account"`
}

type meJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	AgencyID  int64      `json:"agency_id,omitempty"`
	UnitID    int64      `json:"unit_id,omitempty"`
	Roles     []roleJSON `json:"roles"`
	Clearance string     `json:"clearance"`
	MFA       bool       `json:"mfa"`
	Scopes    []string   `json:"scopes,omitempty"`
	Demo      bool       `json:"demo,omitempty"`
	Session   string     `json:"session,omitempty"`
}

type roleJSON struct {
	Role     string `json:"role"`
	AgencyID int64  `json:"agency_id"`
	Subtree  bool   `json:"subtree"`
}

func meOf(a *actor.Actor) meJSON {
	m := meJSON{ID: a.AccountID, Kind: string(a.Kind), Name: a.Name, AgencyID: a.AgencyID, UnitID: a.UnitID,
		Roles: []roleJSON{}, Clearance: a.Clearance, MFA: a.MFA, Scopes: a.Scopes, Demo: a.Demo}
	if !strings.HasPrefix(a.SessionID, "token:") {
		m.Session = a.SessionID
	}
	for _, g := range a.Roles {
		m.Roles = append(m.Roles, roleJSON{Role: g.Role, AgencyID: g.AgencyID, Subtree: g.Subtree})
	}
	return m
}

func (h *Auth) login(w http.ResponseWriter, r *http.Request) {
	req, err := ParseLoginRequest(r.Body)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	res, err := h.id.Login(r.Context(), identity.LoginRequest{Login: req.Login, Password: req.Password, OTP: req.OTP,
		IP: identityhttp.ClientIP(r), UserAgent: r.UserAgent(), API: true})
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	acc := res.Account
	a := &actor.Actor{AccountID: acc.ID, Kind: acc.Kind, Name: acc.Name, AgencyID: acc.AgencyID, UnitID: acc.UnitID,
		Roles: acc.Roles, Clearance: acc.Clearance.String(), MFA: res.Session.MFA, Demo: acc.Demo, SessionID: res.Session.ID}
	httpx.JSON(w, http.StatusOK, sessionJSON{Token: res.Token, TokenType: "Bearer", ExpiresAt: res.Session.ExpiresAt,
		MFA: res.Session.MFA, Account: meOf(a)})
}

// signedIn returns the actor or writes 401.
func signedIn(w http.ResponseWriter, r *http.Request) *actor.Actor {
	a := actor.From(r.Context())
	if a == nil {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Cần đăng nhập: gửi tiêu đề Authorization: Bearer <mã>"))
	}
	return a
}

func (h *Auth) logout(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := access.Authorize(r.Context(), a, access.IdentityAccountSelf, access.Resource{Type: "account", ID: strconv.FormatInt(a.AccountID, 10), OwnerID: a.AccountID}); err != nil {
		httpx.Error(w, r, err)
		return
	}
	if err := h.id.Logout(r.Context(), a, identityhttp.Token(r.Context())); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Auth) me(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	if err := access.Authorize(r.Context(), a, access.IdentityAccountRead, access.Resource{Type: "account", ID: strconv.FormatInt(a.AccountID, 10), OwnerID: a.AccountID}); err != nil {
		httpx.Error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, meOf(a))
}

type tokenJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	LastUsed  *time.Time `json:"last_used_at,omitempty"`
	Revoked   bool       `json:"revoked"`
	// SecondFactor: created in a session that passed a second factor,
	// so it may act with the roles that require one.
	SecondFactor bool   `json:"second_factor"`
	Secret       string `json:"token,omitempty"`
}

func tokenOf(t identity.TokenInfo) tokenJSON {
	j := tokenJSON{ID: t.ID, Name: t.Name, Scopes: t.Scopes, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, Revoked: t.Revoked,
		SecondFactor: t.SecondFactor}
	if !t.LastUsed.IsZero() {
		lu := t.LastUsed
		j.LastUsed = &lu
	}
	return j
}

func (h *Auth) tokens(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	list, err := h.id.Tokens(r.Context(), a)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	out := make([]tokenJSON, 0, len(list))
	for _, t := range list {
		out = append(out, tokenOf(t))
	}
	httpx.JSON(w, http.StatusOK, map[string]any{"tokens": out})
}

type createTokenRequest struct {
	Name    string   `json:"name"`
	Scopes  []string `json:"scopes"`
	TTLDays int      `json:"ttl_days"`
}

func (h *Auth) createToken(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	var req createTokenRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httpx.Error(w, r, apperr.Wrap(err, apperr.Invalid, "Nội dung phải là JSON dạng {\"name\": …, \"scopes\": [\"org:read\"], \"ttl_days\": 90}"))
		return
	}
	if req.TTLDays < 1 || req.TTLDays > 365 {
		httpx.Error(w, r, apperr.FieldError("ttl_days", "ttl_days phải từ 1 đến 365"))
		return
	}
	secret, info, err := h.id.CreateToken(r.Context(), a, req.Name, req.Scopes, time.Duration(req.TTLDays)*24*time.Hour)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	j := tokenOf(info)
	j.Secret = secret
	httpx.JSON(w, http.StatusCreated, j)
}

func (h *Auth) revokeToken(w http.ResponseWriter, r *http.Request) {
	a := signedIn(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		httpx.Error(w, r, apperr.New(apperr.NotFound, "Không tìm thấy mã truy cập"))
		return
	}
	if err := h.id.RevokeToken(r.Context(), a, id); err != nil {
		httpx.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
