package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// permissive renders Markdown as a viewer that allows raw HTML and any link does.
var permissive = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

// Review of issue 17, item 4: an answer with <img src=x onerror=...> appeared verbatim in the
// signed Markdown report, and javascript: links stayed links.
func TestQuoteNeutralisesHTMLAndUnsafeLinks(t *testing.T) {
	for _, hostile := range []string{
		"<img src=x onerror=alert(1)>",
		"Fine text <img src=x onerror=alert(1)> inline",
		"<script>alert(1)</script>",
		"<div onclick=\"alert(1)\">\nblock\n</div>",
		"[click](javascript:alert(1))",
		"[click](JaVa&#x73;cript:alert(1))",
		"[click][r]\n\n[r]: javascript:alert(1)",
		"<javascript:alert(1)>",
		"![x](https://tracker.example/pixel.png)",
		"[data](data:text/html;base64,PHNjcmlwdD4=)",
	} {
		var out bytes.Buffer
		if err := permissive.Convert([]byte(quote(hostile, "")), &out); err != nil {
			t.Fatal(err)
		}
		got := strings.ToLower(out.String())
		for _, bad := range []string{"<img", "<script", "<div", "href=\"javascript", "href=\"data:", "src=\""} {
			if strings.Contains(got, bad) {
				t.Errorf("quote(%q) renders %q:\n%s", hostile, bad, out.String())
			}
		}
		if !strings.Contains(out.String(), "alert(1)") && strings.Contains(hostile, "alert(1)") {
			t.Errorf("quote(%q) lost the text:\n%s", hostile, out.String())
		}
	}
	// Safe Markdown keeps its formatting.
	if got := quote("**bold** and [a site](https://example.org)", ""); got != "> **bold** and [a site](https://example.org)\n" {
		t.Errorf("safe Markdown changed: %q", got)
	}
}
