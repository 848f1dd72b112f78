package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/pii"
)

const piiSample = `{"id": 1, "text": "write to anna.keller@example.com or call +44 20 7946 0958"}
{"id": 2, "text": "order 4111 1111 1111 1112 is not a card; 4111 1111 1111 1111 is"}
{"id": 3, "text": "nothing personal"}
`

func TestPIIScan(t *testing.T) {
	path := writeFile(t, "data.jsonl", piiSample)

	r := runCmd(t, "", nil, "pii", "scan", path)
	if r.err != nil || !strings.Contains(r.stdout, "EMAIL_ADDRESS") || !strings.Contains(r.stdout, "records: 3, with personal data: 2 (666.7 per 1,000)") {
		t.Fatalf("table: %v\n%s", r.err, r.stdout)
	}

	r = runCmd(t, "", nil, "pii", "scan", "--json", path)
	if r.err != nil || strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Fatalf("--json: %v\n%s", r.err, r.stdout)
	}
	sum, err := pii.ParseSummary([]byte(r.stdout))
	if err != nil || sum.Records != 3 || sum.Counts["CREDIT_CARD"] != 1 || sum.Counts["PHONE_NUMBER"] != 1 || !strings.HasPrefix(sum.Scanner, "piaf/") {
		t.Errorf("--json summary: %+v %v", sum, err)
	}

	r = runCmd(t, "", nil, "pii", "scan", "--spans", "--field", "text", path)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.err != nil || len(lines) != 3 {
		t.Fatalf("--spans: %v\n%s", r.err, r.stdout)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &d); err != nil {
		t.Fatal(err)
	}
	if d["record"] != 1.0 || d["field"] != "text" || d["start"] != 9.0 || d["end"] != 32.0 || d["type"] != "EMAIL_ADDRESS" {
		t.Errorf("span: %v", d)
	}
	if strings.Contains(r.stdout, "example.com") || strings.Contains(r.stdout, "value") {
		t.Errorf("--spans printed values without --show-values: %s", r.stdout)
	}
	r = runCmd(t, "", nil, "pii", "scan", "--spans", "--show-values", path)
	if !strings.Contains(r.stdout, `"value":"anna.keller@example.com"`) {
		t.Errorf("--show-values: %s", r.stdout)
	}

	// Standard input, and gzip recognised whatever the name.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(piiSample))
	zw.Close()
	r = runCmd(t, gz.String(), nil, "pii", "scan", "--json", "--format", "jsonl", "-")
	if r.err != nil || !strings.Contains(r.stdout, `"records":3,"records_with_pii":2`) {
		t.Errorf("stdin gzip: %v %s", r.err, r.stdout)
	}

	// Bad lines are counted and listed on stderr, and the scan goes on.
	bad := writeFile(t, "bad.jsonl", piiSample+"{broken\n"+`{"t": "x@example.org"}`+"\n")
	r = runCmd(t, "", nil, "pii", "scan", "--json", bad)
	if r.err != nil || !strings.Contains(r.stdout, `"problems":{"count":1,"first":[{"line":4,"reason":"broken JSON, skipped"}]}`) || !strings.Contains(r.stdout, `"EMAIL_ADDRESS":2`) {
		t.Errorf("bad line: %v %s", r.err, r.stdout)
	}
	r = runCmd(t, "", nil, "pii", "scan", bad)
	if !strings.Contains(r.stderr, "line 4: broken JSON") {
		t.Errorf("problems on stderr: %q", r.stderr)
	}
}

func TestPIIRedact(t *testing.T) {
	path := writeFile(t, "data.jsonl", piiSample)
	out := filepath.Join(t.TempDir(), "masked.jsonl")
	r := runCmd(t, "", nil, "pii", "redact", "--mode", "mask", "--out", out, path)
	if r.err != nil || !strings.Contains(r.stderr, "redacted 3 detections in 2 of 3 records") {
		t.Fatalf("mask: %v %s", r.err, r.stderr)
	}
	masked, _ := os.ReadFile(out)
	if !strings.Contains(string(masked), `"write to [EMAIL_ADDRESS] or call [PHONE_NUMBER]"`) || !strings.Contains(string(masked), "4111 1111 1111 1112") {
		t.Errorf("masked: %s", masked)
	}
	r = runCmd(t, "", nil, "pii", "scan", "--json", out)
	if !strings.Contains(r.stdout, `"records_with_pii":0`) {
		t.Errorf("re-scan of the masked file: %s", r.stdout)
	}

	key := writeFile(t, "pii.key", strings.Repeat("k", 40)+"\n")
	r = runCmd(t, "", nil, "pii", "redact", "--mode", "pseudonymize", "--key-file", key, path)
	r2 := runCmd(t, "", nil, "pii", "redact", "--mode", "pseudonymize", "--key-file", key, path)
	if r.err != nil || !strings.Contains(r.stdout, "<EMAIL_ADDRESS:") || r.stdout != r2.stdout {
		t.Errorf("pseudonymize: %v\n%s", r.err, r.stdout)
	}
}

func TestPIICommandErrors(t *testing.T) {
	path := writeFile(t, "data.jsonl", piiSample)
	short := writeFile(t, "short.key", "too short\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"pii"}, "want 'scan' or 'redact'"},
		{[]string{"pii", "frob"}, `unknown command "frob"`},
		{[]string{"pii", "scan"}, "missing argument"},
		{[]string{"pii", "scan", "--spans", "--json", path}, "choose one"},
		{[]string{"pii", "scan", "--show-values", path}, "--show-values only goes with --spans"},
		{[]string{"pii", "scan", "--format", "xml", path}, "--format: must be one of"},
		{[]string{"pii", "scan", "--column", "email", path}, "--columns: only for the csv and tsv formats"},
		{[]string{"pii", "scan", filepath.Join(t.TempDir(), "missing.txt")}, "no such file"},
		{[]string{"pii", "redact", path}, "--mode: want mask or pseudonymize"},
		{[]string{"pii", "redact", "--mode", "pseudonymize", path}, "needs --key-file"},
		{[]string{"pii", "redact", "--mode", "pseudonymize", "--key-file", short, path}, "key: must be at least 32 bytes, got 9"},
		{[]string{"pii", "redact", "--mode", "mask", "--key-file", short, path}, "--key-file is only for --mode pseudonymize"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCmd(t, "", nil, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", r.err, tc.want)
			}
			if strings.Contains(r.err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", r.err)
			}
		})
	}
}
