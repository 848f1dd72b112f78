package deliver

import (
	"strings"
	"testing"
)

func TestEmailHTMLEscapes(t *testing.T) {
	got := EmailHTML(`<script>alert("t")</script>`, "Project <b>X</b> & co", "javascript:alert(1)", `"><img src=x>`, "https://piaf.example/account/notifications?a=1&b=2")
	for _, bad := range []string{"<script>", "<b>X</b>", `"><img`, `href="javascript:`} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains unescaped %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;", "Project &lt;b&gt;X&lt;/b&gt; &amp; co", `href="#ZgotmplZ"`,
		`href="https://piaf.example/account/notifications?a=1&amp;b=2"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestEmailHTMLLayout(t *testing.T) {
	got := EmailHTML("Review due", "First paragraph\nstill first.\n\nSecond.", "https://piaf.example/a/7", "Open the assessment", "https://piaf.example/settings")
	for _, want := range []string{
		`<html lang="en">`, `<meta charset="utf-8">`, `<title>Review due</title>`, `<h1 `,
		`role="presentation"`, `>First paragraph still first.</p>`, `>Second.</p>`,
		`<a href="https://piaf.example/a/7" `, `>Open the assessment</a>`,
		`Change what piaf sends you: <a href="https://piaf.example/settings"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(EmailHTML("t", "i", "", "", ""), "<a ") {
		t.Error("links rendered without any link given")
	}
}

func TestEmailText(t *testing.T) {
	got := EmailText("Review due", "First\nline.\n\nSecond.", "https://piaf.example/a/7", "Open the assessment", "https://piaf.example/settings")
	want := "Review due\n\nFirst line.\n\nSecond.\n\nOpen the assessment:\nhttps://piaf.example/a/7\n\n-- \nChange what piaf sends you: https://piaf.example/settings\n"
	if got != want {
		t.Errorf("EmailText =\n%q\nwant\n%q", got, want)
	}
}
