package manifest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// decodeGeneric turns JSON text into the value shapes CanonicalJSON takes.
func decodeGeneric(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var conv func(any) any
	conv = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			f, err := v.Float64()
			if err != nil {
				t.Fatal(err)
			}
			return f
		case []any:
			for i := range v {
				v[i] = conv(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = conv(v[k])
			}
		}
		return v
	}
	return conv(v)
}

// TestRFC8785Examples uses the examples of RFC 8785 ("JSON Canonicalization Scheme"):
// section 3.2.2 (the combined sample and its output, whose UTF-8 bytes section 3.2.4 lists) and
// section 3.2.3 (property sorting by UTF-16 code units).
func TestRFC8785Examples(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{
			in: `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
			want: `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
		},
		{
			in: `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`,
			want: "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
				"\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}",
		},
	} {
		got, err := CanonicalJSON(decodeGeneric(t, tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("got  %s (%v)\nwant %s", got, err, tc.want)
		}
	}
	// Section 3.2.4 gives the first sample's output as UTF-8 bytes.
	const hexBytes = "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e " +
		"75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30 " +
		"2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 " +
		"5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d"
	want, _ := hex.DecodeString(strings.ReplaceAll(hexBytes, " ", ""))
	got, _ := CanonicalJSON(decodeGeneric(t, `{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
		"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`))
	if !bytes.Equal(got, want) {
		t.Errorf("bytes differ from RFC 8785 section 3.2.4:\n%x\n%x", got, want)
	}
}

// TestRFC8785Numbers checks every row of RFC 8785 Appendix B (IEEE 754 bits -> JSON text).
func TestRFC8785Numbers(t *testing.T) {
	for _, tc := range []struct{ bits, want string }{
		{"0000000000000000", "0"},
		{"8000000000000000", "0"},
		{"0000000000000001", "5e-324"},
		{"8000000000000001", "-5e-324"},
		{"7fefffffffffffff", "1.7976931348623157e+308"},
		{"ffefffffffffffff", "-1.7976931348623157e+308"},
		{"4340000000000000", "9007199254740992"},
		{"c340000000000000", "-9007199254740992"},
		{"4430000000000000", "295147905179352830000"},
		{"7fffffffffffffff", ""}, // NaN: an error
		{"7ff0000000000000", ""}, // Infinity: an error
		{"44b52d02c7e14af5", "9.999999999999997e+22"},
		{"44b52d02c7e14af6", "1e+23"},
		{"44b52d02c7e14af7", "1.0000000000000001e+23"},
		{"444b1ae4d6e2ef4e", "999999999999999700000"},
		{"444b1ae4d6e2ef4f", "999999999999999900000"},
		{"444b1ae4d6e2ef50", "1e+21"},
		{"3eb0c6f7a0b5ed8c", "9.999999999999997e-7"},
		{"3eb0c6f7a0b5ed8d", "0.000001"},
		{"41b3de4355555553", "333333333.3333332"},
		{"41b3de4355555554", "333333333.33333325"},
		{"41b3de4355555555", "333333333.3333333"},
		{"41b3de4355555556", "333333333.3333334"},
		{"41b3de4355555557", "333333333.33333343"},
		{"becbf647612f3696", "-0.0000033333333333333333"},
		{"43143ff3c1cb0959", "1424953923781206.2"},
	} {
		raw, _ := hex.DecodeString(tc.bits)
		f := math.Float64frombits(binary.BigEndian.Uint64(raw))
		got, err := CanonicalJSON(f)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: %s, want an error", tc.bits, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s (%v), want %s", tc.bits, got, err, tc.want)
		}
	}
}

func TestCanonicalRefuses(t *testing.T) {
	for _, v := range []any{int64(1<<53 + 1), "\xff", struct{}{}, map[string]any{"a": math.Inf(1)}} {
		if b, err := CanonicalJSON(v); err == nil {
			t.Errorf("%#v encoded as %s", v, b)
		}
	}
	if b, _ := CanonicalJSON([]any{"\x01\b\t\u2028", int64(-12), 0.5}); string(b) != `["\u0001\b\t`+"\u2028"+`",-12,0.5]` {
		t.Errorf("got %s", b)
	}
}
