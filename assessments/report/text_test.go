package report

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold** and _it_ and `code`", "bold and it and code"},
		{"# Heading\n\nPara one\ncontinued", "Heading\n\nPara one continued"},
		{"- one\n- two", "• one\n• two"},
		{"3. three\n4. four", "3. three\n4. four"},
		{"[site](https://example.org) <https://x.example>", "site (https://example.org) https://x.example"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"},
		{"> quoted\n> more", "> quoted more"},
		{"```\ncode  kept\n```", "code  kept"},
		{"<b>raw</b> html", "<b>raw</b> html"},
		{"R\\&D &amp; &#60;", "R&D & <"},
		{"- [x] done\n- [ ] todo", "• [x] done\n• [ ] todo"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPDFTextSanitises(t *testing.T) {
	tests := []struct{ in, want string }{
		{"emoji 😀 \U00010000", "emoji \uFFFD \uFFFD"},
		{"tab\there\r\nnext\x00\x07", "tab here\nnext"},
		{"中文 שלום", "中文 שלום"},
	}
	for _, tt := range tests {
		if got := pdfText(tt.in); got != tt.want {
			t.Errorf("pdfText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisual(t *testing.T) {
	tests := []struct {
		in   string
		rtl  bool
		want string
	}{
		{"plain latin", false, "plain latin"},
		{"שלום", true, "םולש"},
		{"Hebrew שלום עולם here", false, "Hebrew םלוע םולש here"},
		{"שלום 123 עולם", true, "םלוע 123 םולש"},
		{"עברית (בדיקה)", true, "(הקידב) תירבע"},
		{"מודל GPT-4 חדש", true, "שדח GPT-4 לדומ"},
		{"", true, ""},
	}
	for _, tt := range tests {
		if got := visual(tt.in, tt.rtl); got != tt.want {
			t.Errorf("visual(%q, %v) = %q, want %q", tt.in, tt.rtl, got, tt.want)
		}
	}
	if !rtlParagraph("  123 שלום") || rtlParagraph("Hello שלום") {
		t.Error("rtlParagraph misjudges the first letter")
	}
}
