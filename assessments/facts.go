package assessments

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// The questions that ask what the project already records. Their answers are prefilled from the
// project and checked against it, so the signed report never says two things.
const (
	QPurpose           = "purpose_description"
	QDeployment        = "deployment_context"
	QPersonalData      = "personal_data_present"
	QSpecialCategories = "special_categories_present"
	QRecordCount       = "record_count"
	// QNextReview duplicates the policy's next review date; the wiring hides it and the report
	// prints NextReview's date instead.
	QNextReview = "next_review_date"
)

// RecordTolerance is how far the answered number of training examples may stray from the sum of
// the datasets' approximate record counts before they contradict: datasets give approximate
// volumes, and a fine-tuning set is often a filtered subset of them.
const RecordTolerance = 0.10

// FactSource says where a prefilled answer comes from, for the page to show.
type FactSource struct {
	Question string `json:"question"`
	Field    string `json:"field"` // "purpose", "deployment", "datasets", "special_categories", "records"
	Text     string `json:"text"`  // e.g. "From the project's datasets (2 of 3 hold special categories)"
}

// Contradiction is a project fact and an answer that disagree. Blocking ones stop submission.
type Contradiction struct {
	Field        string `json:"field"`
	Question     string `json:"question"`
	ProjectValue string `json:"project_value"`
	AnswerValue  string `json:"answer_value"`
	Blocking     bool   `json:"blocking"`
	Msg          string `json:"message"`
}

// FactsCheck is what CheckFacts finds.
type FactsCheck struct {
	Prefill        map[string]any  `json:"prefill"` // answers to set where the question is unanswered
	Sources        []FactSource    `json:"sources"`
	Contradictions []Contradiction `json:"contradictions"`
}

// Blocking tells whether a contradiction stops submission.
func (c FactsCheck) Blocking() bool {
	for _, x := range c.Contradictions {
		if x.Blocking {
			return true
		}
	}
	return false
}

// CheckFacts compares the project p with the answers to the questions that ask the same, on def
// (questions def lacks are skipped). Free text (the purpose) is prefilled and a difference is
// shown but does not block, since wording differs; the rest block.
func CheckFacts(def *questionnaire.Definition, p ProjectSnapshot, answers map[string]any) FactsCheck {
	out := FactsCheck{Prefill: map[string]any{}}
	has := func(k string) bool { _, ok := def.Question(k); return ok }
	str := func(k string) string { v, _ := answers[k].(string); return v }

	if has(QPurpose) && strings.TrimSpace(p.Purpose) != "" {
		out.Sources = append(out.Sources, FactSource{QPurpose, "purpose", "From the project's purpose"})
		switch a := str(QPurpose); {
		case strings.TrimSpace(a) == "":
			out.Prefill[QPurpose] = p.Purpose
		case normalise(a) != normalise(p.Purpose) && !strings.Contains(normalise(a), normalise(p.Purpose)):
			out.Contradictions = append(out.Contradictions, Contradiction{Field: "purpose", Question: QPurpose, ProjectValue: p.Purpose, AnswerValue: a,
				Msg: "The answer describes the purpose differently from the project; make sure they agree."})
		}
	}

	if q, ok := def.Question(QDeployment); ok && strings.TrimSpace(p.Deployment) != "" {
		if value, label, found := optionFor(q, p.Deployment); found {
			out.Sources = append(out.Sources, FactSource{QDeployment, "deployment", "From the project's deployment: " + label})
			switch a := str(QDeployment); {
			case a == "":
				out.Prefill[QDeployment] = value
			case a != value:
				out.Contradictions = append(out.Contradictions, Contradiction{Field: "deployment", Question: QDeployment, ProjectValue: label,
					AnswerValue: optionLabel(q, a), Blocking: true, Msg: "The project is deployed as “" + label + "” but the answer says “" + optionLabel(q, a) + "”."})
			}
		}
	}

	if len(p.Datasets) > 0 {
		special, personal := 0, 0
		var records int64
		for _, d := range p.Datasets {
			if d.SpecialCategories {
				special++
			}
			if strings.TrimSpace(d.Categories) != "" {
				personal++
			}
			records += d.ApproxRecords
		}
		if has(QPersonalData) && personal > 0 {
			out.Sources = append(out.Sources, FactSource{QPersonalData, "datasets", fmt.Sprintf("From the project's datasets (%d of %d list personal data categories)", personal, len(p.Datasets))})
			switch a := str(QPersonalData); a {
			case "":
				out.Prefill[QPersonalData] = "yes"
			case "no":
				out.Contradictions = append(out.Contradictions, Contradiction{Field: "datasets", Question: QPersonalData, ProjectValue: "yes", AnswerValue: a, Blocking: true,
					Msg: "The project's datasets list personal data categories but the answer says there is no personal data."})
			}
		}
		if q, ok := def.Question(QSpecialCategories); ok {
			want := "no"
			if special > 0 {
				want = "yes"
			}
			out.Sources = append(out.Sources, FactSource{QSpecialCategories, "special_categories", fmt.Sprintf("From the project's datasets (%d of %d hold special categories)", special, len(p.Datasets))})
			a := str(QSpecialCategories)
			switch {
			case a == "":
				out.Prefill[QSpecialCategories] = want
			case want == "yes" && (a == "no" || a == "unknown"), want == "no" && (a == "yes" || a == "partial"):
				out.Contradictions = append(out.Contradictions, Contradiction{Field: "special_categories", Question: QSpecialCategories, ProjectValue: want, AnswerValue: a, Blocking: true,
					Msg: fmt.Sprintf("The project's datasets say special categories “%s” but the answer says “%s”; correct one of them.", q.OptionLabel(want), q.OptionLabel(a))})
			}
		}
		if has(QRecordCount) && records > 0 {
			out.Sources = append(out.Sources, FactSource{QRecordCount, "records", fmt.Sprintf("From the project's datasets (about %d records in all)", records)})
			switch n, ok := toFloat(answers[QRecordCount]); {
			case !ok:
				out.Prefill[QRecordCount] = float64(records)
			case math.Abs(n-float64(records)) > RecordTolerance*float64(records):
				out.Contradictions = append(out.Contradictions, Contradiction{Field: "records", Question: QRecordCount, ProjectValue: fmt.Sprint(records), AnswerValue: fmt.Sprint(n), Blocking: true,
					Msg: fmt.Sprintf("The project's datasets hold about %d records but the answer says %v training examples (more than %.0f%% apart).", records, n, RecordTolerance*100)})
			}
		}
	}
	return out
}

func normalise(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// optionFor finds the option whose value or label matches free text, ignoring case and spacing.
func optionFor(q *questionnaire.Question, text string) (value, label string, ok bool) {
	t := normalise(strings.ReplaceAll(text, "_", " "))
	for _, o := range q.Options {
		if t == normalise(strings.ReplaceAll(o.Value, "_", " ")) || t == normalise(o.Label) {
			return o.Value, o.Label, true
		}
	}
	return "", "", false
}

func optionLabel(q *questionnaire.Question, value string) string {
	for _, o := range q.Options {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// ErrLaterReview refuses a next review date after the policy's: owners may bring it forward only.
var ErrLaterReview = fieldErr("next_review_at", "the review may be brought forward, not put off past the policy's date")

// NextReview is the one next review date of an approved assessment: the policy's date, or an
// earlier one an owner chose (both YYYY-MM-DD; chosen may be empty). It must not be before today.
func NextReview(policy, chosen string, today time.Time) (string, error) {
	if chosen == "" {
		return policy, nil
	}
	c, err := time.Parse(time.DateOnly, chosen)
	if err != nil {
		return "", fieldErr("next_review_at", "give the date as YYYY-MM-DD")
	}
	if chosen > policy {
		return "", ErrLaterReview
	}
	if c.Before(today.UTC().Truncate(24 * time.Hour)) {
		return "", fieldErr("next_review_at", "the next review cannot be in the past")
	}
	return chosen, nil
}
