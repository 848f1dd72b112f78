package pii_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
)

func TestFiguresAndParseSummary(t *testing.T) {
	sum, _ := scanAll(t, "a@example.com\nnothing\n+44 20 7946 0958 and b@example.com\nnone\n", pii.Options{Format: "text"})
	b, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := pii.ParseSummary(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range []string{"before", "after"} {
		f := parsed.Figures(stage)
		want := map[string]float64{"records": 4, "records_with_pii": 2, "rate_per_1000": 500, "detections": 3, "EMAIL_ADDRESS": 2, "PHONE_NUMBER": 1, "IBAN_CODE": 0, "PERSON": 0}
		for k, v := range want {
			if got, ok := f[stage+"_"+k]; !ok || got != v {
				t.Errorf("%s_%s = %v (present %v), want %v", stage, k, got, ok, v)
			}
		}
	}
	if f := parsed.Figures("during"); len(f) != 0 {
		t.Errorf("unknown stage: %v", f)
	}
	for _, bad := range []string{`{"records": 1, "records_with_pii": 2, "counts": {}}`, `{"records": 1}`, `{"records": 1, "counts": {"EMAIL_ADDRESS": -1}}`, `{"records": 1, "counts": {}, "extra": 1}`} {
		if _, err := pii.ParseSummary([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestParsePresidioCounts(t *testing.T) {
	// The shape of presidio_analyzer's RecognizerResult.to_dict() (microsoft/presidio,
	// presidio-analyzer/presidio_analyzer/recognizer_result.py): entity_type, start, end, score.
	one := `[{"entity_type": "EMAIL_ADDRESS", "start": 10, "end": 27, "score": 1.0, "analysis_explanation": null, "recognition_metadata": {"recognizer_name": "EmailRecognizer"}},
	         {"entity_type": "PERSON", "start": 0, "end": 8, "score": 0.85}]`
	s, err := pii.ParsePresidioCounts([]byte(one))
	if err != nil || s.Records != 1 || s.RecordsWithPII != 1 || s.Counts["EMAIL_ADDRESS"] != 1 || s.Counts["PERSON"] != 1 {
		t.Errorf("one record: %+v %v", s, err)
	}
	batch := `[[{"entity_type": "US_SSN", "start": 0, "end": 11, "score": 0.5}], [], [{"entity_type": "US_SSN", "start": 3, "end": 14, "score": 0.5}, {"entity_type": "LOCATION", "start": 20, "end": 25, "score": 0.85}]]`
	s, err = pii.ParsePresidioCounts([]byte(batch))
	if err != nil || s.Records != 3 || s.RecordsWithPII != 2 || s.Counts["US_SSN"] != 2 || s.Counts["LOCATION"] != 1 {
		t.Errorf("batch: %+v %v", s, err)
	}
	if f := s.Figures("before"); f["before_LOCATION"] != 1 || f["before_US_SSN"] != 2 {
		t.Errorf("figures: %v", f)
	}
	s, err = pii.ParsePresidioCounts([]byte(`{"EMAIL_ADDRESS": 12, "PHONE_NUMBER": 3}`))
	if err != nil || s.Counts["EMAIL_ADDRESS"] != 12 {
		t.Errorf("counts: %+v %v", s, err)
	}
	for _, raw := range []string{
		`[{"entity_type": "EMAIL_ADDRESS", "start": 0, "end": 13, "score": 1, "text": "a@example.com"}]`,
		`[[{"entity_type": "PERSON", "start": 0, "end": 4}], {"text": "Anna"}]`,
		`{"records": [{"text": "call me"}]}`,
	} {
		if _, err := pii.ParsePresidioCounts([]byte(raw)); !errors.Is(err, pii.ErrRawText) {
			t.Errorf("%s: %v, want the raw-text refusal", raw, err)
		}
		if _, err := pii.ParseSummary([]byte(raw)); !errors.Is(err, pii.ErrRawText) {
			t.Errorf("summary %s: %v, want the raw-text refusal", raw, err)
		}
	}
	if _, err := pii.ParsePresidioCounts([]byte(`[{"start": 1}]`)); err == nil || !strings.Contains(err.Error(), "entity_type") {
		t.Errorf("missing entity_type: %v", err)
	}
	// A key named "text" whose value is a count is not raw text.
	if _, err := pii.ParsePresidioCounts([]byte(`{"text": 3}`)); err != nil {
		t.Errorf("count named text: %v", err)
	}
}
