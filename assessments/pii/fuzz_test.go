package pii

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDetect: any input, no panic, spans in order, inside the text and not overlapping.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{"a@b.co", "+44 (0)20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "::1", "00:1a:2b:3c:4d:5e", "Dr Anna Keller", "1-2-3-4-5-6-7-8-9-0-1-2-3-4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		end := 0
		for _, sp := range detect([]byte(s), nil) {
			if sp.start < end || sp.end <= sp.start || sp.end > len(s) {
				t.Fatalf("%q: bad span %+v after %d", s, sp, end)
			}
			end = sp.end
		}
	})
}

// FuzzJSONLine: the line parser accepts exactly what encoding/json accepts as one value, and
// decodes strings as it does.
func FuzzJSONLine(f *testing.F) {
	for _, s := range []string{`{"a": "b\u00e9\n", "c": [1, -2.5e3, true, null, {"d": "\ud83d\ude00"}]}`, `[`, `{"a" 1}`, `"x"`, `01`, `{"a": "\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
			return // lines come without their terminator
		}
		var p jsonLine
		err := p.parse([]byte(s))
		if want := json.Valid([]byte(s)); (err == nil) != want {
			t.Fatalf("%q: parse error %v, encoding/json valid %v", s, err, want)
		}
		if err != nil || !utf8.ValidString(s) {
			return
		}
		strs := jsonStrings(s)
		if len(strs) != len(p.strs) {
			t.Fatalf("%q: %d strings, encoding/json has %d", s, len(p.strs), len(strs))
		}
		for i := range strs {
			if string(p.strs[i].text) != strs[i] {
				t.Fatalf("%q: string %d is %q, encoding/json decodes %q", s, i, p.strs[i].text, strs[i])
			}
		}
	})
}

// jsonStrings lists the string values (not keys) of a valid document in order, with encoding/json's
// tokenizer.
func jsonStrings(s string) []string {
	dec := json.NewDecoder(strings.NewReader(s))
	var out []string
	var inObject []bool
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' || tok == '[' {
				inObject = append(inObject, tok == '{')
				wantKey = tok == '{'
				continue
			}
			inObject = inObject[:len(inObject)-1]
		case string:
			if wantKey {
				wantKey = false
				continue
			}
			out = append(out, tok)
		}
		wantKey = len(inObject) > 0 && inObject[len(inObject)-1]
	}
}
