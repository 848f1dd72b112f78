package web_test

// Browser test of the pipeline pieces of a project page: an owner creates a pipeline token, a
// pipeline asks the gate with it, and the decisions show under "Pipeline checks".

import (
	"fmt"
	"strings"
	"testing"
)

func TestBrowserPipelineChecks(t *testing.T) {
	f := newPipelineFixture(t)
	b := newBrowser(t, f.app)
	b.signIn(f.owner.Email, testPassword)
	project := fmt.Sprintf("/projects/%d", f.project.ID)
	b.visit(project)
	b.mustFind("no-pipeline-checks")

	b.click("pipeline-tokens-link")
	b.fill("#name", "GitLab CI: train")
	b.press("Create token")
	b.mustFind("new-pipeline-token")
	secret := b.value("#new-token-value")
	if !strings.HasPrefix(secret, "piaf_") {
		t.Fatalf("token shown: %q", secret)
	}
	if got := b.texts("[data-testid=pipeline-token-row] td:first-child"); len(got) != 2 || got[0] != "GitLab CI: train" {
		t.Errorf("token list %v", got)
	}
	b.snapshot("tokens")

	// The pipeline asks twice: plainly, then with a run manifest.
	if r := f.app.api("GET", "/api/v1"+project+"/gate", secret, ""); r.status != 200 {
		t.Fatalf("gate: %d %s", r.status, r.body)
	}
	if r := f.app.api("POST", "/api/v1"+project+"/gate", secret, testManifest()); r.status != 200 {
		t.Fatalf("gate with manifest: %d %s", r.status, r.body)
	}

	b.visit(project + "#pipeline-checks")
	if n := b.count("pipeline-check-row"); n != 2 {
		t.Fatalf("%d pipeline checks shown, want 2", n)
	}
	if got := b.texts("check-verdict"); len(got) != 2 || got[0] != "Refused" {
		t.Errorf("verdicts %v", got)
	}
	rows := b.texts("pipeline-check-row")
	if !strings.Contains(rows[0], "no_approved_assessment") || !strings.Contains(rows[0], `Pipeline token "GitLab CI: train"`) ||
		!strings.Contains(rows[0], "sha256:") {
		t.Errorf("newest check reads %q", rows[0])
	}
	if strings.Contains(rows[1], "sha256:") {
		t.Errorf("the check without a manifest shows a digest: %q", rows[1])
	}
	b.snapshot("project")
}
