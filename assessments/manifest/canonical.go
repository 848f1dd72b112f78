package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalJSON encodes v by the JSON Canonicalization Scheme (RFC 8785): object members sorted
// by their names' UTF-16 code units, no insignificant whitespace, numbers as ECMAScript prints
// them, strings with the minimal escapes. v is built of nil, bool, string, float64, int, int64,
// []any and map[string]any: the shapes piaf's manifests and evidence use.
func CanonicalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := appendCanonical(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func appendCanonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		return appendString(b, v)
	case float64:
		s, err := formatNumber(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
	case int:
		return appendCanonical(b, int64(v))
	case int64:
		// I-JSON numbers are doubles: beyond 2^53 an integer would not survive the trip.
		if v > 1<<53 || v < -(1<<53) {
			return fmt.Errorf("canonical JSON: integer %d is beyond 2^53", v)
		}
		b.WriteString(strconv.FormatInt(v, 10))
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendCanonical(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareUTF16)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendString(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := appendCanonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("canonical JSON: cannot encode a %T", v)
	}
	return nil
}

// compareUTF16 orders strings by UTF-16 code units (RFC 8785 section 3.2.3), which differs from
// byte order for characters beyond U+FFFF against those in U+E000..U+FFFF.
func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

// appendString writes s as ECMAScript's JSON.stringify does (RFC 8785 section 3.2.2.2).
func appendString(b *bytes.Buffer, s string) error {
	if !utf8.ValidString(s) {
		return errors.New("canonical JSON: string is not valid UTF-8")
	}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return nil
}

// formatNumber prints a double as ECMAScript's Number.prototype.toString (ECMA-262, 7.1.12.1),
// which RFC 8785 section 3.2.2.3 adopts: the shortest digits that round-trip, in plain notation
// for exponents from -7 to 20 and in e-notation outside.
func formatNumber(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", errors.New("canonical JSON: NaN and Infinity are not JSON numbers")
	}
	if f == 0 {
		return "0", nil
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	// Go's shortest formatting yields the same digits as ECMAScript's: d.ddde±x.
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	digits := strings.Replace(mant, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	k, n := len(digits), e+1
	var s string
	switch {
	case k <= n && n <= 21:
		s = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		s = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		s = "0." + strings.Repeat("0", -n) + digits
	default:
		es := "+"
		if n-1 < 0 {
			es = "-"
		}
		s = digits[:1]
		if k > 1 {
			s += "." + digits[1:]
		}
		s += "e" + es + strconv.Itoa(abs(n-1))
	}
	return sign + s, nil
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}
