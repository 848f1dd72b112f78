package report

import (
	"testing"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// A yes_no answer reads the same in the signed report as on the page: both ask the question
// for its label (the page said "Partly" where the report said "Partial").
func TestYesNoLabelsMatchThePage(t *testing.T) {
	q := &questionnaire.Question{Key: "dpo", Type: questionnaire.YesNo}
	for value, want := range map[string]string{"yes": "Yes", "no": "No", "partial": "Partly", "unknown": "Don't know yet"} {
		if got, _ := formatAnswer(q, value); got != want || got != q.OptionLabel(value) {
			t.Errorf("report says %q for %s, want %q (the page's label)", got, value, want)
		}
	}
}
