package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// Issue 17 item 10: an audited change and its audit entry commit together. With the audit log
// unwritable (a trigger stands in for a full disk), every audited change fails and leaves
// nothing behind; once it is writable again the same changes succeed, each with its entry.
func TestAuditedChangesFailWhenTheAuditLogCannotBeWritten(t *testing.T) {
	a := newApp(t)
	ctx := context.Background()
	admin := a.user("admin@example.org", true)
	owner := a.user("owner@example.org", false)
	bob := a.user("bob@example.org", false)
	p := a.project(owner, "Support bot")
	ad := a.signedIn(admin)
	ow := a.signedIn(owner)
	project := "/projects/" + strconv.FormatInt(p.ID, 10)
	bobPath := "/admin/users/" + strconv.FormatInt(bob.ID, 10)

	changes := []struct {
		name string
		do   func() response
		done func() bool // whether the change is in the database
	}{
		{"add a member", func() response {
			return ow.post(project+"/members", url.Values{"member_email": {bob.Email}, "member_role": {"viewer"}})
		}, func() bool { _, err := a.store.Role(ctx, p.ID, bob.ID); return err == nil }},
		{"create a user", func() response {
			return ad.post("/admin/users", url.Values{"email": {"carol@example.org"}, "name": {"Carol"}})
		}, func() bool { _, err := a.store.UserByEmail(ctx, "carol@example.org"); return err == nil }},
		{"disable a user", func() response { return ad.post(bobPath+"/disable", url.Values{"disabled": {"1"}}) },
			func() bool { u, _ := a.store.User(ctx, bob.ID); return u.Disabled() }},
		{"make an admin", func() response { return ad.post(bobPath, url.Values{"name": {"Bob"}, "is_admin": {"on"}}) },
			func() bool { u, _ := a.store.User(ctx, bob.ID); return u.IsAdmin }},
		{"reset link", func() response { return ad.post(bobPath+"/reset", nil) },
			func() bool {
				var n int
				db, err := sql.Open("sqlite", "file:"+a.store.Path()+"?mode=ro&_pragma=busy_timeout(10000)")
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				db.QueryRow("SELECT count(*) FROM user_tokens WHERE user_id = ?", bob.ID).Scan(&n)
				return n > 0
			}},
		{"create an API token", func() response { return ow.post("/account/tokens", url.Values{"token_name": {"ci"}}) },
			func() bool { ts, _ := a.store.APITokens(ctx, owner.ID); return len(ts) > 0 }},
		{"archive a project", func() response { return ow.post(project+"/archive", url.Values{"archived": {"1"}}) },
			func() bool { q, _ := a.store.Project(ctx, p.ID); return q.Archived() }},
		{"change a setting", func() response { return ad.post("/admin/settings", url.Values{"self_approval": {"on"}}) },
			func() bool { v, _ := a.store.Setting(ctx, "allow_self_approval", "false"); return v == "true" }},
	}

	tamper(t, a, `CREATE TRIGGER audit_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`)
	before := auditCount(t, a, "")
	for _, c := range changes {
		res := c.do()
		if res.status < 500 {
			t.Errorf("%s with the audit log unwritable: status %d, want a server error", c.name, res.status)
		}
		if c.done() {
			t.Errorf("%s was made although its audit entry could not be written", c.name)
		}
	}
	tamper(t, a, `DROP TRIGGER audit_full`)
	if n := auditCount(t, a, ""); n != before {
		t.Fatalf("audit entries changed from %d to %d while the log was unwritable", before, n)
	}
	for _, c := range changes {
		res := c.do()
		if res.status >= 400 && res.status != http.StatusCreated {
			t.Errorf("%s with the log writable again: status %d", c.name, res.status)
		}
		if !c.done() {
			t.Errorf("%s was not made with the log writable again", c.name)
		}
	}
	if n := auditCount(t, a, ""); n < before+len(changes) {
		t.Fatalf("%d audit entries for %d changes", n-before, len(changes))
	}
	rep, err := a.store.VerifyAudit(ctx)
	if err != nil || rep.Bad != nil {
		t.Fatalf("chain after the failures: %+v %v", rep.Bad, err)
	}
}
