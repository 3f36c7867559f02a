// Package identityhttp is identity's HTTP edge, shared by the web pages and
// the JSON API: it reads the session cookie or bearer token, puts the
// *actor.Actor (and the access Guard) in the request context, and sets and
// clears the session cookie. It is a sub-package so that identity itself
// stays free of net/http.
package identityhttp

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/actor"
	"github.com/chinhquyen/chinhquyen/internal/httpx"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

// CookieName is the session cookie. It is HttpOnly, SameSite=Lax, Path=/,
// and Secure when the request came over TLS or Options.Secure is set.
const CookieName = "cq_session"

// Options configure the middleware.
type Options struct {
	// Secure marks cookies Secure even on plain-HTTP requests, for a TLS
	// terminating proxy in front (public URL https://…).
	Secure bool
	// EnrolPath is where a web session that must enrol a second factor is
	// sent; paths under it, LogoutPath and /static/ stay reachable.
	EnrolPath  string // default /account/totp
	LogoutPath string // default /logout
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Real-IP headers name the client (ParseTrustedProxies); none by
	// default, so a client cannot choose the address its rate limits and
	// audit entries are counted against.
	TrustedProxies []netip.Prefix
}

// Middleware authenticates requests.
type Middleware struct {
	svc   *identity.Service
	guard *access.Guard
	opts  Options
}

// New returns the session middleware. guard goes into every request's
// context so access.Can can resolve subtrees and audit denials.
func New(svc *identity.Service, guard *access.Guard, opts Options) *Middleware {
	if opts.EnrolPath == "" {
		opts.EnrolPath = "/account/totp"
	}
	if opts.LogoutPath == "" {
		opts.LogoutPath = "/logout"
	}
	return &Middleware{svc: svc, guard: guard, opts: opts}
}

type ctxKey struct{}

// state is what the middleware learned about the request.
type state struct {
	token   string
	session identity.Session
	bearer  bool
	ip      string // the client's address
}

// Token returns the session secret of the request (cookie or bearer), ""
// when none was valid. Handlers need it to log out or finish sign-in.
func Token(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(*state)
	if s == nil {
		return ""
	}
	return s.token
}

// SessionOf returns the request's session, if any (also a session still
// waiting for its second factor, which has no actor).
func SessionOf(ctx context.Context) (identity.Session, bool) {
	s, _ := ctx.Value(ctxKey{}).(*state)
	if s == nil || s.session.ID == "" {
		return identity.Session{}, false
	}
	return s.session, true
}

// ClientIP is the address identity counts rate limits against and the
// audit log records: the TCP peer, or behind a trusted proxy the client it
// names (Options.TrustedProxies). The middleware decides it once per
// request; without the middleware it is the TCP peer.
func ClientIP(r *http.Request) string {
	if s, _ := r.Context().Value(ctxKey{}).(*state); s != nil && s.ip != "" {
		return s.ip
	}
	return clientIP(r, nil)
}

// Handler wraps next: anonymous requests pass through without an actor;
// a valid session or token adds one. An invalid bearer token is answered
// 401 at once; an invalid cookie is cleared and the request goes on
// anonymously.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := access.WithGuard(r.Context(), m.guard)
		ip := clientIP(r, m.opts.TrustedProxies)
		st := &state{ip: ip}
		token := ""
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := identity.ParseBearer(h)
			if !ok {
				r = r.WithContext(ctx)
				httpx.Error(w, r, identityUnauthorized())
				return
			}
			token, st.bearer = tok, true
		} else if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
			token = c.Value
		}
		if token != "" {
			a, ss, err := m.svc.Authenticate(ctx, token, ip)
			switch {
			case err != nil && st.bearer:
				httpx.Error(w, r.WithContext(ctx), err)
				return
			case err != nil:
				ClearCookie(w, r, m.opts.Secure)
			default:
				st.token, st.session = token, ss
				if a != nil {
					ctx = actor.With(ctx, a)
				}
			}
		}
		ctx = context.WithValue(ctx, ctxKey{}, st)
		if st.session.Stage == identity.StageEnrol && !st.bearer && !m.enrolAllowed(r.URL.Path) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				httpx.Error(w, r.WithContext(ctx), enrolFirst())
				return
			}
			http.Redirect(w, r, m.opts.EnrolPath, http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (m *Middleware) enrolAllowed(path string) bool {
	return path == m.opts.EnrolPath || strings.HasPrefix(path, m.opts.EnrolPath+"/") || path == m.opts.LogoutPath ||
		strings.HasPrefix(path, "/static/") || path == "/healthz" || path == "/readyz"
}

// SetCookie stores a session secret in the session cookie.
func SetCookie(w http.ResponseWriter, r *http.Request, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// ClearCookie removes the session cookie.
func ClearCookie(w http.ResponseWriter, r *http.Request, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// DeviceCookieName is the known-device cookie (identity.DeviceToken): sent
// only to the sign-in form, HttpOnly, SameSite=Lax, for
// identity.KnownDeviceTTL.
const DeviceCookieName = "cq_device"

// SetDeviceCookie stores a known-device token.
func SetDeviceCookie(w http.ResponseWriter, r *http.Request, token string, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookieName, Value: token, Path: "/login", MaxAge: int(identity.KnownDeviceTTL.Seconds()),
		HttpOnly: true, Secure: secure || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// DeviceToken returns the request's known-device token, "" if none.
func DeviceToken(r *http.Request) string {
	c, err := r.Cookie(DeviceCookieName)
	if err != nil {
		return ""
	}
	return c.Value
}

// Secure reports whether cookies are always marked Secure.
func (m *Middleware) Secure() bool { return m.opts.Secure }
