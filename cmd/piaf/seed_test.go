package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/store"
)

func TestSeedWritesAValidInstance(t *testing.T) {
	data := t.TempDir()
	r := runCmd(t, "", nil, "seed", "--data", data, "--projects", "120", "--assessments", "40", "--revisions", "3000",
		"--users", "30", "--password", "correct horse battery", "--json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var res seedResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if res.Projects != 120 || res.Assessments != 40 || res.Users != 30 || res.Revisions < 2900 || res.Revisions > 3300 {
		t.Fatalf("result: %+v", res)
	}
	ctx := context.Background()
	st, err := store.OpenCurrent(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The histories are real chains: every state replays to its recorded hash.
	check, err := st.VerifyAllRevisions(ctx)
	if err != nil || check.Assessments != 40 || check.Revisions != res.Revisions || len(check.Broken) != 0 {
		t.Fatalf("verify: %+v %v", check, err)
	}
	admin, err := st.UserByEmail(ctx, res.Admin)
	if err != nil || !admin.IsAdmin || !passwords.Matches(admin.PasswordHash, "correct horse battery") {
		t.Fatalf("admin: %+v %v", admin, err)
	}
	member, _ := st.UserByEmail(ctx, res.Member)
	mine, total, err := st.Projects(ctx, store.ProjectQuery{UserID: member.ID, Limit: 100})
	if err != nil || total == 0 || total >= 60 || len(mine) != total {
		t.Fatalf("the member sees %d projects: %v", total, err)
	}
	statuses := map[assessments.Status]int{}
	most := 0
	for id := int64(1); id <= 40; id++ {
		a, err := st.Assessment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		statuses[a.Status]++
		most = max(most, len(a.State.Findings))
		if a.Status == assessments.Approved && a.ApprovedAt == nil {
			t.Errorf("assessment %d approved without a date", id)
		}
	}
	if len(statuses) != 4 {
		t.Errorf("statuses: %v, want all four", statuses)
	}
	if most < 90 {
		t.Errorf("the largest register holds %d findings, want at least 90", most)
	}
	risks, _, err := st.OpenHighRisks(ctx, store.Scope{All: true}, 5)
	if err != nil || len(risks) == 0 {
		t.Errorf("no open high risks in the findings projection: %v", err)
	}

	r = runCmd(t, "", nil, "seed", "--data", data, "--projects", "1", "--assessments", "0", "--users", "2")
	if r.err == nil || !strings.Contains(r.err.Error(), "--force") {
		t.Fatalf("seeding over content: %v", r.err)
	}
	r = runCmd(t, "", nil, "seed", "--data", data, "--projects", "1", "--assessments", "0", "--users", "2", "--force")
	if r.err != nil || !strings.Contains(r.stdout, "Sign in as the administrator") {
		t.Fatalf("--force: %v\n%s", r.err, r.stdout)
	}
}

func TestSeedRejectsBadSizes(t *testing.T) {
	for _, args := range [][]string{{"--projects", "0"}, {"--users", "1"}, {"--assessments", "10", "--revisions", "5"}} {
		r := runCmd(t, "", nil, append([]string{"seed", "--data", t.TempDir()}, args...)...)
		if r.err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
