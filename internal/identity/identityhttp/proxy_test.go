package identityhttp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/chinhquyen/chinhquyen/internal/access"
	"github.com/chinhquyen/chinhquyen/internal/audit"
	"github.com/chinhquyen/chinhquyen/internal/db"
	"github.com/chinhquyen/chinhquyen/internal/db/dbtest"
	"github.com/chinhquyen/chinhquyen/internal/identity"
)

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.10 fd00::/8,::ffff:198.51.100.7\n172.16.5.9/12")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.10/32", "fd00::/8", "198.51.100.7/32", "172.16.0.0/12"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	if list, err := ParseTrustedProxies(""); err != nil || list != nil {
		t.Fatalf("empty list: %v %v", list, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1/8/2", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestClientIPTrustsForwardingOnlyFromTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted []netip.Prefix
		remote  string
		xff     []string
		realIP  string
		want    string
	}{
		{"no proxies configured: the peer, whatever the headers say", nil, "10.1.2.3:5555", []string{"203.0.113.9"}, "203.0.113.7", "10.1.2.3"},
		{"untrusted peer forging the header", trusted, "198.51.100.4:5555", []string{"203.0.113.9"}, "", "198.51.100.4"},
		{"trusted proxy", trusted, "10.1.2.3:5555", []string{"203.0.113.9"}, "", "203.0.113.9"},
		{"chain of trusted proxies", trusted, "10.1.2.3:5555", []string{"203.0.113.9, 10.9.9.9", "10.7.7.7"}, "", "203.0.113.9"},
		{"client-written entries left of the first untrusted hop are ignored", trusted, "10.1.2.3:5555", []string{"1.1.1.1, 203.0.113.9"}, "", "203.0.113.9"},
		{"malformed hop: the last trusted address", trusted, "10.1.2.3:5555", []string{"garbage, 10.9.9.9"}, "", "10.9.9.9"},
		{"only proxies in the chain: the left-most", trusted, "10.1.2.3:5555", []string{"10.4.4.4, 10.5.5.5"}, "", "10.4.4.4"},
		{"entry with a port", trusted, "10.1.2.3:5555", []string{"203.0.113.9:40000"}, "", "203.0.113.9"},
		{"IPv6 client in brackets", trusted, "[2001:db8:1::5]:443", []string{"[2001:db8:2::9]:443"}, "", "2001:db8:2::9"},
		{"IPv4-mapped peer", trusted, "[::ffff:10.1.2.3]:443", []string{"203.0.113.9"}, "", "203.0.113.9"},
		{"X-Real-IP from a trusted proxy", trusted, "10.1.2.3:5555", nil, "203.0.113.7", "203.0.113.7"},
		{"X-Real-IP from an untrusted peer", trusted, "198.51.100.4:5555", nil, "203.0.113.7", "198.51.100.4"},
		{"malformed X-Real-IP", trusted, "10.1.2.3:5555", nil, "nobody", "10.1.2.3"},
		{"empty header from a trusted proxy", trusted, "10.1.2.3:5555", []string{""}, "", "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.realIP != "" {
				r.Header.Set("X-Real-IP", tt.realIP)
			}
			if got := clientIP(r, tt.trusted); got != tt.want {
				t.Fatalf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

// The address the middleware decides is what handlers pass to identity:
// rate limits count it and the audit log records it.
func TestAuditRecordsTheForwardedClientBehindATrustedProxy(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations, identity.Migrations}, func(t *testing.T, d *db.DB) {
		log, err := audit.New(d, audit.Options{})
		if err != nil {
			t.Fatal(err)
		}
		svc, err := identity.New(d, identity.Options{Audit: log, SecretKey: make([]byte, identity.SecretKeyLen),
			Argon2: identity.Params{Memory: 8 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		trusted, _ := ParseTrustedProxies("10.0.0.0/8")
		login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := svc.Login(r.Context(), identity.LoginRequest{Login: "nobody", Password: "wrong password", IP: ClientIP(r)})
			w.Header().Set("X-Client", ClientIP(r))
			w.WriteHeader(httpStatus(err))
		})
		h := New(svc, access.NewGuard(access.Options{DB: d, Audit: log}), Options{TrustedProxies: trusted}).Handler(login)
		for _, c := range []struct{ remote, xff, want string }{
			{"10.1.2.3:5555", "203.0.113.9", "203.0.113.9"},
			{"198.51.100.4:5555", "203.0.113.66", "198.51.100.4"},
		} {
			r := httptest.NewRequest("POST", "/login", nil)
			r.RemoteAddr = c.remote
			r.Header.Set("X-Forwarded-For", c.xff)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if got := rec.Header().Get("X-Client"); got != c.want {
				t.Fatalf("ClientIP = %q, want %q", got, c.want)
			}
		}
		rows, err := d.Reader().QueryContext(context.Background(), "SELECT actor_ip FROM audit_entries WHERE action = 'identity.login.fail' ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ips []string
		for rows.Next() {
			var ip string
			if err := rows.Scan(&ip); err != nil {
				t.Fatal(err)
			}
			ips = append(ips, ip)
		}
		if len(ips) != 2 || ips[0] != "203.0.113.9" || ips[1] != "198.51.100.4" {
			t.Fatalf("audited addresses %v", ips)
		}
		var buckets int
		_ = d.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM identity_throttle WHERE bucket IN ('login:ip:203.0.113.9', 'login:ip:198.51.100.4')").Scan(&buckets)
		if buckets != 2 {
			t.Fatalf("rate limits counted on %d of the 2 client addresses", buckets)
		}
	})
}

func httpStatus(err error) int {
	if err != nil {
		return http.StatusUnauthorized
	}
	return http.StatusOK
}
