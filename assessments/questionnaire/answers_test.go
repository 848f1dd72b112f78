package questionnaire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func testQuestions(t *testing.T) map[string]*Question {
	d := mustParse(t, "testdata/small.yaml")
	qs := map[string]*Question{}
	for _, q := range d.Questions() {
		qs[q.Type] = q
	}
	qs["number_open"] = &Question{Key: "n", Type: Number}
	qs["number_min"] = &Question{Key: "n", Type: Number, Min: ptr(0.5)}
	return qs
}

func TestFromForm(t *testing.T) {
	qs := testQuestions(t)
	tests := []struct {
		typ     string
		values  []string
		want    any
		wantErr string
	}{
		{Choice, nil, nil, ""},
		{Choice, []string{""}, nil, ""},
		{Choice, []string{" consent "}, "consent", ""},
		{Choice, []string{"maybe"}, nil, "choose one of the options"},
		{Choice, []string{"consent", "contract"}, nil, "give a single answer"},
		{Choice, []string{"", "contract"}, "contract", ""},
		{MultiChoice, []string{"location", "names", "location", ""}, []string{"names", "location"}, ""},
		{MultiChoice, []string{"", " "}, nil, ""},
		{MultiChoice, []string{"names", "shoe_size"}, nil, "choose from the options"},
		{YesNo, []string{"partial"}, "partial", ""},
		{YesNo, []string{"Yes"}, nil, "choose yes, no, partial or unknown"},
		{Text, []string{"  a note  "}, "a note", ""},
		{Text, []string{strings.Repeat("é", 10_000)}, strings.Repeat("é", 10_000), ""},
		{Text, []string{strings.Repeat("x", 10_001)}, nil, "must be at most 10,000 characters"},
		{Text, []string{"bad \xff byte"}, nil, "contains characters that are not text"},
		{LongText, []string{"  indented\r\nline two\r\n\r\n"}, "  indented\nline two", ""},
		{LongText, []string{strings.Repeat("x", 100_001)}, nil, "must be at most 100,000 characters"},
		{LongText, []string{"\r\n  \r\n"}, nil, ""},
		{Number, []string{" 42.5 "}, 42.5, ""},
		{Number, []string{"0"}, 0.0, ""},
		{Number, []string{"100"}, 100.0, ""},
		{Number, []string{"100.1"}, nil, "must be a number between 0 and 100"},
		{Number, []string{"-1"}, nil, "must be a number between 0 and 100"},
		{Number, []string{"lots"}, nil, "must be a number between 0 and 100"},
		{Number, []string{"NaN"}, nil, "must be a number between 0 and 100"},
		{Number, []string{"1,5"}, nil, "must be a number between 0 and 100"},
		{"number_open", []string{"Inf"}, nil, "must be a number"},
		{"number_open", []string{"-1e6"}, -1e6, ""},
		{"number_min", []string{"0"}, nil, "must be a number of at least 0.5"},
		{Date, []string{"2025-02-28"}, "2025-02-28", ""},
		{Date, []string{"2025-02-30"}, nil, "must be a date YYYY-MM-DD"},
		{Date, []string{"28/02/2025"}, nil, "must be a date YYYY-MM-DD"},
		{Date, []string{"2025-2-28"}, nil, "must be a date YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, err := qs[tt.typ].FromForm(tt.values)
		checkAnswer(t, tt.typ, tt.values, got, err, tt.want, tt.wantErr)
	}
}

func TestFromJSON(t *testing.T) {
	qs := testQuestions(t)
	tests := []struct {
		typ     string
		json    string
		want    any
		wantErr string
	}{
		{Choice, `null`, nil, ""},
		{Choice, `""`, nil, ""},
		{Choice, `"contract"`, "contract", ""},
		{Choice, `3`, nil, "choose one of the options"},
		{Choice, `["contract"]`, nil, "choose one of the options"},
		{MultiChoice, `["health","names"]`, []string{"names", "health"}, ""},
		{MultiChoice, `[]`, nil, ""},
		{MultiChoice, `"names"`, nil, "choose from the options"},
		{MultiChoice, `["names", 1]`, nil, "choose from the options"},
		{MultiChoice, `["names", "gait"]`, nil, "choose from the options"},
		{YesNo, `"unknown"`, "unknown", ""},
		{YesNo, `true`, nil, "choose yes, no, partial or unknown"},
		{Text, `"hi"`, "hi", ""},
		{Text, `{"a":1}`, nil, "must be text"},
		{LongText, `"a\r\nb"`, "a\nb", ""},
		{Number, `7`, 7.0, ""},
		{Number, `"7"`, nil, "must be a number between 0 and 100"},
		{Number, `1000`, nil, "must be a number between 0 and 100"},
		{"number_open", `-3.25`, -3.25, ""},
		{Date, `"2024-02-29"`, "2024-02-29", ""},
		{Date, `"2023-02-29"`, nil, "must be a date YYYY-MM-DD"},
		{Date, `20240229`, nil, "must be a date YYYY-MM-DD"},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
			t.Fatal(err)
		}
		got, err := qs[tt.typ].FromJSON(v)
		checkAnswer(t, tt.typ, tt.json, got, err, tt.want, tt.wantErr)
	}
}

func checkAnswer(t *testing.T, typ string, in, got any, err error, want any, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Errorf("%s %q: error %v, want %q", typ, in, err, wantErr)
		}
		return
	}
	if err != nil {
		t.Errorf("%s %q: unexpected error %v", typ, in, err)
	} else if !reflect.DeepEqual(got, want) {
		t.Errorf("%s %q: got %#v, want %#v", typ, in, got, want)
	}
}
