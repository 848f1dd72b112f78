package questionnaire

import (
	"errors"
	"strings"
	"testing"
)

// numberHead is head with a number question n on lines 11 to 13; rules start on line 14.
const numberHead = head + `      - key: n
        type: number
        label: N
`

// evidenceRule is a rule whose when is on line 21.
func evidenceRule(when string) string {
	return `rules:
  - key: r
    title: R
    category: s
    likelihood: 2
    severity: 2
    mitigations: [m]
    when: ` + when + "\n"
}

func TestParseEvidenceConditions(t *testing.T) {
	valid := []string{
		`{evidence: dp.epsilon, gt: 8}`,
		`{evidence: dp.delta_times_n, gte: 1}`,
		`{evidence: dp.epsilon, lte: 1.5}`,
		`{evidence: dp.poisson, equals: 0}`,
		`{evidence: dp, present: false}`,
		`{evidence: dp.epsilon, gt: {policy: max_epsilon}}`,
		`{evidence: mia.tpr_at_fpr_0_1pct, gt: {policy: max_tpr_ratio_at_0_1pct, times: 0.001}}`,
		`{evidence: dp.epsilon, differs_from: {question: n, tolerance: 0.05}}`,
		`{evidence: pii.after_EMAIL_ADDRESS, gt: 0}`,
		`{question: n, gt: {policy: max_epsilon}}`,
		`{question: n, lte: 3}`,
		`{all: [{evidence: canary, present: true}, {not: {evidence: canary.exposure_margin, gt: 2}}]}`,
	}
	for _, when := range valid {
		d, err := Parse("t.yaml", []byte(numberHead+evidenceRule(when)))
		if err != nil {
			t.Errorf("%s:\n%v", when, err)
			continue
		}
		checkUsable(t, d)
	}
	tests := []struct {
		name, when string
		line       int
		want       string
	}{
		{"unknown kind", `{evidence: dpp.epsilon, gt: 8}`, 21, `unknown evidence kind "dpp" (kinds: dp, pii, mia, canary, extraction, manifest)`},
		{"unknown figure", `{evidence: dp.epsilom, gt: 8}`, 21, `"epsilom" is not a figure of dp evidence (figures: epsilon, epsilon_pld`},
		{"figure of another kind", `{evidence: mia.epsilon, gt: 8}`, 21, `"epsilon" is not a figure of mia evidence`},
		{"bad pii type", `{evidence: pii.after_email, gt: 0}`, 21, `"after_email" is not a figure of pii evidence`},
		{"present with figure", `{evidence: dp.epsilon, present: true}`, 21, "present takes a kind of evidence (dp), not a figure"},
		{"comparison without figure", `{evidence: dp, gt: 8}`, 21, "gt needs a figure, as in dp.epsilon"},
		{"in on evidence", `{evidence: dp.epsilon, in: [1, 2]}`, 21, "in is for questions"},
		{"answered on evidence", `{evidence: dp.epsilon, answered: true}`, 21, "answered is for questions"},
		{"text equals", `{evidence: dp.epsilon, equals: high}`, 21, `equals takes a number, not "high"`},
		{"question and evidence", `{question: n, evidence: dp.epsilon, gt: 8}`, 21, "names a question or evidence, not both"},
		{"present on question", `{question: n, present: true}`, 21, "present is for evidence conditions"},
		{"unknown policy", `{evidence: dp.epsilon, gt: {policy: max_epsilom}}`, 21, `unknown policy limit "max_epsilom" (limits: max_epsilon,`},
		{"policy missing", `{evidence: dp.epsilon, gt: {times: 2}}`, 21, "gt: policy is required"},
		{"bad times", `{evidence: dp.epsilon, gt: {policy: max_epsilon, times: 0}}`, 21, "times must be greater than 0"},
		{"bad limit field", `{evidence: dp.epsilon, gt: {policy: max_epsilon, time: 2}}`, 21, `unknown field "time" (did you mean "times"?)`},
		{"tolerance too big", `{evidence: dp.epsilon, differs_from: {question: n, tolerance: 1.5}}`, 21, "tolerance is relative to the figure, from 0 to less than 1"},
		{"tolerance negative", `{evidence: dp.epsilon, differs_from: {question: n, tolerance: -0.1}}`, 21, "tolerance is relative"},
		{"tolerance missing", `{evidence: dp.epsilon, differs_from: {question: n}}`, 21, "differs_from: tolerance is required"},
		{"tolerance text", `{evidence: dp.epsilon, differs_from: {question: n, tolerance: five}}`, 21, `tolerance must be a number, not "five"`},
		{"differs unknown question", `{evidence: dp.epsilon, differs_from: {question: nope, tolerance: 0.1}}`, 21, `unknown question "nope"`},
		{"differs text question", `{evidence: dp.epsilon, differs_from: {question: a, tolerance: 0.1}}`, 21, `differs_from needs a number question, and "a" is yes_no`},
		{"policy on text question", `{question: a, gt: {policy: max_epsilon}}`, 21, `need a number question, and "a" is yes_no`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(numberHead+evidenceRule(tt.when)))
			expectProblem(t, err, tt.line, tt.want)
		})
	}
	t.Run("show_if", func(t *testing.T) {
		src := numberHead + "        show_if: {evidence: dp, present: true}\n"
		_, err := Parse("t.yaml", []byte(src))
		expectProblem(t, err, 14, "question n: show_if cannot test evidence")
	})
}

func expectProblem(t *testing.T, err error, line int, want string) {
	t.Helper()
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("error = %v, want Problems", err)
	}
	for _, p := range probs {
		if p.Line == line && strings.Contains(p.Msg, want) {
			return
		}
	}
	t.Errorf("want line %d: %q; got:\n%v", line, want, err)
}

func TestEvalEvidence(t *testing.T) {
	d, err := Parse("t.yaml", []byte(numberHead))
	if err != nil {
		t.Fatal(err)
	}
	facts := Facts{
		Answers:  Answers{"n": 3.0},
		Evidence: map[string]map[string]float64{"dp": {"epsilon": 3.1, "delta_times_n": 1, "poisson": 0}, "pii": {}},
		Limits:   map[string]float64{"max_epsilon": 3, "max_tpr_ratio_at_0_1pct": 10},
	}
	ev := func(c Condition) *Condition { return &c }
	tests := []struct {
		name string
		c    *Condition
		want bool
	}{
		{"gt", ev(Condition{Evidence: "dp.epsilon", Gt: ptr(3.0)}), true},
		{"gt equal", ev(Condition{Evidence: "dp.epsilon", Gt: ptr(3.1)}), false},
		{"gte equal", ev(Condition{Evidence: "dp.delta_times_n", Gte: ptr(1.0)}), true},
		{"lt", ev(Condition{Evidence: "dp.epsilon", Lt: ptr(3.0)}), false},
		{"lte equal", ev(Condition{Evidence: "dp.epsilon", Lte: ptr(3.1)}), true},
		{"equals", ev(Condition{Evidence: "dp.poisson", Equals: 0.0}), true},
		{"missing figure", ev(Condition{Evidence: "dp.epsilon_pld", Lt: ptr(100.0)}), false},
		{"not on missing figure", &Condition{Not: ev(Condition{Evidence: "dp.epsilon_pld", Lt: ptr(100.0)})}, true},
		{"missing kind", ev(Condition{Evidence: "mia.auc", Gt: ptr(0.0)}), false},
		{"present", ev(Condition{Evidence: "dp", Present: ptr(true)}), true},
		{"present without figures", ev(Condition{Evidence: "pii", Present: ptr(true)}), true},
		{"absent", ev(Condition{Evidence: "mia", Present: ptr(false)}), true},
		{"policy", ev(Condition{Evidence: "dp.epsilon", Limit: &Limit{Op: "gt", Policy: "max_epsilon", Times: 1}}), true},
		{"policy times", ev(Condition{Evidence: "dp.epsilon", Limit: &Limit{Op: "gt", Policy: "max_epsilon", Times: 2}}), false},
		{"policy unset", ev(Condition{Evidence: "dp.epsilon", Limit: &Limit{Op: "gt", Policy: "max_mia_auc", Times: 1}}), false},
		{"policy on question", ev(Condition{Question: "n", Limit: &Limit{Op: "gte", Policy: "max_epsilon", Times: 1}}), true},
		// |3.1 - 3| = 0.1 against 0.05 * 3.1 = 0.155 and 0.01 * 3.1 = 0.031.
		{"within tolerance", ev(Condition{Evidence: "dp.epsilon", DiffersFrom: &DiffersFrom{Question: "n", Tolerance: 0.05}}), false},
		{"beyond tolerance", ev(Condition{Evidence: "dp.epsilon", DiffersFrom: &DiffersFrom{Question: "n", Tolerance: 0.01}}), true},
		{"differs unanswered", ev(Condition{Evidence: "dp.epsilon", DiffersFrom: &DiffersFrom{Question: "a", Tolerance: 0.01}}), false},
		{"question gte", ev(Condition{Question: "n", Gte: ptr(3.0)}), true},
		{"question lte", ev(Condition{Question: "n", Lte: ptr(2.0)}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.factsEvaluator(facts).eval(tt.c); got != tt.want {
				t.Errorf("eval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEvaluateFactsInputs(t *testing.T) {
	d, err := Parse("t.yaml", []byte(numberHead+evidenceRule(
		`{any: [{evidence: dp.epsilon, gt: {policy: max_epsilon}}, {evidence: mia, present: true}, {evidence: dp.epsilon, differs_from: {question: n, tolerance: 0.05}}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Evaluate(Answers{"n": 20.0}); len(got) != 0 {
		t.Errorf("without evidence the rule holds: %+v", got)
	}
	raised := d.EvaluateFacts(Facts{
		Answers:  Answers{"n": 9.0},
		Evidence: map[string]map[string]float64{"dp": {"epsilon": 9}},
		Limits:   map[string]float64{"max_epsilon": 8},
	})
	if len(raised) != 1 {
		t.Fatalf("raised %d rules, want 1", len(raised))
	}
	want := map[string]any{"n": 9.0, "dp.epsilon": 9.0, "policy.max_epsilon": 8.0, "present.mia": false}
	got := raised[0].Inputs
	if len(got) != len(want) {
		t.Fatalf("inputs = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("input %s = %v, want %v", k, got[k], v)
		}
	}
}

func TestLeafString(t *testing.T) {
	tests := []struct {
		c    Condition
		want string
	}{
		{Condition{Evidence: "dp.epsilon", Limit: &Limit{Op: "gt", Policy: "max_epsilon", Times: 1}}, "dp.epsilon > policy(max_epsilon)"},
		{Condition{Evidence: "mia.tpr_at_fpr_0_1pct", Limit: &Limit{Op: "gt", Policy: "max_tpr_ratio_at_0_1pct", Times: 0.001}}, "mia.tpr_at_fpr_0_1pct > 0.001 × policy(max_tpr_ratio_at_0_1pct)"},
		{Condition{Evidence: "dp", Present: ptr(false)}, "not present(dp)"},
		{Condition{Evidence: "dp.epsilon", DiffersFrom: &DiffersFrom{Question: "epsilon", Tolerance: 0.05}}, "dp.epsilon differs from epsilon by more than 5 %"},
		{Condition{Evidence: "dp.poisson", Equals: 0.0}, "dp.poisson = 0"},
		{Condition{Evidence: "canary.exposure_margin", Lte: ptr(2.0)}, "canary.exposure_margin <= 2"},
		{Condition{Question: "epsilon", Limit: &Limit{Op: "gte", Policy: "max_epsilon", Times: 1}}, "epsilon >= policy(max_epsilon)"},
	}
	for _, tt := range tests {
		if got, ok := tt.c.LeafString(); !ok || got != tt.want {
			t.Errorf("LeafString = %q, %v; want %q", got, ok, tt.want)
		}
	}
	if _, ok := (&Condition{Question: "epsilon", Gt: ptr(3.0)}).LeafString(); ok {
		t.Error("a plain question leaf is left to the caller")
	}
}
