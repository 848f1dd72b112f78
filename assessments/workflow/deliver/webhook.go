package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook is a receiver: where to POST and the secret to sign with. An empty
// secret still signs, but then the signature proves nothing.
type Webhook struct {
	URL    string
	Secret string
}

// Sign returns the X-Piaf-Signature header value for body sent at timestamp:
//
//	t=<unix seconds>,v1=<hex HMAC-SHA256 with key secret of "<unix seconds>.<body>">
//
// A receiver recomputes the HMAC over the raw body it received, compares in
// constant time, and rejects a timestamp too far from its clock, which stops a
// captured request from being replayed later. VerifySignature does all that.
func Sign(secret string, body []byte, timestamp time.Time) string {
	ts := strconv.FormatInt(timestamp.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(signature(secret, ts, body))
}

func signature(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return mac.Sum(nil)
}

// Errors from VerifySignature.
var (
	ErrSignatureMalformed = errors.New("webhook signature header is malformed")
	ErrSignatureMismatch  = errors.New("webhook signature does not match the body")
	ErrSignatureExpired   = errors.New("webhook signature timestamp is outside the tolerance")
)

// DefaultSignatureTolerance is what VerifySignature uses for a tolerance <= 0.
const DefaultSignatureTolerance = 5 * time.Minute

// VerifySignature checks a signature header made by Sign against the raw body
// and secret, and that its timestamp is within tolerance of now in either
// direction. Several v1 values may be present (as while a secret is rotated);
// one matching is enough.
func VerifySignature(secret string, body []byte, header string, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultSignatureTolerance
	}
	var ts string
	var sigs [][]byte
	for _, field := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return ErrSignatureMalformed
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil {
				return ErrSignatureMalformed
			}
			sigs = append(sigs, sig)
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMalformed
	}
	want := signature(secret, ts, body)
	matched := false
	for _, sig := range sigs {
		matched = matched || hmac.Equal(sig, want)
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed at %s, %s from now", ErrSignatureExpired, time.Unix(unix, 0).UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	return nil
}

// Delivery records one attempt, for the delivery log.
type Delivery struct {
	Attempt  int           // from 1
	Status   int           // HTTP status, 0 when no response came
	Err      string        // empty on success
	At       time.Time     // when the attempt started
	Duration time.Duration // until the response headers, or the error
}

// WebhookClient posts signed JSON events. The zero value is ready to use with
// the defaults noted on each field.
type WebhookClient struct {
	// HTTPClient sends the requests (default: a client with
	// http.DefaultTransport). Its redirect policy is replaced: only
	// 307/308 redirects to the same host are followed.
	HTTPClient *http.Client

	MaxAttempts    int           // default 5
	BaseDelay      time.Duration // wait before the 2nd attempt, doubling after; default 1s
	MaxDelay       time.Duration // cap on a wait, and on an honoured Retry-After; default 30s
	AttemptTimeout time.Duration // per attempt; default 10s

	// Sleep waits between attempts (default: a timer that ctx can cut short).
	// Tests set it to record the waits instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now stamps sent_at, signatures and deliveries (default time.Now).
	Now func() time.Time
	// PublicOnly refuses connections to loopback, private, link-local and other internal
	// addresses, checked on the address actually dialled (after DNS), with the default client.
	PublicOnly bool
}

// Post sends payload as event to hook and returns every attempt made. The
// body is
//
//	{"event": event, "id": idempotencyKey, "sent_at": RFC 3339 UTC, "data": payload}
//
// with headers Content-Type: application/json, X-Piaf-Event, X-Piaf-Delivery
// (the idempotency key, for the receiver to drop duplicates) and
// X-Piaf-Signature (see Sign). The body is the same on every attempt; the
// signature is made afresh for each, so a late retry is not taken for a
// replay.
//
// A 2xx response is success. Network errors, timeouts, 429 and 5xx are
// retried with exponential backoff, waiting Retry-After instead when the
// server gives one no longer than MaxDelay. Other statuses are final. The
// error is non-nil when no attempt succeeded.
func (c *WebhookClient) Post(ctx context.Context, hook Webhook, event string, payload any, idempotencyKey string) ([]Delivery, error) {
	u, err := url.Parse(hook.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("deliver: webhook URL %q is not an http or https URL", hook.URL)
	}
	if event == "" || strings.ContainsAny(event, "\r\n") {
		return nil, fmt.Errorf("deliver: webhook event %q is not a valid name", event)
	}
	if idempotencyKey == "" || strings.ContainsAny(idempotencyKey, "\r\n") {
		return nil, errors.New("deliver: webhook idempotency key is missing or contains a line break")
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("deliver: webhook payload: %w", err)
	}
	body, err := json.Marshal(struct {
		Event  string          `json:"event"`
		ID     string          `json:"id"`
		SentAt string          `json:"sent_at"`
		Data   json.RawMessage `json:"data"`
	}{event, idempotencyKey, c.now().UTC().Format(time.RFC3339), data})
	if err != nil {
		return nil, fmt.Errorf("deliver: webhook body: %w", err)
	}

	hc := c.httpClient()
	var deliveries []Delivery
	for attempt := 1; ; attempt++ {
		d, retryAfter, retry := c.attempt(ctx, hc, u.String(), hook.Secret, event, idempotencyKey, body)
		d.Attempt = attempt
		deliveries = append(deliveries, d)
		if d.Err == "" {
			return deliveries, nil
		}
		if err := ctx.Err(); err != nil {
			return deliveries, fmt.Errorf("deliver: webhook %s: attempt %d: %w", u.Redacted(), attempt, err)
		}
		if !retry || attempt >= c.maxAttempts() {
			return deliveries, fmt.Errorf("deliver: webhook %s: attempt %d: %s", u.Redacted(), attempt, d.Err)
		}
		wait := c.backoff(attempt)
		if retryAfter > 0 && retryAfter <= c.maxDelay() {
			wait = retryAfter
		}
		if err := c.sleep(ctx, wait); err != nil {
			return deliveries, fmt.Errorf("deliver: webhook %s: after attempt %d: %w", u.Redacted(), attempt, err)
		}
	}
}

// attempt makes one request; retry says whether another may succeed.
func (c *WebhookClient) attempt(ctx context.Context, hc *http.Client, target, secret, event, key string, body []byte) (d Delivery, retryAfter time.Duration, retry bool) {
	d.At = c.now()
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.attemptTimeout())
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		d.Err = withoutURL(err)
		return d, 0, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "piaf-webhook/1")
	req.Header.Set("X-Piaf-Event", event)
	req.Header.Set("X-Piaf-Delivery", key)
	// The same key on every attempt and every retry of this delivery (the outbox key): a
	// receiver that remembers keys it has processed can drop duplicates.
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set("X-Piaf-Signature", Sign(secret, body, d.At))

	resp, err := hc.Do(req)
	d.Duration = time.Since(start)
	if err != nil {
		d.Err = withoutURL(err)
		return d, 0, !errors.Is(err, ErrForbiddenAddress)
	}
	// Drain a little so the connection can be reused; the receiver's answer
	// is not ours to keep.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()

	d.Status = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return d, 0, false
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		d.Err = "HTTP " + resp.Status
		return d, parseRetryAfter(resp.Header.Get("Retry-After"), c.now()), true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		d.Err = "HTTP " + resp.Status + ": redirect not followed (only 307/308 to the same host are)"
		return d, 0, false
	default:
		d.Err = "HTTP " + resp.Status
		return d, 0, false
	}
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (c *WebhookClient) httpClient() *http.Client {
	hc := http.Client{}
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	} else if c.PublicOnly {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // a proxy would dial for us, past the check
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, Control: publicOnly}).DialContext
		hc.Transport = t
	}
	hc.CheckRedirect = sameHostRedirect
	return &hc
}

// sameHostRedirect follows only redirects that keep the POST and its body
// (307, 308: a 301/302/303 would turn it into a bodiless GET that "succeeds")
// and that stay on the original scheme, host and port: the signature and
// delivery headers are not for anyone else.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	orig := via[0].URL
	if len(via) >= 3 || req.Method != http.MethodPost ||
		!strings.EqualFold(req.URL.Host, orig.Host) || req.URL.Scheme != orig.Scheme {
		return http.ErrUseLastResponse
	}
	return nil
}

func (c *WebhookClient) backoff(attempt int) time.Duration {
	d := c.baseDelay()
	for i := 1; i < attempt && d < c.maxDelay(); i++ {
		d *= 2
	}
	return min(d, c.maxDelay())
}

func (c *WebhookClient) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *WebhookClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *WebhookClient) maxAttempts() int { return orDefault(c.MaxAttempts, 5) }
func (c *WebhookClient) baseDelay() time.Duration {
	return orDefault(c.BaseDelay, time.Second)
}
func (c *WebhookClient) maxDelay() time.Duration {
	return orDefault(c.MaxDelay, 30*time.Second)
}
func (c *WebhookClient) attemptTimeout() time.Duration {
	return orDefault(c.AttemptTimeout, 10*time.Second)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// withoutURL describes a request error without the URL, whose path often works as a password.
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		host := ""
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		return ue.Op + " " + host + ": " + ue.Err.Error()
	}
	return err.Error()
}

// ErrForbiddenAddress refuses a webhook to an address inside the network piaf runs in: anyone
// who owns a project can add a webhook, and must not be able to make piaf probe internal hosts.
var ErrForbiddenAddress = errors.New("the address is private, loopback or link-local, which webhooks may not reach")

// publicOnly is a dialer check that lets connections through to public addresses only.
func publicOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	if internalAddr(ip) {
		return ErrForbiddenAddress
	}
	return nil
}

// internalAddr tells whether ip is, or embeds, an address inside the network: IPv6 forms that
// carry an IPv4 address (IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4, Teredo) reach
// that IPv4 address through a translator or relay, so they are judged by it.
func internalAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsMulticast() ||
		ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range reservedRanges {
		if p.Contains(ip) {
			return true
		}
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return internalAddr(v4)
	}
	return false
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, for the forms that carry one.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case ipv4Compatible.Contains(ip), nat64.Contains(ip), ipv4Translated.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(ip): // the client's address, with every bit inverted
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

var (
	ipv4Compatible = netip.MustParsePrefix("::/96")           // RFC 4291 2.5.5.1, deprecated
	ipv4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // RFC 2765 (SIIT)
	nat64          = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052
	sixToFour      = netip.MustParsePrefix("2002::/16")       // RFC 3056
	teredo         = netip.MustParsePrefix("2001::/32")       // RFC 4380
	// reservedRanges are not public, beyond what netip's predicates cover (IANA special-purpose
	// registries): "this network", shared address space (carrier-grade NAT), IETF protocol
	// assignments, benchmarking, reserved, and the local-use NAT64 prefix (RFC 8215).
	reservedRanges = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("192.0.0.0/24"),
		netip.MustParsePrefix("198.18.0.0/15"),
		netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("64:ff9b:1::/48"),
	}
)
