package assessments

import (
	"testing"

	"github.com/piaf-dev/piaf/assessments/figures"
)

// Each built-in rule on evidence fires on one set of facts and clears on a near one, so that a
// rule that can never fire, or always fires, fails here.
func TestBuiltinEvidenceRules(t *testing.T) {
	def := builtin(t)
	type facts struct {
		answers  map[string]any
		evidence map[string]map[string]float64 // kind -> figures, one record each
		policy   func(*Policy)
	}
	dpAnswers := map[string]any{"uses_dp": "yes", "epsilon": 3.0}
	tests := []struct {
		rule        string
		fires, safe facts
	}{
		{"dp-evidence-epsilon-above-policy",
			facts{evidence: map[string]map[string]float64{"dp": {"epsilon": 8.2}}},
			facts{evidence: map[string]map[string]float64{"dp": {"epsilon": 8.2}}, policy: func(p *Policy) { p.MaxEpsilon = 10 }}},
		{"dp-evidence-epsilon-above-policy",
			facts{evidence: map[string]map[string]float64{"dp": {"epsilon": 4}}, policy: func(p *Policy) { p.MaxEpsilon = 3 }},
			facts{evidence: map[string]map[string]float64{"dp": {"epsilon": 8}}}},
		{"dp-evidence-delta-not-small",
			facts{evidence: map[string]map[string]float64{"dp": {"delta_times_n": 1.5}}},
			facts{evidence: map[string]map[string]float64{"dp": {"delta_times_n": 0.1}}}},
		{"dp-stated-epsilon-mismatch",
			// |3.5 - 3| = 0.5 > 0.05 * 3.5; no PLD figure.
			facts{answers: dpAnswers, evidence: map[string]map[string]float64{"dp": {"epsilon": 3.5}}},
			facts{answers: dpAnswers, evidence: map[string]map[string]float64{"dp": {"epsilon": 3.1}}}},
		{"dp-stated-epsilon-mismatch",
			facts{answers: dpAnswers, evidence: map[string]map[string]float64{"dp": {"epsilon": 3.5, "epsilon_pld": 2.5}}},
			// The stated ε matches the PLD accountant's.
			facts{answers: dpAnswers, evidence: map[string]map[string]float64{"dp": {"epsilon": 3.5, "epsilon_pld": 3.05}}}},
		{"dp-claimed-without-evidence",
			facts{answers: dpAnswers},
			facts{answers: dpAnswers, evidence: map[string]map[string]float64{"dp": {"epsilon": 3}}}},
		{"dp-claimed-without-evidence",
			facts{answers: dpAnswers},
			// DP answered yes but no budget stated yet: nothing to check.
			facts{answers: map[string]any{"uses_dp": "yes"}}},
		{"dp-sampling-not-poisson",
			facts{evidence: map[string]map[string]float64{"dp": {"poisson": 0}}},
			facts{evidence: map[string]map[string]float64{"dp": {"poisson": 1}}}},
		{"pii-found-after-anonymisation",
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "hybrid", "pii_treatment": []string{"mask_placeholder"}},
				evidence: map[string]map[string]float64{"pii": {"after_records_with_pii": 3}}},
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "hybrid", "pii_treatment": []string{"mask_placeholder"}},
				evidence: map[string]map[string]float64{"pii": {"after_records_with_pii": 0}}}},
		{"pii-found-after-anonymisation",
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "hybrid", "pii_treatment": []string{"drop_records", "flag_only"}},
				evidence: map[string]map[string]float64{"pii": {"after_records_with_pii": 3}}},
			// Flagging only does not claim removal (pii-not-removed covers it).
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "hybrid", "pii_treatment": []string{"flag_only"}},
				evidence: map[string]map[string]float64{"pii": {"after_records_with_pii": 3}}}},
		{"pii-detection-without-scan",
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "ner_model"}},
			facts{answers: map[string]any{"personal_data_present": "yes", "pii_detection_method": "ner_model"},
				evidence: map[string]map[string]float64{"pii": {"before_records": 1000}}}},
		{"mia-evidence-above-policy",
			facts{evidence: map[string]map[string]float64{"mia": {"auc": 0.61, "tpr_at_fpr_0_1pct": 0.002}}},
			facts{evidence: map[string]map[string]float64{"mia": {"auc": 0.6, "tpr_at_fpr_0_1pct": 0.002}}}},
		{"mia-evidence-above-policy",
			// 0.011 > 10 × 0.001.
			facts{evidence: map[string]map[string]float64{"mia": {"auc": 0.52, "tpr_at_fpr_0_1pct": 0.011}}},
			facts{evidence: map[string]map[string]float64{"mia": {"auc": 0.52, "tpr_at_fpr_0_1pct": 0.009}}}},
		{"mia-evidence-not-credible",
			facts{evidence: map[string]map[string]float64{"mia": {"credible": 0}}},
			facts{evidence: map[string]map[string]float64{"mia": {"credible": 1}}}},
		{"canary-evidence-near-maximum",
			facts{evidence: map[string]map[string]float64{"canary": {"exposure_margin": 1.5}}},
			facts{evidence: map[string]map[string]float64{"canary": {"exposure_margin": 12}}}},
		{"canary-evidence-near-maximum",
			facts{evidence: map[string]map[string]float64{"canary": {"exposure_margin": 3}}, policy: func(p *Policy) { p.CanaryMarginBits = 4 }},
			facts{evidence: map[string]map[string]float64{"canary": {"exposure_margin": 3}}}},
		{"extraction-evidence-pii-emitted",
			facts{evidence: map[string]map[string]float64{"extraction": {"pii_emitted": 1}}},
			facts{evidence: map[string]map[string]float64{"extraction": {"pii_emitted": 0, "verbatim_matches": 2}}}},
		{"leak-tests-without-evidence",
			facts{answers: map[string]any{"mia_performed": "yes"}},
			facts{answers: map[string]any{"mia_performed": "yes"}, evidence: map[string]map[string]float64{"mia": {"auc": 0.5}}}},
		{"leak-tests-without-evidence",
			facts{answers: map[string]any{"canaries_inserted": "partial", "memorisation_test": "no"}},
			facts{answers: map[string]any{"canaries_inserted": "no", "memorisation_test": "no"}}},
	}
	state := func(t *testing.T, f facts) State {
		s := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft, Answers: f.answers}
		for _, kind := range figures.Kinds {
			if figs, ok := f.evidence[kind]; ok {
				in := dpInput(figs)
				in.Kind = kind
				s, _ = mustAdd(t, def, s, in)
			}
		}
		p := DefaultPolicy()
		if f.policy != nil {
			f.policy(&p)
		}
		return ReconcilePolicy(def, s, p)
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			id := ruleFindingID(tt.rule)
			fired := state(t, tt.fires)
			if _, ok := fired.Findings[id]; !ok {
				t.Errorf("does not fire; findings %v", keys(fired.Findings))
			}
			if _, ok := state(t, tt.safe).Findings[id]; ok {
				t.Error("fires on the safe facts")
			}
		})
	}
}

// Evidence and policy are inputs of a rule's finding: a changed figure withdraws an acceptance
// given for the old one, and a finding that was worked on stays, resolved, when new evidence
// clears it.
func TestEvidenceFindingFollowsEvidence(t *testing.T) {
	def := builtin(t)
	s := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft}
	s, _ = mustAdd(t, def, s, dpInput(map[string]float64{"epsilon": 9}))
	s = Reconcile(def, s)
	const id = "rule:dp-evidence-epsilon-above-policy"
	f := s.Findings[id]
	if f == nil || f.Inputs["dp.epsilon"] != 9.0 || f.Inputs["policy.max_epsilon"] != 8.0 {
		t.Fatalf("finding %+v", f)
	}
	s, err := Accept(s, id, Acceptance{By: 2, Justification: "Utility study shows 9 is needed here.", Expires: "2026-12-01"}, addedAt)
	if err != nil {
		t.Fatal(err)
	}
	s, _ = mustAdd(t, def, s, dpInput(map[string]float64{"epsilon": 9.5}))
	s = Reconcile(def, s)
	if f := s.Findings[id]; f.Acceptance != nil || f.Status != FindingOpen {
		t.Errorf("acceptance kept after the figure changed: %+v", f)
	}
	s, _ = mustAdd(t, def, s, dpInput(map[string]float64{"epsilon": 7}))
	s = ReconcilePolicy(def, s, DefaultPolicy())
	if f := s.Findings[id]; f != nil {
		t.Errorf("finding kept after new evidence cleared it: %+v", f)
	}
	strict := DefaultPolicy()
	strict.MaxEpsilon = 6
	if f := ReconcilePolicy(def, s, strict).Findings[id]; f == nil {
		t.Error("a stricter policy does not raise the finding again")
	}
}
