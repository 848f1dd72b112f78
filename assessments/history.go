package assessments

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// Replay rebuilds the states after each change in order, checking each against the hash that
// was recorded with it; a mismatch means the stored history was altered.
func Replay(changes []Change, hashes []string) ([]State, error) {
	if len(changes) != len(hashes) {
		return nil, fmt.Errorf("assessments: %d changes but %d hashes", len(changes), len(hashes))
	}
	states := make([]State, len(changes))
	var s State
	for i, c := range changes {
		s = s.Apply(c)
		if got := s.Hash(); got != hashes[i] {
			return nil, fmt.Errorf("assessments: revision %d does not match its recorded hash (history altered?)", i+1)
		}
		states[i] = s
	}
	return states, nil
}

// AnswerDiff is one answer that differs between two states.
type AnswerDiff struct {
	Key      string
	Label    string
	Section  string // section title
	Old, New any    // nil when unanswered
	Lines    []LineDiff
}

// FindingDiff is one finding that differs between two states.
type FindingDiff struct {
	ID, Title            string
	Kind                 string // "raised", "resolved", "changed"
	OldLevel, NewLevel   Level  // residual levels
	OldStatus, NewStatus FindingStatus
}

// MitigationDiff is one mitigation that differs between two states.
type MitigationDiff struct {
	ID, Title            string
	Kind                 string // "added", "removed", "changed"
	OldStatus, NewStatus MitigationStatus
}

// EvidenceDiff is one evidence record that differs between two states.
type EvidenceDiff struct {
	ID, Kind string
	Change   string // "added", "removed", "changed"
	Old, New *Evidence
}

// Comparison is what differs between two states, for people to read.
type Comparison struct {
	StatusFrom, StatusTo Status
	Answers              []AnswerDiff
	Findings             []FindingDiff
	Mitigations          []MitigationDiff
	Evidence             []EvidenceDiff
	OtherChanged         []string // names of other parts that changed, e.g. "DPO opinion"
}

// Empty tells whether the states are the same for a reader.
func (c Comparison) Empty() bool {
	return c.StatusFrom == c.StatusTo && len(c.Answers) == 0 && len(c.Findings) == 0 && len(c.Mitigations) == 0 && len(c.Evidence) == 0 && len(c.OtherChanged) == 0
}

// Compare lists what differs from a to b, in questionnaire order.
func Compare(def *questionnaire.Definition, a, b State) Comparison {
	c := Comparison{StatusFrom: a.Status, StatusTo: b.Status}
	seen := map[string]bool{}
	for _, q := range def.Questions() {
		seen[q.Key] = true
		old, had := a.Answers[q.Key]
		nu, has := b.Answers[q.Key]
		if had == has && (!had || sameAnswer(old, nu)) {
			continue
		}
		d := AnswerDiff{Key: q.Key, Label: q.Label, Old: old, New: nu}
		if s, ok := def.Section(q.Section); ok {
			d.Section = s.Title
		}
		if q.Type == questionnaire.LongText {
			os, _ := old.(string)
			ns, _ := nu.(string)
			d.Lines = DiffLines(os, ns)
		}
		c.Answers = append(c.Answers, d)
	}
	// Answers to questions the definition no longer has still count.
	for _, k := range slices.Sorted(maps.Keys(union(a.Answers, b.Answers))) {
		if !seen[k] && !sameAnswer(a.Answers[k], b.Answers[k]) {
			c.Answers = append(c.Answers, AnswerDiff{Key: k, Label: k, Old: a.Answers[k], New: b.Answers[k]})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(union(a.Findings, b.Findings))) {
		fa, fb := a.Findings[id], b.Findings[id]
		switch {
		case (fa == nil || !fa.Live()) && fb != nil && fb.Live():
			c.Findings = append(c.Findings, FindingDiff{ID: id, Title: fb.Title, Kind: "raised", NewLevel: fb.ResidualLevel(), NewStatus: fb.Status})
		case fa != nil && fa.Live() && (fb == nil || !fb.Live()):
			d := FindingDiff{ID: id, Title: fa.Title, Kind: "resolved", OldLevel: fa.ResidualLevel(), OldStatus: fa.Status}
			if fb != nil {
				d.NewStatus = fb.Status
			}
			c.Findings = append(c.Findings, d)
		case fa != nil && fb != nil && !sameAnswer(fa, fb):
			c.Findings = append(c.Findings, FindingDiff{ID: id, Title: fb.Title, Kind: "changed",
				OldLevel: fa.ResidualLevel(), NewLevel: fb.ResidualLevel(), OldStatus: fa.Status, NewStatus: fb.Status})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(union(a.Mitigations, b.Mitigations))) {
		ma, mb := a.Mitigations[id], b.Mitigations[id]
		switch {
		case ma == nil:
			c.Mitigations = append(c.Mitigations, MitigationDiff{ID: id, Title: mb.Title, Kind: "added", NewStatus: mb.Status})
		case mb == nil:
			c.Mitigations = append(c.Mitigations, MitigationDiff{ID: id, Title: ma.Title, Kind: "removed", OldStatus: ma.Status})
		case !sameAnswer(ma, mb):
			c.Mitigations = append(c.Mitigations, MitigationDiff{ID: id, Title: mb.Title, Kind: "changed", OldStatus: ma.Status, NewStatus: mb.Status})
		}
	}
	for _, id := range SortedIDs(union(a.Evidence, b.Evidence)) {
		ea, eb := a.Evidence[id], b.Evidence[id]
		switch {
		case ea == nil:
			c.Evidence = append(c.Evidence, EvidenceDiff{ID: id, Kind: eb.Kind, Change: "added", New: eb})
		case eb == nil:
			c.Evidence = append(c.Evidence, EvidenceDiff{ID: id, Kind: ea.Kind, Change: "removed", Old: ea})
		case !sameAnswer(ea, eb):
			c.Evidence = append(c.Evidence, EvidenceDiff{ID: id, Kind: eb.Kind, Change: "changed", Old: ea, New: eb})
		}
	}
	if a.Consultation != b.Consultation {
		c.OtherChanged = append(c.OtherChanged, "consultation (DPO opinion, views of the people affected)")
	}
	if b.Project != nil && !sameAnswer(a.Project, b.Project) {
		c.OtherChanged = append(c.OtherChanged, "the project's description as recorded for review (purpose, model, deployment, datasets, team)")
	}
	return c
}

// SortedIDs orders evidence ids by their number: E2 before E10.
func SortedIDs(ids map[string]bool) []string {
	list := slices.Collect(maps.Keys(ids))
	slices.SortFunc(list, func(a, b string) int {
		if d := evidenceNumber(a) - evidenceNumber(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return list
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// LineDiff is one line of a line-by-line comparison: Op is " " (kept), "-" (removed) or "+" (added).
type LineDiff struct {
	Op   string `json:"op"`
	Text string `json:"text"`
}

// DiffLines compares two texts line by line with a longest-common-subsequence table. Texts are
// at most 100,000 characters, but a table over thousands of lines would be large: past 2,000
// lines on either side it falls back to showing all old lines removed and all new ones added.
func DiffLines(a, b string) []LineDiff {
	la, lb := splitLines(a), splitLines(b)
	if len(la) > 2000 || len(lb) > 2000 {
		var out []LineDiff
		for _, l := range la {
			out = append(out, LineDiff{"-", l})
		}
		for _, l := range lb {
			out = append(out, LineDiff{"+", l})
		}
		return out
	}
	// lcs[i][j] is the length of the LCS of la[i:] and lb[j:].
	lcs := make([][]int, len(la)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(lb)+1)
	}
	for i := len(la) - 1; i >= 0; i-- {
		for j := len(lb) - 1; j >= 0; j-- {
			if la[i] == lb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []LineDiff
	i, j := 0, 0
	for i < len(la) && j < len(lb) {
		switch {
		case la[i] == lb[j]:
			out = append(out, LineDiff{" ", la[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, LineDiff{"-", la[i]})
			i++
		default:
			out = append(out, LineDiff{"+", lb[j]})
			j++
		}
	}
	for ; i < len(la); i++ {
		out = append(out, LineDiff{"-", la[i]})
	}
	for ; j < len(lb); j++ {
		out = append(out, LineDiff{"+", lb[j]})
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
