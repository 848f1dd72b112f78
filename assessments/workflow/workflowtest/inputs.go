// Package workflowtest holds the inputs every entry point must judge alike. The form, API and
// CLI tests each send them through their own adapter and expect the verdict given here: nothing
// that one entry point refuses may another accept.
package workflowtest

import (
	"strconv"
	"strings"
)

// Input is one value typed into one field.
type Input struct {
	Name string
	// Entity is what the field belongs to: project, dataset, answer, finding, user or page.
	Entity string
	// Field is the field's name in the workflow (and the API); for answers, the question key.
	Field string
	// Value is what a person types into a form or a command line.
	Value string
	// JSON is the same value as an API client sends it; empty means Value as a JSON string,
	// byte for byte (so invalid UTF-8 stays invalid).
	JSON string
	// Refused is the verdict every entry point must give.
	Refused bool
}

// JSONValue is the input as a JSON value.
func (in Input) JSONValue() string {
	if in.JSON != "" {
		return in.JSON
	}
	return JSONString(in.Value)
}

// JSONString quotes s as a JSON string without repairing it: only quotes, backslashes and
// control characters are escaped.
func JSONString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteString(strconv.FormatUint(uint64(c)>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(c)&15, 16))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

const (
	nul       = "a\x00b"
	badUTF8   = "caf\xe9" // Latin-1 é: not UTF-8
	surrogate = "\xed\xa0\x80"
)

// Inputs lists the measured bugs of issue 10 and their neighbours, each with its verdict.
var Inputs = []Input{
	// Text: NUL, invalid UTF-8 and lone surrogates are refused in every field, not only answers.
	{Name: "project name with NUL", Entity: "project", Field: "name", Value: nul, Refused: true},
	{Name: "purpose with NUL", Entity: "project", Field: "purpose", Value: nul, Refused: true},
	{Name: "base model with NUL", Entity: "project", Field: "base_model", Value: nul, Refused: true},
	{Name: "deployment with NUL", Entity: "project", Field: "deployment", Value: nul, Refused: true},
	{Name: "project name not UTF-8", Entity: "project", Field: "name", Value: badUTF8, Refused: true},
	{Name: "project name lone surrogate", Entity: "project", Field: "name", Value: surrogate, JSON: `"\ud800"`, Refused: true},
	{Name: "project name 200 characters", Entity: "project", Field: "name", Value: strings.Repeat("é", 200)},
	{Name: "project name 201 characters", Entity: "project", Field: "name", Value: strings.Repeat("é", 201), Refused: true},
	{Name: "project name plain", Entity: "project", Field: "name", Value: "Support bot"},
	{Name: "dataset name with NUL", Entity: "dataset", Field: "name", Value: nul, Refused: true},
	{Name: "dataset source with NUL", Entity: "dataset", Field: "source", Value: nul, Refused: true},
	{Name: "dataset subjects with NUL", Entity: "dataset", Field: "data_subjects", Value: nul, Refused: true},
	{Name: "dataset retention with NUL", Entity: "dataset", Field: "retention", Value: nul, Refused: true},
	{Name: "categories not UTF-8", Entity: "dataset", Field: "categories", Value: badUTF8, Refused: true},
	// Lengths and list sizes: the API used to take 20,000 characters the form refused.
	{Name: "categories 20,000 characters", Entity: "dataset", Field: "categories", Value: strings.Repeat("x", 20000), Refused: true},
	{Name: "categories 10,000 characters", Entity: "dataset", Field: "categories", Value: strings.Repeat("x", 10000)},
	{Name: "101 categories", Entity: "dataset", Field: "categories", Value: strings.Repeat("a,", 100) + "a", Refused: true},
	{Name: "100 categories", Entity: "dataset", Field: "categories", Value: strings.Repeat("a,", 99) + "a"},
	// Numbers are exact whole numbers in range.
	{Name: "records beyond int64", Entity: "dataset", Field: "approx_records", Value: "12345678901234567890", JSON: "12345678901234567890", Refused: true},
	{Name: "records fraction", Entity: "dataset", Field: "approx_records", Value: "1.5", JSON: "1.5", Refused: true},
	{Name: "records negative", Entity: "dataset", Field: "approx_records", Value: "-1", JSON: "-1", Refused: true},
	{Name: "records above 10^15", Entity: "dataset", Field: "approx_records", Value: "1000000000000001", JSON: "1000000000000001", Refused: true},
	{Name: "records plain", Entity: "dataset", Field: "approx_records", Value: "120000", JSON: "120000"},
	{Name: "record_count beyond 2^53", Entity: "answer", Field: "record_count", Value: "12345678901234567890", JSON: "12345678901234567890", Refused: true},
	{Name: "record_count fraction", Entity: "answer", Field: "record_count", Value: "1.5", JSON: "1.5", Refused: true},
	{Name: "record_count plain", Entity: "answer", Field: "record_count", Value: "120000", JSON: "120000"},
	// Dates are real calendar dates in a sane range.
	{Name: "date year 0", Entity: "answer", Field: "dataset_deletion_date", Value: "0000-01-01", Refused: true},
	{Name: "date 30 February", Entity: "answer", Field: "dataset_deletion_date", Value: "2027-02-30", Refused: true},
	{Name: "date plain", Entity: "answer", Field: "dataset_deletion_date", Value: "2027-03-01"},
	// Answers were already refused with NUL; invalid UTF-8 was silently replaced in the API.
	{Name: "answer with NUL", Entity: "answer", Field: "purpose_description", Value: nul, Refused: true},
	{Name: "answer not UTF-8", Entity: "answer", Field: "purpose_description", Value: badUTF8, Refused: true},
	{Name: "answer lone surrogate", Entity: "answer", Field: "purpose_description", Value: surrogate, JSON: `"\udc00"`, Refused: true},
	{Name: "answer plain", Entity: "answer", Field: "purpose_description", Value: "Answer support tickets"},
	{Name: "finding title with NUL", Entity: "finding", Field: "title", Value: nul, Refused: true},
	{Name: "finding title not UTF-8", Entity: "finding", Field: "title", Value: badUTF8, Refused: true},
	{Name: "finding title plain", Entity: "finding", Field: "title", Value: "Prompts kept in logs"},
	{Name: "finding title of 20,000 characters", Entity: "finding", Field: "title", Value: strings.Repeat("x", 20000), Refused: true},
	{Name: "finding likelihood off the scale", Entity: "finding", Field: "likelihood", Value: "9", JSON: "9", Refused: true},
	{Name: "finding likelihood zero", Entity: "finding", Field: "likelihood", Value: "0", JSON: "0", Refused: true},
	{Name: "finding likelihood a word", Entity: "finding", Field: "likelihood", Value: "high", JSON: `"high"`, Refused: true},
	{Name: "finding likelihood on the scale", Entity: "finding", Field: "likelihood", Value: "4", JSON: "4"},
	// Emails are checked the same way everywhere.
	{Name: "email with spaces", Entity: "user", Field: "email", Value: "Not An Email", Refused: true},
	{Name: "email with display name", Entity: "user", Field: "email", Value: "Ann <ann@example.org>", Refused: true},
	{Name: "email plain", Entity: "user", Field: "email", Value: "ann@example.org"},
	// Page parameters are bounded: (page-1)*perPage used to overflow.
	{Name: "page at int64 max", Entity: "page", Field: "page", Value: "9223372036854775807", Refused: true},
	{Name: "page zero", Entity: "page", Field: "page", Value: "0", Refused: true},
	{Name: "page not a number", Entity: "page", Field: "page", Value: "two", Refused: true},
	{Name: "page two", Entity: "page", Field: "page", Value: "2"},
}
