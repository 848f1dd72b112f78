package templates

import (
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// The overview lists risks by the level that counts, as it colours them: a lower residual level
// that no implemented mitigation backs counts at the inherent level (issue 11).
func TestOverviewOrdersRisksByEffectiveLevel(t *testing.T) {
	state := assessments.State{
		Findings: map[string]*assessments.Finding{
			// Claimed low, but only planned: counts as high.
			"projected": {ID: "projected", Title: "A projected", Category: "s", Likelihood: 4, Severity: 4,
				Residual: assessments.Residual{Likelihood: 1, Severity: 1}, Status: assessments.FindingMitigated, Mitigations: []string{"m1"}},
			// Medium, backed by a verified mitigation.
			"evidenced": {ID: "evidenced", Title: "B evidenced", Category: "s", Likelihood: 3, Severity: 3,
				Residual: assessments.Residual{Likelihood: 2, Severity: 2}, Status: assessments.FindingMitigated, Mitigations: []string{"m2"}},
		},
		Mitigations: map[string]*assessments.Mitigation{
			"m1": {ID: "m1", Status: assessments.MitigationPlanned},
			"m2": {ID: "m2", Status: assessments.MitigationVerified, Evidence: "done"},
		},
	}
	v := AssessmentView{Assessment: &assessments.Assessment{State: state}, Def: &questionnaire.Definition{Sections: []*questionnaire.Section{{Key: "s"}}}}
	list := v.liveFindings()
	if len(list) != 2 || list[0].ID != "projected" || list[1].ID != "evidenced" {
		var ids []string
		for _, f := range list {
			ids = append(ids, f.ID)
		}
		t.Errorf("overview order %v, want [projected evidenced]", ids)
	}
	if riskClass(state, list[0]) != "risk-"+levelWord(assessments.EffectiveResidual(state, list[0]).Level) || riskClass(state, list[0]) == riskClass(state, list[1]) {
		t.Errorf("colours: %s, %s", riskClass(state, list[0]), riskClass(state, list[1]))
	}
}
