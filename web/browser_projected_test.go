package web_test

// Browser test of the projected residual risk (issue 11): a lower residual level that rests
// only on a planned mitigation is marked "projected" in words and by its outline, and the
// register's residual heatmap keeps the finding at its inherent level until the mitigation is
// implemented.

import (
	"strconv"
	"strings"
	"testing"
)

func TestBrowserProjectedResidual(t *testing.T) {
	f := newRegisterFixture(t)
	arne := f.users[assessor]
	risks := "/assessments/" + strconv.FormatInt(f.id, 10) + "/risks"
	b := newBrowser(t, f.app)
	b.signIn(arne.Email, testPassword)
	b.visit(risks)
	inherentHigh, residualHigh, residualLow := b.riskCell("inherent", 3, 3), b.riskCell("residual", 3, 3), b.riskCell("residual", 1, 1)

	// The assessor links DP-SGD as planned and claims a negligible residual risk.
	b.riskFollow("finding-list", riskNoDP)
	b.choose("[data-testid=link-mitigation-form] select[name=catalogue]", "dp-sgd")
	b.press("Link mitigation")
	form := "[data-testid=finding-form] "
	b.choose(form+"select[name=residual_likelihood]", "1")
	b.choose(form+"select[name=residual_severity]", "1")
	b.choose(form+"select[name=status]", "mitigated")
	b.click("save-finding")
	if f := b.text("flash"); f != "Finding saved." {
		t.Fatalf("flash after saving the finding: %q; errors: %q", f, b.texts(".field-error"))
	}
	if got := b.text("[data-testid=residual] [data-testid=residual-projected]"); got != "negligible (projected: mitigations not yet in place)" {
		t.Errorf("finding page residual %q, want it marked projected", got)
	}
	if !b.exists("projected-explained") {
		t.Error("the finding page does not explain what a projected level means")
	}
	// Not by colour alone: the projected badge has a dashed outline, an evidenced one none.
	if style := evalJS[string](b, "read the projected badge's outline",
		`getComputedStyle(document.querySelector("[data-testid=residual-projected] .badge")).borderTopStyle`); style != "dashed" {
		t.Errorf("the projected badge's border is %q, want dashed", style)
	}

	b.snapshot("finding-projected")

	// The cross-project mitigation register lists the risk waiting on the mitigation.
	b.visit("/mitigations")
	if got := b.texts("projected-risk"); len(got) != 1 || !strings.Contains(got[0], riskNoDP) || !strings.Contains(got[0], "projected: mitigations not yet in place") {
		t.Errorf("mitigation register's projected risks %q, want the no-DP finding", got)
	}
	b.snapshot("mitigations-projected")

	// The register marks the row and keeps the finding at its inherent cell on the residual map.
	b.visit(risks)
	if row := b.riskRow(riskNoDP); !strings.Contains(row, "negligible (projected: mitigations not yet in place)") {
		t.Errorf("register row %q, want the residual marked projected", row)
	}
	if got := b.riskCell("inherent", 3, 3); got != inherentHigh {
		t.Errorf("inherent cell 3-3 counts %d, want %d as before", got, inherentHigh)
	}
	if got, low := b.riskCell("residual", 3, 3), b.riskCell("residual", 1, 1); got != residualHigh || low != residualLow {
		t.Errorf("residual cells 3-3 and 1-1 count %d and %d, want %d and %d: a projected level stays at the inherent cell", got, low, residualHigh, residualLow)
	}
	if legend := b.text("heatmap-projected"); !strings.Contains(legend, "at its inherent level") || !strings.Contains(legend, "1 finding is placed so now") {
		t.Errorf("heatmap legend %q does not say where projected findings are placed", legend)
	}
	b.snapshot("register-projected")

	// Implemented: the level is evidenced, the mark goes and the finding moves on the map.
	b.riskFollow("finding-list", riskNoDP)
	b.choose("[data-testid^=edit-mitigation-] select[name=status]", "implemented")
	b.click("[data-testid^=save-mitigation-]")
	if b.exists("[data-testid=residual-projected]") {
		t.Errorf("the residual is still projected with the mitigation implemented: %q", b.text("[data-testid=residual]"))
	}
	b.riskFollow("p.crumbs", "Risk register")
	if row := b.riskRow(riskNoDP); strings.Contains(row, "projected") {
		t.Errorf("register row %q still says projected", row)
	}
	if got, low := b.riskCell("residual", 3, 3), b.riskCell("residual", 1, 1); got != residualHigh-1 || low != residualLow+1 {
		t.Errorf("residual cells 3-3 and 1-1 count %d and %d, want %d and %d", got, low, residualHigh-1, residualLow+1)
	}
}
