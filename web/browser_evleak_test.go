package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// upload chooses a file for a file input, as a user does in the file picker.
func (b *browser) upload(sel, file string) {
	b.t.Helper()
	b.mustFind(sel)
	b.do("choose the file "+filepath.Base(file)+" for "+sel, chromedp.SetUploadFiles(chromedp.CSS(cssFor(sel)), []string{file}))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// An assessor uploads before and after samples from the anonymisation section, sees the counts
// and the chart, the measured rates beside the recall answer, and the rule that personal data
// survived anonymisation.
func TestBrowserPIIScanEvidence(t *testing.T) {
	f := newEvleakFixture(t, nil)
	b := newBrowser(t, f.a)
	b.signIn(f.owner.Email, testPassword)
	b.visit(fmt.Sprintf("/assessments/%d/sections/anonymisation", f.id))
	b.click("pii-scans-link")
	if !strings.Contains(b.text("keeps-counts"), "never the file") {
		t.Fatal("the page does not say piaf keeps only counts")
	}
	b.choose("#format", "csv")
	b.fill("#columns", "note")
	b.upload("#before", writeFile(t, "before.csv", beforeCSV))
	b.upload("#after", writeFile(t, "after.csv", afterCSV))
	b.snapshot("pii-form")
	b.press("Scan and attach")
	if got := b.path(); got != f.base+"/pii" {
		t.Fatalf("after the upload the browser is on %s", got)
	}
	if !strings.Contains(b.text("body"), "piaf kept only the counts") {
		t.Error("no flash after the upload")
	}
	if got := b.text(`[data-testid="after-EMAIL_ADDRESS"]`); got != "1" {
		t.Errorf("emails after anonymisation = %q, want 1", got)
	}
	b.mustFind("pii-chart")
	b.snapshot("pii-result")
	b.visit(fmt.Sprintf("/assessments/%d/sections/anonymisation", f.id))
	if got := b.text("pii-measured"); !strings.Contains(got, "After anonymisation: 1 of 3 records hold PII") {
		t.Errorf("beside the recall answer: %q", got)
	}
	b.snapshot("pii-measured")
	b.visit(fmt.Sprintf("/assessments/%d/risks", f.id))
	if body := b.text("body"); !strings.Contains(body, "Personal data found in the anonymised sample") {
		t.Error("the risk register lacks the PII-after-anonymisation finding")
	}
}

// An assessor attaches a membership-inference test with too few examples and a canary test from
// the output-testing section; the figures, the ROC and exposure charts and the rules show.
func TestBrowserLeakTestEvidence(t *testing.T) {
	f := newEvleakFixture(t, nil)
	b := newBrowser(t, f.a)
	b.signIn(f.owner.Email, testPassword)
	b.visit(fmt.Sprintf("/assessments/%d/sections/output_testing", f.id))
	b.click("leak-tests-link")
	b.choose("#mia-attack", "loss_threshold")
	b.fill("#mia-selection", "random 10% held out before training")
	b.check("#mia-held_out")
	b.check("#mia-lower_is_member")
	b.upload("#mia-scores", writeFile(t, "scores.csv", scoresCSV(50, 0, 1)))
	b.snapshot("mia-form")
	b.click("mia-submit")
	b.mustFind("roc-chart")
	if got := b.text("mia-result"); !strings.Contains(got, "Not credible") || !strings.Contains(got, "fewer than 1000") {
		t.Errorf("the MIA record does not say why it is not credible: %q", got)
	}
	b.fill("#canary-copies", "4")
	b.fill("#canary-space_size", "1e9")
	b.fill("#canary-canaries_text", "canary,loss\nc-1,0.1\nc-2,3.5")
	b.fill("#canary-references_text", "1\n2\n3\n4\n5\n6\n7\n8")
	b.click("canary-submit")
	b.mustFind("canary-chart")
	if got := strings.ToLower(b.text("canary-table")); !strings.Contains(got, "c-1") || !strings.Contains(got, "c-2") {
		t.Errorf("canary table: %q", got)
	}
	b.snapshot("leak-result")
	b.visit(fmt.Sprintf("/assessments/%d/risks", f.id))
	body := b.text("body")
	for _, title := range []string{"Membership-inference evidence above the organisation's limits", "Membership-inference test design not credible",
		"A canary's exposure is close to its maximum"} {
		if !strings.Contains(body, title) {
			t.Errorf("the risk register lacks %q", title)
		}
	}
}
