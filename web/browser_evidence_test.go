package web_test

// Browser test of issue 12: the DP budget tool, reached from the differential-privacy section,
// attaches its result as evidence; the policy rule fires while epsilon is above the limit and
// its finding goes when new parameters bring epsilon under; the report shows the evidence.

import (
	"strconv"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/workflow"
)

const riskEpsilonAbovePolicy = "Recomputed ε above the organisation's limit"

func TestBrowserDPEvidence(t *testing.T) {
	a := newApp(t)
	own := a.user("olga@example.org", false)
	p := a.project(own, "Support reply assistant")
	id := startAssessment(t, a, a.token(own), p)
	assessment := "/assessments/" + strconv.FormatInt(id, 10)
	// A strict limit keeps the accountants cheap: the PLD accountant's cost grows as sigma shrinks.
	if err := a.store.SetSetting(t.Context(), workflow.SettingEvidencePolicy, `{"max_epsilon":1}`, 0); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	b.signIn(own.Email, testPassword)

	attach := func(sigma string) {
		t.Helper()
		b.visit(assessment + "/sections/differential_privacy")
		b.click("dp-tool-link")
		if path := b.path(); path != "/tools/dp?assessment="+strconv.FormatInt(id, 10) {
			t.Fatalf("the section's tool link leads to %s", path)
		}
		b.fill("#epochs", "")
		b.fill("#steps", "1000")
		b.fill("#sigma", sigma)
		b.press("Compute")
		for _, tid := range []string{"eps-rdp", "eps-pld", "dp-chart", "chart-rdp", "chart-limit"} {
			if !b.exists(tid) {
				t.Errorf("sigma %s: the result lacks %s", sigma, tid)
			}
		}
		b.snapshot("tool-" + sigma)
		b.press("Attach as evidence")
		if f := b.text("flash"); !strings.HasPrefix(f, "Evidence E") {
			t.Errorf("flash after attaching: %q", f)
		}
		if path := b.path(); path != assessment+"/sections/differential_privacy" {
			t.Errorf("after attaching the browser is on %s", path)
		}
	}

	// N 60000, batch 256, 1000 steps, delta 1e-5: sigma 1.0 gives RDP epsilon 1.098, above 1
	// ('piaf dp epsilon', whose RDP values the dp package checks against Opacus and TF Privacy).
	attach("1.0")
	if !b.exists(`[data-testid="evidence-E1"]`) {
		t.Fatal("the DP section does not show the attached record")
	}
	b.snapshot("section")
	b.click("tab-risks")
	if !strings.Contains(strings.Join(b.texts("finding-row"), "|"), riskEpsilonAbovePolicy) {
		t.Errorf("epsilon above the policy raised no finding; rows: %q", b.texts("finding-row"))
	}

	// More noise: sigma 1.3 gives epsilon 0.616, under 1; the finding goes.
	attach("1.3")
	b.click("tab-risks")
	if strings.Contains(strings.Join(b.texts("finding-row"), "|"), riskEpsilonAbovePolicy) {
		t.Errorf("epsilon under the policy left the finding; rows: %q", b.texts("finding-row"))
	}

	// The report has its Evidence section with both records.
	b.visit(assessment + "/report")
	body := b.text("#main")
	if !strings.Contains(body, "Evidence") || !strings.Contains(body, "E1") || !strings.Contains(body, "E2") {
		t.Errorf("the report preview lacks the evidence: %.400s", body)
	}
	b.snapshot("report")
}
