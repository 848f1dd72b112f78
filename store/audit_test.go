package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

var auditStart = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// tickingClock returns start, then a minute later on every call.
func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	next := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := next
		next = next.Add(time.Minute)
		return t
	}
}

func mustAudit(t *testing.T, s *store.Store, e store.AuditEvent) {
	t.Helper()
	if err := s.Audit(context.Background(), e); err != nil {
		t.Fatalf("audit %s: %v", e.Action, err)
	}
}

// fiveEvents fills a log with five different entries.
func fiveEvents(t *testing.T, s *store.Store) {
	t.Helper()
	s.SetClock(tickingClock(auditStart))
	mustAudit(t, s, store.AuditEvent{ActorID: 1, ActorEmail: "admin@example.org", ClientAddr: "192.0.2.1", Action: store.AuditLogin})
	mustAudit(t, s, store.AuditEvent{ActorID: 1, ActorEmail: "admin@example.org", ClientAddr: "192.0.2.1", Action: store.AuditUserCreate,
		Target: "user:2", Details: map[string]any{"email": "bob@example.org", "admin": false}})
	mustAudit(t, s, store.AuditEvent{ActorID: 1, ActorEmail: "admin@example.org", ClientAddr: "192.0.2.1", Action: store.AuditMemberRole,
		Target: "project:3", Details: map[string]any{"user": 2, "from": "viewer", "to": "reviewer"}})
	mustAudit(t, s, store.AuditEvent{ActorID: 2, ActorEmail: "bob@example.org", ClientAddr: "198.51.100.7", Action: store.AuditAssessmentApprove,
		Target: "assessment:7", Details: map[string]any{"revision": 12}})
	mustAudit(t, s, store.AuditEvent{ActorEmail: "mallory@example.org", ClientAddr: "203.0.113.9", Action: store.AuditLoginFailed})
}

func TestAuditAppendsAChain(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	fiveEvents(t, s)
	entries, total, err := s.AuditEntries(ctx, store.AuditQuery{})
	if err != nil || total != 5 || len(entries) != 5 {
		t.Fatalf("entries = %d (total %d), %v; want 5", len(entries), total, err)
	}
	for i, e := range entries {
		if want := int64(5 - i); e.Seq != want {
			t.Fatalf("entry %d has seq %d, want %d (newest first)", i, e.Seq, want)
		}
	}
	first, second := entries[4], entries[3]
	if first.PrevHash != strings.Repeat("0", 64) {
		t.Errorf("entry #1 prev_hash = %s, want 64 zeros", first.PrevHash)
	}
	if second.PrevHash != first.Hash {
		t.Errorf("entry #2 prev_hash = %s, want entry #1's hash %s", second.PrevHash, first.Hash)
	}
	// The encoding is pinned: changing it would make every existing log fail verification.
	if want := "72cd822478cae01496bc994dd4baee4ca06b33232c9eb7ac1a4adf2ead6f9f05"; first.Hash != want {
		t.Errorf("entry #1 hash = %s, want %s", first.Hash, want)
	}
	if !first.At.Equal(auditStart) || first.ActorID != 1 || first.ClientAddr != "192.0.2.1" || first.Action != "login" {
		t.Errorf("entry #1 = %+v", first)
	}
	role := entries[2]
	if role.Target != "project:3" || role.Details["to"] != "reviewer" || role.Details["user"] != json.Number("2") {
		t.Errorf("entry #3 = %+v", role)
	}
	if anon := entries[0]; anon.ActorID != 0 || anon.ActorEmail != "mallory@example.org" || len(anon.Details) != 0 {
		t.Errorf("entry #5 = %+v", anon)
	}
	rep, err := s.VerifyAudit(ctx)
	if err != nil || rep.Bad != nil || rep.Entries != 5 || rep.HeadSeq != 5 || rep.HeadHash != entries[0].Hash {
		t.Fatalf("verify = %+v, %v; want 5 intact entries ending at #5", rep, err)
	}
}

func TestAuditRefusesAnEmptyAction(t *testing.T) {
	s := storetest.New(t)
	if err := s.Audit(context.Background(), store.AuditEvent{ActorID: 1}); err == nil {
		t.Fatal("an event without an action was recorded")
	}
	if err := s.Audit(context.Background(), store.AuditEvent{Action: "x", Details: map[string]any{"bad": make(chan int)}}); err == nil {
		t.Fatal("details that are not JSON were recorded")
	}
	if rep, err := s.VerifyAudit(context.Background()); err != nil || rep.Entries != 0 || rep.Bad != nil {
		t.Fatalf("verify = %+v, %v; want an empty, intact log", rep, err)
	}
}

func TestAuditConcurrentAppendsChain(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Audit(ctx, store.AuditEvent{ActorID: int64(i + 1), Action: store.AuditLogin, Details: map[string]any{"n": i}})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent append failed: %v", err)
		}
	}
	entries, _, err := s.AuditEntries(ctx, store.AuditQuery{})
	if err != nil || len(entries) != 20 {
		t.Fatalf("entries = %d, %v; want 20", len(entries), err)
	}
	for i, e := range entries {
		if e.Seq != int64(20-i) {
			t.Fatalf("seqs are not consecutive: entry %d has seq %d", i, e.Seq)
		}
	}
	rep, err := s.VerifyAudit(ctx)
	if err != nil || rep.Bad != nil || rep.Entries != 20 || rep.HeadSeq != 20 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	fiveEvents(t, s)
	for _, q := range []string{
		"UPDATE audit_log SET action = 'logout' WHERE seq = 2",
		"DELETE FROM audit_log WHERE seq = 5",
		"DELETE FROM audit_log",
	} {
		if err := s.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the trigger to refuse it", q, err)
		}
	}
	if rep, err := s.VerifyAudit(ctx); err != nil || rep.Bad != nil || rep.Entries != 5 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
}

func TestAuditEntriesFilters(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	fiveEvents(t, s) // one a minute from 09:00
	seqs := func(q store.AuditQuery) string {
		t.Helper()
		entries, total, err := s.AuditEntries(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, fmt.Sprint(e.Seq))
		}
		return fmt.Sprintf("%s of %d", strings.Join(out, ","), total)
	}
	cases := []struct {
		name string
		q    store.AuditQuery
		want string
	}{
		{"everything", store.AuditQuery{}, "5,4,3,2,1 of 5"},
		{"one action", store.AuditQuery{Action: "login"}, "1 of 1"}, // not login_failed
		{"a group", store.AuditQuery{Action: "user"}, "2 of 1"},
		{"a group with its dot", store.AuditQuery{Action: "assessment."}, "4 of 1"},
		{"part of a name is no group", store.AuditQuery{Action: "assess"}, " of 0"},
		{"like wildcards are literal", store.AuditQuery{Action: "%"}, " of 0"},
		{"actor, any case", store.AuditQuery{Actor: "ADMIN@"}, "3,2,1 of 3"},
		{"target", store.AuditQuery{Target: "project:3"}, "3 of 1"},
		{"since", store.AuditQuery{Since: auditStart.Add(3 * time.Minute)}, "5,4 of 2"},
		{"until", store.AuditQuery{Until: auditStart.Add(2 * time.Minute)}, "2,1 of 2"},
		{"a page", store.AuditQuery{Limit: 2, Offset: 2}, "3,2 of 5"},
		{"combined", store.AuditQuery{Actor: "admin", Action: "member", Since: auditStart}, "3 of 1"},
	}
	for _, tc := range cases {
		if got := seqs(tc.q); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVerifyAuditFindsTampering(t *testing.T) {
	const dropTriggers = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
	cases := []struct {
		name    string
		tamper  string
		seq     int64
		reason  string
		entries int64
	}{
		{"a field changed", "UPDATE audit_log SET details = '{\"from\":\"viewer\",\"to\":\"owner\",\"user\":2}' WHERE seq = 3",
			3, "was changed", 2},
		{"the actor erased", "UPDATE audit_log SET actor_id = NULL, actor_email = '' WHERE seq = 4", 4, "was changed", 3},
		{"the time moved", "UPDATE audit_log SET at = '2025-03-01T08:00:00.000000000Z' WHERE seq = 1", 1, "was changed", 0},
		{"a hash replaced", "UPDATE audit_log SET hash = '" + strings.Repeat("f", 64) + "' WHERE seq = 2", 2, "was changed", 1},
		{"a middle entry removed", "DELETE FROM audit_log WHERE seq = 3", 3, "was removed (the next entry is #4)", 2},
		{"the first entry removed", "DELETE FROM audit_log WHERE seq = 1", 1, "was removed", 0},
		{"two entries swapped", `CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (2, 4);
			UPDATE audit_log SET (at, actor_id, actor_email, client_addr, action, target, details, prev_hash, hash) =
				(SELECT at, actor_id, actor_email, client_addr, action, target, details, prev_hash, hash
				FROM swap WHERE swap.seq = 6 - audit_log.seq)
			WHERE seq IN (2, 4);
			DROP TABLE swap;`, 2, "does not link to entry #1", 1},
		{"two entries renumbered", `UPDATE audit_log SET seq = 102 WHERE seq = 2;
			UPDATE audit_log SET seq = 2 WHERE seq = 3;
			UPDATE audit_log SET seq = 3 WHERE seq = 102;`, 2, "does not link to entry #1", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := storetest.New(t)
			ctx := context.Background()
			fiveEvents(t, s)
			if err := s.Exec(ctx, dropTriggers+tc.tamper); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			rep, err := s.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Bad == nil {
				t.Fatalf("tampering not found: %+v", rep)
			}
			if rep.Bad.Seq != tc.seq || !strings.Contains(rep.Bad.Reason, tc.reason) {
				t.Errorf("bad = %s, want entry #%d %s...", rep.Bad, tc.seq, tc.reason)
			}
			if rep.Entries != tc.entries || rep.HeadSeq != tc.entries {
				t.Errorf("report = %+v, want %d intact entries before the bad one", rep, tc.entries)
			}
		})
	}
}

// Removing entries from the end leaves a valid, shorter chain; only a head recorded elsewhere
// shows it.
func TestVerifyAuditTruncationChangesTheHead(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	fiveEvents(t, s)
	before, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(ctx, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 4"); err != nil {
		t.Fatal(err)
	}
	after, err := s.VerifyAudit(ctx)
	if err != nil || after.Bad != nil {
		t.Fatalf("verify = %+v, %v", after, err)
	}
	if after.HeadSeq != 3 || after.HeadHash == before.HeadHash {
		t.Fatalf("head after truncation = #%d %s, before #%d %s", after.HeadSeq, after.HeadHash, before.HeadSeq, before.HeadHash)
	}
}

// The audit page's verification starts from the verified head: it finds an entry written since
// and then changed, a changed or removed head, and reports what the last full walk found; an
// entry before the head changed later is found by the next full walk, and only then reported.
func TestVerifyAuditSinceHead(t *testing.T) {
	const dropTriggers = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
	s := storetest.New(t)
	ctx := context.Background()
	fiveEvents(t, s)
	if err := s.Exec(ctx, dropTriggers); err != nil {
		t.Fatal(err)
	}
	check := func(full bool, wantBad int64, wantHead int64) {
		t.Helper()
		verify := s.VerifyAuditSinceHead
		if full {
			verify = s.VerifyAudit
		}
		rep, err := verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case wantBad == 0 && rep.Bad != nil:
			t.Fatalf("full %t: broken at %s, want intact", full, rep.Bad)
		case wantBad != 0 && (rep.Bad == nil || rep.Bad.Seq != wantBad):
			t.Fatalf("full %t: %+v, want entry #%d bad", full, rep, wantBad)
		case rep.HeadSeq != wantHead || rep.Entries != wantHead:
			t.Fatalf("full %t: head #%d, %d entries, want #%d", full, rep.HeadSeq, rep.Entries, wantHead)
		}
	}
	check(false, 0, 5) // no head yet: a full walk, which records it

	// Entries written after the head are verified by the next view.
	for i := range 3 {
		mustAudit(t, s, store.AuditEvent{Action: store.AuditSettingsChange, Details: map[string]any{"n": i}})
	}
	if err := s.Exec(ctx, "UPDATE audit_log SET target = target || 'x' WHERE seq = 7"); err != nil {
		t.Fatal(err)
	}
	check(false, 7, 6)
	if err := s.Exec(ctx, "UPDATE audit_log SET target = substr(target, 1, length(target) - 1) WHERE seq = 7"); err != nil {
		t.Fatal(err)
	}
	check(false, 7, 6) // recorded: the page keeps saying so until a full walk finds the chain intact
	check(true, 0, 8)
	check(false, 0, 8)

	// An entry before the head changed now: the next full walk finds it, and the page reports it.
	if err := s.Exec(ctx, "UPDATE audit_log SET target = target || 'x' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	check(false, 0, 8) // not re-read by the page: that is what keeps it cheap
	check(true, 2, 1)
	check(false, 2, 1)
	if err := s.Exec(ctx, "UPDATE audit_log SET target = substr(target, 1, length(target) - 1) WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	check(true, 0, 8)

	// The head itself is re-read: changed, or removed from the end, it is reported.
	if err := s.Exec(ctx, "UPDATE audit_log SET details = '{\"n\":9}' WHERE seq = 8"); err != nil {
		t.Fatal(err)
	}
	check(false, 8, 7)
	if err := s.Exec(ctx, "UPDATE audit_log SET details = '{\"n\":2}' WHERE seq = 8"); err != nil {
		t.Fatal(err)
	}
	check(true, 0, 8)
	if err := s.Exec(ctx, "DELETE FROM audit_log WHERE seq = 8"); err != nil {
		t.Fatal(err)
	}
	check(false, 8, 7)
	check(true, 0, 7) // a shorter chain is intact again: only a head kept elsewhere shows the loss

	// A gap right after the head.
	mustAudit(t, s, store.AuditEvent{Action: store.AuditSettingsChange})
	mustAudit(t, s, store.AuditEvent{Action: store.AuditSettingsChange})
	if err := s.Exec(ctx, "DELETE FROM audit_log WHERE seq = 8"); err != nil {
		t.Fatal(err)
	}
	check(false, 8, 7)
}

// The log pages backwards by seq with the filter kept, every match on exactly one page.
func TestAuditPage(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	for i := range 25 {
		action := store.AuditSettingsChange
		if i%5 == 0 {
			action = store.AuditLogin
		}
		mustAudit(t, s, store.AuditEvent{Action: action, Details: map[string]any{"n": i}})
	}
	var seen []int64
	q := store.AuditQuery{Action: "settings", Limit: 7}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		list, older, err := s.AuditPage(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Action != store.AuditSettingsChange {
				t.Fatalf("filter lost: %+v", e)
			}
			seen = append(seen, e.Seq)
		}
		if older == 0 {
			break
		}
		q.Before = older
	}
	if len(seen) != 20 || seen[0] != 25 || seen[19] != 2 {
		t.Fatalf("seen %v", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("not newest first: %v", seen)
		}
	}
	if list, _, _ := s.AuditPage(ctx, store.AuditQuery{Limit: 10_000}); len(list) != 25 {
		t.Errorf("a big limit: %d entries", len(list))
	}
}
