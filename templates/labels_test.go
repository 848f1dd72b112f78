package templates

import (
	"testing"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// The page shows a yes_no answer with the question's one label, as reports do.
func TestAnswerTextUsesTheOneLabel(t *testing.T) {
	def := &questionnaire.Definition{Sections: []*questionnaire.Section{{Key: "s", Questions: []*questionnaire.Question{{Key: "dpo", Type: questionnaire.YesNo}}}}}
	q, ok := def.Question("dpo")
	if !ok {
		t.Fatal("the definition has no question dpo")
	}
	for _, v := range questionnaire.YesNoValues {
		if got := AnswerText(def, "dpo", v); got != q.OptionLabel(v) {
			t.Errorf("page says %q for %s, want %q", got, v, q.OptionLabel(v))
		}
	}
}
