package assessments

import (
	"strings"
	"testing"
)

func TestDiffLines(t *testing.T) {
	cases := []struct {
		a, b string
		want string // ops and lines joined as "op text|"
	}{
		{"", "", ""},
		{"a", "a", " a|"},
		{"a\nb\nc", "a\nc", " a|-b| c|"},
		{"a\nc", "a\nb\nc", " a|+b| c|"},
		{"one\ntwo", "uno\ndos", "-one|-two|+uno|+dos|"},
		{"keep\nold tail\n", "keep\nnew tail\n", " keep|-old tail|+new tail|"},
		{"", "new", "+new|"},
	}
	for _, tc := range cases {
		var b strings.Builder
		for _, l := range DiffLines(tc.a, tc.b) {
			b.WriteString(l.Op)
			b.WriteString(l.Text + "|")
		}
		if got := b.String(); got != tc.want {
			t.Errorf("DiffLines(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestReplayAndCompare(t *testing.T) {
	def := builtin(t)
	s0 := Reconcile(def, State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft})
	s1 := answered(def, s0, map[string]any{"personal_data_present": "yes", "uses_dp": "no", "purpose_description": "Draft replies.\nFor support."})
	s2 := answered(def, s1, map[string]any{"uses_dp": "yes", "purpose_description": "Draft replies.\nFor support agents only."})
	s2, _, _ = AddFinding(s2, FindingInput{Title: "Logs", Category: "access_storage", Likelihood: 2, Severity: 2}, []string{"access_storage"})
	s2.Consultation = Consultation{DPOOpinion: "Fine."}
	changes := []Change{Diff(State{}, s0), Diff(s0, s1), Diff(s1, s2)}
	hashes := []string{s0.Hash(), s1.Hash(), s2.Hash()}
	states, err := Replay(changes, hashes)
	if err != nil {
		t.Fatal(err)
	}
	if states[2].Hash() != s2.Hash() {
		t.Fatal("replay does not reach the last state")
	}
	hashes[1] = strings.Repeat("0", 64)
	if _, err := Replay(changes, hashes); err == nil || !strings.Contains(err.Error(), "revision 2") {
		t.Fatalf("altered history not detected: %v", err)
	}

	c := Compare(def, s1, s2)
	var keys []string
	for _, a := range c.Answers {
		keys = append(keys, a.Key)
	}
	if strings.Join(keys, ",") != "purpose_description,uses_dp" {
		t.Errorf("answers compared: %v", keys)
	}
	if c.Answers[0].Lines == nil || c.Answers[0].Lines[1].Op != "-" {
		t.Errorf("long text not diffed by line: %+v", c.Answers[0].Lines)
	}
	kinds := map[string]string{}
	for _, f := range c.Findings {
		kinds[f.ID] = f.Kind
	}
	if kinds["rule:no-dp-personal-data"] != "resolved" || kinds["f1"] != "raised" {
		t.Errorf("findings compared: %v", kinds)
	}
	if len(c.OtherChanged) != 1 {
		t.Errorf("consultation change not reported: %v", c.OtherChanged)
	}
	if !Compare(def, s2, s2).Empty() {
		t.Error("a state differs from itself")
	}
}
