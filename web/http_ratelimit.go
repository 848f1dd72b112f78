package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// limiter allows each client address n requests per window, for the few routes open to anyone
// that cost real work (report verification).
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[string][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, seen: map[string][]time.Time{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(l.seen) > 10000 { // forget everyone rather than grow without bound
		l.seen = map[string][]time.Time{}
	}
	if len(recent) >= l.n {
		l.seen[key] = recent
		return false
	}
	l.seen[key] = append(recent, now)
	return true
}

func (l *limiter) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !l.allow(c.RealIP(), time.Now()) {
			return &httpError{status: http.StatusTooManyRequests, msg: "Too many requests from your address. Wait a minute and try again."}
		}
		return next(c)
	}
}
