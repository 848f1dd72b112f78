package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/remind"
	"github.com/piaf-dev/piaf/assessments/workflow/deliver"
	"github.com/piaf-dev/piaf/store"
)

// approvedFixture is an approved assessment: submitted by the assessor, approved by the reviewer.
func approvedFixture(t *testing.T) *reviewFixture {
	f := newReviewFixture(t)
	a := f.app
	if r := a.api("POST", f.base+"/submit", a.token(f.users[assessor]), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := a.api("POST", f.base+"/approve", a.token(f.users[reviewer]), "", "If-Match", f.etag(t)); r.status != 200 {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	return f
}

func (f *reviewFixture) nextReview(t *testing.T) string {
	var b struct {
		NextReviewAt string `json:"next_review_at"`
	}
	f.app.api("GET", f.base, f.app.token(f.users[owner]), "").json(t, &b)
	return b.NextReviewAt
}

// clock is a settable time shared by the store and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (a *app) useClock(t time.Time) *clock {
	c := &clock{t: t}
	a.store.SetClock(c.now)
	a.web.SetClock(c.now)
	return c
}

func TestApprovalSetsNextReviewByResidualRisk(t *testing.T) {
	f := approvedFixture(t)
	// The fixture's answers leave significant or maximum residual risks (mitigated, not lowered):
	// the default policy gives them three months.
	want := remind.NextReview(time.Now(), assessments.LevelMaximum, remind.DefaultPolicy()).Format(time.DateOnly)
	if got := f.nextReview(t); got != want {
		t.Fatalf("next review %q, want %s", got, want)
	}
	a := f.app
	list := a.signedIn(f.users[viewer]).get("/projects")
	if !list.has("pia-status") || !strings.Contains(list.body, "Approved") || !strings.Contains(list.body, "review by "+want) {
		t.Error("the project list does not show the approved assessment and its review date")
	}
	// An owner may bring it forward, not push it back; an admin may do both.
	earlier := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	later := time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
	if r := a.api("PUT", f.base+"/next-review", a.token(f.users[owner]), `{"next_review_at":"`+later+`"}`); r.status != 422 {
		t.Errorf("owner pushed the review back: %d %s", r.status, r.body)
	}
	if r := a.api("PUT", f.base+"/next-review", a.token(f.users[owner]), `{"next_review_at":"`+earlier+`"}`); r.status != 200 {
		t.Errorf("owner brought the review forward: %d %s", r.status, r.body)
	}
	if r := a.api("PUT", f.base+"/next-review", a.token(f.users[assessor]), `{"next_review_at":"`+earlier+`"}`); r.status != 403 {
		t.Errorf("assessor set the review date: %d", r.status)
	}
	if r := a.api("PUT", f.base+"/next-review", a.token(f.users[admin]), `{"next_review_at":"`+later+`"}`); r.status != 200 {
		t.Errorf("admin pushed the review back: %d %s", r.status, r.body)
	}
	if got := f.nextReview(t); got != later {
		t.Errorf("next review %q, want %q", got, later)
	}
}

func TestMaterialChangeRequiresReassessment(t *testing.T) {
	f := approvedFixture(t)
	a := f.app
	oc := a.signedIn(f.users[owner])
	before, _ := a.store.UnreadNotifications(t.Context(), f.users[owner].ID)
	// A change of wording that is not material does nothing.
	path := fmt.Sprintf("/api/v1/projects/%d", f.project.ID)
	a.api("PATCH", path, a.token(f.users[assessor]), `{"name":"Support bot v2"}`)
	if r := a.api("GET", f.base, a.token(f.users[owner]), ""); strings.Contains(r.body, "reassessment_required") {
		t.Fatal("renaming the project required a re-assessment")
	}
	// A new base model does.
	if r := a.api("PATCH", path, a.token(f.users[assessor]), `{"base_model":"Llama 4 70B"}`); r.status != 200 {
		t.Fatalf("patch: %d", r.status)
	}
	r := a.api("GET", f.base, a.token(f.users[owner]), "")
	if !strings.Contains(r.body, `"reassessment_required":"The project's base model changed`) {
		t.Fatalf("no re-assessment required: %s", r.body)
	}
	if after, _ := a.store.UnreadNotifications(t.Context(), f.users[owner].ID); after != before+1 {
		t.Errorf("owner notifications %d → %d, want one more", before, after)
	}
	page := oc.get(fmt.Sprintf("/projects/%d", f.project.ID))
	if !page.has("reassessment-required") || !strings.Contains(page.body, "base model changed") {
		t.Error("the project page shows no re-assessment banner")
	}
	// Adding a dataset afterwards does not notify again: one banner until a new cycle.
	oc.post(fmt.Sprintf("/projects/%d/datasets/new", f.project.ID), url.Values{"ds_name": {"chat logs"}})
	if after, _ := a.store.UnreadNotifications(t.Context(), f.users[owner].ID); after != before+1 {
		t.Errorf("a second change notified again: %d", after)
	}
	if dash := oc.get("/"); !dash.has("due-list") || !strings.Contains(dash.body, "required now") {
		t.Error("the dashboard does not list the required re-assessment")
	}
	// A new cycle clears the banner.
	if r := a.api("POST", f.base+"/reassess", a.token(f.users[assessor]), ""); r.status != 201 {
		t.Fatalf("reassess: %d %s", r.status, r.body)
	}
	if page := oc.get(fmt.Sprintf("/projects/%d", f.project.ID)); page.has("reassessment-required") {
		t.Error("the banner stayed after the new cycle started")
	}
}

// mailbox is a real SMTP server the tests send to.
type mailbox struct {
	mu   sync.Mutex
	msgs []struct {
		to   []string
		data []byte
	}
}

func (b *mailbox) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &mailSession{box: b}, nil }

type mailSession struct {
	box *mailbox
	to  []string
}

func (s *mailSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	s.box.mu.Lock()
	s.box.msgs = append(s.box.msgs, struct {
		to   []string
		data []byte
	}{s.to, data})
	s.box.mu.Unlock()
	return err
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

func (b *mailbox) count() int { b.mu.Lock(); defer b.mu.Unlock(); return len(b.msgs) }

func startMailbox(t *testing.T) (*mailbox, deliver.SMTPConfig) {
	box := &mailbox{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gosmtp.NewServer(box)
	srv.Domain = "localhost"
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return box, deliver.SMTPConfig{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "piaf@example.org", TLS: deliver.TLSNone}
}

func TestRemindersAreSentOnceOnEveryChannel(t *testing.T) {
	f := approvedFixture(t)
	a := f.app
	box, smtp := startMailbox(t)
	raw, _ := json.Marshal(smtp)
	a.store.SetSetting(t.Context(), "smtp", string(raw), 0)

	// A webhook receiver that checks every signature and fails the first request.
	var secret string
	var mu sync.Mutex
	var bodies []string
	failures := 1
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := deliver.VerifySignature(secret, body, r.Header.Get("X-Piaf-Signature"), time.Now(), time.Hour); err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		bodies = append(bodies, string(body))
	}))
	defer receiver.Close()
	hook, err := a.store.CreateWebhook(t.Context(), f.project.ID, receiver.URL, f.users[owner].ID)
	if err != nil {
		t.Fatal(err)
	}
	secret = hook.Secret

	due, _ := time.Parse(time.DateOnly, f.nextReview(t))
	clk := a.useClock(due.AddDate(0, 0, -7).Add(9 * time.Hour)) // a week before the review
	rep, err := a.web.Workflow().RemindOnce(t.Context(), clk.now(), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Due == 0 || rep.Sent == 0 {
		t.Fatalf("first pass: %+v", rep)
	}
	// The owner got an email with both parts and the link.
	if box.count() == 0 {
		t.Fatal("no email sent")
	}
	box.mu.Lock()
	msg := box.msgs[0]
	box.mu.Unlock()
	if len(msg.to) != 1 || msg.to[0] != f.users[owner].Email {
		t.Errorf("email to %v, want the owner", msg.to)
	}
	text, html, subject := emailParts(t, msg.data)
	if !strings.Contains(subject, "Re-assessment due in 7 days") {
		t.Errorf("subject %q", subject)
	}
	link := fmt.Sprintf("/assessments/%d", f.id)
	if !strings.Contains(text, link) || !strings.Contains(html, link) || !strings.Contains(text, "/account#notifications") {
		t.Errorf("the email lacks the link or the settings link:\n%s\n%s", text, html)
	}
	// In-app too.
	notes, _ := a.store.Notifications(t.Context(), f.users[owner].ID, 50)
	if len(notes) == 0 || !strings.Contains(notes[0].Title, "Re-assessment due in 7 days") {
		t.Errorf("in-app notifications: %+v", notes)
	}
	// The webhook failed once: retried after its backoff, then delivered once.
	if len(bodies) != 0 || rep.Failed != 1 {
		t.Fatalf("webhook on the first pass: %d bodies, %d failed", len(bodies), rep.Failed)
	}
	emails := box.count()
	for i := 0; i < 3; i++ { // the same moment again: nothing new
		if rep, _ := a.web.Workflow().RemindOnce(t.Context(), clk.now(), false); rep.Queued != 0 || rep.Sent != 0 {
			t.Fatalf("a repeated pass sent again: %+v", rep)
		}
	}
	clk.set(clk.now().Add(10 * time.Minute))
	a.web.Workflow().RemindOnce(t.Context(), clk.now(), false)
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"stage":"before-7"`) {
		t.Fatalf("webhook after the retry: %q", bodies)
	}
	if box.count() != emails {
		t.Errorf("emails sent again: %d → %d", emails, box.count())
	}
	deliveries, _ := a.store.WebhookDeliveries(t.Context(), hook.ID, 10)
	if len(deliveries) != 2 || deliveries[1].Status != 503 || deliveries[0].Status != 200 {
		t.Errorf("delivery log: %+v", deliveries)
	}
}

func emailParts(t *testing.T, data []byte) (text, html, subject string) {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			html = string(b)
		} else {
			text = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("the email lacks a part:\n%s", data)
	}
	return text, html, subject
}

func TestConcurrentPassesAndACrashSendOnce(t *testing.T) {
	f := approvedFixture(t)
	a := f.app
	due, _ := time.Parse(time.DateOnly, f.nextReview(t))
	clk := a.useClock(due.AddDate(0, 0, -1).Add(9 * time.Hour))
	owners := []int64{f.users[owner].ID}
	count := func() int {
		n := 0
		for _, id := range owners {
			notes, _ := a.store.Notifications(t.Context(), id, 100)
			for _, x := range notes {
				if strings.Contains(x.Title, "due tomorrow") {
					n++
				}
			}
		}
		return n
	}
	// A crashed pass: it queued and claimed the reminder, then died before delivering.
	rep, err := a.web.Workflow().RemindOnce(t.Context(), clk.now(), true)
	if err != nil || rep.Queued == 0 || len(rep.Lines) == 0 {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	if count() != 0 {
		t.Fatal("a dry run sent something")
	}
	// Simulate the crash with the store directly: enqueue, then claim without delivering.
	queued := queueLike(t, a, clk)
	claimed, err := a.store.Claim(context.Background(), "crashed-worker", 30*time.Minute, 100)
	if err != nil || len(claimed) != len(queued) {
		t.Fatalf("claim: %d of %d, %v", len(claimed), len(queued), err)
	}
	// Passes while the claim holds send nothing.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Go(func() { a.web.Workflow().RemindOnce(context.Background(), clk.now(), false) })
	}
	wg.Wait()
	if count() != 0 {
		t.Fatalf("sent while another worker held the claim: %d", count())
	}
	// After the lease expires, concurrent passes deliver it exactly once.
	clk.set(clk.now().Add(31 * time.Minute)) // past the 30-minute claim lease
	for i := 0; i < 4; i++ {
		wg.Go(func() { a.web.Workflow().RemindOnce(context.Background(), clk.now(), false) })
	}
	wg.Wait()
	if count() != 1 {
		t.Fatalf("after the crash: %d notifications, want exactly 1", count())
	}
	// The crashed worker coming back cannot mark it a second time.
	if err := a.store.Delivered(context.Background(), claimed[0], "crashed-worker"); err == nil {
		t.Error("a stale claim was accepted")
	}
	if count() != 1 {
		t.Errorf("%d notifications after the stale worker returned", count())
	}
}

// queueLike queues what a pass would, without delivering, and returns the items.
func queueLike(t *testing.T, a *app, clk *clock) []*store.OutboxItem {
	t.Helper()
	items, err := a.web.Workflow().ReminderQueue(t.Context(), clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Enqueue(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	out := make([]*store.OutboxItem, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

func TestCalendarFeed(t *testing.T) {
	f := approvedFixture(t)
	a := f.app
	c := a.signedIn(f.users[owner])
	res := c.post("/account/calendar", nil)
	if res.status != http.StatusCreated || !res.has("feed-url") {
		t.Fatalf("new feed: %d", res.status)
	}
	feed := extractFeed(t, res.body)
	get := func(path string) (int, string) {
		r, err := http.Get(a.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	status, ics := get(feed)
	if status != 200 || !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.Contains(ics, "SUMMARY:Re-assessment due: Support bot") {
		t.Fatalf("feed: %d\n%s", status, ics)
	}
	uid := between(ics, "UID:", "\r\n")
	if !strings.Contains(ics, "DTSTART;VALUE=DATE:"+strings.ReplaceAll(f.nextReview(t), "-", "")) {
		t.Errorf("the review date is not in the feed:\n%s", ics)
	}
	// A new address replaces the old one; the events keep their UIDs.
	res = c.post("/account/calendar", nil)
	feed2 := extractFeed(t, res.body)
	if status, _ := get(feed); status != 404 {
		t.Errorf("the old address still works: %d", status)
	}
	if _, ics2 := get(feed2); between(ics2, "UID:", "\r\n") != uid {
		t.Error("UIDs changed with the address")
	}
	// Someone outside the project sees none of its dates.
	oc := a.signedIn(f.users[nonMember])
	_, other := get(extractFeed(t, oc.post("/account/calendar", nil).body))
	if strings.Contains(other, "Support bot") {
		t.Error("a non-member's calendar shows the project")
	}
}

func extractFeed(t *testing.T, body string) string {
	i := strings.Index(body, "/calendar/")
	if i < 0 {
		t.Fatal("no feed address on the page")
	}
	return body[i : i+strings.IndexByte(body[i:], '"')]
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	return s[:strings.Index(s, end)]
}
