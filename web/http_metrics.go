package web

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// metrics counts requests for Prometheus. Routes are the registered patterns (/projects/:id), never
// raw paths, so the label set stays small and carries no identifiers.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	latency  map[string]*histogram
}

type requestKey struct {
	method, route string
	status        int
}

var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, status}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.latency[route] = h
	}
	sec := d.Seconds()
	for i, b := range latencyBuckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.count++
}

// measure records every request, including those that end in an error page.
func (s *Server) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(c.Request().Method, route, c.Response().Status, time.Since(start))
		return nil
	}
}

func (s *Server) handleMetrics(c echo.Context) error {
	// Request counts by route tell what administrators do and when: without a token, only
	// this machine may read them.
	if s.cfg.MetricsToken == "" && !fromLoopback(c.Request()) {
		return errNotFound
	}
	if s.cfg.MetricsToken != "" {
		got := strings.TrimPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
			return c.String(http.StatusUnauthorized, "send the metrics token as Authorization: Bearer <token>\n")
		}
	}
	open, err := s.store.CountOpenSessions(c.Request().Context(), s.cfg.Sessions)
	if err != nil {
		return err
	}
	var b strings.Builder
	s.metrics.write(&b)
	fmt.Fprintf(&b, "# HELP piaf_open_sessions Signed-in browser sessions that have not expired.\n# TYPE piaf_open_sessions gauge\npiaf_open_sessions %d\n", open)
	return c.Blob(http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(b.String()))
}

func (m *metrics) write(b *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.WriteString("# HELP piaf_http_requests_total HTTP requests by method, route and status.\n# TYPE piaf_http_requests_total counter\n")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		if keys[i].method != keys[j].method {
			return keys[i].method < keys[j].method
		}
		return keys[i].status < keys[j].status
	})
	for _, k := range keys {
		fmt.Fprintf(b, "piaf_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n", k.method, k.route, k.status, m.requests[k])
	}
	b.WriteString("# HELP piaf_http_request_duration_seconds Time to answer HTTP requests, by route.\n# TYPE piaf_http_request_duration_seconds histogram\n")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(b, "piaf_http_request_duration_seconds_bucket{route=%q,le=\"%s\"} %d\n", r, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(b, "piaf_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.count)
		fmt.Fprintf(b, "piaf_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(b, "piaf_http_request_duration_seconds_count{route=%q} %d\n", r, h.count)
	}
}

func (s *Server) handleHealth(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		s.log.Error("health check: database unreachable", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database unreachable"})
	}
	check := s.startupCheck
	if check == "" {
		check = "not run"
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "startup_check": check})
}

// SetStartupCheck records the verdict of the database check made before serving ("ok",
// "incomplete"), which /healthz reports. Call it before serving.
func (s *Server) SetStartupCheck(verdict string) { s.startupCheck = verdict }
