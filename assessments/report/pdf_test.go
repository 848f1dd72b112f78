package report

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// renderPDF draws the report, checks that the result looks like a whole PDF and writes it to a
// file. Set PIAF_REPORT_OUT to a folder to keep the files for a look.
func renderPDF(t *testing.T, r *Report, name string) (path string, pages int) {
	t.Helper()
	out, err := PDF(r)
	if err != nil {
		t.Fatalf("PDF: %v", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Errorf("output does not start with %%PDF-: %q", out[:min(len(out), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimSpace(out), []byte("%%EOF")) {
		t.Errorf("output does not end with %%%%EOF")
	}
	pages = len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(out, -1))
	dir := os.Getenv("PIAF_REPORT_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, pages
}

// pdfText extracts the text with poppler's pdftotext. It skips the test where poppler is not
// installed, except under CI, where its absence is a failure.
func extractText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing: apt-get install -y poppler-utils")
		}
		t.Skip("pdftotext not installed (apt-get install -y poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestPDF(t *testing.T) {
	r := testReport(t)
	path, pages := renderPDF(t, r, "report.pdf")
	if pages < 5 {
		t.Errorf("PDF has %d pages, want at least 5", pages)
	}
	text := extractText(t, path)
	for _, want := range []string{r.Project.Name, r.Assessment.StateHash, "Training without differential privacy",
		"Page 1 of " + fmt.Sprint(pages), "Before mitigation (inherent risk)", "Draft first replies to billing tickets.",
		"Not answered (required)", "Approved revision 14",
		// The evidence chapter: records, figures with units, warnings, credibility and charts.
		"E4 · Differential privacy budget", "1 (carried from an earlier cycle)", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"presidio-analyzer 2.2.355", "412 per 1,000 records", "Not credible: Non-members come from another month",
		"ε against the policy limit", "limit 8", "PII detections per entity type", "PERSON", "limit 1 %",
		"Policy: Highest acceptable ε (epsilon) of a DP-trained model"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	for _, unwanted := range []string{"DRAFT", "**billing**", "Epsilon"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("PDF text shows %q", unwanted)
		}
	}
	again, err := PDF(r)
	if err != nil {
		t.Fatal(err)
	}
	if first, _ := os.ReadFile(path); !bytes.Equal(first, again) {
		t.Error("two renders of the same report differ")
	}
}

func TestPDFDraft(t *testing.T) {
	r := testReport(t)
	r.Assessment.Approved, r.Assessment.Status = false, assessments.InReview
	path, pages := renderPDF(t, r, "draft.pdf")
	text := extractText(t, path)
	if n := strings.Count(text, draftLine); n < pages {
		t.Errorf("draft marker appears %d times on %d pages", n, pages)
	}
}

// TestPDFHostileText fills a report with what users may type: 300 findings, right-to-left and
// CJK scripts, emoji, a 5,000-character word, a very long owner name and Markdown.
func TestPDFHostileText(t *testing.T) {
	r := testReport(t)
	longWord := strings.Repeat("Pneumonoultramicroscopicsilicovolcanoconiosis", 112)[:5000]
	r.State.Answers["purpose_description"] = "# Heading\n\n**bold** _it_ [link](https://example.org) `code`\n\n" +
		"- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n" + longWord +
		"\n\nעברית: שלום עולם 123 (בדיקה)\n\nالعربية: مرحبا بالعالم\n\n中文：训练数据中的个人信息。日本語のテキスト。\n\nemoji 😀 and \U00010000 and \x00 nul"
	r.State.Answers["basis_note"] = longWord
	r.Owners[1] = strings.Repeat("Maximilian-Alexander von und zu Long-Named-Owner ", 12)
	r.Project.Name = "Projet « données » — מודל תמיכה 支持模型"
	r.State.Mitigations["m1"].Evidence = longWord
	r.Datasets[0].Name = longWord
	for i := range 300 {
		id := fmt.Sprintf("f%d", 100+i)
		r.State.Findings[id] = &assessments.Finding{ID: id, Title: fmt.Sprintf("Hostile finding %03d — סיכון 风险 %s", i, strings.Repeat("x", i)),
			Description: "Some **Markdown** with a [link](javascript:alert(1)).\n\n" + longWord[:i*10],
			Category:    "purpose", Likelihood: assessments.Scale(1 + i%4), Severity: assessments.Scale(1 + (i/4)%4),
			Status: assessments.FindingOpen, Mitigations: []string{"m2"}}
		if i%100 == 0 {
			r.State.Findings[id].Mitigations = []string{"m1", "m2"} // the one whose evidence is the long word
		}
	}
	r.State.Consultation.Views = "Views: " + longWord
	path, pages := renderPDF(t, r, "hostile.pdf")
	if pages <= 1 {
		t.Fatalf("PDF has %d pages", pages)
	}
	text := extractText(t, path)
	for _, want := range []string{"Hostile finding 299", r.Assessment.StateHash, "Page 1 of", "Projet « données »", "item one"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// The long word is cut into lines but every character is there.
	if n := strings.Count(strings.ReplaceAll(text, "\n", ""), "Pneumonoultramicroscopicsilicovolcanoconiosis"); n < 100 {
		t.Errorf("long word appears %d times in full, want at least 100", n)
	}
}

// TestEmptyReport renders a report with nothing in it: no questionnaire, findings or reviews.
func TestEmptyReport(t *testing.T) {
	r := &Report{}
	if md := string(Markdown(r)); !strings.Contains(md, draftLine) || !strings.Contains(md, "*No findings.*") {
		t.Errorf("empty report's Markdown:\n%s", md)
	}
	_, pages := renderPDF(t, r, "empty.pdf")
	if pages < 5 {
		t.Errorf("empty report has %d pages, want a title page and every chapter", pages)
	}
}
