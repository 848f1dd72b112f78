package questionnaire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestEval(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	answers := Answers{
		"legal_basis":         "legitimate_interest",
		"basis_note":          "fraud prevention",
		"uses_dp":             "yes",
		"epsilon":             8.0,
		"data_kinds":          []string{"names", "health"},
		"review_date":         "",
		"purpose_description": "   ",
	}
	eq := func(q string, v any) *Condition { return &Condition{Question: q, Equals: v} }
	tests := []struct {
		name string
		c    *Condition
		want bool
	}{
		{"nil holds", nil, true},
		{"equals", eq("legal_basis", "legitimate_interest"), true},
		{"equals other", eq("legal_basis", "consent"), false},
		{"equals number", eq("epsilon", 8.0), true},
		{"equals among selected", eq("data_kinds", "health"), true},
		{"equals not selected", eq("data_kinds", "location"), false},
		{"in", &Condition{Question: "uses_dp", In: []any{"yes", "partial"}}, true},
		{"in miss", &Condition{Question: "uses_dp", In: []any{"no"}}, false},
		{"in multi", &Condition{Question: "data_kinds", In: []any{"location", "names"}}, true},
		{"in multi miss", &Condition{Question: "data_kinds", In: []any{"location"}}, false},
		{"gt", &Condition{Question: "epsilon", Gt: ptr(5.0)}, true},
		{"gt equal", &Condition{Question: "epsilon", Gt: ptr(8.0)}, false},
		{"lt", &Condition{Question: "epsilon", Lt: ptr(10.0)}, true},
		{"gt on text answer", &Condition{Question: "legal_basis", Gt: ptr(0.0)}, false},
		{"answered", &Condition{Question: "basis_note", Answered: ptr(true)}, true},
		{"empty string unanswered", &Condition{Question: "review_date", Answered: ptr(false)}, true},
		{"blank string unanswered", &Condition{Question: "purpose_description", Answered: ptr(true)}, false},
		{"missing unanswered", &Condition{Question: "balancing_done", Answered: ptr(false)}, true},
		{"leaf on unanswered false", eq("balancing_done", "no"), false},
		{"not on unanswered true", &Condition{Not: eq("balancing_done", "no")}, true},
		{"unknown question", eq("nope", "x"), false},
		{"unknown question unanswered", &Condition{Question: "nope", Answered: ptr(false)}, true},
		{"all", &Condition{All: []*Condition{eq("uses_dp", "yes"), eq("data_kinds", "names")}}, true},
		{"all one false", &Condition{All: []*Condition{eq("uses_dp", "yes"), eq("data_kinds", "location")}}, false},
		{"any", &Condition{Any: []*Condition{eq("uses_dp", "no"), eq("data_kinds", "names")}}, true},
		{"any none", &Condition{Any: []*Condition{eq("uses_dp", "no"), eq("data_kinds", "location")}}, false},
		{"not", &Condition{Not: eq("uses_dp", "no")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Eval(tt.c, answers); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

// Answers loaded back from JSON storage hold []any and may hold json.Number.
func TestEvalJSONAnswers(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	var a Answers
	dec := json.NewDecoder(strings.NewReader(`{"uses_dp":"yes","epsilon":12,"data_kinds":["location"]}`))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	if !d.Eval(d.Rules[1].When, a) {
		t.Errorf("weak-epsilon not raised from JSON answers")
	}
}

func TestVisible(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	tests := []struct {
		name    string
		answers Answers
		key     string
		want    bool
	}{
		{"no show_if", nil, "legal_basis", true},
		{"unknown key", nil, "nope", false},
		{"hidden until answered", nil, "basis_note", false},
		{"shown by answer", Answers{"legal_basis": "legitimate_interest"}, "basis_note", true},
		{"chain shown", Answers{"legal_basis": "legitimate_interest", "basis_note": "x"}, "balancing_done", true},
		// basis_note keeps its answer but is hidden, so balancing_done must hide too.
		{"chain hidden transitively", Answers{"legal_basis": "consent", "basis_note": "x"}, "balancing_done", false},
		{"in shows", Answers{"uses_dp": "partial"}, "epsilon", true},
		{"in hides", Answers{"uses_dp": "no", "epsilon": 3.0}, "epsilon", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Visible(tt.key, tt.answers); got != tt.want {
				t.Errorf("Visible(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

// A definition built by hand skips Parse's cycle check; it must still not recurse forever.
func TestVisibleCycleByHand(t *testing.T) {
	d := &Definition{Sections: []*Section{{Key: "s", Questions: []*Question{
		{Key: "a", Type: Text, ShowIf: &Condition{Question: "b", Answered: ptr(false)}},
		{Key: "b", Type: Text, ShowIf: &Condition{Question: "a", Answered: ptr(false)}},
	}}}}
	d.Visible("a", nil)
	d.Progress(nil)
}

func TestProgress(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	tests := []struct {
		name    string
		answers Answers
		want    Progress
	}{
		{"nothing answered", nil, Progress{
			Tally: Tally{Visible: 5, Missing: []string{"purpose_description", "legal_basis", "uses_dp"}},
			Sections: []SectionProgress{
				{"purpose", Tally{Visible: 2, Missing: []string{"purpose_description", "legal_basis"}}},
				{"differential_privacy", Tally{Visible: 3, Missing: []string{"uses_dp"}}},
			},
		}},
		{"hidden answers not counted", Answers{"legal_basis": "consent", "basis_note": "kept", "balancing_done": "yes",
			"uses_dp": "no", "epsilon": 4.0}, Progress{
			Tally: Tally{Visible: 5, Answered: 2, Missing: []string{"purpose_description"}, Percent: 40},
			Sections: []SectionProgress{
				{"purpose", Tally{Visible: 2, Answered: 1, Missing: []string{"purpose_description"}, Percent: 50}},
				{"differential_privacy", Tally{Visible: 3, Answered: 1, Percent: 33}},
			},
		}},
		{"unknown counts as answered", Answers{"purpose_description": "x", "legal_basis": "legitimate_interest",
			"basis_note": "y", "balancing_done": "unknown", "uses_dp": "unknown", "data_kinds": []string{"names"},
			"review_date": "2025-01-31"}, Progress{
			Tally: Tally{Visible: 7, Answered: 7, Unknown: []string{"balancing_done", "uses_dp"}, Percent: 100},
			Sections: []SectionProgress{
				{"purpose", Tally{Visible: 4, Answered: 4, Unknown: []string{"balancing_done"}, Percent: 100}},
				{"differential_privacy", Tally{Visible: 3, Answered: 3, Unknown: []string{"uses_dp"}, Percent: 100}},
			},
		}},
		{"shown question required", Answers{"uses_dp": "yes"}, Progress{
			Tally: Tally{Visible: 6, Answered: 1, Missing: []string{"purpose_description", "legal_basis", "epsilon"}, Percent: 16},
			Sections: []SectionProgress{
				{"purpose", Tally{Visible: 2, Missing: []string{"purpose_description", "legal_basis"}}},
				{"differential_privacy", Tally{Visible: 4, Answered: 1, Missing: []string{"epsilon"}, Percent: 25}},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Progress(tt.answers)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Progress =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	if (Tally{}).Complete() != true || (Tally{Missing: []string{"a"}}).Complete() {
		t.Errorf("Complete is wrong")
	}
	if p := (&Definition{Sections: []*Section{{Key: "s"}}}).Progress(nil); p.Percent != 100 {
		t.Errorf("nothing visible: percent %d, want 100", p.Percent)
	}
}

func TestEvaluate(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	type raised struct {
		key    string
		inputs map[string]any
	}
	tests := []struct {
		name    string
		answers Answers
		want    []raised
	}{
		{"none", nil, nil},
		{"no dp", Answers{"uses_dp": "no"}, []raised{{"no-dp", map[string]any{"uses_dp": "no"}}}},
		{"weak epsilon", Answers{"uses_dp": "yes", "epsilon": 12.0}, []raised{
			{"weak-epsilon", map[string]any{"epsilon": 12.0, "data_kinds": nil}},
		}},
		{"weak epsilon blocked by health", Answers{"uses_dp": "yes", "epsilon": 12.0, "data_kinds": []string{"health"}}, []raised{
			// balancing_done is hidden (no basis_note), so only the visible inputs appear.
			{"health-no-basis", map[string]any{"data_kinds": []string{"health"}, "epsilon": 12.0}},
		}},
		// Rules see only visible answers: epsilon is kept but hidden once DP is off.
		{"hidden epsilon ignored", Answers{"uses_dp": "no", "epsilon": 0.5}, []raised{
			{"no-dp", map[string]any{"uses_dp": "no"}},
		}},
		{"small epsilon", Answers{"uses_dp": "partial", "epsilon": 0.5}, []raised{
			{"health-no-basis", map[string]any{"data_kinds": nil, "epsilon": 0.5}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []raised
			for _, r := range d.Evaluate(tt.answers) {
				got = append(got, raised{r.Rule.Key, r.Inputs})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Evaluate =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestCheckMitigations(t *testing.T) {
	d := mustParse(t, "testdata/small.yaml")
	probs := d.CheckMitigations(func(key string) bool { return key == "dp-sgd" })
	want := `testdata/small.yaml:78: rule weak-epsilon: mitigation "canary-exposure-test" is not in the catalogue`
	if probs.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", probs, want)
	}
}
