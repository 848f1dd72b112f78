package questionnaire

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(head))
	f.Add([]byte(head + rule))
	f.Add([]byte(numberHead + evidenceRule(`{all: [{evidence: dp.epsilon, gt: {policy: max_epsilon, times: 2}}, {evidence: mia, present: true}]}`)))
	f.Add([]byte(numberHead + evidenceRule(`{evidence: dp.epsilon, differs_from: {question: n, tolerance: 0.05}}`)))
	f.Add([]byte(numberHead + evidenceRule(`{any: [{evidence: pii.after_EMAIL_ADDRESS, gte: 1}, {question: n, lte: 2}]}`)))
	// Not the built-in questionnaire: the fuzzer spends its time minimising inputs that big.
	names, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.yaml", data)
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs) == 0 || d != nil {
				t.Fatalf("error %T %v with definition %v", err, err, d != nil)
			}
			return
		}
		checkUsable(t, d)
	})
}

// checkUsable exercises everything a valid definition promises.
func checkUsable(t *testing.T, d *Definition) {
	t.Helper()
	if d == nil || d.Key == "" || d.Version < 1 || d.Title == "" || len(d.Sections) == 0 {
		t.Fatalf("nil error but unusable definition %+v", d)
	}
	a := Answers{}
	for _, s := range d.Sections {
		if len(s.Questions) == 0 {
			t.Fatalf("section %q has no questions", s.Key)
		}
		for _, q := range s.Questions {
			if got, ok := d.Question(q.Key); !ok || got != q {
				t.Fatalf("Question(%q) does not find it", q.Key)
			}
			if v, err := q.FromForm([]string{sampleAnswer(q)}); err == nil {
				a[q.Key] = v
			}
			d.Visible(q.Key, a)
		}
	}
	for _, r := range d.Rules {
		if r.When == nil || r.Likelihood < 1 || r.Likelihood > 4 || len(r.Mitigations) == 0 {
			t.Fatalf("rule %q is incomplete", r.Key)
		}
	}
	d.Progress(nil)
	d.Progress(a)
	d.Evaluate(a)
	d.EvaluateFacts(Facts{Answers: a, Evidence: map[string]map[string]float64{"dp": {"epsilon": 9}, "mia": {}},
		Limits: map[string]float64{"max_epsilon": 8}})
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

func sampleAnswer(q *Question) string {
	switch q.Type {
	case Choice, MultiChoice:
		return q.Options[0].Value
	case YesNo:
		return "no"
	case Number:
		if q.Min != nil {
			return formatNumber(*q.Min)
		}
		return "1"
	case Date:
		return "2025-01-01"
	}
	return "answer"
}
