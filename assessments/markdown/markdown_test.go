package markdown

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/piaf-dev/piaf/assessments/catalogue"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// urlAttr finds every URL attribute in the output, to check what a browser would follow.
var urlAttr = regexp.MustCompile(`(?i)\b(?:href|src)\s*=\s*"([^"]*)"`)

// eventAttr finds an event handler attribute inside a tag; goldmark quotes every attribute value.
var eventAttr = regexp.MustCompile(`(?i)<[a-z0-9]+(?:\s+[a-z-]+(?:="[^"]*")?)*\s+on[a-z]+\s*=`)

func TestHTMLIsSafe(t *testing.T) {
	if !eventAttr.MatchString(`<img src="x" onerror=alert(1)>`) || eventAttr.MatchString(`<a title="t onclick=x">`) {
		t.Fatal("eventAttr does not tell attributes from attribute values")
	}
	cases := []struct {
		name string
		src  string
		want []string // substrings the output must contain
		// text is true where the input's own words may appear as escaped text, as when an
		// unsafe autolink is shown as plain text rather than dropped.
		text bool
	}{
		{name: "script block", src: "<script>alert(1)</script>", want: []string{"raw HTML omitted"}},
		{name: "script inline", src: "hello <script>alert(1)</script> world", want: []string{"hello", "world"}},
		{name: "img onerror", src: `<img src=x onerror=alert(1)>`},
		{name: "img onerror inline", src: `see <img src=x onerror=alert(1)> here`, want: []string{"see"}},
		{name: "raw anchor", src: `<a href="javascript:alert(1)">x</a>`},
		{name: "raw anchor inline", src: `click <a href="javascript:alert(1)">x</a>`, want: []string{"click"}},
		{name: "javascript link", src: "[x](javascript:alert(1))", want: []string{"<p>x</p>"}},
		{name: "upper-case javascript link", src: "[x](JAVASCRIPT:alert(1))", want: []string{"<p>x</p>"}},
		{name: "entity in scheme", src: "[x](jav&#x61;script:alert(1))", want: []string{"<p>x</p>"}},
		{name: "named entity in scheme", src: "[x](javascript&colon;alert(1))", want: []string{"<p>x</p>"}},
		{name: "tab entity in scheme", src: "[x](java&Tab;script:alert(1))", want: []string{"<p>x</p>"}},
		{name: "escaped colon", src: `[x](javascript\:alert(1))`, want: []string{"<p>x</p>"}},
		{name: "spaced destination", src: "[x]( javascript:alert(1) )", want: []string{"<p>x</p>"}},
		{name: "angle destination", src: "[x](<javascript:alert(1)>)", want: []string{"<p>x</p>"}},
		{name: "vbscript link", src: "[x](vbscript:msgbox)", want: []string{"<p>x</p>"}},
		{name: "data link", src: "[x](data:text/html;base64,PHNjcmlwdD4=)", want: []string{"<p>x</p>"}},
		{name: "reference link", src: "[x][r]\n\n[r]: javascript:alert(1)", want: []string{"<p>x</p>"}},
		{name: "data image", src: "![pixel](data:image/png;base64,iVBORw0KGgo=)", want: []string{"<p>pixel</p>"}},
		{name: "image in unsafe link", src: "[![a](javascript:x)](javascript:y)", want: []string{"<p>a</p>"}},
		{name: "javascript autolink", src: "<javascript:alert(1)>", text: true, want: []string{"javascript:alert(1)"}},
		{name: "attribute syntax", src: "# Title {onclick=alert(1)}", text: true, want: []string{"<h1>"}},
		{name: "title attribute", src: `[x](/a "t\" onmouseover=\"alert(1)")`, want: []string{`<a href="/a"`, "&quot;"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := HTML(tc.src)
			lower := strings.ToLower(out)
			if strings.Contains(lower, "<script") || eventAttr.MatchString(out) {
				t.Errorf("output keeps a script:\n%s", out)
			}
			if !tc.text && (strings.Contains(lower, "onerror") || strings.Contains(lower, "javascript:")) {
				t.Errorf("output keeps onerror or javascript: even as text:\n%s", out)
			}
			for _, m := range urlAttr.FindAllStringSubmatch(out, -1) {
				if _, ok := allowedScheme([]byte(m[1]), false); !ok {
					t.Errorf("output keeps URL %q:\n%s", m[1], out)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestHTMLRendersMarkdown(t *testing.T) {
	const rel = ` rel="nofollow noopener noreferrer"`
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"emphasis", "*a* and **b**", []string{"<em>a</em>", "<strong>b</strong>"}},
		{"code", "use `x < y`\n\n```\n<b>\n```", []string{"<code>x &lt; y</code>", "<pre><code>&lt;b&gt;\n</code></pre>"}},
		{"strikethrough", "~~old~~", []string{"<del>old</del>"}},
		{"list", "- one\n- two", []string{"<ul>", "<li>one</li>"}},
		{"table", "| a | b |\n|---|--:|\n| 1 | 2 |", []string{"<table>", "<th>a</th>", "<td>1</td>", "2</td>"}},
		{"link", "[docs](https://example.org/a?b=1&c=2)", []string{`<a href="https://example.org/a?b=1&amp;c=2"` + rel + `>docs</a>`}},
		{"relative link", "[help](/help#dp)", []string{`<a href="/help#dp">help</a>`}},
		{"mailto", "[dpo](mailto:dpo@example.org)", []string{`<a href="mailto:dpo@example.org">dpo</a>`}},
		{"autolink", "<https://example.org>", []string{`<a href="https://example.org"` + rel + `>https://example.org</a>`}},
		{"bare URL", "see https://example.org/x for more", []string{`<a href="https://example.org/x"` + rel + `>`}},
		{"www", "see www.example.org", []string{`<a href="http://www.example.org"` + rel + `>www.example.org</a>`}},
		{"email", "write to dpo@example.org", []string{`<a href="mailto:dpo@example.org">dpo@example.org</a>`}},
		{"image shown as its text", "![chart](https://example.org/c.png)", []string{`<p>chart</p>`}},
		{"escaped text", "a < b & c", []string{"a &lt; b &amp; c"}},
		{"scheme-like path", "[x](a/b:c)", []string{`<a href="a/b:c">x</a>`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := HTML(tc.src)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestInline(t *testing.T) {
	cases := []struct{ src, want string }{
		{"plain", "plain"},
		{"*Art. 6* basis", "<em>Art. 6</em> basis"},
		{"", ""},
		{"a\n\nb", "<p>a</p>\n<p>b</p>\n"},
		{"- item", "<ul>\n<li>item</li>\n</ul>\n"},
		{"<b>x</b> y", "<!-- raw HTML omitted -->x<!-- raw HTML omitted --> y"},
	}
	for _, tc := range cases {
		if got := Inline(tc.src); got != tc.want {
			t.Errorf("Inline(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestAllowedScheme(t *testing.T) {
	cases := []struct {
		url   string
		image bool
		ok    bool
	}{
		{"https://example.org", false, true},
		{"HTTP://example.org", false, true},
		{"//example.org/x", false, true},
		{"/a:b", false, true},
		{"#frag", false, true},
		{"?q=a:b", false, true},
		{"mailto:a@example.org", false, true},
		{"mailto:a@example.org", true, false},
		{"javascript:alert(1)", false, false},
		{" \x01JavaScript:alert(1)", false, false},
		{"java\tscr\nipt:alert(1)", false, false},
		{"data:image/png;base64,AAAA", true, false},
		{"file:///etc/passwd", false, false},
		{"tel:123", false, false},
	}
	for _, tc := range cases {
		if _, ok := allowedScheme([]byte(tc.url), tc.image); ok != tc.ok {
			t.Errorf("allowedScheme(%q, image %t) = %t, want %t", tc.url, tc.image, ok, tc.ok)
		}
	}
}

// TestBuiltinContent renders every Markdown text piaf ships, so that a help text that trips the
// renderer fails here rather than on a page.
func TestBuiltinContent(t *testing.T) {
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalogue.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, d := range defs {
		texts[d.Key+" description"] = d.Description
		for _, s := range d.Sections {
			texts[d.Key+" section "+s.Key] = s.Intro
			for _, q := range s.Questions {
				texts[d.Key+" question "+q.Key] = q.Help
			}
		}
		for _, r := range d.Rules {
			texts[d.Key+" rule "+r.Key] = r.Description
		}
	}
	for _, m := range cat.All() {
		texts["mitigation "+m.Key+" guidance"] = m.Guidance
		texts["mitigation "+m.Key+" verify"] = m.Verify
	}
	if len(texts) < 50 {
		t.Fatalf("only %d texts found; is the built-in content loaded?", len(texts))
	}
	for name, src := range texts {
		if strings.TrimSpace(src) == "" {
			continue // optional texts may be empty
		}
		out := HTML(src)
		if strings.TrimSpace(out) == "" {
			t.Errorf("%s: empty output", name)
		}
		if strings.Contains(out, "raw HTML omitted") {
			t.Errorf("%s: contains raw HTML, which piaf drops:\n%s", name, src)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				src := "**b** [x](https://example.org) | a |\n|---|\n| " + strings.Repeat("y", i) + " |"
				if out := HTML(src); !strings.Contains(out, "<strong>b</strong>") {
					t.Errorf("unexpected output %q", out)
				}
			}
		})
	}
	wg.Wait()
}

func TestImagesAreNeverFetched(t *testing.T) {
	for _, src := range []string{"![x](/assessments/2/report.pdf?revision=1)", "![tracker](https://evil.example/p.gif)", "![](data:image/png;base64,AAAA)"} {
		if out := HTML(src); strings.Contains(out, "<img") {
			t.Errorf("%q rendered an image: %s", src, out)
		}
	}
}

// Review of issue 17, item 6: goldmark wrote column alignment as style="text-align:...", which
// the Content-Security-Policy (style-src 'self') blocks; the preview lost its alignment.
func TestTableAlignmentUsesClasses(t *testing.T) {
	got := HTML("| a | b | c | d |\n| :-- | :-: | --: | --- |\n| 1 | 2 | 3 | 4 |\n")
	if strings.Contains(got, "style=") {
		t.Errorf("inline style in a table, blocked by the CSP:\n%s", got)
	}
	for _, want := range []string{`<th class="align-left">a</th>`, `<th class="align-center">b</th>`, `<td class="align-right">3</td>`, "<td>4</td>"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in:\n%s", want, got)
		}
	}
}
