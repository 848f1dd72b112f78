package pii_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
)

func scanAll(t *testing.T, input string, opts pii.Options) (pii.Summary, []pii.Detection) {
	t.Helper()
	var ds []pii.Detection
	sum, err := pii.ScanWithValues(context.Background(), strings.NewReader(input), opts, func(d pii.Detection) { ds = append(ds, d) })
	if err != nil {
		t.Fatal(err)
	}
	return sum, ds
}

func TestScanJSONL(t *testing.T) {
	input := `{"id": 1, "text": "Zoë: zoe@example.com", "meta": {"ip": "10.0.0.7", "tags": ["a", "call 020 7946 0958"]}}
{"id": 2, "text": "caf\u00e9 \"quoted\" jane@example.org"}
{"id": 3, "text": "nothing here"
{"id": 4, "text": "no pii", "n": 1e3, "b": true, "z": null}
`
	sum, ds := scanAll(t, input, pii.Options{Format: "jsonl"})
	want := []pii.Detection{
		{Record: 1, Field: "text", Start: 5, End: 20, Type: "EMAIL_ADDRESS", Value: "zoe@example.com"},
		{Record: 1, Field: "meta.ip", Start: 0, End: 8, Type: "IP_ADDRESS", Value: "10.0.0.7"},
		{Record: 1, Field: "meta.tags", Start: 5, End: 18, Type: "PHONE_NUMBER", Value: "020 7946 0958"},
		// Offsets are code points of the decoded value: "café \"quoted\" " is 14 of them.
		{Record: 2, Field: "text", Start: 14, End: 30, Type: "EMAIL_ADDRESS", Value: "jane@example.org"},
	}
	if !slices.Equal(ds, want) {
		t.Errorf("detections:\n got %+v\nwant %+v", ds, want)
	}
	if sum.Records != 3 || sum.RecordsWithPII != 2 || sum.Counts["EMAIL_ADDRESS"] != 2 || sum.Detections() != 4 {
		t.Errorf("summary: %+v", sum)
	}
	if sum.Problems.Count != 1 || sum.Problems.First[0].Line != 3 || !strings.Contains(sum.Problems.First[0].Reason, "broken JSON") {
		t.Errorf("problems: %+v", sum.Problems)
	}
	if sum.Bytes != int64(len(input)) {
		t.Errorf("bytes = %d, want %d", sum.Bytes, len(input))
	}

	_, ds = scanAll(t, input, pii.Options{Format: "jsonl", Fields: []string{"meta.ip"}})
	if len(ds) != 1 || ds[0].Field != "meta.ip" {
		t.Errorf("--field meta.ip: %+v", ds)
	}
}

func TestScanCSVAndTSV(t *testing.T) {
	input := "id,name,email,note\n" +
		"1,Anna Keller,anna@example.com,\"card 4111 1111 1111 1111, thanks\"\n" +
		"2,x,y\n" + // ragged
		"3,\"multi\nline\",bob@example.com,\n"
	sum, ds := scanAll(t, input, pii.Options{Format: "csv"})
	var got []string
	for _, d := range ds {
		got = append(got, d.Field+":"+d.Type+":"+d.Value)
	}
	want := []string{"name:PERSON:Anna Keller", "email:EMAIL_ADDRESS:anna@example.com", "note:CREDIT_CARD:4111 1111 1111 1111", "email:EMAIL_ADDRESS:bob@example.com"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if ds[3].Record != 3 || sum.Records != 3 {
		t.Errorf("record numbers count data rows: %+v, records %d", ds[3], sum.Records)
	}
	if sum.Problems.Count != 1 || sum.Problems.First[0].Line != 3 || !strings.Contains(sum.Problems.First[0].Reason, "ragged row: 3 fields, the header has 4") {
		t.Errorf("problems: %+v", sum.Problems)
	}
	_, ds = scanAll(t, input, pii.Options{Format: "csv", Columns: []string{"note"}})
	if len(ds) != 1 || ds[0].Type != "CREDIT_CARD" {
		t.Errorf("--column note: %+v", ds)
	}
	if _, err := pii.Scan(context.Background(), strings.NewReader(input), pii.Options{Format: "csv", Columns: []string{"phone"}}, nil); err == nil || !strings.Contains(err.Error(), `columns: "phone" is not in the header`) {
		t.Errorf("unknown column: %v", err)
	}
	_, ds = scanAll(t, "a\tb\nx@example.com\t\"1\n", pii.Options{Format: "tsv"})
	if len(ds) != 1 || ds[0].Field != "a" {
		t.Errorf("tsv: %+v", ds)
	}
}

func TestScanBadInputIsCountedNotFatal(t *testing.T) {
	input := "ok a@example.com\n" +
		"bin\x00ary b@example.com\n" +
		"bad \xff utf8 c@example.com\n" +
		strings.Repeat("x", pii.MaxLine+10) + " d@example.com\n" +
		"last e@example.com"
	sum, ds := scanAll(t, input, pii.Options{Format: "text"})
	var values []string
	for _, d := range ds {
		values = append(values, d.Value)
	}
	// Invalid UTF-8 is still scanned (skipping it would hide what it holds); binary and overlong
	// lines are skipped.
	if want := []string{"a@example.com", "c@example.com", "e@example.com"}; !slices.Equal(values, want) {
		t.Errorf("values %v, want %v", values, want)
	}
	var lines []int64
	for _, p := range sum.Problems.First {
		lines = append(lines, p.Line)
	}
	if !slices.Equal(lines, []int64{2, 3, 4}) || sum.Problems.Count != 3 {
		t.Errorf("problem lines %v (count %d), want [2 3 4]", lines, sum.Problems.Count)
	}
	if ds[2].Record != 5 {
		t.Errorf("record numbers are lines: %+v", ds[2])
	}

	// A CSV row with a stray quote is reported with its line; the rows after it are still read.
	sum, ds = scanAll(t, "a,b\n1,\"x\"y\n2,f@example.com\n", pii.Options{Format: "csv"})
	if sum.Problems.Count != 1 || sum.Problems.First[0].Line != 2 || len(ds) != 1 || ds[0].Value != "f@example.com" {
		t.Errorf("broken CSV: %+v %+v", sum.Problems, ds)
	}
}

func TestScanGzipProgressAndCancel(t *testing.T) {
	var plain bytes.Buffer
	for range 50000 {
		plain.WriteString("mail someone@example.com from 192.168.0.1 now\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	var progress []int64
	sum, err := pii.Scan(context.Background(), bytes.NewReader(gz.Bytes()), pii.Options{Format: "text", Progress: func(n int64) { progress = append(progress, n) }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 50000 || sum.Counts["EMAIL_ADDRESS"] != 50000 || sum.Counts["IP_ADDRESS"] != 50000 {
		t.Errorf("gzip: %+v", sum)
	}
	if sum.Bytes != int64(gz.Len()) || len(progress) == 0 || progress[len(progress)-1] != int64(gz.Len()) {
		t.Errorf("bytes %d, progress %v; want the %d compressed bytes read", sum.Bytes, progress, gz.Len())
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := pii.Scan(ctx, bytes.NewReader(plain.Bytes()), pii.Options{Format: "text"}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan: %v", err)
	}
}

func TestOptionsValidate(t *testing.T) {
	cases := []struct {
		o    pii.Options
		want string
	}{
		{pii.Options{Format: "xml"}, "format: must be one of"},
		{pii.Options{Format: "text", Fields: []string{"a"}}, "fields: only for the jsonl format"},
		{pii.Options{Format: "jsonl", Columns: []string{"a"}}, "columns: only for the csv and tsv formats"},
		{pii.Options{Format: "jsonl", Fields: []string{"a", "a"}}, `fields: "a" given twice`},
		{pii.Options{Format: "csv", Columns: []string{" "}}, "columns: names must not be empty"},
	}
	for _, tc := range cases {
		if err := tc.o.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
	if err := (pii.Options{Format: "csv", Columns: []string{"email"}}).Validate(); err != nil {
		t.Error(err)
	}
	a := pii.Options{Format: "jsonl", Fields: []string{"a", "b"}}.SettingsHash()
	b := pii.Options{Format: "jsonl", Fields: []string{"b", "a"}}.SettingsHash()
	c := pii.Options{Format: "jsonl", Fields: []string{"a"}}.SettingsHash()
	if a != b || a == c || !strings.HasPrefix(a, "sha256:") {
		t.Errorf("settings hashes %s %s %s", a, b, c)
	}
}
