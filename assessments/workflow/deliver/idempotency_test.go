package deliver

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 17 item 7: every attempt of a webhook delivery carries the same Idempotency-Key (the
// outbox key), so a receiver can drop a duplicate.
func TestWebhookCarriesIdempotencyKey(t *testing.T) {
	rc, srv := startReceiver(t, status(http.StatusNoContent))
	var waits []time.Duration
	for range 2 { // a delivery sent twice, as after a crash
		if _, err := testClient(&waits).Post(t.Context(), Webhook{URL: srv.URL + "/hook", Secret: testSecret},
			"review.due", reviewDue{7, "Chatbot, RH"}, "reminder-review-7-d7"); err != nil {
			t.Fatal(err)
		}
	}
	hits := rc.got()
	if len(hits) != 2 {
		t.Fatalf("%d requests", len(hits))
	}
	for _, h := range hits {
		if got := h.Header.Get("Idempotency-Key"); got != "reminder-review-7-d7" {
			t.Errorf("Idempotency-Key = %q, want the delivery key", got)
		}
	}
}

// slowQuitServer speaks just enough SMTP (RFC 5321 §4.1) to accept one message, and then never
// answers QUIT, like the slow servers in the review. onQuit runs when QUIT arrives.
func slowQuitServer(t *testing.T, onQuit func()) (host string, port int) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := bufio.NewReader(conn)
				say := func(s string) { conn.Write([]byte(s + "\r\n")) }
				say("220 localhost ESMTP")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 localhost")
					case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
						say("250 OK")
					case cmd == "DATA":
						say("354 go ahead")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
						}
						say("250 queued")
					case cmd == "QUIT":
						onQuit()
						r.ReadString('\n') // never answer; wait for the client to hang up
						return
					default:
						say("502 not implemented")
					}
				}
			}()
		}
	}()
	addr := l.Addr().(*net.TCPAddr)
	return addr.IP.String(), addr.Port
}

// Issue 17 item 7: SendAccepted reports acceptance when DATA's final reply arrives, before QUIT,
// and a server that never answers QUIT neither fails the send nor holds it long.
func TestSendAcceptedBeforeQuit(t *testing.T) {
	var accepted, acceptedAtQuit atomic.Bool
	host, port := slowQuitServer(t, func() { acceptedAtQuit.Store(accepted.Load()) })
	m := NewMailer(testConfig(host, port, TLSNone))
	if err := m.SendAccepted(t.Context(), testEmail(), func() { accepted.Store(true) }); err != nil {
		t.Fatalf("send: %v", err)
	}
	if !accepted.Load() {
		t.Fatal("accepted was not called")
	}
	if !acceptedAtQuit.Load() {
		t.Fatal("accepted was called only after QUIT: a crash while waiting for QUIT's answer leaves the message unrecorded")
	}
}
