package questionnaire

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Longest answers accepted, in characters: enough for any honest answer, small enough that one
// assessment cannot bloat every revision that copies it.
const (
	MaxText     = 10_000
	MaxLongText = 100_000
)

// FromForm turns the values a form posted for the question into its answer. No value, or only
// blank ones, means unanswered and gives nil. Errors are sentences to show beside the field.
func (q *Question) FromForm(values []string) (any, error) {
	if q.Type == MultiChoice {
		return q.choices(values)
	}
	var given []string
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			given = append(given, v)
		}
	}
	switch len(given) {
	case 0:
		return nil, nil
	case 1:
		return q.fromString(given[0])
	}
	return nil, errors.New("give a single answer")
}

// FromJSON checks and normalises a value decoded from JSON; nil clears the answer.
func (q *Question) FromJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch q.Type {
	case MultiChoice:
		list, ok := v.([]any)
		if !ok {
			if strs, ok := v.([]string); ok {
				return q.choices(strs)
			}
			return nil, q.expectation()
		}
		values := make([]string, len(list))
		for i, item := range list {
			if values[i], ok = item.(string); !ok {
				return nil, q.expectation()
			}
		}
		return q.choices(values)
	case Number:
		n, ok := toNumber(v)
		if !ok {
			return nil, q.expectation()
		}
		return q.number(n)
	}
	s, ok := v.(string)
	if !ok {
		return nil, q.expectation()
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	return q.fromString(s)
}

// expectation says what an answer to the question must be.
func (q *Question) expectation() error {
	switch q.Type {
	case Choice:
		return errors.New("choose one of the options")
	case MultiChoice:
		return errors.New("choose from the options")
	case YesNo:
		return errors.New("choose yes, no, partial or unknown")
	case Text, LongText:
		return errors.New("must be text")
	case Number:
		switch {
		case q.Min != nil && q.Max != nil:
			return fmt.Errorf("must be a number between %s and %s", formatNumber(*q.Min), formatNumber(*q.Max))
		case q.Min != nil:
			return fmt.Errorf("must be a number of at least %s", formatNumber(*q.Min))
		case q.Max != nil:
			return fmt.Errorf("must be a number of at most %s", formatNumber(*q.Max))
		}
		return errors.New("must be a number")
	case Date:
		return errors.New("must be a date YYYY-MM-DD")
	}
	return fmt.Errorf("cannot be answered: unknown question type %q", q.Type)
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// fromString checks a non-blank single answer.
func (q *Question) fromString(s string) (any, error) {
	switch q.Type {
	case Choice, YesNo:
		s = strings.TrimSpace(s)
		if !hasOption(q, s) {
			return nil, q.expectation()
		}
		return s, nil
	case Text:
		return checkText(strings.TrimSpace(s), MaxText)
	case LongText:
		// Browsers post CRLF; storing LF keeps revisions and diffs stable. Leading spaces are
		// kept: in Markdown they can mean a code block.
		s = strings.ReplaceAll(s, "\r\n", "\n")
		return checkText(strings.TrimRight(s, " \t\r\n"), MaxLongText)
	case Number:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, q.expectation()
		}
		return q.number(n)
	case Date:
		s = strings.TrimSpace(s)
		if !isDate(s) {
			return nil, q.expectation()
		}
		return s, nil
	}
	return nil, q.expectation()
}

func checkText(s string, max int) (any, error) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return nil, errors.New("contains characters that are not text")
	case utf8.RuneCountInString(s) > max:
		return nil, fmt.Errorf("must be at most %s characters", groupThousands(max))
	}
	return s, nil
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// MaxExact is the largest magnitude a number answer may have: beyond 2^53 a float64 (what JSON
// and the revision documents hold) no longer represents every whole number, and
// 12345678901234567890 would be stored as 12345678901234567000.
const MaxExact = 1 << 53

func (q *Question) number(n float64) (any, error) {
	if math.IsNaN(n) || math.IsInf(n, 0) || (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
		return nil, q.expectation()
	}
	if math.Abs(n) > MaxExact {
		return nil, fmt.Errorf("must be at most %s in size: larger numbers cannot be stored exactly", groupThousands(MaxExact))
	}
	if q.Integer && n != math.Trunc(n) {
		return nil, errors.New("must be a whole number")
	}
	return n, nil
}

// choices checks a multi_choice selection and returns it in option order without repeats, so
// equal selections are stored equal.
func (q *Question) choices(values []string) (any, error) {
	picked := map[string]bool{}
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !hasOption(q, v) {
			return nil, q.expectation()
		}
		picked[v] = true
	}
	if len(picked) == 0 {
		return nil, nil
	}
	var list []string
	for _, o := range q.Options {
		if picked[o.Value] {
			list = append(list, o.Value)
		}
	}
	return list, nil
}

func hasOption(q *Question, value string) bool {
	return slices.Contains(optionValues(q), value)
}

func optionValues(q *Question) []string {
	if q.Type == YesNo {
		return YesNoValues
	}
	values := make([]string, len(q.Options))
	for i, o := range q.Options {
		values[i] = o.Value
	}
	return values
}

// isDate accepts a real calendar date YYYY-MM-DD from 1900 to 2199: 0000-01-01 is a typo, not
// a date anyone assesses.
func isDate(s string) bool {
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == len(time.DateOnly) && t.Year() >= 1900 && t.Year() <= 2199
}
