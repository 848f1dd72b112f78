package assessments_test

import (
	"fmt"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

func builtin(b *testing.B) *questionnaire.Definition {
	defs, err := questionnaire.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	return defs[0]
}

// answered answers every question of def with its first option, or a short text.
func answered(def *questionnaire.Definition) map[string]any {
	out := map[string]any{}
	for _, q := range def.Questions() {
		switch {
		case q.Type == questionnaire.MultiChoice && len(q.Options) > 0:
			out[q.Key] = []any{q.Options[0].Value}
		case len(q.Options) > 0:
			out[q.Key] = q.Options[0].Value
		case q.Type == questionnaire.YesNo:
			out[q.Key] = "no"
		case q.Type == questionnaire.Number:
			out[q.Key] = 10.0
		case q.Type == questionnaire.Date:
			out[q.Key] = "2026-01-31"
		default:
			out[q.Key] = "Support tickets, masked before training."
		}
	}
	return out
}

// bigState is a fully answered assessment with 100 findings and 100 mitigations.
func bigState(def *questionnaire.Definition) assessments.State {
	s := assessments.State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: assessments.Draft,
		Answers: answered(def), Findings: map[string]*assessments.Finding{}, Mitigations: map[string]*assessments.Mitigation{}}
	for i := range 100 {
		f, m := fmt.Sprintf("f%d", i), fmt.Sprintf("m%d", i)
		s.Findings[f] = &assessments.Finding{ID: f, Title: fmt.Sprintf("Risk %d", i), Description: "Free text may hold personal data.",
			Category: def.Sections[0].Key, Likelihood: 3, Severity: 3, Status: assessments.FindingOpen, Mitigations: []string{m}}
		s.Mitigations[m] = &assessments.Mitigation{ID: m, Title: "Mask free text", Status: assessments.MitigationPlanned}
	}
	return assessments.Reconcile(def, s)
}

// Rule evaluation and reconciliation of the built-in questionnaire on a full answer set.
func BenchmarkRuleEvaluation(b *testing.B) {
	def := builtin(b)
	s := bigState(def)
	b.ReportAllocs()
	for b.Loop() {
		assessments.Reconcile(def, s)
	}
}

// Diff of two 100-finding states that differ in a few answers and one finding.
func BenchmarkDiff(b *testing.B) {
	def := builtin(b)
	from := bigState(def)
	to := from
	to.Answers = answered(def)
	to.Answers[def.Questions()[0].Key] = "Changed."
	to.Findings = map[string]*assessments.Finding{}
	for k, v := range from.Findings {
		to.Findings[k] = v
	}
	g := *to.Findings["f1"]
	g.Status = assessments.FindingMitigated
	to.Findings["f1"] = &g
	b.ReportAllocs()
	for b.Loop() {
		if assessments.Diff(from, to).Empty() {
			b.Fatal("no difference found")
		}
	}
}

// Compare (the history page's comparison) of the same two states.
func BenchmarkCompare(b *testing.B) {
	def := builtin(b)
	from := bigState(def)
	to := from.Apply(assessments.Change{Answers: map[string]any{def.Questions()[0].Key: "Changed.\nSecond line."}})
	b.ReportAllocs()
	for b.Loop() {
		assessments.Compare(def, from, to)
	}
}

// Hash of a 100-finding state: what every revision append and every verified view pays.
func BenchmarkStateHash(b *testing.B) {
	s := bigState(builtin(b))
	b.ReportAllocs()
	for b.Loop() {
		s.Hash()
	}
}
