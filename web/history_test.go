package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// historySaves appends one answer save per author, in order, a minute apart on the store's
// clock from start; it returns the time after the last save.
func historySaves(t *testing.T, a *app, id int64, start time.Time, authors ...*assessments.User) time.Time {
	t.Helper()
	ctx := t.Context()
	at := start
	a.store.SetClock(func() time.Time { return at })
	for _, u := range authors {
		cur, err := a.store.Assessment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		text := fmt.Sprintf("Draft %d by %s.", cur.Revision+1, u.Email)
		if _, err := a.store.ApplyChange(ctx, id, cur.Revision, u.ID, assessments.Change{Answers: map[string]any{"purpose_description": text}}, "Answered the purpose"); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Minute)
	}
	return at
}

var groupCount = regexp.MustCompile(`data-testid="history-group" data-history-entry data-count="(\d+)"`)

// entries counts the history page's entries and gives the size of each group, newest first.
func entries(body string) (n int, groups []string) {
	for _, m := range groupCount.FindAllStringSubmatch(body, -1) {
		groups = append(groups, m[1])
	}
	return strings.Count(body, "data-history-entry"), groups
}

func repeat(u *assessments.User, n int) []*assessments.User {
	out := make([]*assessments.User, n)
	for i := range out {
		out[i] = u
	}
	return out
}

// 126 autosaves by one person read as one entry that expands into its revisions; another
// person's save in between splits the run, and so does a pause longer than the window.
func TestHistoryGroupsSaves(t *testing.T) {
	a := newApp(t)
	ana := a.user("ana@example.org", false)
	bob := a.user("bob@example.org", false)
	p := a.project(ana, "Support bot")
	a.member(p, bob, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(ana), p)
	c := a.signedIn(ana)
	start := time.Now().Add(-10 * time.Hour)

	// Autosaves every few seconds: one entry of 126 revisions beside the cycle's start.
	ctx := t.Context()
	at := start
	a.store.SetClock(func() time.Time { return at })
	for k := 0; k < 126; k++ {
		cur, _ := a.store.Assessment(ctx, id)
		if _, err := a.store.ApplyChange(ctx, id, cur.Revision, ana.ID, assessments.Change{Answers: map[string]any{"purpose_description": fmt.Sprint("Typing ", k)}}, "Answered the purpose"); err != nil {
			t.Fatal(err)
		}
		at = at.Add(5 * time.Second)
	}
	h := c.get(fmt.Sprintf("/assessments/%d/history", id))
	n, groups := entries(h.body)
	if h.status != 200 || n != 2 || len(groups) != 1 || groups[0] != "126" || h.has("older-revisions") {
		t.Fatalf("126 autosaves: status %d, %d entries, groups %v; want the start and one entry of 126", h.status, n, groups)
	}
	if rows := strings.Count(h.body, `data-testid="revision-row"`); rows != 127 {
		t.Errorf("%d revision rows inside the entries, want 127: every revision stays reachable", rows)
	}
	if !strings.Contains(h.body, "<details>") || !strings.Contains(h.body, "126 saves since") {
		t.Error("the grouped entry does not expand with <details>")
	}
	// Compare still takes any two revisions, inside a group too.
	if h := c.get(fmt.Sprintf("/assessments/%d/history?from=40&to=90", id)); h.status != 200 || !h.has("answer-diff") || !strings.Contains(h.body, "Typing 88") {
		t.Errorf("compare inside a group: %d", h.status)
	}

	// Bob saves once in between: Ana's saves before and after are two entries.
	at = historySaves(t, a, id, at.Add(time.Minute), ana, ana, bob, ana, ana)
	h = c.get(fmt.Sprintf("/assessments/%d/history", id))
	if n, groups = entries(h.body); n != 4 || strings.Join(groups, ",") != "2,128" {
		t.Fatalf("interleaved: %d entries, groups %v; want Ana 2, Bob 1, Ana 128 (the run continued), start", n, groups)
	}
	// A pause longer than the window splits a run too.
	historySaves(t, a, id, at.Add(20*time.Minute), ana, ana)
	h = c.get(fmt.Sprintf("/assessments/%d/history", id))
	if n, groups = entries(h.body); n != 5 || strings.Join(groups, ",") != "2,2,128" {
		t.Fatalf("after a pause: %d entries, groups %v", n, groups)
	}
}

// The history is paged by entries: 30 a page, and an "Older revisions" link to the rest.
func TestHistoryPagesEntries(t *testing.T) {
	a := newApp(t)
	ana := a.user("ana@example.org", false)
	bob := a.user("bob@example.org", false)
	p := a.project(ana, "Support bot")
	a.member(p, bob, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(ana), p)
	var turns []*assessments.User
	for k := 0; k < 40; k++ {
		turns = append(turns, ana, bob)
	}
	historySaves(t, a, id, time.Now().Add(-5*time.Hour), turns...) // 80 single entries and the start
	c := a.signedIn(ana)
	h := c.get(fmt.Sprintf("/assessments/%d/history", id))
	if n, groups := entries(h.body); n != 30 || len(groups) != 0 || !h.has("older-revisions") {
		t.Fatalf("first page: %d entries, groups %v, older link %v", n, groups, h.has("older-revisions"))
	}
	if !strings.Contains(h.body, `/history?before=52"`) {
		t.Errorf("the older link does not start below revision 52")
	}
	h = c.get(fmt.Sprintf("/assessments/%d/history?before=52", id))
	if n, _ := entries(h.body); n != 30 || !strings.Contains(h.body, `/history?before=22"`) {
		t.Fatalf("second page: %d entries", n)
	}
	h = c.get(fmt.Sprintf("/assessments/%d/history?before=22", id))
	if n, _ := entries(h.body); n != 21 || h.has("older-revisions") {
		t.Fatalf("last page: %d entries, older link %v", n, h.has("older-revisions"))
	}
}
