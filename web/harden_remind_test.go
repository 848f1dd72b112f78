package web_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
)

// Issue 17 item 7: a reminder email is recorded as sent as soon as the mail server has accepted
// it (DATA's final 250), before QUIT, so a pass killed while waiting for QUIT's answer does not
// leave it "sending" to be sent again; and it carries a Message-ID derived from its outbox key.
func TestReminderEmailIsMarkedSentBeforeQuit(t *testing.T) {
	f := approvedFixture(t)
	a := f.app

	db, err := sql.Open("sqlite", "file:"+a.store.Path()+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	var atQuit []string // status of the email items when QUIT arrived
	var data []string
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
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
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
						say("250 OK")
					case cmd == "DATA":
						say("354 go ahead")
						var b strings.Builder
						for {
							l, err := r.ReadString('\n')
							if err != nil || l == ".\r\n" {
								break
							}
							b.WriteString(l)
						}
						mu.Lock()
						data = append(data, b.String())
						mu.Unlock()
						say("250 queued")
					case cmd == "QUIT":
						var status string
						db.QueryRow("SELECT group_concat(status) FROM outbox WHERE channel = 'email'").Scan(&status)
						mu.Lock()
						atQuit = append(atQuit, status)
						mu.Unlock()
						r.ReadString('\n') // never answer QUIT
						return
					default:
						say("502 not implemented")
					}
				}
			}()
		}
	}()
	smtp := deliver.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "piaf@example.org", TLS: deliver.TLSNone}
	raw, _ := json.Marshal(smtp)
	a.store.SetSetting(t.Context(), "smtp", string(raw), 0)

	due, _ := time.Parse(time.DateOnly, f.nextReview(t))
	clk := a.useClock(due.AddDate(0, 0, -7).Add(9 * time.Hour))
	rep, err := a.web.Workflow().RemindOnce(t.Context(), clk.now(), false)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if rep.Sent == 0 || len(atQuit) == 0 {
		t.Fatalf("no email went out: %+v", rep)
	}
	for _, s := range atQuit {
		if s != "sent" {
			t.Fatalf("outbox status when the server got QUIT: %q, want sent (recorded at DATA's 250)", s)
		}
	}
	var key string
	if err := db.QueryRow("SELECT key FROM outbox WHERE channel = 'email'").Scan(&key); err != nil {
		t.Fatal(err)
	}
	if want := "Message-ID: <" + workflow.OutboxMessageID(key) + ">"; !strings.Contains(data[0], want) {
		t.Fatalf("the email lacks %q:\n%s", want, data[0])
	}
}
