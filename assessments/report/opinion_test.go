package report

import (
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// The report names who gave the opinion, when and on which revision; consultation text that
// names nobody is not printed as the privacy officer's opinion, in Markdown or PDF.
func TestOpinionAttribution(t *testing.T) {
	r := testReport(t)
	given := "Given by Bob Reviewer on 2026-03-01 14:00 UTC, on revision 13."
	md := string(Markdown(r))
	if !strings.Contains(md, "### Privacy officer's opinion\n\n"+given) {
		t.Errorf("attributed opinion: Markdown lacks %q:\n%s", given, md[strings.Index(md, "## Consultation"):])
	}
	path, _ := renderPDF(t, r, "attributed.pdf")
	if text := extractText(t, path); !strings.Contains(text, "Privacy officer’s opinion") && !strings.Contains(text, "Privacy officer's opinion") ||
		!strings.Contains(text, "Given by Bob Reviewer on 2026-03-01 14:00 UTC, on revision 13.") {
		t.Errorf("attributed opinion: PDF lacks the attribution")
	}

	r = testReport(t)
	c := r.State.Consultation
	r.State.Consultation = assessments.Consultation{DPOOpinion: c.DPOOpinion, ViewsSought: c.ViewsSought, Views: c.Views}
	md = string(Markdown(r))
	if strings.Contains(md, "Privacy officer's opinion") || strings.Contains(md, "Given by") || !strings.Contains(md, "### Unattributed consultation notes") {
		t.Errorf("unattributed opinion printed as the officer's:\n%s", md[strings.Index(md, "## Consultation"):])
	}
	path, _ = renderPDF(t, r, "unattributed.pdf")
	if text := extractText(t, path); strings.Contains(text, "officer’s opinion\n") || strings.Contains(text, "officer's opinion\n") || strings.Contains(text, "Given by") ||
		!strings.Contains(text, "Unattributed consultation notes") {
		t.Errorf("unattributed opinion: PDF text prints it as the officer's")
	}

	r.State.Consultation = assessments.Consultation{}
	if md = string(Markdown(r)); !strings.Contains(md, "### Privacy officer's opinion\n\n*No opinion given.*") && !strings.Contains(md, "No opinion given.") {
		t.Errorf("no opinion: %s", md[strings.Index(md, "## Consultation"):])
	}
}
