package questionnaire_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/catalogue"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// The built-in questionnaires ship in the binary: they must parse cleanly and every mitigation
// their rules recommend must be in the built-in catalogue.
func TestBuiltin(t *testing.T) {
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("no built-in questionnaire")
	}
	if !slices.IsSortedFunc(defs, func(a, b *questionnaire.Definition) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.Version, b.Version))
	}) {
		t.Errorf("Builtin is not sorted by key and version")
	}
	cat, err := catalogue.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if probs := d.CheckMitigations(cat.Has); len(probs) > 0 {
			t.Errorf("%s version %d:\n%v", d.Key, d.Version, probs)
		}
		for _, q := range d.Questions() {
			if !d.Visible(q.Key, nil) && q.ShowIf == nil {
				t.Errorf("%s: question %s is hidden without a show_if", d.Key, q.Key)
			}
		}
		d.Progress(nil)
		d.Evaluate(nil)
	}
}
