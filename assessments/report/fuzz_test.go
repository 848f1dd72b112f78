package report

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/markdown"
)

// FuzzPDF puts arbitrary text wherever users type and checks that a PDF always comes out.
func FuzzPDF(f *testing.F) {
	for _, seed := range []string{"", "plain", "😀\U00010000", "שלום (עולם) 12", "مرحبا", "中文", "**x**\n\n```\n", "\x00\t\r\n", "\uFFFF\uFEFF\u202E"} {
		f.Add(seed)
	}
	r := testReport(f)
	f.Fuzz(func(t *testing.T, s string) {
		r := *r
		r.Project.Name = s
		r.Owners = map[int64]string{1: s}
		state := r.State
		state.Answers = map[string]any{"purpose_description": s, "basis_note": s, "legal_basis": "legitimate_interest"}
		state.Findings = map[string]*assessments.Finding{"f1": {ID: "f1", Title: s, Description: s, Category: "purpose",
			Likelihood: 2, Severity: 2, Status: assessments.FindingOpen}}
		state.Evidence = map[string]*assessments.Evidence{"E1": {ID: "E1", Kind: "pii", Cycle: 1, Source: assessments.SourcePipeline,
			Tool: s, ToolVersion: s, Label: s, AddedByName: s, AddedAt: s, Warnings: []string{s}, NotCredible: []string{s}, Questions: []string{s},
			Figures: map[string]float64{"before_PERSON": 3, "after_PERSON": 0}}}
		r.State = state
		if _, err := PDF(&r); err != nil {
			t.Fatalf("PDF(%q): %v", s, err)
		}
		_ = Markdown(&r)
	})
}

// FuzzInline checks that escaped text renders as exactly that text: no character is taken as
// Markdown, and no element but a paragraph (and a bare URL's link) appears.
func FuzzInline(f *testing.F) {
	for _, seed := range []string{"a | b", "*x* _y_ `z`", "<b>", "[a](b)", "# h", "1. x", "&amp;", "\\*", "~~s~~", "a_b_", "![i](j)", "www.example.org"} {
		f.Add(seed)
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := markdown.HTML(inline(s))
		for _, el := range tag.FindAllString(out, -1) {
			if el != "<p>" && el != "</p>" && el != "</a>" && !strings.HasPrefix(el, "<a href=") {
				t.Fatalf("inline(%q) renders element %s: %s", s, el, out)
			}
		}
		got := strings.TrimSpace(html.UnescapeString(tag.ReplaceAllString(out, "")))
		want := strings.Join(strings.Fields(strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return ' '
			}
			if unicode.IsControl(r) || r == '\uFEFF' {
				return -1
			}
			return r
		}, s)), " ")
		if got != want {
			t.Fatalf("inline(%q) renders as %q, want %q", s, got, want)
		}
	})
}

// FuzzQuote checks that whatever a quoted block holds, what follows it is still the report's.
func FuzzQuote(f *testing.F) {
	for _, seed := range []string{"```\nfence", "<div>\nx", "- a\n  b", "[r]: /x", "<!--", "a\n===", "    code", "> >"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := markdown.HTML(quote(s, "  ") + "\n**after**\n")
		if !strings.HasSuffix(out, "<p><strong>after</strong></p>\n") {
			t.Fatalf("quote(%q) swallowed what follows:\n%s", s, out)
		}
	})
}
