package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
	"github.com/piaf-dev/piaf/web"
)

// TestGateAgainstTheServer runs 'piaf gate' against the real handler over a real database: 1
// while nothing is approved, 0 once the run's manifest is covered, 1 when the run uses new
// data, 2 when it cannot ask.
func TestGateAgainstTheServer(t *testing.T) {
	ctx := context.Background()
	st := storetest.New(t)
	cfg := web.DefaultConfig()
	cfg.KeysDir = t.TempDir()
	srv := httptest.NewServer(web.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg).Handler())
	t.Cleanup(srv.Close)

	owner, err := st.CreateUser(ctx, store.NewUser{Email: "owner@example.org", Name: "Olive"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateProject(ctx, owner.ID, assessments.ProjectFields{Name: "Support bot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.CreateProject(ctx, owner.ID, assessments.ProjectFields{Name: "Other"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := st.CreatePipelineToken(ctx, owner.ID, p.ID, "ci", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PIAF_URL": srv.URL, "PIAF_TOKEN": token}
	gate := func(args ...string) result {
		return runCmd(t, "", env, append([]string{"gate", "--project", fmt.Sprint(p.ID)}, args...)...)
	}

	r := gate()
	if exitOf(r.err) != 1 || !strings.Contains(r.stdout, "REFUSED") || !strings.Contains(r.stdout, "no_approved_assessment") {
		t.Fatalf("nothing approved: exit %d %v\n%s", exitOf(r.err), r.err, r.stdout)
	}

	// The pipeline hashes its run and attaches the manifest to the draft; a reviewer approves.
	dir := t.TempDir()
	data := filepath.Join(dir, "train.jsonl")
	os.WriteFile(data, []byte(`{"text":"hello"}`+"\n"), 0o600)
	runFile := func() string {
		m := runCmd(t, "", nil, "manifest", "--json", "--data", data)
		if m.err != nil {
			t.Fatal(m.err)
		}
		return writeFile(t, "run.json", m.stdout)
	}
	approvedRun := runFile()
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	d := defs[0]
	if _, err := st.EnsureQuestionnaire(ctx, d.Key, d.Version, d.Title, d.Source()); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: assessments.State{Questionnaire: d.Key, QuestionnaireVersion: d.Version}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(approvedRun)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/assessments/%d/manifests", srv.URL, a.ID), strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("attach manifest: %s", res.Status)
	}
	a, err = st.Assessment(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Decide(ctx, store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: owner.ID, Kind: assessments.ReviewApprove,
		Status: assessments.Approved, NextReview: time.Now().AddDate(0, 6, 0).Format(time.DateOnly)}); err != nil {
		t.Fatal(err)
	}

	if r := gate("--manifest", approvedRun); exitOf(r.err) != 0 || !strings.HasPrefix(r.stdout, "allowed: project") {
		t.Fatalf("covered run: exit %d %v\n%s", exitOf(r.err), r.err, r.stdout)
	}
	if r := gate(); exitOf(r.err) != 0 {
		t.Fatalf("without a manifest: exit %d %v\n%s", exitOf(r.err), r.err, r.stdout)
	}

	os.WriteFile(data, []byte(`{"text":"hello"}`+"\n"+`{"text":"Jane Doe, 12 Rue X"}`+"\n"), 0o600)
	r = gate("--manifest", runFile())
	if exitOf(r.err) != 1 || !strings.Contains(r.stdout, "manifest_not_covered") || !strings.Contains(r.stdout, "train.jsonl") {
		t.Fatalf("new data: exit %d %v\n%s", exitOf(r.err), r.err, r.stdout)
	}
	if r := gate(); exitOf(r.err) != 1 || !strings.Contains(r.stdout, "reassessment_required") {
		t.Errorf("after new data the project needs re-assessment: exit %d\n%s", exitOf(r.err), r.stdout)
	}

	for _, tc := range []struct {
		env     map[string]string
		project string
		want    string
	}{
		{map[string]string{"PIAF_URL": srv.URL, "PIAF_TOKEN": "piaf_wrong"}, fmt.Sprint(p.ID), "401"},
		{env, fmt.Sprint(other.ID), "404"},
		{env, "nope", "404"},
	} {
		r := runCmd(t, "", tc.env, "gate", "--project", tc.project)
		if exitOf(r.err) != 2 || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("project %s: exit %d, %v; want 2 with %s", tc.project, exitOf(r.err), r.err, tc.want)
		}
	}
}
