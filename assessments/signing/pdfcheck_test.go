package signing

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestHostilePDFsAreRefusedBeforeParsing(t *testing.T) {
	// Every entry of the table points at object 1: the parser would read it once per entry.
	manyEntries := "%PDF-1.4\n1 0 obj [" + strings.Repeat("0 ", 1000) + "] endobj\n"
	manyEntries += "xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000009 00000 n \n" +
		"trailer << /Size 3 >>\nstartxref\n" + strconv.Itoa(len(manyEntries)) + "\n%%EOF\n"
	deep := "%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 2_000_000) + "\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	cases := map[string]string{
		"deep nesting":   deep,
		"deep dicts":     "%PDF-1.4\n" + strings.Repeat("<< /A ", 100) + "\n%%EOF",
		"object streams": "%PDF-1.5\n1 0 obj << /Type /ObjStm /N 1 /First 4 /Extends 1 0 R >> stream\nxx\nendstream endobj\n%%EOF",
		"xref stream":    "%PDF-1.5\n1 0 obj << /Type /XRef /Size 2 >> stream\nxx\nendstream endobj\n%%EOF",
		"not a pdf":      "hello",
		// Review of issue 17: filler after the header made the parser's backward search for
		// %%EOF quadratic (8 MiB took 510 s of CPU).
		"filler, no %%EOF":         "%PDF-1.7\n" + strings.Repeat("A", 8<<20),
		"filler, then %%EOF":       "%PDF-1.7\n" + strings.Repeat("A", 8<<20) + "\n%%EOF\n",
		"%%EOF far from end":       "%PDF-1.7\n%%EOF\n" + strings.Repeat(" ", 8<<20),
		"escaped ObjStm":           "%PDF-1.5\n1 0 obj << /Type /Obj#53tm >> endobj\n%%EOF",
		"one object, many entries": manyEntries,
		"huge object number":       "%PDF-1.4\n1 0 obj 1 endobj\nxref\n4000000000 1\n0000000009 00000 n \ntrailer << /Size 3 >>\nstartxref\n26\n%%EOF\n",
		"many byte ranges":         "%PDF-1.4\n1 0 obj << /ByteRange [" + strings.Repeat("0 100 ", 1000) + "] >> endobj\n%%EOF\n",
		"xref loop":                "%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer << /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n",
	}
	for name, pdf := range cases {
		_, err := VerifyPDF([]byte(pdf), nil)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
	// Brackets inside strings, hex strings, comments and streams do not count as nesting.
	benign := "%PDF-1.4\n% [[[[ comment\n1 0 obj << /T (" + strings.Repeat("[", 200) + ") /H <5b5b> >> stream\n" +
		strings.Repeat("[", 500) + "\nendstream endobj\n%%EOF"
	if _, err := scanPDF([]byte(benign)); err != nil {
		t.Errorf("a benign PDF was refused: %v", err)
	}
	// Hostile files found by review, if present on this machine.
	for _, path := range []string{"/tmp/bomb.pdf", "/tmp/loop.pdf"} {
		if b, err := os.ReadFile(path); err == nil && bytes.HasPrefix(b, []byte("%PDF")) {
			if err := checkPDFShape(b); err == nil {
				t.Errorf("%s passes the shape check", path)
			}
		}
	}
}

func TestVerifyPDFStopsWhenItsContextEnds(t *testing.T) {
	k, _, _ := newKeyring(t)
	signed := signTestPDF(t, k)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := VerifyPDFContext(ctx, signed, k.TrustedCertificates()); !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyPDFContext with an ended context: %v, want context.Canceled", err)
	}
	if r, err := VerifyPDFContext(context.Background(), signed, k.TrustedCertificates()); err != nil || !r.Valid {
		t.Errorf("VerifyPDFContext of a good report: %+v, %v", r, err)
	}
}

// BenchmarkHostileFiller prints how long the 8 MiB file of issue 17 takes to refuse (510 s of
// CPU before the structure check).
func BenchmarkHostileFiller(b *testing.B) {
	hostile := []byte("%PDF-1.7\n" + strings.Repeat("A", 8<<20) + "\n%%EOF\n")
	for b.Loop() {
		if _, err := VerifyPDF(hostile, nil); err == nil {
			b.Fatal("accepted")
		}
	}
}
