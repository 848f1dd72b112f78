package web

import (
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// limiter allows each client n requests per window, for the few routes open to anyone that cost
// real work (report verification). It keeps one time per client (the generic cell rate
// algorithm: the time at which the client's allowance is whole again), so memory is bounded by
// maxClients without forgetting anyone who is still limited: a client whose allowance is whole
// again carries no state and is dropped without loss. When maxClients clients are all still
// limited, newcomers share one overflow allowance instead of evicting anyone.
type limiter struct {
	mu         sync.Mutex
	interval   time.Duration // one request's share of the window
	window     time.Duration
	maxClients int
	full       map[string]time.Time // client -> when its allowance is whole again
	overflow   time.Time
	nextSweep  time.Time
}

const defaultMaxClients = 10000

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{interval: window / time.Duration(n), window: window, maxClients: defaultMaxClients, full: map[string]time.Time{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	whole, known := l.full[key]
	if !known && len(l.full) >= l.maxClients {
		l.sweep(now)
	}
	shared := !known && len(l.full) >= l.maxClients
	if shared {
		whole = l.overflow
	}
	if whole.Before(now) {
		whole = now
	}
	if whole.Add(l.interval).Sub(now) > l.window {
		return false
	}
	if shared {
		l.overflow = whole.Add(l.interval)
	} else {
		l.full[key] = whole.Add(l.interval)
	}
	return true
}

// sweep drops the clients whose allowance is whole again, at most once per interval so that a
// flood of new addresses does not make every request walk the table.
func (l *limiter) sweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.interval)
	for k, whole := range l.full {
		if !whole.After(now) {
			delete(l.full, k)
		}
	}
}

// clientKey is the address a limit applies to: IPv6 clients get a /64 each, as one host
// usually holds a whole /64 and could otherwise take a fresh address per request.
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (l *limiter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !l.allow(clientKey(c.RealIP()), time.Now()) {
			return &httpError{status: http.StatusTooManyRequests, msg: "Too many requests from your address. Wait a minute and try again."}
		}
		return next(c)
	}
}
