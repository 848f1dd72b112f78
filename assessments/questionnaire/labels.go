package questionnaire

import "encoding/json"

// YesNoOptions are the yes_no answers with the one label each has on the page, in reports and
// in the API's questionnaire: whoever shows an answer asks Question.OptionLabel.
var YesNoOptions = []Option{{Value: "yes", Label: "Yes"}, {Value: "no", Label: "No"},
	{Value: "partial", Label: "Partly"}, {Value: "unknown", Label: "Don't know yet"}}

// Choices are the options a person picks from: the listed ones, or the yes_no answers.
func (q *Question) Choices() []Option {
	if q.Type == YesNo {
		return YesNoOptions
	}
	return q.Options
}

// OptionLabel is the label of one option value; a value that is not an option is shown as is.
func (q *Question) OptionLabel(value string) string {
	for _, o := range q.Choices() {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// MarshalJSON writes a question with the options a person picks from, yes_no answers included,
// so that the API's questionnaire carries the same labels as the pages and the reports.
func (q *Question) MarshalJSON() ([]byte, error) {
	type plain Question // without this method
	out := plain(*q)
	out.Options = q.Choices()
	return json.Marshal(&out)
}
