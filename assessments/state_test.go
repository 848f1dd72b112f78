package assessments

import (
	"encoding/json"
	"testing"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

func TestHashIsStable(t *testing.T) {
	a := State{Questionnaire: "q", QuestionnaireVersion: 1, Status: Draft, Answers: map[string]any{"b": "x", "a": []string{"1", "2"}, "n": 3.5}}
	// The same state after a JSON round trip (as read back from the database) hashes the same.
	var back map[string]any
	raw, _ := json.Marshal(a.Answers)
	json.Unmarshal(raw, &back)
	b := a
	b.Answers = back
	if a.Hash() != b.Hash() {
		t.Fatalf("hash differs after a round trip:\n%s\n%s", a.Canonical(), b.Canonical())
	}
	if got := string(a.Canonical()); got != `{"questionnaire":"q","questionnaire_version":1,"status":"draft","answers":{"a":["1","2"],"b":"x","n":3.5},"findings":{},"mitigations":{},"seq":0,"consultation":{}}` {
		t.Errorf("canonical JSON: %s", got)
	}
	c := a.Apply(Change{Answers: map[string]any{"b": "y"}})
	if c.Hash() == a.Hash() {
		t.Error("different states hash the same")
	}
	if a.Answers["b"] != "x" {
		t.Error("Apply modified the original state")
	}
	empty := State{Questionnaire: "q", QuestionnaireVersion: 1, Status: Draft}
	if empty.Hash() != (State{Questionnaire: "q", QuestionnaireVersion: 1, Status: Draft, Answers: map[string]any{}}).Hash() {
		t.Error("nil and empty answers hash differently")
	}
}

func TestAnswerChanges(t *testing.T) {
	current := map[string]any{"a": "x", "list": []any{"p", "q"}, "n": 2.0, "gone": "z"}
	proposed := map[string]any{"a": "x", "list": []string{"p", "q"}, "n": 3.0, "gone": nil, "new": "v", "never": nil}
	got := AnswerChanges(current, proposed)
	want := map[string]any{"n": 3.0, "gone": nil, "new": "v"}
	if len(got) != len(want) {
		t.Fatalf("changes = %v, want %v", got, want)
	}
	for k, v := range want {
		if gv, ok := got[k]; !ok || gv != v {
			t.Errorf("change %s = %v, want %v", k, gv, v)
		}
	}
	next := State{Answers: current}.Apply(Change{Answers: got, Status: InReview})
	if _, ok := next.Answers["gone"]; ok || next.Answers["new"] != "v" || next.Status != InReview {
		t.Errorf("applied: %+v", next)
	}
}

func TestSummarise(t *testing.T) {
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	d := defs[0]
	cases := []struct {
		change Change
		want   string
	}{
		{Change{Answers: map[string]any{"uses_dp": "yes", "epsilon": 3.0}}, "Answered 2 questions in Differential privacy"},
		{Change{Answers: map[string]any{"uses_dp": nil}}, "Cleared 1 answer in Differential privacy"},
		{Change{Status: Approved}, "Status set to Approved"},
		{Change{}, "No change"},
	}
	for _, tc := range cases {
		if got := Summarise(d, State{}, tc.change); got != tc.want {
			t.Errorf("Summarise(%v) = %q, want %q", tc.change, got, tc.want)
		}
	}
}
