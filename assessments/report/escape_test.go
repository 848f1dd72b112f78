package report

import (
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/markdown"
)

func TestInline(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain words", "plain words"},
		{"a | b", "a \\| b"},
		{"two\nlines\r\n\tand tab", "two lines and tab"},
		{"*bold* and `code`", "\\*bold\\* and \\`code\\`"},
		{"[link](javascript:x)", "\\[link\\](javascript:x)"},
		{"<script>alert(1)</script>", "\\<script>alert(1)\\</script>"},
		{"# heading", "\\# heading"},
		{"- item", "\\- item"},
		{"+ item", "\\+ item"},
		{"> quote", "\\> quote"},
		{"=====", "\\====="},
		{"2024. A year", "2024\\. A year"},
		{"3) third", "3\\) third"},
		{"version 2.1", "version 2.1"},
		{"snake_case_name", "snake_case_name"},
		{"_emphasis_", "\\_emphasis\\_"},
		{"R&D &amp; &#60;", "R&D \\&amp; \\&\\#60;"},
		{"C:\\data\\x", "C:\\\\data\\\\x"},
		{"~~gone~~ $x$", "\\~\\~gone\\~\\~ \\$x\\$"},
		{"nul\x00 and bell\a", "nul and bell"},
		{"שלום | مرحبا", "שלום \\| مرحبا"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := inline(tt.in); got != tt.want {
			t.Errorf("inline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "—"},
		{"  \n ", "—"},
		{"a|b", "a\\|b"},
		{"line\nbreak | pipe", "line break \\| pipe"},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCellKeepsTable renders a table of hostile cells and checks that it stays one row of three.
func TestCellKeepsTable(t *testing.T) {
	hostile := []string{"a|b|c", "x\n\n| --- |", "`|`"}
	md := "| A | B | C |\n|---|---|---|\n| " + cell(hostile[0]) + " | " + cell(hostile[1]) + " | " + cell(hostile[2]) + " |\n"
	html := markdown.HTML(md)
	if n := strings.Count(html, "<td>"); n != 3 {
		t.Errorf("table has %d cells, want 3:\n%s", n, html)
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, indent, want string }{
		{"one", "", "> one\n"},
		{"one\r\ntwo\n\nthree  ", "", "> one\n> two\n>\n> three\n"},
		{"\n\nlead and trail\n\n", "  ", "  > lead and trail\n"},
		{"```\nopen fence", "", "> ```\n> open fence\n"},
	}
	for _, tt := range tests {
		if got := quote(tt.in, tt.indent); got != tt.want {
			t.Errorf("quote(%q, %q) = %q, want %q", tt.in, tt.indent, got, tt.want)
		}
	}
}

// TestQuoteContains checks that what a quote opens ends with it.
func TestQuoteContains(t *testing.T) {
	for _, hostile := range []string{"```\nfence", "<div>\nhtml block", "- list\n  continued", "[ref]: https://x.example", "<!-- comment"} {
		html := markdown.HTML(quote(hostile, "") + "\n**after**\n")
		if !strings.Contains(html, "<p><strong>after</strong></p>") {
			t.Errorf("quote of %q swallowed what follows:\n%s", hostile, html)
		}
	}
}

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "`abc`"},
		{"a`b", "``a`b``"},
		{"`x`", "`` `x` ``"},
		{"two\nlines", "`two lines`"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := code(tt.in); got != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
