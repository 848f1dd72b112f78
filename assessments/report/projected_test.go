package report

import (
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// A residual risk below the inherent one that rests only on a planned mitigation is printed as
// projected, in the register table and the finding, and counted at its inherent level; once the
// mitigation is implemented it is an ordinary residual level.
func TestProjectedResidualInReports(t *testing.T) {
	r := testReport(t)
	r.State.Findings["rule:no-dp"].Mitigations = []string{"m2"} // only the planned canary test
	md := string(Markdown(r))
	for _, want := range []string{
		"| Maximum | Limited (projected: mitigations not yet in place) | Mitigated |",
		"- **Residual risk:** Limited (likelihood limited, severity limited) (projected: mitigations not yet in place); counted at the inherent level",
		"1 finding is counted after mitigation at its inherent level",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if _, err := PDF(r); err != nil {
		t.Fatalf("PDF with a projected residual: %v", err)
	}
	// The after-mitigation count holds the finding at maximum, as the heatmap does.
	for _, c := range gather(r).levelCounts() {
		if c.Level == assessments.LevelMaximum && c.After != 1 {
			t.Errorf("after mitigation %d maximum, want 1 (the projected finding)", c.After)
		}
	}

	r.State.Mitigations["m2"].Status = assessments.MitigationImplemented
	if md := string(Markdown(r)); strings.Contains(md, "projected") {
		t.Error("the residual risk is still projected after its mitigation was implemented")
	}
}
