package pii_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/pii/internal/corpus"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func redact(t *testing.T, input string, opts pii.Options, rep pii.Replacer) (string, pii.Summary) {
	t.Helper()
	var out bytes.Buffer
	sum, err := pii.Redact(context.Background(), strings.NewReader(input), &out, opts, rep)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), sum
}

func rescan(t *testing.T, data string, opts pii.Options) pii.Summary {
	t.Helper()
	sum, err := pii.Scan(context.Background(), strings.NewReader(data), opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// corpusJSONL is generated records as JSONL, with non-ASCII text and escapes on some lines.
func corpusJSONL(n int) string {
	g := corpus.New(7)
	var b strings.Builder
	for i := range n {
		text := g.Record().Text
		if i%3 == 0 {
			text = "Zoë \"quoted\"\t" + text
		}
		line, _ := json.Marshal(map[string]any{"id": i, "text": text, "meta": map[string]string{"note": g.Record().Text}})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestRedactJSONLRoundTrip(t *testing.T) {
	input := corpusJSONL(2000)
	opts := pii.Options{Format: "jsonl"}
	p, err := pii.NewPseudonymizer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, rep := range map[string]pii.Replacer{"mask": pii.Mask{}, "pseudonymize": p} {
		t.Run(name, func(t *testing.T) {
			out, before := redact(t, input, opts, rep)
			if before.Detections() == 0 {
				t.Fatal("the corpus has no personal data to redact")
			}
			inLines, outLines := strings.Split(input, "\n"), strings.Split(out, "\n")
			if len(inLines) != len(outLines) {
				t.Fatalf("%d lines in, %d out", len(inLines), len(outLines))
			}
			for i, line := range outLines[:len(outLines)-1] {
				var in, got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d is not valid JSON: %v\n%s", i+1, err, line)
				}
				json.Unmarshal([]byte(inLines[i]), &in)
				if got["id"] != in["id"] || len(got) != len(in) {
					t.Fatalf("line %d: structure changed: %v -> %v", i+1, in, got)
				}
			}
			after := rescan(t, out, opts)
			if after.Detections() != 0 || after.Records != before.Records {
				t.Errorf("re-scan of the redacted file: %v", after.Counts)
			}
		})
	}
}

func TestRedactCSV(t *testing.T) {
	input := "id,name,contact\n1,Anna Keller,\"anna@example.com, +44 20 7946 0958\"\n2,none,\"a \"\"quoted\"\" note\"\n"
	out, _ := redact(t, input, pii.Options{Format: "csv"}, pii.Mask{})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"id", "name", "contact"}, {"1", "[PERSON]", "[EMAIL_ADDRESS], [PHONE_NUMBER]"}, {"2", "none", `a "quoted" note`}}
	if len(rows) != 3 || strings.Join(rows[1], "|") != strings.Join(want[1], "|") || strings.Join(rows[2], "|") != strings.Join(want[2], "|") {
		t.Errorf("got %q, want %q", rows, want)
	}
	// Only the selected column is redacted.
	out, _ = redact(t, input, pii.Options{Format: "csv", Columns: []string{"contact"}}, pii.Mask{})
	if !strings.Contains(out, "Anna Keller") || strings.Contains(out, "anna@example.com") {
		t.Errorf("--column contact: %s", out)
	}
}

func TestPseudonymsAreStableAndKeyed(t *testing.T) {
	input := "mail Anna@Example.com\nmail anna@example.com\ncard 4111 1111 1111 1111 and 4111-1111-1111-1111\nmail bob@example.com\n"
	p1, _ := pii.NewPseudonymizer(testKey)
	other := bytes.Repeat([]byte{'k'}, 32)
	p2, _ := pii.NewPseudonymizer(other)
	out1, _ := redact(t, input, pii.Options{Format: "text"}, p1)
	out1again, _ := redact(t, input, pii.Options{Format: "text"}, p1)
	out2, _ := redact(t, input, pii.Options{Format: "text"}, p2)
	if out1 != out1again {
		t.Error("the same key gave different tokens")
	}
	if out1 == out2 {
		t.Error("different keys gave the same tokens")
	}
	tokens := regexp.MustCompile(`<([A-Z_]+):([0-9a-f]{8})>`).FindAllStringSubmatch(out1, -1)
	if len(tokens) != 5 {
		t.Fatalf("tokens %q in %s", tokens, out1)
	}
	// One person's email in two spellings, one card in two spellings: same tokens. Another email: not.
	if tokens[0][0] != tokens[1][0] || tokens[2][0] != tokens[3][0] || tokens[4][0] == tokens[0][0] {
		t.Errorf("tokens: %q", tokens)
	}
	if got := rescan(t, out1, pii.Options{Format: "text"}); got.Detections() != 0 {
		t.Errorf("re-scan found %v", got.Counts)
	}
	for _, key := range [][]byte{nil, []byte("short"), bytes.Repeat([]byte{1}, 31)} {
		if _, err := pii.NewPseudonymizer(key); err == nil || !strings.Contains(err.Error(), "key: must be at least 32 bytes") {
			t.Errorf("key of %d bytes: %v", len(key), err)
		}
	}
}

func TestRedactTSVGzipAndBrokenLines(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("name\tcontact\nAnna Keller\tanna@example.com\n"))
	zw.Close()
	out, sum := redact(t, gz.String(), pii.Options{Format: "tsv"}, pii.Mask{})
	if out != "name\tcontact\n[PERSON]\t[EMAIL_ADDRESS]\n" || sum.Detections() != 2 {
		t.Errorf("tsv from gzip: %q %+v", out, sum.Counts)
	}
	// A broken JSON line cannot be rewritten safely: it is left out and reported.
	out, sum = redact(t, "{\"a\": \"x@example.com\"}\n{\"a\": \"y@example.com\n{\"a\": 1}\n", pii.Options{Format: "jsonl"}, pii.Mask{})
	if out != "{\"a\": \"[EMAIL_ADDRESS]\"}\n{\"a\": 1}\n" || sum.Problems.Count != 1 || sum.Problems.First[0].Line != 2 {
		t.Errorf("broken line: %q %+v", out, sum.Problems)
	}
}
