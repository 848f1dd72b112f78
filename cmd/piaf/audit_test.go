package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/piaf-dev/piaf/store"
)

func TestAuditVerify(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	// The server's store stays open throughout: verify works beside it.
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, e := range []store.AuditEvent{
		{ActorID: 1, ActorEmail: "admin@example.org", ClientAddr: "192.0.2.1", Action: store.AuditLogin},
		{ActorID: 1, ActorEmail: "admin@example.org", ClientAddr: "192.0.2.1", Action: store.AuditMemberRole, Target: "project:3",
			Details: map[string]any{"user": 2, "role": "viewer"}},
		{ActorID: 2, ActorEmail: "bob@example.org", ClientAddr: "198.51.100.7", Action: store.AuditReportExport, Target: "assessment:7"},
	} {
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	r := runCmd(t, "", map[string]string{"PIAF_DATA": data}, "audit", "verify")
	if r.err != nil || !regexp.MustCompile(`^audit log intact: 3 entries, head #3 sha256 [0-9a-f]{64}\n$`).MatchString(r.stdout) {
		t.Fatalf("verify on an intact log: %v %q", r.err, r.stdout)
	}
	rep, err := st.VerifyAudit(ctx)
	if err != nil || !strings.Contains(r.stdout, rep.HeadHash) {
		t.Fatalf("the printed head is not the log's head %s (%v)", rep.HeadHash, err)
	}

	// Someone edits the audit table behind the app's back, triggers and all.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, store.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DROP TRIGGER audit_log_no_update;
		UPDATE audit_log SET details = '{"role":"owner","user":2}' WHERE seq = 2`); err != nil {
		t.Fatalf("tamper: %v", err)
	}

	r = runCmd(t, "", nil, "audit", "verify", "--data", data)
	want := "audit verify: entry #2 was changed (its hash does not match its content)"
	if r.err == nil || r.err.Error() != want {
		t.Fatalf("verify on a tampered log: err = %v, want %q", r.err, want)
	}
	if !strings.Contains(r.stdout, "1 entry intact before entry #2") {
		t.Errorf("stdout = %q", r.stdout)
	}
}

func TestAuditVerifyErrors(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"audit"}, "the command is 'piaf audit verify"},
		{[]string{"audit", "check"}, "the command is 'piaf audit verify"},
		{[]string{"audit", "verify", "--data", empty, "extra"}, "unexpected argument"},
		{[]string{"audit", "verify", "--data", filepath.Join(empty, "missing")}, "no database in"},
	}
	for _, tc := range cases {
		r := runCmd(t, "", nil, tc.args...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) || strings.Contains(r.err.Error(), "\n") {
			t.Errorf("%v: err = %v, want one line with %q", tc.args, r.err, tc.want)
		}
	}
}
