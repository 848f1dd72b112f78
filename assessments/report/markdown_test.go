package report

import (
	"bytes"
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/markdown"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMarkdownGolden(t *testing.T) {
	got := Markdown(testReport(t))
	const golden = "testdata/report.golden.md"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./assessments/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Markdown differs from %s (run with -update if the change is intended):\n%s", golden, firstDiff(string(want), string(got)))
	}
	if again := Markdown(testReport(t)); !bytes.Equal(got, again) {
		t.Error("two renders of the same report differ")
	}
}

// firstDiff shows the first line where two texts part.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want " + w + "\n  got " + g
		}
	}
	return ""
}

func TestMarkdownContent(t *testing.T) {
	r := testReport(t)
	md := string(Markdown(r))
	for _, want := range []string{
		"- **Revision SHA-256:** `" + r.Assessment.StateHash + "`",
		"- **Which legitimate interest?** — Faster replies \\| fewer \\<b>errors\\</b> second line",
		"- **Kinds of personal data** — Names, Health",
		"- **Training records** — 120000 records",
		"- **How long are checkpoints kept?** — *Not answered (required)*",
		"- **Date of the last DPIA** — *Not answered*",
		"  > ```\n  > an unclosed fence\n",
		"| support_tickets_2024 | Zendesk export | names, emails \\| account ids |",
		"owner User \\#9, due not set, planned",
		"Views sought: No",
		"The assessment must be reviewed again by 2027-03-01.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Epsilon", "DRAFT"} {
		if strings.Contains(md, unwanted) {
			t.Errorf("report shows %q", unwanted)
		}
	}
}

func TestMarkdownDraft(t *testing.T) {
	r := testReport(t)
	r.Assessment.Approved = false
	md := string(Markdown(r))
	first := strings.SplitN(md, "\n", 4)
	if len(first) < 3 || !strings.Contains(first[2], draftLine) {
		t.Errorf("draft report does not open with the draft line:\n%s", strings.Join(first[:3], "\n"))
	}
}

// TestMarkdownStructure renders the report as the app's preview does and checks that user text
// added no heading, link or code block of its own.
func TestMarkdownStructure(t *testing.T) {
	html := markdown.HTML(string(Markdown(testReport(t))))
	for _, unwanted := range []string{"<a href=\"javascript", "<b>errors</b>", "<b>below</b>", "<em>call_notes</em>"} {
		if strings.Contains(html, unwanted) {
			t.Errorf("user text escaped its place: found %q", unwanted)
		}
	}
	// A heading in an answer stays inside the answer's quote.
	heading := strings.Index(html, "<h1>Not a heading")
	if heading < 0 {
		t.Fatal("the heading in an answer is missing")
	}
	if open, close := strings.LastIndex(html[:heading], "<blockquote>"), strings.LastIndex(html[:heading], "</blockquote>"); open < close {
		t.Error("a heading in an answer is not inside its quote")
	}
	// The unclosed fence stays inside its quote: the next question is still a list item.
	if !strings.Contains(html, "<strong>Legal basis</strong>") {
		t.Error("the unclosed code fence swallowed the rest of the report")
	}
	// Nine chapters and the tracking since approval.
	if n := strings.Count(html, "<h2>"); n != 10 {
		t.Errorf("report has %d level-2 headings, want 10", n)
	}
}
