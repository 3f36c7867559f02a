package identityhttp

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// ParseTrustedProxies parses the --trusted-proxies list: CIDR prefixes or
// single addresses separated by commas or spaces ("10.0.0.0/8,
// 192.0.2.10, fd00::/8"). An empty list trusts no proxy.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, apperr.New(apperr.Invalid, "--trusted-proxies: %q không phải địa chỉ IP hay dải CIDR (ví dụ 10.0.0.0/8, 192.0.2.10)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientIP is the address of the person behind a request. It is the TCP
// peer, unless that peer is one of the trusted proxies: then it is the
// right-most X-Forwarded-For address that is not itself a trusted proxy
// (addresses further left were written by the client and prove nothing),
// or X-Real-IP when there is no X-Forwarded-For. A malformed header never
// wins over the proxy's own address.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	if hops := r.Header.Values("X-Forwarded-For"); len(hops) > 0 {
		var list []string
		for _, h := range hops {
			list = append(list, strings.Split(h, ",")...)
		}
		client := peer
		for i := len(list) - 1; i >= 0; i-- {
			a := hopAddr(list[i])
			if !a.IsValid() {
				break
			}
			client = a
			if !isTrusted(a, trusted) {
				break
			}
		}
		return client.String()
	}
	if a := hopAddr(r.Header.Get("X-Real-IP")); a.IsValid() {
		return a.String()
	}
	return peer.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr parses a RemoteAddr ("192.0.2.1:5555", "[2001:db8::1]:443").
func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// hopAddr parses one forwarded address: bare, or with a port, or an IPv6
// address in brackets.
func hopAddr(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}
