package web

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

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

// bodyIdle is how long a request body may go without a byte arriving: a client that stalls
// mid-upload is cut off then, instead of holding a handler, and shutdown, for the server's
// whole read timeout.
const bodyIdle = 10 * time.Second

// bodyReads tracks the requests whose bodies are being read, so that shutdown can end them.
type bodyReads struct {
	mu       sync.Mutex
	active   map[*http.ResponseController]struct{}
	stopping bool
}

// boundBodyReads gives every request body an idle deadline that each read renews.
func (s *Server) boundBodyReads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		rc := http.NewResponseController(c.Response().Writer)
		if rc.SetReadDeadline(time.Now().Add(bodyIdle)) != nil {
			return next(c) // not supported by this connection: the server's ReadTimeout applies
		}
		b := &s.bodies
		b.mu.Lock()
		if b.stopping {
			rc.SetReadDeadline(time.Now())
		}
		if b.active == nil {
			b.active = map[*http.ResponseController]struct{}{}
		}
		b.active[rc] = struct{}{}
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			delete(b.active, rc)
			b.mu.Unlock()
		}()
		r.Body = &idleBody{ReadCloser: r.Body, rc: rc, b: b}
		return next(c)
	}
}

type idleBody struct {
	io.ReadCloser
	rc *http.ResponseController
	b  *bodyReads
}

func (ib *idleBody) Read(p []byte) (int, error) {
	n, err := ib.ReadCloser.Read(p)
	if n > 0 {
		ib.b.mu.Lock()
		if !ib.b.stopping {
			ib.rc.SetReadDeadline(time.Now().Add(bodyIdle))
		}
		ib.b.mu.Unlock()
	}
	return n, err
}

// StopReadingBodies ends the reading of every request body in flight, and of those that come
// after: call it when shutdown starts (http.Server.RegisterOnShutdown), so that a stalled
// upload does not hold the shutdown.
func (s *Server) StopReadingBodies() {
	b := &s.bodies
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopping = true
	for rc := range b.active {
		rc.SetReadDeadline(time.Now())
	}
}
