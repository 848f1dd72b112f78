package assessments

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

var addedAt = time.Date(2026, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))

func dpInput(figs map[string]float64) EvidenceInput {
	return EvidenceInput{Kind: figures.DP, Source: SourceComputed, Figures: figs, Cycle: 1,
		Inputs:  json.RawMessage(`{ "sigma": 1.1, "q": 0.01, "steps": 1000, "delta": 1e-6 }`),
		AddedBy: 7, AddedByName: "Ada", AddedAt: addedAt}
}

func mustAdd(t *testing.T, def *questionnaire.Definition, s State, in EvidenceInput) (State, string) {
	t.Helper()
	next, id, err := AddEvidence(s, def, in)
	if err != nil {
		t.Fatal(err)
	}
	return next, id
}

func TestStateWithoutEvidenceHashesAsBefore(t *testing.T) {
	// The canonical JSON, hence the hash, of a state is what it was before evidence existed
	// (the same form TestHashIsStable pins): revisions stored then must still verify.
	s := State{Questionnaire: "q", QuestionnaireVersion: 1, Status: Draft, Answers: map[string]any{"a": "x"}}
	want := `{"questionnaire":"q","questionnaire_version":1,"status":"draft","answers":{"a":"x"},"findings":{},"mitigations":{},"seq":0,"consultation":{}}`
	if got := string(s.Canonical()); got != want {
		t.Fatalf("canonical JSON without evidence:\n%s\nwant\n%s", got, want)
	}
	s.Evidence = map[string]*Evidence{}
	if got := string(s.Canonical()); got != want {
		t.Errorf("an empty evidence map changes the canonical JSON: %s", got)
	}
}

func TestAddEvidence(t *testing.T) {
	def := builtin(t)
	s := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Seq: 3}
	s, id := mustAdd(t, def, s, dpInput(map[string]float64{"epsilon": 3.2}))
	if id != "E4" || s.Seq != 4 {
		t.Fatalf("id %s, seq %d; want E4 and 4", id, s.Seq)
	}
	e := s.Evidence[id]
	if string(e.Inputs) != `{"delta":1e-6,"q":0.01,"sigma":1.1,"steps":1000}` {
		t.Errorf("inputs not canonical: %s", e.Inputs)
	}
	if e.AddedAt != "2026-03-01T08:30:00Z" {
		t.Errorf("added at %s, want UTC", e.AddedAt)
	}
	if strings.Join(e.Questions, ",") != "epsilon,delta,noise_multiplier,sampling_rate,training_steps" {
		t.Errorf("default questions %v", e.Questions)
	}
	if got := e.Sections(def); len(got) != 1 || got[0] != "differential_privacy" {
		t.Errorf("sections %v", got)
	}
	if got := EvidenceFor(def, s, "differential_privacy"); len(got) != 1 || got[0].ID != id {
		t.Errorf("EvidenceFor = %v", got)
	}
	if got := EvidenceForQuestion(s, "sampling_rate"); len(got) != 1 || got[0].ID != id {
		t.Errorf("EvidenceForQuestion = %v", got)
	}
	if got := EvidenceForQuestion(s, "pii_recall"); len(got) != 0 {
		t.Errorf("EvidenceForQuestion pii_recall = %v", got)
	}
	if got := EvidenceFor(def, s, "anonymisation"); len(got) != 0 {
		t.Errorf("EvidenceFor anonymisation = %v", got)
	}
	if !strings.Contains(string(s.Canonical()), `"evidence":{"E4":{"id":"E4","kind":"dp","cycle":1,"source":"computed"`) {
		t.Errorf("canonical JSON lacks the record: %s", s.Canonical())
	}
	s2, err := RemoveEvidence(s, id)
	if err != nil || len(s2.Evidence) != 0 || len(s.Evidence) != 1 {
		t.Errorf("remove: %v, %d left, original %d", err, len(s2.Evidence), len(s.Evidence))
	}
	if _, err := RemoveEvidence(s, "E9"); !errors.Is(err, ErrNoEvidence) {
		t.Errorf("removing an unknown id: %v", err)
	}
}

func TestAddEvidenceRejects(t *testing.T) {
	def := builtin(t)
	tests := []struct {
		field string
		edit  func(*EvidenceInput)
	}{
		{"kind", func(in *EvidenceInput) { in.Kind = "dpp" }},
		{"source", func(in *EvidenceInput) { in.Source = "magic" }},
		{"file_sha256", func(in *EvidenceInput) { in.FileSHA256 = "abc" }},
		{"file_sha256", func(in *EvidenceInput) { in.FileSHA256 = strings.Repeat("g", 64) }},
		{"figures", func(in *EvidenceInput) { in.Figures = map[string]float64{"epsilon": nan()} }},
		{"figures", func(in *EvidenceInput) { in.Figures = map[string]float64{"bad name": 1} }},
		{"inputs", func(in *EvidenceInput) { in.Inputs = json.RawMessage(`[1, 2]`) }},
		{"inputs", func(in *EvidenceInput) { in.Inputs = json.RawMessage(`{"a": 1} {"b": 2}`) }},
		{"inputs", func(in *EvidenceInput) { in.Inputs = json.RawMessage(`{"a": "` + strings.Repeat("x", 70000) + `"}`) }},
		{"questions", func(in *EvidenceInput) { in.Questions = []string{"epsilon", "nope"} }},
		{"questions", func(in *EvidenceInput) { in.Questions = []string{"epsilon", "epsilon"} }},
		{"tool", func(in *EvidenceInput) { in.Tool = strings.Repeat("t", 201) }},
		{"label", func(in *EvidenceInput) { in.Label = "two\nlines" }},
		{"notes", func(in *EvidenceInput) { in.Notes = make([]string, 51) }},
		{"warnings", func(in *EvidenceInput) { in.Warnings = []string{strings.Repeat("w", 2001)} }},
		{"cycle", func(in *EvidenceInput) { in.Cycle = 0 }},
		{"added_at", func(in *EvidenceInput) { in.AddedAt = time.Time{} }},
	}
	for _, tt := range tests {
		in := dpInput(map[string]float64{"epsilon": 1})
		tt.edit(&in)
		_, _, err := AddEvidence(State{}, def, in)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: error %v, want a FieldError on %s", tt.field, err, tt.field)
		}
	}
	in := dpInput(nil)
	in.FileSHA256 = strings.ToUpper("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	s, id, err := AddEvidence(State{}, def, in)
	if err != nil || s.Evidence[id].FileSHA256 != strings.ToLower(in.FileSHA256) {
		t.Errorf("upper-case digest: %v %+v", err, s.Evidence[id])
	}
}

func nan() float64 { var z float64; return z / z }

func TestEvidenceInHistory(t *testing.T) {
	def := builtin(t)
	s0 := Reconcile(def, State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft})
	s1, id := mustAdd(t, def, s0, dpInput(map[string]float64{"epsilon": 3}))
	s1 = Reconcile(def, s1)
	s2, _ := RemoveEvidence(s1, id)
	changes := []Change{Diff(State{}, s0), Diff(s0, s1), Diff(s1, s2)}
	if _, err := Replay(changes, []string{s0.Hash(), s1.Hash(), s2.Hash()}); err != nil {
		t.Fatal(err)
	}
	// The change survives storage as JSON.
	raw, _ := json.Marshal(changes[1])
	var back Change
	if err := json.Unmarshal(raw, &back); err != nil || s0.Apply(back).Hash() != s1.Hash() {
		t.Fatalf("change after a JSON round trip: %v\n%s", err, raw)
	}
	if got := Summarise(def, s0, changes[1]); got != "Added evidence E1 (Differential privacy budget, cycle 1)" {
		t.Errorf("summary %q", got)
	}
	if got := Summarise(def, s1, changes[2]); got != "Removed evidence E1 (Differential privacy budget, cycle 1)" {
		t.Errorf("summary %q", got)
	}
	c := Compare(def, s0, s1)
	if len(c.Evidence) != 1 || c.Evidence[0].Change != "added" || c.Evidence[0].New.Figures["epsilon"] != 3 || c.Empty() {
		t.Errorf("compare added: %+v", c.Evidence)
	}
	changed := s1.clone()
	e := *s1.Evidence[id]
	e.Figures = map[string]float64{"epsilon": 4}
	changed.Evidence[id] = &e
	if c := Compare(def, s1, changed); len(c.Evidence) != 1 || c.Evidence[0].Change != "changed" {
		t.Errorf("compare changed: %+v", c.Evidence)
	}
	if c := Compare(def, s1, s2); len(c.Evidence) != 1 || c.Evidence[0].Change != "removed" {
		t.Errorf("compare removed: %+v", c.Evidence)
	}
}

func TestCarryEvidence(t *testing.T) {
	def := builtin(t)
	prev, _ := mustAdd(t, def, State{Seq: 5}, dpInput(map[string]float64{"epsilon": 3}))
	e := *prev.Evidence["E6"]
	e.Questions = []string{"gone_question"}
	prev.Evidence["E6"] = &e
	next := CarryEvidence(def, prev, State{Questionnaire: def.Key, Seq: 1})
	got := next.Evidence["E6"]
	if got == nil || got.Cycle != 1 || next.Seq != 6 {
		t.Fatalf("carried %+v, seq %d", got, next.Seq)
	}
	if strings.Join(got.Questions, ",") != strings.Join(DefaultQuestions[figures.DP], ",") {
		t.Errorf("questions the questionnaire lacks are kept: %v", got.Questions)
	}
	in := dpInput(map[string]float64{"epsilon": 2})
	in.Cycle = 2
	next, id := mustAdd(t, def, next, in)
	if id != "E7" || next.Evidence["E6"].Cycle != 1 || next.Evidence[id].Cycle != 2 {
		t.Errorf("new record %s after carrying: %+v", id, next.Evidence)
	}
}

func TestEvidenceFiguresTakeLatestRecordWithTheFigure(t *testing.T) {
	def := builtin(t)
	s, _ := mustAdd(t, def, State{}, dpInput(map[string]float64{"epsilon": 9, "epsilon_pld": 8.5}))
	s, _ = mustAdd(t, def, s, dpInput(map[string]float64{"epsilon": 3}))
	in := dpInput(nil)
	in.Kind = figures.MIA
	s, _ = mustAdd(t, def, s, in)
	got := EvidenceFigures(s)
	if got["dp"]["epsilon"] != 3 || got["dp"]["epsilon_pld"] != 8.5 {
		t.Errorf("dp figures %v", got["dp"])
	}
	if m, ok := got["mia"]; !ok || len(m) != 0 {
		t.Errorf("a record without figures still makes its kind present: %v", got)
	}
}

func TestPolicy(t *testing.T) {
	p := DefaultPolicy()
	want := map[string]float64{"max_epsilon": 8, "max_delta_times_n": 1, "max_mia_auc": 0.6, "max_tpr_ratio_at_0_1pct": 10, "canary_margin_bits": 2}
	got := p.Limits()
	if len(got) != len(want) {
		t.Fatalf("limits %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	raw, _ := json.Marshal(p)
	if string(raw) != `{"max_epsilon":8,"max_delta_times_n":1,"max_mia_auc":0.6,"max_tpr_ratio_at_0_1pct":10,"canary_margin_bits":2}` {
		t.Errorf("JSON names differ from the limit names rules use: %s", raw)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, edit := range map[string]func(*Policy){
		"max_epsilon":             func(p *Policy) { p.MaxEpsilon = 0 },
		"max_delta_times_n":       func(p *Policy) { p.MaxDeltaTimesN = -1 },
		"max_mia_auc":             func(p *Policy) { p.MaxMIAAUC = 1.2 },
		"max_tpr_ratio_at_0_1pct": func(p *Policy) { p.MaxTPRRatioAt01Pct = nan() },
		"canary_margin_bits":      func(p *Policy) { p.CanaryMarginBits = 0 },
	} {
		q := DefaultPolicy()
		edit(&q)
		var fe *FieldError
		if err := q.Validate(); !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}

// A state with evidence read back from storage hashes as it did when written, so revisions with
// evidence verify.
func TestEvidenceStateHashSurvivesStorage(t *testing.T) {
	def := builtin(t)
	in := dpInput(map[string]float64{"epsilon": 7.912345678901234, "delta": 1e-6, "steps": 12000})
	in.Notes, in.FileSHA256 = []string{"From run 42."}, strings.Repeat("ab", 32)
	s, _ := mustAdd(t, def, State{Questionnaire: def.Key, QuestionnaireVersion: def.Version}, in)
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hash() != s.Hash() {
		t.Errorf("hash changes after a JSON round trip:\n%s\n%s", s.Canonical(), back.Canonical())
	}
}
