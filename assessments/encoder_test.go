package assessments_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// The Encoder writes, state after state of a chain, exactly the bytes of State.Canonical: the
// same keys in the same order, the same escaping, entries reused only while unchanged.
func TestEncoderMatchesCanonical(t *testing.T) {
	categories := []string{"purpose", "data"}
	enc := assessments.NewEncoder()
	state := assessments.State{Questionnaire: "q<&>", QuestionnaireVersion: 2, Status: assessments.Draft}
	check := func(step string) {
		t.Helper()
		got, hash := enc.CanonicalHash(state)
		if want := state.Canonical(); !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", step, got, want)
		}
		if hash != state.Hash() {
			t.Fatalf("%s: hash %s, want %s", step, hash, state.Hash())
		}
	}
	check("empty")
	members := []int64{7}
	for i := range 40 {
		next := state
		switch i % 6 {
		case 0:
			next = next.Apply(assessments.Change{Answers: map[string]any{
				fmt.Sprintf("q%d", i%7): fmt.Sprintf("answer <%d> & \"quoted\"", i),
				"n":                     float64(i) / 3,
				"list":                  []any{"a", fmt.Sprint(i % 2)},
			}})
		case 1:
			next, _, _ = assessments.AddFinding(next, assessments.FindingInput{Title: fmt.Sprintf("Finding <%d>", i), Description: "é & ü",
				Category: categories[i%2], Likelihood: 2, Severity: 3}, categories)
		case 2:
			for id := range next.Findings {
				title, due := "Mask names", "2026-01-02"
				next, _, _ = assessments.LinkNewMitigation(next, id, assessments.MitigationInput{Title: &title, Due: &due, Owner: &members[0]}, members)
				break
			}
		case 3:
			for id := range next.Mitigations {
				st := assessments.MitigationImplemented
				next, _ = assessments.UpdateMitigation(next, id, assessments.MitigationInput{Status: &st}, members)
				break
			}
		case 4:
			next = next.Apply(assessments.Change{Consultation: &assessments.Consultation{DPOOpinion: fmt.Sprint("fine ", i)},
				Project: &assessments.ProjectSnapshot{Name: "P<1>", Datasets: []assessments.Dataset{{Name: "d"}}},
				Evidence: map[string]*assessments.Evidence{fmt.Sprint("E", i): {ID: fmt.Sprint("E", i), Kind: "dp",
					Inputs: json.RawMessage(`{"a":1}`), Figures: map[string]float64{"epsilon": 3}}}})
		case 5:
			next = next.Apply(assessments.Change{Answers: map[string]any{"q1": nil}, Status: assessments.InReview, Seq: next.Seq + 1})
		}
		state = next
		check(fmt.Sprint("step ", i))
	}
}

// SameAnswer's quick paths agree with the JSON comparison they stand in for.
func TestSameAnswerCases(t *testing.T) {
	f := &assessments.Finding{ID: "f1"}
	for _, c := range []struct {
		a, b any
		want bool
	}{
		{"a", "a", true}, {"a", "b", false}, {"\xff", "\xfe", true}, // both encode as U+FFFD
		{1.5, 1.5, true}, {1.5, 2.0, false}, {0.0, 0.0, true}, {true, true, true}, {true, false, false},
		{[]string{"x"}, []any{"x"}, true}, {[]any{"x"}, []any{"y"}, false},
		{f, f, true}, {f, &assessments.Finding{ID: "f1"}, true}, {f, &assessments.Finding{ID: "f2"}, false},
		{map[string]any{"a": "1", "b": 2.0}, map[string]any{"a": "1", "b": 2.0}, true},
		{map[string]any{"a": "1"}, map[string]any{"a": "2"}, false},
		{map[string]any{"a": []string{"x"}}, map[string]any{"a": []any{"x"}}, true},
		{map[string]any{}, map[string]any{}, true}, {"1", 1.0, false},
	} {
		if got := assessments.SameAnswer(c.a, c.b); got != c.want {
			t.Errorf("SameAnswer(%#v, %#v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
