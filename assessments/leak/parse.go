package leak

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Bounds on what a parser accepts: far above a real leak test, low enough that a stray upload
// cannot exhaust memory.
const (
	MaxInputBytes = 64 << 20
	MaxScores     = 1_000_000
	maxIDLength   = 200
)

// readBounded reads r whole, refusing more than MaxInputBytes.
func readBounded(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("input is larger than %d bytes", MaxInputBytes)
	}
	return bytes.TrimPrefix(data, []byte("\uFEFF")), nil
}

// isJSON says whether the input looks like a JSON document rather than CSV.
func isJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// lineAt is the 1-based line holding byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// decodeJSON decodes one JSON value strictly, naming the line of a syntax or type error.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("line %d: invalid JSON: %s", lineAt(data, syn.Offset), syn.Error())
	case errors.As(err, &typ):
		what := typ.Field
		if what == "" {
			what = "value"
		}
		return fmt.Errorf("line %d: %s: want a %s, got %s", lineAt(data, typ.Offset), what, typ.Type, typ.Value)
	case errors.Is(err, io.EOF):
		return errors.New("empty input")
	case err != nil:
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return fmt.Errorf("line %d: more than one JSON value", lineAt(data, dec.InputOffset()))
	}
	return nil
}

// parseNumber parses a finite float; NaN and infinities are refused since no ranking holds them.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return f, nil
}

// column is a CSV column found by any of its names (case-insensitive); the first name is the one
// errors use.
type column struct {
	names    []string
	optional bool
}

// csvTable reads a CSV file with a header row, picking the wanted columns of each row.
type csvTable struct {
	r    *csv.Reader
	cols []int
}

func newCSVTable(data []byte, columns ...column) (*csvTable, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty input")
	}
	if err != nil {
		return nil, csvError(err)
	}
	t := &csvTable{r: r}
	for _, c := range columns {
		idx := -1
		for i, h := range header {
			for _, n := range c.names {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					idx = i
				}
			}
		}
		if idx < 0 && !c.optional {
			return nil, fmt.Errorf("line 1: the header has no %q column", c.names[0])
		}
		t.cols = append(t.cols, idx)
	}
	return t, nil
}

// next returns the wanted fields of the next non-empty row ("" for an absent optional column),
// its line, or io.EOF.
func (t *csvTable) next() ([]string, int, error) {
	for {
		rec, err := t.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, 0, err
			}
			return nil, 0, csvError(err)
		}
		line, _ := t.r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		out := make([]string, len(t.cols))
		for i, c := range t.cols {
			if c < 0 {
				continue
			}
			if c >= len(rec) {
				return nil, line, fmt.Errorf("line %d: %d fields, the column %d is missing", line, len(rec), c+1)
			}
			out[i] = rec[c]
		}
		return out, line, nil
	}
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: invalid CSV: %v", pe.Line, pe.Err)
	}
	return err
}
