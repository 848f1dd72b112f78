package assessments

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// CarrySummary says what a new cycle took over from the last approved one, for the first
// revision's summary and for the page that asks for re-decisions.
type CarrySummary struct {
	FromCycle   int      `json:"from_cycle"`
	Answers     int      `json:"answers"`     // carried answers
	Dropped     []string `json:"dropped"`     // answer keys the new questionnaire no longer accepts
	Findings    int      `json:"findings"`    // carried findings, rule and manual
	Manual      int      `json:"manual"`      // of which added by hand
	Raised      []string `json:"raised"`      // rule findings the carried answers raise anew
	NotRaised   []string `json:"not_raised"`  // rule findings whose rule no longer fires, left behind
	Mitigations int      `json:"mitigations"` // carried mitigations
	Acceptances int      `json:"acceptances"` // acceptances carried as they were
	Redecide    []Redo   `json:"redecide"`    // acceptances withdrawn: a reviewer decides again
	LeftBehind  []string `json:"left_behind"` // mitigations linked to no carried finding
}

// Redo is an acceptance that did not carry over, and why.
type Redo struct {
	FindingID string `json:"finding_id"`
	Title     string `json:"title"`
	Reason    string `json:"reason"` // "expired" or "inputs_changed"
}

// Text is the summary in one line, for the first revision of the new cycle.
func (c CarrySummary) Text() string {
	parts := []string{
		fmt.Sprintf("%d %s", c.Answers, plural(c.Answers, "answer", "answers")),
		fmt.Sprintf("%d %s (%d manual)", c.Findings, plural(c.Findings, "finding", "findings"), c.Manual),
		fmt.Sprintf("%d %s with owner, due date, status and evidence", c.Mitigations, plural(c.Mitigations, "mitigation", "mitigations")),
		fmt.Sprintf("%d %s", c.Acceptances, plural(c.Acceptances, "acceptance", "acceptances")),
	}
	out := fmt.Sprintf("Carried from cycle %d: %s", c.FromCycle, strings.Join(parts, ", "))
	if n := len(c.Redecide); n > 0 {
		out += fmt.Sprintf("; %d %s to decide again", n, plural(n, "acceptance", "acceptances"))
	}
	if n := len(c.Raised); n > 0 {
		out += fmt.Sprintf("; %d new %s raised", n, plural(n, "risk", "risks"))
	}
	if n := len(c.NotRaised); n > 0 {
		out += fmt.Sprintf("; %d %s no longer raised", n, plural(n, "risk", "risks"))
	}
	return out
}

// Carry builds the first state of the next cycle from prev, the last approved state with its
// mitigation tracking applied (see Tracked.Current), on the questionnaire def:
//   - answers are carried by question key when def still accepts them;
//   - rule findings are re-evaluated on the carried answers: those that still fire are kept with
//     their residual risk, status and links; those that no longer fire are left behind; new ones
//     are raised;
//   - manual findings are kept as they are;
//   - mitigations linked to a carried finding are kept with owner, due date, status and evidence;
//   - an acceptance is kept while it has not expired on today and the answers behind its finding
//     did not change; otherwise it is withdrawn and listed for a reviewer to decide again.
//
// The consultation (the privacy officer's opinion) is not carried: it was given on the last cycle.
func Carry(def *questionnaire.Definition, prev State, fromCycle int, today time.Time) (State, CarrySummary) {
	sum := CarrySummary{FromCycle: fromCycle}
	next := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft, Seq: prev.Seq,
		Answers: map[string]any{}, Findings: map[string]*Finding{}, Mitigations: map[string]*Mitigation{}}
	for _, k := range slices.Sorted(maps.Keys(prev.Answers)) {
		q, ok := def.Question(k)
		if !ok {
			sum.Dropped = append(sum.Dropped, k)
			continue
		}
		v, err := q.FromJSON(prev.Answers[k])
		if err != nil || v == nil {
			sum.Dropped = append(sum.Dropped, k)
			continue
		}
		next.Answers[k] = v
	}
	sum.Answers = len(next.Answers)

	day := today.UTC().Format(time.DateOnly)
	for id, f := range prev.Findings {
		if f.ResolvedByAnswers {
			continue // already closed by the answers of the last cycle
		}
		g := *f
		g.Mitigations = slices.Clone(f.Mitigations)
		if g.Acceptance != nil && g.Acceptance.Expires <= day {
			sum.Redecide = append(sum.Redecide, Redo{FindingID: id, Title: g.Title, Reason: "expired"})
			g.Acceptance = nil
			if g.Status == FindingAccepted {
				g.Status = FindingOpen
			}
		}
		next.Findings[id] = &g
	}
	reconciled := Reconcile(def, next)
	for id, f := range reconciled.Findings {
		old, had := next.Findings[id]
		switch {
		case !had:
			sum.Raised = append(sum.Raised, id)
		case f.ResolvedByAnswers:
			sum.NotRaised = append(sum.NotRaised, id)
			delete(reconciled.Findings, id)
		case old.Acceptance != nil && f.Acceptance == nil:
			sum.Redecide = append(sum.Redecide, Redo{FindingID: id, Title: f.Title, Reason: "inputs_changed"})
		}
	}
	// Rule findings that were never worked on vanish in Reconcile rather than being marked.
	for id, f := range next.Findings {
		if _, ok := reconciled.Findings[id]; !ok && !f.Manual() && !slices.Contains(sum.NotRaised, id) {
			sum.NotRaised = append(sum.NotRaised, id)
		}
	}
	next = reconciled

	linked := map[string]bool{}
	for _, f := range next.Findings {
		for _, m := range f.Mitigations {
			linked[m] = true
		}
		sum.Findings++
		if f.Manual() {
			sum.Manual++
		}
		if f.Acceptance != nil {
			sum.Acceptances++
		}
	}
	for id, m := range prev.Mitigations {
		if !linked[id] {
			sum.LeftBehind = append(sum.LeftBehind, id)
			continue
		}
		c := *m
		next.Mitigations[id] = &c
	}
	// A link to a mitigation the last cycle did not hold would dangle; drop it.
	for id, f := range next.Findings {
		if slices.ContainsFunc(f.Mitigations, func(m string) bool { return next.Mitigations[m] == nil }) {
			g := *f
			g.Mitigations = slices.DeleteFunc(slices.Clone(f.Mitigations), func(m string) bool { return next.Mitigations[m] == nil })
			next.Findings[id] = &g
		}
	}
	sum.Mitigations = len(next.Mitigations)
	for _, l := range [][]string{sum.Dropped, sum.Raised, sum.NotRaised, sum.LeftBehind} {
		slices.Sort(l)
	}
	slices.SortFunc(sum.Redecide, func(a, b Redo) int { return strings.Compare(a.FindingID, b.FindingID) })
	return next, sum
}
