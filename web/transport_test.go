package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/piaf-dev/piaf/store/storetest"
	"github.com/piaf-dev/piaf/web"
)

// Review of issue 17, item 6: no Strict-Transport-Security over direct TLS.
func TestStrictTransportSecurityOverHTTPS(t *testing.T) {
	cfg := web.DefaultConfig()
	cfg.KeysDir = sharedKeys(t)
	h := web.New(storetest.New(t), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler()
	tlsSrv := httptest.NewTLSServer(h)
	defer tlsSrv.Close()
	res, err := tlsSrv.Client().Get(tlsSrv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("over HTTPS, Strict-Transport-Security = %q", got)
	}
	plain := httptest.NewServer(h)
	defer plain.Close()
	res, err = http.Get(plain.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("over plain HTTP, Strict-Transport-Security = %q (browsers ignore it there, and it must not be sent)", got)
	}
}

// Review of issue 17, item 6: /metrics was open to anyone by default.
func TestMetricsWithoutTokenOnlyFromThisMachine(t *testing.T) {
	a := newApp(t)
	if r := a.api("GET", "/metrics", "", ""); r.status != 200 {
		t.Errorf("metrics from loopback: %d", r.status)
	}
	for name, edit := range map[string]func(*http.Request){
		"another host":          func(r *http.Request) { r.RemoteAddr = "203.0.113.5:40000" },
		"through a local proxy": func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.5") },
		"Forwarded header":      func(r *http.Request) { r.Header.Set("Forwarded", "for=203.0.113.5") },
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		edit(req)
		rec := httptest.NewRecorder()
		a.web.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("metrics from %s without a token: %d, want 404", name, rec.Code)
		}
	}
}
