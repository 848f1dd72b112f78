package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "whsec_test"

var testNow = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// hit is one request as the receiver saw it.
type hit struct {
	Body      []byte
	Header    http.Header
	VerifyErr error
}

// receiver verifies each request's signature as a real receiver would and
// answers with the next of its scripted handlers (the last one repeats).
type receiver struct {
	mu      sync.Mutex
	hits    []hit
	answers []http.HandlerFunc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	n := len(rc.hits)
	rc.hits = append(rc.hits, hit{
		Body:      body,
		Header:    r.Header.Clone(),
		VerifyErr: VerifySignature(testSecret, body, r.Header.Get("X-Piaf-Signature"), testNow, time.Minute),
	})
	answer := rc.answers[min(n, len(rc.answers)-1)]
	rc.mu.Unlock()
	answer(w, r)
}

func (rc *receiver) got() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.hits)
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func startReceiver(t *testing.T, answers ...http.HandlerFunc) (*receiver, *httptest.Server) {
	rc := &receiver{answers: answers}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv
}

// testClient records its waits instead of sleeping.
func testClient(waits *[]time.Duration) *WebhookClient {
	return &WebhookClient{
		Now: func() time.Time { return testNow },
		Sleep: func(_ context.Context, d time.Duration) error {
			*waits = append(*waits, d)
			return nil
		},
	}
}

type reviewDue struct {
	Assessment int    `json:"assessment"`
	Title      string `json:"title"`
}

func statuses(ds []Delivery) []int {
	var out []int
	for i, d := range ds {
		if d.Attempt != i+1 {
			panic("attempts out of order")
		}
		out = append(out, d.Status)
	}
	return out
}

func TestWebhookDelivered(t *testing.T) {
	rc, srv := startReceiver(t, status(http.StatusNoContent))
	var waits []time.Duration
	ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL + "/hook", Secret: testSecret},
		"review.due", reviewDue{7, "Chatbot, RH"}, "reminder-review-7-d7")
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Status != 204 || ds[0].Err != "" || !ds[0].At.Equal(testNow) || ds[0].Duration <= 0 {
		t.Errorf("deliveries = %+v", ds)
	}
	hits := rc.got()
	if len(hits) != 1 {
		t.Fatalf("receiver got %d requests", len(hits))
	}
	h := hits[0]
	if h.VerifyErr != nil {
		t.Errorf("signature: %v", h.VerifyErr)
	}
	for k, want := range map[string]string{
		"Content-Type": "application/json", "X-Piaf-Event": "review.due", "X-Piaf-Delivery": "reminder-review-7-d7",
	} {
		if got := h.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	var body struct {
		Event  string    `json:"event"`
		ID     string    `json:"id"`
		SentAt time.Time `json:"sent_at"`
		Data   reviewDue `json:"data"`
	}
	if err := json.Unmarshal(h.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Event != "review.due" || body.ID != "reminder-review-7-d7" || !body.SentAt.Equal(testNow) || body.Data != (reviewDue{7, "Chatbot, RH"}) {
		t.Errorf("body = %s", h.Body)
	}
	if !strings.HasPrefix(string(h.Body), `{"event":"review.due","id":"reminder-review-7-d7","sent_at":"2026-03-01T09:00:00Z","data":{`) {
		t.Errorf("body fields out of order: %s", h.Body)
	}
	if len(waits) != 0 {
		t.Errorf("waited %v", waits)
	}
}

func TestWebhookRetriesThenSucceeds(t *testing.T) {
	rc, srv := startReceiver(t, status(500), status(502), status(200))
	var waits []time.Duration
	ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", reviewDue{7, "x"}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(ds); !slices.Equal(got, []int{500, 502, 200}) {
		t.Errorf("statuses = %v", got)
	}
	if ds[0].Err == "" || ds[2].Err != "" {
		t.Errorf("deliveries = %+v", ds)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	hits := rc.got()
	for i, h := range hits {
		if h.VerifyErr != nil {
			t.Errorf("attempt %d: signature: %v", i+1, h.VerifyErr)
		}
		if string(h.Body) != string(hits[0].Body) || h.Header.Get("X-Piaf-Delivery") != "k1" {
			t.Errorf("attempt %d differs from the first: %s", i+1, h.Body)
		}
	}
}

func TestWebhookNoRetryOnClientError(t *testing.T) {
	rc, srv := startReceiver(t, status(400))
	var waits []time.Duration
	ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("err = %v, want a 400", err)
	}
	if len(ds) != 1 || ds[0].Status != 400 || len(rc.got()) != 1 || len(waits) != 0 {
		t.Errorf("deliveries = %+v, waits = %v", ds, waits)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	rc, srv := startReceiver(t, status(503))
	var waits []time.Duration
	c := testClient(&waits)
	c.MaxAttempts, c.BaseDelay, c.MaxDelay = 4, 100*time.Millisecond, 250*time.Millisecond
	ds, err := c.Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if err == nil || !strings.Contains(err.Error(), "attempt 4") {
		t.Errorf("err = %v", err)
	}
	if got := statuses(ds); !slices.Equal(got, []int{503, 503, 503, 503}) || len(rc.got()) != 4 {
		t.Errorf("statuses = %v", got)
	}
	if want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}

	// Defaults: five attempts, 1s doubling.
	waits = nil
	ds, _ = testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k2")
	if want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}; len(ds) != 5 || !slices.Equal(waits, want) {
		t.Errorf("%d deliveries, waits %v; want 5, %v", len(ds), waits, want)
	}
}

func TestWebhookRetryAfter(t *testing.T) {
	retryAfter := func(v string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", v)
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}
	_, srv := startReceiver(t, retryAfter("3"), retryAfter("3600"), retryAfter(testNow.Add(20*time.Second).Format(http.TimeFormat)), status(200))
	var waits []time.Duration
	ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if err != nil {
		t.Fatal(err)
	}
	// 3s honoured; an hour is too long, so the backoff (2s) applies; an HTTP date 20s on is honoured.
	if want := []time.Duration{3 * time.Second, 2 * time.Second, 20 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	if got := statuses(ds); !slices.Equal(got, []int{429, 429, 429, 200}) {
		t.Errorf("statuses = %v", got)
	}
}

func TestWebhookRetriesNetworkErrors(t *testing.T) {
	hangUp := func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	_, srv := startReceiver(t, hangUp, slow, status(200))
	var waits []time.Duration
	c := testClient(&waits)
	c.AttemptTimeout = 100 * time.Millisecond
	ds, err := c.Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(ds); !slices.Equal(got, []int{0, 0, 200}) {
		t.Errorf("statuses = %v", got)
	}
	if ds[0].Err == "" || !strings.Contains(ds[1].Err, "deadline exceeded") {
		t.Errorf("errors = %q, %q", ds[0].Err, ds[1].Err)
	}
}

func TestWebhookRedirects(t *testing.T) {
	other, otherSrv := startReceiver(t, status(200))
	_, srv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherSrv.URL+"/stolen", http.StatusTemporaryRedirect)
	})
	var waits []time.Duration
	ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if err == nil || len(ds) != 1 || ds[0].Status != 307 || !strings.Contains(ds[0].Err, "redirect not followed") {
		t.Errorf("redirect to another host: err = %v, deliveries = %+v", err, ds)
	}
	if n := len(other.got()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}

	// 308 on the same host keeps the POST and is followed; 301 would turn it into a GET and is not.
	same, sameSrv := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
		case "/moved":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		default:
			w.WriteHeader(200)
		}
	})
	ds, err = testClient(&waits).Post(t.Context(), Webhook{URL: sameSrv.URL + "/old", Secret: testSecret}, "review.due", nil, "k2")
	if err != nil || len(ds) != 1 || ds[0].Status != 200 {
		t.Errorf("308 on the same host: err = %v, deliveries = %+v", err, ds)
	}
	if hits := same.got(); len(hits) != 2 || hits[1].VerifyErr != nil || len(hits[1].Body) == 0 {
		t.Errorf("redirected request not signed or without body: %+v", hits)
	}
	if _, err := testClient(&waits).Post(t.Context(), Webhook{URL: sameSrv.URL + "/moved", Secret: testSecret}, "review.due", nil, "k3"); err == nil {
		t.Error("301 followed as a success")
	}
}

func TestWebhookRefusesURLs(t *testing.T) {
	var waits []time.Duration
	for _, u := range []string{"ftp://example.org/hook", "file:///etc/passwd", "javascript:alert(1)", "example.org/hook", "http://", ""} {
		ds, err := testClient(&waits).Post(t.Context(), Webhook{URL: u, Secret: testSecret}, "review.due", nil, "k1")
		if err == nil || len(ds) != 0 {
			t.Errorf("Post(%q) = %v, %v; want refused", u, ds, err)
		}
	}
}

func TestWebhookStopsWhenContextEnds(t *testing.T) {
	_, srv := startReceiver(t, status(500))
	ctx, cancel := context.WithCancel(t.Context())
	c := &WebhookClient{Now: func() time.Time { return testNow }}
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}
	ds, err := c.Post(ctx, Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1")
	if !errors.Is(err, context.Canceled) || len(ds) != 1 {
		t.Errorf("err = %v, %d deliveries", err, len(ds))
	}
}

func TestSign(t *testing.T) {
	// Computed independently: HMAC-SHA256("whsec_test", `1772355600.{"event":"x"}`).
	want := "t=1772355600,v1=9a4f183035d3a525066075f6ef533fb9a5a6b2613dec503603329ed7c4c267d5"
	if got := Sign(testSecret, []byte(`{"event":"x"}`), testNow); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"event":"review.due","id":"k1"}`)
	sig := Sign(testSecret, body, testNow)
	tests := []struct {
		name   string
		secret string
		body   string
		header string
		now    time.Time
		want   error
	}{
		{"valid", testSecret, string(body), sig, testNow, nil},
		{"valid within tolerance", testSecret, string(body), sig, testNow.Add(4 * time.Minute), nil},
		{"tampered body", testSecret, `{"event":"review.due","id":"k2"}`, sig, testNow, ErrSignatureMismatch},
		{"wrong secret", "other", string(body), sig, testNow, ErrSignatureMismatch},
		{"replayed later", testSecret, string(body), sig, testNow.Add(10 * time.Minute), ErrSignatureExpired},
		{"from the future", testSecret, string(body), sig, testNow.Add(-10 * time.Minute), ErrSignatureExpired},
		{"new timestamp on old signature", testSecret, string(body), strings.Replace(sig, "t=1772355600", "t=1772356200", 1), testNow.Add(10 * time.Minute), ErrSignatureMismatch},
		{"rotated secret", testSecret, string(body), sig + ",v1=" + strings.Repeat("00", 32), testNow, nil},
		{"empty", testSecret, string(body), "", testNow, ErrSignatureMalformed},
		{"no v1", testSecret, string(body), "t=1772355600", testNow, ErrSignatureMalformed},
		{"bad hex", testSecret, string(body), "t=1772355600,v1=zz", testNow, ErrSignatureMalformed},
		{"bad time", testSecret, string(body), "t=soon,v1=00", testNow, ErrSignatureMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.secret, []byte(tt.body), tt.header, tt.now, 0)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Errorf("VerifySignature = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestWebhookReplayRejected sends a captured delivery again after the
// tolerance: the receiver's check refuses it.
func TestWebhookReplayRejected(t *testing.T) {
	rc, srv := startReceiver(t, status(200))
	var waits []time.Duration
	c := testClient(&waits)
	if _, err := c.Post(t.Context(), Webhook{URL: srv.URL, Secret: testSecret}, "review.due", nil, "k1"); err != nil {
		t.Fatal(err)
	}
	captured := rc.got()[0]
	later := testNow.Add(time.Hour)
	if err := VerifySignature(testSecret, captured.Body, captured.Header.Get("X-Piaf-Signature"), later, time.Minute); !errors.Is(err, ErrSignatureExpired) {
		t.Errorf("replay an hour later: %v, want ErrSignatureExpired", err)
	}
}

func TestPublicOnlyRefusesInternalAddresses(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	c := &WebhookClient{PublicOnly: true, MaxAttempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }}
	deliveries, err := c.Post(context.Background(), Webhook{URL: srv.URL + "/secret-path-token", Secret: "s"}, "test", nil, "k")
	if err == nil || hits != 0 {
		t.Fatalf("a loopback webhook was called: err %v, hits %d", err, hits)
	}
	if len(deliveries) != 1 {
		t.Errorf("a refused address was retried: %d attempts", len(deliveries))
	}
	if strings.Contains(deliveries[0].Err, "secret-path-token") || !strings.Contains(deliveries[0].Err, "private, loopback") {
		t.Errorf("delivery error %q", deliveries[0].Err)
	}
	for _, addr := range []string{"127.0.0.1:80", "10.1.2.3:443", "192.168.0.1:80", "169.254.169.254:80", "[::1]:80", "100.64.0.1:80", "[fe80::1]:80", "0.0.0.0:80"} {
		if err := publicOnly("tcp", addr, nil); err == nil {
			t.Errorf("%s allowed", addr)
		}
	}
	if err := publicOnly("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("a public address refused: %v", err)
	}
}

// Review of issue 17, item 6: IPv6 forms that embed an internal IPv4 address got through.
// The embedded forms are those of RFC 4291 2.5.5.1 (::a.b.c.d), RFC 6052 2.1 (64:ff9b::/96),
// RFC 3056 (2002:AABB:CCDD::) and RFC 4380 4 (Teredo, client address inverted).
func TestPublicOnlyRefusesEmbeddedInternalIPv4(t *testing.T) {
	for _, addr := range []string{
		"[::127.0.0.1]:80", "[::7f00:1]:80", "[64:ff9b::7f00:1]:80", "[64:ff9b::10.0.0.1]:80", "[64:ff9b::169.254.169.254]:80",
		"[2002:7f00:1::]:80", "[2002:a9fe:a9fe::1]:80", "[2001:0:4136:e378:8000:63bf:80ff:fffe]:80", // Teredo client 127.0.0.1
		"[64:ff9b:1::a00:1]:80", "[::ffff:0:7f00:1]:80", "198.18.0.1:80", "240.0.0.1:80", "0.1.2.3:80",
	} {
		if err := publicOnly("tcp", addr, nil); err == nil {
			t.Errorf("%s allowed", addr)
		}
	}
	for _, addr := range []string{"[64:ff9b::5db8:d822]:443", "[2002:5db8:d822::1]:443", "[2606:4700::1111]:443"} {
		if err := publicOnly("tcp", addr, nil); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}
