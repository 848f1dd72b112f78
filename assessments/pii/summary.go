package pii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Figures are the summary's numbers for evidence rules, prefixed with the stage of the sample:
// "before" or "after" anonymisation (pii.before_records, pii.after_EMAIL_ADDRESS, ...). Every
// known type is present, zero when not found. Any other stage yields no figures.
func (s Summary) Figures(stage string) map[string]float64 {
	if stage != "before" && stage != "after" {
		return map[string]float64{}
	}
	p := stage + "_"
	f := map[string]float64{
		p + "records":          float64(s.Records),
		p + "records_with_pii": float64(s.RecordsWithPII),
		p + "rate_per_1000":    s.RatePer1000(),
		p + "detections":       float64(s.Detections()),
	}
	for _, t := range Types() {
		f[p+t.String()] = 0
	}
	for name, n := range s.Counts {
		f[p+name] = float64(n)
	}
	return f
}

// ErrRawText refuses input that carries the personal data itself rather than counts.
var ErrRawText = errors.New(`the input holds raw text ("text" values); export entity counts only, never the matched text`)

// ParseSummary reads the object printed by `piaf pii scan --json`.
func ParseSummary(data []byte) (Summary, error) {
	if err := refuseText(data); err != nil {
		return Summary{}, err
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Summary{}, fmt.Errorf("pii summary: %w", err)
	}
	switch {
	case s.Counts == nil:
		return Summary{}, errors.New("pii summary: counts: missing")
	case s.Records < 0 || s.RecordsWithPII < 0 || s.RecordsWithPII > s.Records:
		return Summary{}, errors.New("pii summary: records_with_pii: must be between 0 and records")
	}
	for name, n := range s.Counts {
		if n < 0 {
			return Summary{}, fmt.Errorf("pii summary: counts.%s: must not be negative", name)
		}
	}
	return s, nil
}

// ParsePresidioCounts reduces Presidio analyzer output to per-entity counts. It accepts a list of
// RecognizerResult objects (one record), a list of such lists (one per record, as the batch
// analyzer returns), or an object of counts per entity type. Anything containing "text" values
// (Presidio can echo the matched text) is refused.
func ParsePresidioCounts(data []byte) (Summary, error) {
	if err := refuseText(data); err != nil {
		return Summary{}, err
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return Summary{}, fmt.Errorf("presidio: %w", err)
	}
	s := Summary{Counts: map[string]int64{}, Scanner: "presidio", Problems: Problems{First: []Problem{}}}
	addRecord := func(results []any) error {
		s.Records++
		if len(results) > 0 {
			s.RecordsWithPII++
		}
		for i, r := range results {
			obj, ok := r.(map[string]any)
			if !ok {
				return fmt.Errorf("presidio: result %d: want an object with entity_type", i)
			}
			t, ok := obj["entity_type"].(string)
			if !ok || t == "" {
				return fmt.Errorf("presidio: result %d: entity_type: missing", i)
			}
			s.Counts[t]++
		}
		return nil
	}
	switch v := v.(type) {
	case map[string]any:
		for name, n := range v {
			num, ok := n.(json.Number)
			c, err := num.Int64()
			if !ok || err != nil || c < 0 {
				return Summary{}, fmt.Errorf("presidio: counts.%s: want a whole number of detections", name)
			}
			s.Counts[name] = c
		}
		return s, nil
	case []any:
		nested := len(v) > 0
		for _, r := range v {
			if _, ok := r.([]any); !ok {
				nested = false
			}
		}
		if !nested {
			return s, addRecord(v)
		}
		for _, r := range v {
			if err := addRecord(r.([]any)); err != nil {
				return Summary{}, err
			}
		}
		return s, nil
	}
	return Summary{}, errors.New("presidio: want a list of analyzer results or an object of counts")
}

// refuseText fails when any object in the JSON has a "text" key with a string value.
func refuseText(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []bool // per open container: is it an object
	expectKey := false
	lastKey := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // syntax errors are the caller's to report
		}
		inObj := len(stack) > 0 && stack[len(stack)-1]
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, true)
				expectKey = true
				continue
			case '[':
				stack = append(stack, false)
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if inObj && expectKey {
				lastKey = t
				expectKey = false
				continue
			}
			if inObj && lastKey == "text" {
				return ErrRawText
			}
		}
		expectKey = len(stack) > 0 && stack[len(stack)-1]
	}
}
