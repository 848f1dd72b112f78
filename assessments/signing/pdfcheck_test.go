package signing

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestHostilePDFsAreRefusedBeforeParsing(t *testing.T) {
	deep := "%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 2_000_000) + "\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
	cases := map[string]string{
		"deep nesting":   deep,
		"deep dicts":     "%PDF-1.4\n" + strings.Repeat("<< /A ", 100) + "\n%%EOF",
		"object streams": "%PDF-1.5\n1 0 obj << /Type /ObjStm /N 1 /First 4 /Extends 1 0 R >> stream\nxx\nendstream endobj\n%%EOF",
		"xref stream":    "%PDF-1.5\n1 0 obj << /Type /XRef /Size 2 >> stream\nxx\nendstream endobj\n%%EOF",
		"not a pdf":      "hello",
	}
	for name, pdf := range cases {
		if _, err := VerifyPDF([]byte(pdf), nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Brackets inside strings, hex strings, comments and streams do not count as nesting.
	benign := "%PDF-1.4\n% [[[[ comment\n1 0 obj << /T (" + strings.Repeat("[", 200) + ") /H <5b5b> >> stream\n" +
		strings.Repeat("[", 500) + "\nendstream endobj\n%%EOF"
	if err := checkPDFShape([]byte(benign)); err != nil {
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
