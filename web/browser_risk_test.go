package web_test

// Browser tests of the risk register: answers raise a finding, the register and its heatmaps
// show it, and the finding page's forms mitigate or accept it.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/piaf-dev/piaf/assessments"
)

// riskNoDP is the title of the finding the rule no-dp-personal-data raises (noDP is its id).
const riskNoDP = "Personal data trained without differential privacy"

// riskPick clicks the option with this label of a choice question, as a user clicks the words
// beside a radio button, and waits until the autosave script has stored the answer: a Save
// pressed while the autosave is still on its way would post the older revision.
func (b *browser) riskPick(question, label string) {
	b.t.Helper()
	xpath := fmt.Sprintf(`//*[@data-testid="question-%s"]//label[normalize-space(.)=%s]`, question, xpathString(label))
	input := `document.evaluate(` + jsString(xpath+"//input") + `, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue`
	if !evalJS[bool](b, "look for "+label+" in "+question, input+` !== null`) {
		b.t.Fatalf("question %s has no option %q on %s", question, label, b.path())
	}
	before := b.value("[data-revision]")
	b.do("pick "+label+" for "+question, chromedp.Click(xpath, chromedp.NodeVisible))
	if !evalJS[bool](b, "read the choice of "+question, input+`.checked`) {
		b.t.Fatalf("%q of %s is not chosen after clicking it", label, question)
	}
	b.riskWaitFor("the autosave of "+question, `document.querySelector("[data-revision]").value !== `+jsString(before)+
		` && document.querySelector("[data-save-status]").textContent.startsWith("Saved at")`)
}

// riskWaitFor waits until the JavaScript expression is true, failing after the step timeout.
func (b *browser) riskWaitFor(what, expr string) {
	b.t.Helper()
	runStep(b, "wait for "+what, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(25*time.Millisecond),
		chromedp.WithPollingTimeout(stepTimeout-time.Second)))
}

// riskFollow clicks the link with this text inside an element the selector names and waits for
// the page it opens. The text may be followed by more, such as a section's "3 left".
func (b *browser) riskFollow(within, text string) {
	b.t.Helper()
	href := evalJS[*string](b, "look for the link "+text, `(() => { const want = `+jsString(text)+`; `+
		`const a = Array.from(document.querySelectorAll(`+jsString(cssFor(within)+" a")+`)).find(a => { `+
		`const t = a.innerText.replace(/\s+/g, " ").trim(); return t === want || t.startsWith(want + " ") }); `+
		`return a ? a.getAttribute("href") : null })()`)
	if href == nil {
		b.t.Fatalf("no link %q in %s on %s", text, within, b.path())
	}
	b.do("follow the link "+text, untilLoaded(chromedp.Click(chromedp.CSS(cssFor(within)+" a[href="+jsString(*href)+"]"), chromedp.NodeVisible)))
}

// riskCell is how many findings a heatmap ("inherent" or "residual") counts at likelihood l and
// severity s, read from the cell's data-count. An empty cell carries no count and is 0. The
// count must agree with the table screen readers get.
func (b *browser) riskCell(heatmap string, l, s int) int {
	b.t.Helper()
	type cell struct{ Drawn, Listed, Empty int }
	got := evalJS[*cell](b, fmt.Sprintf("read cell %d-%d of the %s heatmap", l, s, heatmap), fmt.Sprintf(`(() => {
		const m = document.querySelector('[data-testid="heatmap-%s"]');
		if (!m) return null;
		const rect = m.querySelector('[data-testid="cell-%d-%d"]');
		const td = m.querySelector('table td[data-likelihood="%d"][data-severity="%d"]');
		const empty = m.querySelectorAll('svg rect.hm-empty[data-likelihood="%d"][data-severity="%d"]').length;
		return {Drawn: rect ? Number(rect.dataset.count) : 0, Listed: td ? Number(td.textContent) : -1, Empty: empty};
	})()`, heatmap, l, s, l, s, l, s))
	if got == nil {
		b.t.Fatalf("no %s heatmap on %s", heatmap, b.path())
	}
	if got.Drawn != got.Listed {
		b.t.Errorf("%s heatmap cell %d-%d: the picture counts %d, the table %d", heatmap, l, s, got.Drawn, got.Listed)
	}
	if (got.Drawn == 0) != (got.Empty == 1) {
		b.t.Errorf("%s heatmap cell %d-%d counts %d but is drawn empty %d times", heatmap, l, s, got.Drawn, got.Empty)
	}
	return got.Drawn
}

// riskSetDate puts a date into a date field. Typing into one depends on the browser's locale,
// so the script sets the value and tells the page, as the date picker does.
func (b *browser) riskSetDate(sel, date string) {
	b.t.Helper()
	b.mustFind(sel)
	b.do("set "+sel+" to "+date, chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(`+jsString(cssFor(sel))+`); `+
		`el.value = `+jsString(date)+`; el.dispatchEvent(new Event("input", {bubbles: true})); el.dispatchEvent(new Event("change", {bubbles: true})) })()`))
	if got := b.value(sel); got != date {
		b.t.Fatalf("%s = %q after setting it to %s", sel, got, date)
	}
}

// riskRow is the register's row of the finding with this title.
func (b *browser) riskRow(title string) string {
	b.t.Helper()
	var rows []string
	for _, r := range b.texts("finding-row") {
		if strings.HasPrefix(r, title) {
			rows = append(rows, r)
		}
	}
	if len(rows) != 1 {
		b.t.Fatalf("%d rows for %q in the register; rows are %q", len(rows), title, b.texts("finding-row"))
	}
	return rows[0]
}

// riskBlocks tells whether the notice of what keeps the assessment from review names the finding.
func (b *browser) riskBlocks(title string) bool {
	b.t.Helper()
	if !b.exists("blockers") {
		return false
	}
	for _, link := range b.texts("[data-testid=blockers] li a") {
		if link == title {
			return true
		}
	}
	return false
}

var riskFindingPath = regexp.MustCompile(`^/assessments/(\d+)/findings/rule:no-dp-personal-data$`)

func TestBrowserRiskRegisterFlow(t *testing.T) {
	a := newApp(t)
	own := a.user("olga@example.org", false)
	arne := a.user("arne@example.org", false)
	p := a.project(own, "Support reply assistant")
	a.member(p, arne, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(own), p)
	assessment := "/assessments/" + strconv.FormatInt(id, 10)
	b := newBrowser(t, a)

	// The assessor finds the assessment from the dashboard and answers two questions badly.
	b.signIn(arne.Email, testPassword)
	b.click(`[data-testid=recent-projects] a`)
	b.click(`[data-testid=assessment-row] a`)
	if path := b.path(); path != assessment {
		t.Fatalf("the assessment row leads to %s, want %s", path, assessment)
	}
	for _, step := range []struct{ section, title, question, answer string }{
		{"data_inventory", "Training data inventory", "personal_data_present", "Yes"},
		{"differential_privacy", "Differential privacy", "uses_dp", "No"},
	} {
		b.riskFollow("nav.section-nav", step.title)
		if h := b.text("section-title"); h != step.title {
			t.Fatalf("the section link %q opens %q", step.title, h)
		}
		b.riskPick(step.question, step.answer)
		b.press("Save")
		if path := b.path(); path != assessment+"/sections/"+step.section {
			t.Errorf("after Save the browser is on %s", path)
		}
		if f := b.text("flash"); f != "Saved." {
			t.Errorf("flash after saving %s: %q", step.section, f)
		}
		value := map[string]string{"Yes": "yes", "No": "no"}[step.answer]
		if !b.checked(fmt.Sprintf(`input[name="q.%s"][value="%s"]`, step.question, value)) {
			t.Errorf("after Save %s is no longer %s", step.question, step.answer)
		}
	}
	if raises := b.texts("raises-uses_dp"); !strings.Contains(strings.Join(raises, "|"), riskNoDP) {
		t.Errorf("the DP question's risk marks %q do not name %q", raises, riskNoDP)
	}
	b.snapshot("section-dp")

	// The register lists the finding, counts it on both heatmaps and says it blocks review.
	b.click("tab-risks")
	if path := b.path(); path != assessment+"/risks" {
		t.Fatalf("the Risk register tab leads to %s", path)
	}
	if row := b.riskRow(riskNoDP); !strings.Contains(row, "Open") || !strings.Contains(row, "Differential privacy") {
		t.Errorf("register row %q, want the DP area and status Open", row)
	}
	inherentHigh, inherentLow := b.riskCell("inherent", 3, 3), b.riskCell("inherent", 1, 2)
	residualHigh, residualLow := b.riskCell("residual", 3, 3), b.riskCell("residual", 1, 2)
	if inherentHigh < 1 || residualHigh < 1 {
		t.Errorf("cell 3-3 counts %d inherent and %d residual findings, want the no-DP finding in both", inherentHigh, residualHigh)
	}
	if residualHigh != inherentHigh || residualLow != inherentLow {
		t.Errorf("with no residual risk set, the residual heatmap (3-3: %d, 1-2: %d) differs from the inherent one (%d, %d)",
			residualHigh, residualLow, inherentHigh, inherentLow)
	}
	totals := b.text("heatmap-total-inherent") + " / " + b.text("heatmap-total-residual")
	if !b.riskBlocks(riskNoDP) {
		t.Errorf("the blockers notice does not name %q; it says: %q", riskNoDP, b.texts("blockers"))
	}
	b.snapshot("register-before")

	// The finding page: link the catalogue mitigation the rule suggests first.
	b.riskFollow("finding-list", riskNoDP)
	if !riskFindingPath.MatchString(b.path()) {
		t.Fatalf("the finding link leads to %s", b.path())
	}
	if h := b.text("finding-title"); h != riskNoDP {
		t.Errorf("finding page heading %q", h)
	}
	if s := b.text("finding-status"); s != "Open" {
		t.Errorf("finding status %q, want Open", s)
	}
	if r := b.text("[data-testid=residual]"); !strings.Contains(r, "not set yet") {
		t.Errorf("residual risk before assessing it: %q", r)
	}
	if b.exists("accept-form") {
		t.Error("an assessor sees the acceptance form")
	}
	link := "[data-testid=link-mitigation-form] "
	if first := b.prop(link+"select[name=catalogue] option:nth-child(2)", "value"); first != "dp-sgd" {
		t.Errorf("the first suggested mitigation is %q, want dp-sgd", first)
	}
	due := time.Now().AddDate(0, 3, 0).Format(time.DateOnly)
	b.choose(link+"select[name=catalogue]", "dp-sgd")
	b.choose(link+"select[name=owner]", strconv.FormatInt(arne.ID, 10))
	b.riskSetDate(link+"input[name=due]", due)
	b.press("Link mitigation")
	if !riskFindingPath.MatchString(b.path()) {
		t.Fatalf("after linking a mitigation the browser is on %s; page says: %s", b.path(), b.text("#main"))
	}
	if f := b.text("flash"); f != "Mitigation linked." {
		t.Errorf("flash after linking: %q", f)
	}
	mitigations := b.texts("mitigation")
	if len(mitigations) != 1 {
		t.Fatalf("linked mitigations %q, want one", mitigations)
	}
	for _, want := range []string{"Train with DP-SGD", "Owner: " + arne.Email, "due " + due} {
		if !strings.Contains(mitigations[0], want) {
			t.Errorf("mitigation %q lacks %q", mitigations[0], want)
		}
	}

	// The residual risk after DP-SGD: rare and limited, and the finding mitigated.
	form := "[data-testid=finding-form] "
	b.choose(form+"select[name=residual_likelihood]", "1")
	b.choose(form+"select[name=residual_severity]", "2")
	b.choose(form+"select[name=status]", "mitigated")
	b.click("save-finding")
	if !riskFindingPath.MatchString(b.path()) {
		t.Fatalf("after saving the finding the browser is on %s; page says: %s", b.path(), b.text("#main"))
	}
	if f := b.text("flash"); f != "Finding saved." {
		t.Errorf("flash after saving the finding: %q; errors: %q", f, b.texts(".field-error"))
	}
	if s := b.text("finding-status"); s != "Mitigated" {
		t.Errorf("finding status %q, want Mitigated", s)
	}
	if r := b.text("[data-testid=residual]"); !strings.HasPrefix(r, "likelihood negligible, severity limited ·") {
		t.Errorf("residual risk %q", r)
	}
	if l := b.text("[data-testid=residual] .badge"); l != "negligible" {
		t.Errorf("residual level %q, want negligible", l)
	}
	for sel, want := range map[string]string{"residual_likelihood": "1", "residual_severity": "2", "status": "mitigated"} {
		if got := b.value(form + "select[name=" + sel + "]"); got != want {
			t.Errorf("after saving, the finding form's %s is %q, want %q", sel, got, want)
		}
	}
	b.snapshot("finding")

	// A lower residual risk counts once a mitigation is in place (issue 11): the assessor records
	// that DP-SGD is implemented.
	b.choose("[data-testid^=edit-mitigation-] select[name=status]", "implemented")
	b.click("[data-testid^=save-mitigation-]")
	if f := b.text("flash"); f != "Mitigation saved." {
		t.Errorf("flash after implementing the mitigation: %q; errors: %q", f, b.texts(".field-error"))
	}

	// Back on the register the finding moved on the residual heatmap only.
	b.riskFollow("p.crumbs", "Risk register")
	if got := b.riskCell("inherent", 3, 3); got != inherentHigh {
		t.Errorf("inherent cell 3-3 counts %d, want %d as before", got, inherentHigh)
	}
	if got := b.riskCell("inherent", 1, 2); got != inherentLow {
		t.Errorf("inherent cell 1-2 counts %d, want %d as before", got, inherentLow)
	}
	if got := b.riskCell("residual", 3, 3); got != residualHigh-1 {
		t.Errorf("residual cell 3-3 counts %d, want %d", got, residualHigh-1)
	}
	if got := b.riskCell("residual", 1, 2); got != residualLow+1 {
		t.Errorf("residual cell 1-2 counts %d, want %d", got, residualLow+1)
	}
	if got := b.text("heatmap-total-inherent") + " / " + b.text("heatmap-total-residual"); got != totals {
		t.Errorf("heatmap totals %q, want %q as before", got, totals)
	}
	if b.riskBlocks(riskNoDP) {
		t.Errorf("the blockers notice still names the mitigated finding: %q", b.texts("blockers"))
	}
	if row := b.riskRow(riskNoDP); !strings.Contains(row, "Mitigated") {
		t.Errorf("register row %q, want status Mitigated", row)
	}
	b.snapshot("register-after")
}

func TestBrowserReviewerAcceptsRisk(t *testing.T) {
	f := newRegisterFixture(t)
	rita := f.users[reviewer]
	b := newBrowser(t, f.app)

	// The reviewer opens the finding from the dashboard's open high risks.
	b.signIn(rita.Email, testPassword)
	b.riskFollow("open-risks", riskNoDP)
	if !riskFindingPath.MatchString(b.path()) {
		t.Fatalf("the dashboard's risk link leads to %s", b.path())
	}
	if b.exists("finding-form") || b.exists("link-mitigation-form") {
		t.Error("a reviewer sees the assessor's forms")
	}
	expires := b.value("#expires")
	if expires == "" {
		t.Fatal("the acceptance form suggests no end date")
	}

	// Too short a justification: the message sits beside the field and what was typed stays.
	b.fill("#justification", "fine")
	b.press("Accept the residual risk")
	if !b.exists("error-justification") {
		t.Fatalf("no error for a short justification; page says: %s", b.text("#main"))
	}
	if msg := b.text("error-justification"); !strings.Contains(msg, "at least 20 characters") {
		t.Errorf("justification error %q", msg)
	}
	if !evalJS[bool](b, "find the justification error's field", `document.querySelector("#justification").closest(".field").contains(document.querySelector("[data-testid=error-justification]"))`) {
		t.Error("the justification error is not beside its field")
	}
	if d := b.prop("#justification", "ariaInvalid"); d != "true" {
		t.Errorf("justification aria-invalid=%q", d)
	}
	if got := b.value("#justification"); got != "fine" {
		t.Errorf("after the failed submit the justification is %q, want what was typed", got)
	}
	if got := b.value("#expires"); got != expires {
		t.Errorf("after the failed submit the end date is %q, want %q", got, expires)
	}
	if b.exists("acceptance") || b.text("finding-status") != "Open" {
		t.Error("a refused acceptance was recorded")
	}
	b.snapshot("accept-error")

	// A real justification.
	why := "Canary tests show no exposure of any one customer; accepted for this cycle."
	b.fill("#justification", why)
	b.press("Accept the residual risk")
	if !riskFindingPath.MatchString(b.path()) {
		t.Fatalf("after accepting the browser is on %s", b.path())
	}
	if f := b.text("flash"); f != "Residual risk accepted until "+expires+"." {
		t.Errorf("flash after accepting: %q", f)
	}
	if s := b.text("finding-status"); s != "Accepted" {
		t.Errorf("finding status %q, want Accepted", s)
	}
	acc := b.text("acceptance")
	for _, want := range []string{"Accepted by " + rita.Email, "until " + expires, why} {
		if !strings.Contains(acc, want) {
			t.Errorf("acceptance %q lacks %q", acc, want)
		}
	}
	if b.exists("accept-form") || !b.exists("withdraw") {
		t.Error("after accepting, the page still offers the acceptance form or no withdrawal")
	}
	b.snapshot("accepted")

	// The register agrees, and the finding no longer blocks review.
	b.riskFollow("p.crumbs", "Risk register")
	if row := b.riskRow(riskNoDP); !strings.Contains(row, "Accepted") {
		t.Errorf("register row %q, want status Accepted", row)
	}
	if b.riskBlocks(riskNoDP) {
		t.Errorf("the blockers notice still names the accepted finding: %q", b.texts("blockers"))
	}
}
