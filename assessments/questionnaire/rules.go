package questionnaire

import "fmt"

// Raised is a rule whose condition holds, with the answers that made it hold, so a finding can
// say why it was raised and a later revision can tell whether those answers changed.
type Raised struct {
	Rule *Rule `json:"rule"`
	// Inputs maps each visible question the rule's condition names to its answer, nil when
	// unanswered (an `answered: false` leaf may be why the rule holds). Hidden questions are
	// left out: rules never see them. Evidence figures the condition reads are keyed
	// "KIND.FIGURE" (nil when missing), presence "present.KIND" (true or false), and policy limits
	// "policy.NAME".
	Inputs map[string]any `json:"inputs"`
}

// Evaluate returns the rules the answers raise, in definition order. Rules on evidence do not
// hold: there is none; EvaluateFacts gives them evidence and policy limits.
func (d *Definition) Evaluate(a Answers) []Raised {
	return d.EvaluateFacts(Facts{Answers: a})
}

// EvaluateFacts returns the rules the answers, evidence figures and policy limits raise, in
// definition order. Inputs hold the answers, figures and limits the rule read.
func (d *Definition) EvaluateFacts(f Facts) []Raised {
	e := d.factsEvaluator(f)
	var raised []Raised
	for _, r := range d.Rules {
		if r.When == nil || !e.eval(r.When) {
			continue
		}
		inputs := map[string]any{}
		for _, key := range references(r.When) {
			if e.visible(key) {
				inputs[key] = e.value(key)
			}
		}
		e.evidenceInputs(r.When, inputs)
		raised = append(raised, Raised{Rule: r, Inputs: inputs})
	}
	return raised
}

// CheckMitigations reports rule mitigations that known, usually the catalogue's Has, does not
// know. It is separate from Parse so that the questionnaire and the catalogue can load apart.
func (d *Definition) CheckMitigations(known func(key string) bool) Problems {
	var probs Problems
	for _, r := range d.Rules {
		for i, key := range r.Mitigations {
			if known(key) {
				continue
			}
			line := r.line
			if i < len(r.mitigationLines) {
				line = r.mitigationLines[i]
			}
			probs = append(probs, Problem{File: d.file, Line: line,
				Msg: fmt.Sprintf("rule %s: mitigation %q is not in the catalogue", r.Key, key)})
		}
	}
	return probs
}
