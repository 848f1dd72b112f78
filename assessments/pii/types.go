// Package pii finds personal data in datasets (JSONL, CSV/TSV, plain text) and redacts it.
//
// Detection is a single pass over each field with a hand-written candidate finder: trigger bytes
// ('@', digits, '+', '(', ':', '-', capitals) start a candidate, and a validator decides. Validation
// is the point: card numbers pass Luhn, IBANs their country length and mod-97 check, SSNs the
// issuance rules, IP addresses a real parser. Entity types are named as Microsoft Presidio names them.
package pii

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Type is an entity type.
type Type uint8

// The entity types, with Presidio's names.
const (
	EmailAddress Type = iota + 1
	PhoneNumber
	CreditCard
	IBANCode
	USSSN
	IPAddress
	MACAddress
	Person
	numTypes
)

var typeNames = [numTypes]string{"", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "MAC_ADDRESS", "PERSON"}

// String is the Presidio name of the type.
func (t Type) String() string {
	if t == 0 || t >= numTypes {
		return fmt.Sprintf("Type(%d)", t)
	}
	return typeNames[t]
}

// LowConfidence reports whether detections of t come from a word list with context cues rather than
// a validated identifier, so they are reported apart.
func (t Type) LowConfidence() bool { return t == Person }

// Types lists every entity type the scanner reports, structured types first.
func Types() []Type {
	out := make([]Type, 0, numTypes-1)
	for t := EmailAddress; t < numTypes; t++ {
		out = append(out, t)
	}
	return out
}

// Formats are the input formats Scan reads.
var Formats = []string{"jsonl", "csv", "tsv", "text"}

// Options say how to read the input. Fields select JSONL string values by their key path (dotted for
// nested objects, "a.b"); columns select CSV/TSV columns by header name. Empty selects everything.
type Options struct {
	Format  string   `json:"format"`
	Fields  []string `json:"fields,omitempty"`
	Columns []string `json:"columns,omitempty"`
	// Progress, when set, is called now and then with the number of bytes read so far.
	Progress func(bytesRead int64) `json:"-"`
}

// Validate checks the options and names the offending field.
func (o Options) Validate() error {
	if !slices.Contains(Formats, o.Format) {
		return fmt.Errorf("format: must be one of %s, not %q", strings.Join(Formats, ", "), o.Format)
	}
	if len(o.Fields) > 0 && o.Format != "jsonl" {
		return errors.New("fields: only for the jsonl format (use columns for csv and tsv)")
	}
	if len(o.Columns) > 0 && o.Format != "csv" && o.Format != "tsv" {
		return errors.New("columns: only for the csv and tsv formats")
	}
	for name, list := range map[string][]string{"fields": o.Fields, "columns": o.Columns} {
		seen := map[string]bool{}
		for _, f := range list {
			if strings.TrimSpace(f) == "" {
				return fmt.Errorf("%s: names must not be empty", name)
			}
			if seen[f] {
				return fmt.Errorf("%s: %q given twice", name, f)
			}
			seen[f] = true
		}
	}
	return nil
}

// Detection is one finding. Start and End are Unicode code point offsets in the field's text
// (for JSONL, the decoded string value). Value is set only when the caller asks for values.
type Detection struct {
	Record     int64  `json:"record"`
	Field      string `json:"field"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Type       string `json:"type"`
	Confidence string `json:"confidence,omitempty"`
	Value      string `json:"value,omitempty"`
}
