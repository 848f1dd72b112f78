package web

import (
	"net"
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// strictTransport tells browsers that reached piaf over HTTPS, directly or through a trusted
// proxy, to use nothing else for this host for a year (no includeSubDomains: other hosts of the
// domain are not piaf's to decide).
func (s *Server) strictTransport(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.secure(c) {
			c.Response().Header().Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// fromLoopback tells whether the request comes from this machine and was not forwarded by a
// proxy: the peer address is a loopback one and no forwarding header is present. A reverse
// proxy on the same machine connects from loopback on behalf of everyone, but says so.
func fromLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
