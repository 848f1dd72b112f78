package web_test

// Browser tests of the assessment pages: filling sections with the autosave script and without
// JavaScript, a save that meets someone else's change, and the read-only view of a reviewer.

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/piaf-dev/piaf/assessments"
)

// epsilonWeak is the title of the rule that fires on an ε above 10, and which the epsilon
// question carries as a badge.
const epsilonWeak = "Privacy budget ε above 10"

// disableJavaScript turns the page's scripts off for the rest of the test, as for someone who
// browses without JavaScript. The harness's own queries still run: they come through DevTools.
func (b *browser) disableJavaScript() {
	b.t.Helper()
	b.do("disable JavaScript", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// scriptsRan tells whether app.js ran on the page: it declares autosave globally. (Should app.js
// stop doing so, the check only becomes weaker: it cannot fail a page without scripts.)
func (b *browser) scriptsRan() bool {
	b.t.Helper()
	return evalJS[bool](b, "look for app.js", `typeof autosave === "function"`)
}

// waitUntil waits, within the step deadline, for a JavaScript expression about the page to be
// true; a failure says what the save status line said.
func (b *browser) waitUntil(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout-time.Second)))
	b.reportProblems()
	if err != nil {
		status := "(none)"
		if b.exists("[data-save-status]") {
			status = strconv.Quote(b.text("[data-save-status]"))
		}
		b.t.Fatalf("wait until %s: %v; the save status says %s", what, err, status)
	}
}

// shown tells whether the element is on the page and rendered (not hidden).
func (b *browser) shown(sel string) bool {
	b.t.Helper()
	return evalJS[bool](b, "see whether "+sel+" shows", shownJS(sel))
}

func shownJS(sel string) string {
	return `(el => el !== null && el.checkVisibility())(document.querySelector(` + jsString(cssFor(sel)) + `))`
}

// markPage tags the document, so that pageStayed can tell the page was not reloaded since.
func (b *browser) markPage() {
	b.t.Helper()
	evalJS[bool](b, "mark the page", `window.piafTestMark = true`)
}

func (b *browser) pageStayed() bool {
	b.t.Helper()
	return evalJS[bool](b, "look for the page mark", `window.piafTestMark === true`)
}

// tick scrolls an option to the middle of the window, where a user looking at it would have it,
// and ticks it. Near the bottom of the window the sticky Save bar covers the form, and a click
// there would press Save.
func (b *browser) tick(sel string) {
	b.t.Helper()
	b.mustFind(sel)
	evalJS[bool](b, "scroll to "+sel, `(el => { el.scrollIntoView({block: "center"}); return true })(document.querySelector(`+jsString(cssFor(sel))+`))`)
	b.check(sel)
}

// option is the selector of a radio button or checkbox of a question.
func option(key, value string) string {
	return fmt.Sprintf(`input[name="q.%s"][value="%s"]`, key, value)
}

// percent reads the overall progress the page shows, e.g. "12%".
func (b *browser) percent() int {
	b.t.Helper()
	text := b.text("progress-percent")
	n, err := strconv.Atoi(strings.TrimSuffix(text, "%"))
	if err != nil {
		b.t.Fatalf("progress %q is not a percentage", text)
	}
	return n
}

var answeredRE = regexp.MustCompile(`(\d+) of (\d+) answered`)

// answered reads how many questions the page says are answered.
func (b *browser) answered() int {
	b.t.Helper()
	text := b.text("[data-progress-text]")
	m := answeredRE.FindStringSubmatch(text)
	if m == nil {
		b.t.Fatalf("progress %q does not say how many questions are answered", text)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// reload reloads the page, as the browser's reload button does.
func (b *browser) reload() {
	b.t.Helper()
	b.do("reload", chromedp.Reload())
}

// storedAnswers waits until the assessment holds these answers, each compared as fmt.Sprint
// writes it ("" for no answer), and returns its revision. Autosave writes in the background, so
// the test asks the database rather than guessing how long a save takes.
func storedAnswers(t *testing.T, a *app, id int64, want map[string]string) int {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		as, err := a.store.Assessment(t.Context(), id)
		if err != nil {
			t.Fatalf("load assessment %d: %v", id, err)
		}
		var wrong []string
		for k, w := range want {
			got := ""
			if v, ok := as.Answers()[k]; ok {
				got = fmt.Sprint(v)
			}
			if got != w {
				wrong = append(wrong, fmt.Sprintf("%s=%q (want %q)", k, got, w))
			}
		}
		if len(wrong) == 0 {
			return as.Revision
		}
		if time.Now().After(deadline) {
			slices.Sort(wrong)
			t.Fatalf("revision %d of the assessment does not hold the answers: %s", as.Revision, strings.Join(wrong, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitAutosaved waits for the autosave script to have saved these answers and to say so.
func (b *browser) waitAutosaved(a *app, id int64, want map[string]string) {
	b.t.Helper()
	rev := storedAnswers(b.t, a, id, want)
	b.waitUntil(fmt.Sprintf("the page says it saved revision %d", rev),
		`document.querySelector("[data-revision]").value === "`+strconv.Itoa(rev)+`" && `+
			`document.querySelector("[data-save-status]").textContent.startsWith("Saved at")`)
}

var assessmentPathRE = regexp.MustCompile(`^/assessments/(\d+)$`)

// startFromProjectPage starts an assessment with the project page's button and returns its id.
func (b *browser) startFromProjectPage() int64 {
	b.t.Helper()
	b.click(`[data-testid=recent-projects] a`)
	if b.exists("assessment-list") {
		b.t.Fatalf("the project has assessments already: %q", b.texts("assessment-row"))
	}
	if s := b.text("start-assessment"); s != "Start assessment" {
		b.t.Errorf("the start button says %q", s)
	}
	b.click("start-assessment")
	m := assessmentPathRE.FindStringSubmatch(b.path())
	if m == nil {
		b.t.Fatalf("after starting the browser is on %s; page says: %s", b.path(), b.text("#main"))
	}
	if f := b.text("flash"); f != "Assessment cycle 1 started." {
		b.t.Errorf("flash after starting: %q", f)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// assessmentTeam is a project owned by Owen with Alice as its assessor.
func assessmentTeam(t *testing.T) (*app, *assessments.User, *assessments.Project) {
	t.Helper()
	a := newApp(t)
	owner := a.user("owen@example.org", false)
	alice := a.user("alice@example.org", false)
	p := a.project(owner, "Support bot")
	a.member(p, alice, assessments.RoleAssessor)
	return a, alice, p
}

const (
	purposeText   = "Draft first replies to billing tickets.\nAn agent reviews every draft before it is sent."
	necessityText = "Masked data lost 0.4 points of accuracy in an ablation; we train on masked data only."
)

func TestBrowserAssessmentWithJavaScript(t *testing.T) {
	a, alice, _ := assessmentTeam(t)
	b := newBrowser(t, a)

	b.signIn(alice.Email, testPassword)
	id := b.startFromProjectPage()
	if p := b.percent(); p != 0 {
		t.Errorf("a new assessment shows %d%% progress", p)
	}
	if !b.exists("no-risks") || !b.exists("left-list") {
		t.Error("a new assessment's overview shows no empty risk list or no list of what is left")
	}
	b.snapshot("overview-new")

	// The first section, filled in without pressing Save.
	b.click("continue")
	if want := fmt.Sprintf("/assessments/%d/sections/purpose", id); b.path() != want {
		t.Fatalf("Continue opened %s, want %s", b.path(), want)
	}
	if h := b.text("section-title"); h != "Project and purpose" {
		t.Errorf("first section %q", h)
	}
	startPercent, startLeft := b.percent(), b.text("required-left")
	if m := b.text("mark-purpose"); m != "6 left" {
		t.Errorf("the purpose section's mark says %q, want 6 left", m)
	}
	if b.shown("question-lia_completed") {
		t.Error("the legitimate-interest question shows before legitimate interests is chosen")
	}
	b.markPage()
	b.fill("#f-purpose_description", purposeText)
	b.fill("#f-necessity_justification", necessityText)
	b.tick(option("legal_basis", "legitimate_interest"))
	b.waitUntil("the legitimate-interest question shows", shownJS("question-lia_completed"))
	b.tick(option("lia_completed", "partial"))
	b.tick(option("deployment_context", "internal_tool"))
	b.tick(option("affected_groups", "customers"))
	b.tick(option("affected_groups", "third_parties_mentioned"))
	b.tick(option("dpo_consulted", "yes"))
	purposeAnswers := map[string]string{
		"purpose_description": purposeText, "necessity_justification": necessityText,
		"legal_basis": "legitimate_interest", "lia_completed": "partial", "deployment_context": "internal_tool",
		"affected_groups": "[customers third_parties_mentioned]", "dpo_consulted": "yes",
	}
	b.waitAutosaved(a, id, purposeAnswers)
	if !b.pageStayed() {
		t.Fatal("the page reloaded; autosave should save in the background")
	}
	if p := b.percent(); p <= startPercent {
		t.Errorf("progress %d%% after answering the first section, was %d%%", p, startPercent)
	}
	if l := b.text("required-left"); l == startLeft {
		t.Errorf("still %s required questions left after answering the first section", l)
	}
	if !evalJS[bool](b, "read the purpose mark", `document.querySelector("[data-testid=mark-purpose]").classList.contains("done")`) ||
		!strings.Contains(b.text("mark-purpose"), "complete") {
		t.Errorf("the purpose section's mark says %q after answering every required question", b.text("mark-purpose"))
	}
	if b.exists("[data-testid^=missing-]") {
		t.Errorf("answered questions still marked: %q", b.texts("[data-testid^=missing-]"))
	}
	b.snapshot("purpose-autosaved")

	// Differential privacy: saying DP is used shows the detail questions without a reload, and a
	// weak ε raises a risk on the epsilon question.
	b.click(`.section-nav a[href$="/sections/differential_privacy"]`)
	if h := b.text("section-title"); h != "Differential privacy" {
		t.Fatalf("section %q, want Differential privacy", h)
	}
	if b.shown("question-epsilon") {
		t.Fatal("epsilon shows before DP is said to be used")
	}
	b.markPage()
	b.tick(option("uses_dp", "yes"))
	b.waitUntil("the epsilon question shows", shownJS("question-epsilon"))
	if b.shown("question-no_dp_justification") {
		t.Error("the question why DP is not used shows after answering that it is")
	}
	b.fill("#f-epsilon", "12")
	b.waitAutosaved(a, id, map[string]string{"uses_dp": "yes", "epsilon": "12"})
	b.waitUntil("the epsilon question shows the risk it raises", `document.querySelector("[data-testid=raises-epsilon]") !== null`)
	if r := b.text("raises-epsilon"); r != "Raises: "+epsilonWeak {
		t.Errorf("epsilon's risk badge says %q", r)
	}
	if !b.pageStayed() {
		t.Fatal("the page reloaded; autosave should save in the background")
	}
	b.snapshot("dp-autosaved")

	// δ above 1 is refused beside the field, without a reload, and saved once corrected.
	rev := storedAnswers(t, a, id, map[string]string{"epsilon": "12"})
	b.fill("#f-delta", "2")
	b.waitUntil("the δ error shows", shownJS("error-delta"))
	if e := b.text("error-delta"); e != "Must be a number between 0 and 1." {
		t.Errorf("δ error %q", e)
	}
	if s := b.text("[data-save-status]"); !strings.HasPrefix(s, "Not saved") {
		t.Errorf("the save status says %q after a refused answer", s)
	}
	if !evalJS[bool](b, "read the δ question's class", `document.querySelector("[data-testid=question-delta]").classList.contains("invalid")`) {
		t.Error("the δ question is not marked invalid")
	}
	if as, _ := a.store.Assessment(t.Context(), id); as.Revision != rev {
		t.Errorf("the refused answer was saved as revision %d", as.Revision)
	}
	b.fill("#f-delta", "0.00001")
	b.waitAutosaved(a, id, map[string]string{"epsilon": "12", "delta": "1e-05"})
	if b.shown("error-delta") {
		t.Errorf("the δ error still shows after correcting it: %q", b.text("error-delta"))
	}
	if !b.pageStayed() {
		t.Fatal("the page reloaded; autosave should save in the background")
	}
	savedPercent, savedLeft := b.percent(), b.text("required-left")

	// Everything is still there after a reload.
	b.reload()
	if b.pageStayed() {
		t.Fatal("the page did not reload")
	}
	if !b.checked(option("uses_dp", "yes")) {
		t.Error("uses DP = yes is not ticked after the reload")
	}
	if !b.shown("question-epsilon") {
		t.Error("epsilon is hidden after the reload")
	}
	if v := b.value("#f-epsilon"); v != "12" {
		t.Errorf("epsilon after the reload %q, want 12", v)
	}
	if v := b.value("#f-delta"); v != "0.00001" {
		t.Errorf("δ after the reload %q, want 0.00001", v)
	}
	if !b.exists("raises-epsilon") {
		t.Error("no risk badge on epsilon after the reload")
	}
	if p, l := b.percent(), b.text("required-left"); p != savedPercent || l != savedLeft {
		t.Errorf("after the reload progress %d%% with %s required left, before %d%% with %s", p, l, savedPercent, savedLeft)
	}
	b.click(`.section-nav a[href$="/sections/purpose"]`)
	if v := b.value("#f-purpose_description"); v != purposeText {
		t.Errorf("purpose after the reload %q", v)
	}
	if v := b.value("#f-necessity_justification"); v != necessityText {
		t.Errorf("necessity after the reload %q", v)
	}
	for _, o := range [][2]string{
		{"legal_basis", "legitimate_interest"}, {"lia_completed", "partial"}, {"deployment_context", "internal_tool"},
		{"affected_groups", "customers"}, {"affected_groups", "third_parties_mentioned"}, {"dpo_consulted", "yes"},
	} {
		if !b.checked(option(o[0], o[1])) {
			t.Errorf("%s = %s is not ticked after the reload", o[0], o[1])
		}
	}
	if b.checked(option("affected_groups", "employees")) {
		t.Error("an option never ticked is ticked")
	}

	// The overview lists the risk, with the answer that raised it.
	b.click(`.tabs a[href="/assessments/` + strconv.FormatInt(id, 10) + `"]`)
	if p := b.percent(); p != savedPercent {
		t.Errorf("the overview shows %d%%, the section showed %d%%", p, savedPercent)
	}
	risks := strings.Join(b.texts("risk"), "\n")
	if !strings.Contains(risks, epsilonWeak) {
		t.Errorf("the overview's risks lack %q:\n%s", epsilonWeak, risks)
	}
	if b.exists("no-risks") {
		t.Error("the overview says no risk fires")
	}
	if !evalJS[bool](b, "find the answer behind the risk", `Array.from(document.querySelectorAll("[data-testid=risk]")).some(li =>
		li.querySelector("strong").textContent === `+jsString(epsilonWeak)+` && li.querySelector("details li").textContent.includes("12"))`) {
		t.Error("the epsilon risk does not name the answer 12 that raised it")
	}
	b.snapshot("overview-with-risks")

	// The project page sums the assessment up.
	b.click(`.crumbs a[href^="/projects/"]`)
	row := b.text("assessment-row")
	for _, want := range []string{"Cycle 1", fmt.Sprintf("%d%%", savedPercent)} {
		if !strings.Contains(row, want) {
			t.Errorf("the project's assessment row %q lacks %q", row, want)
		}
	}
}

func TestBrowserAssessmentWithoutJavaScript(t *testing.T) {
	a, alice, _ := assessmentTeam(t)
	b := newBrowser(t, a)
	b.disableJavaScript()

	b.signIn(alice.Email, testPassword)
	id := b.startFromProjectPage()
	if b.scriptsRan() {
		t.Fatal("app.js ran although JavaScript is off")
	}
	b.snapshot("overview-new")
	b.click("continue")
	startPercent := b.percent()

	// Choosing legitimate interests shows its follow-up question only after saving.
	b.fill("#f-purpose_description", purposeText)
	b.tick(option("legal_basis", "legitimate_interest"))
	if b.shown("question-lia_completed") {
		t.Error("the legitimate-interest question shows before saving, without JavaScript")
	}
	b.press("Save")
	if want := fmt.Sprintf("/assessments/%d/sections/purpose", id); b.path() != want {
		t.Fatalf("Save led to %s, want %s", b.path(), want)
	}
	if f := b.text("flash"); f != "Saved." {
		t.Errorf("flash after saving %q", f)
	}
	if !b.shown("question-lia_completed") {
		t.Error("the legitimate-interest question is hidden after saving legitimate interests")
	}
	if v := b.value("#f-purpose_description"); v != purposeText {
		t.Errorf("purpose after saving %q", v)
	}
	if !b.checked(option("legal_basis", "legitimate_interest")) {
		t.Error("legal basis not ticked after saving")
	}
	if p := b.percent(); p <= startPercent {
		t.Errorf("progress %d%% after saving two answers, was %d%%", p, startPercent)
	}
	if m := b.text("mark-purpose"); m != "5 left" {
		t.Errorf("the purpose mark says %q, want 5 left", m)
	}
	b.snapshot("purpose-saved")

	b.fill("#f-necessity_justification", necessityText)
	b.tick(option("lia_completed", "yes"))
	b.tick(option("deployment_context", "customer_facing_app"))
	b.tick(option("affected_groups", "customers"))
	b.tick(option("dpo_consulted", "partial"))
	b.press("Save and continue")
	if want := fmt.Sprintf("/assessments/%d/sections/data_inventory", id); b.path() != want {
		t.Fatalf("Save and continue led to %s, want %s", b.path(), want)
	}
	if !strings.Contains(b.text("mark-purpose"), "complete") {
		t.Errorf("the purpose mark says %q after answering it all", b.text("mark-purpose"))
	}
	storedAnswers(t, a, id, map[string]string{
		"purpose_description": purposeText, "necessity_justification": necessityText, "legal_basis": "legitimate_interest",
		"lia_completed": "yes", "deployment_context": "customer_facing_app", "affected_groups": "[customers]", "dpo_consulted": "partial",
	})

	// Differential privacy: the epsilon question shows after saving that DP is used.
	b.click(`.section-nav a[href$="/sections/differential_privacy"]`)
	if b.shown("question-epsilon") {
		t.Fatal("epsilon shows before DP is said to be used")
	}
	before := b.answered()
	b.tick(option("uses_dp", "yes"))
	if b.shown("question-epsilon") {
		t.Error("epsilon shows before saving, without JavaScript")
	}
	b.press("Save")
	if !b.shown("question-epsilon") {
		t.Fatal("epsilon is hidden after saving that DP is used")
	}
	if !b.checked(option("uses_dp", "yes")) {
		t.Error("uses DP = yes not ticked after saving")
	}
	if n := b.answered(); n != before+1 {
		t.Errorf("%d questions answered after answering uses DP, %d before", n, before)
	}
	b.snapshot("dp-saved")

	// δ must lie between 0 and 1: an answer outside is refused beside the field, nothing is
	// saved, and everything typed stays.
	rev := storedAnswers(t, a, id, map[string]string{"uses_dp": "yes"})
	b.tick(option("dp_method", "dp_sgd_adapters"))
	b.fill("#f-epsilon", "12")
	b.fill("#f-delta", "2")
	b.fill("#f-noise_multiplier", "0.9")
	b.press("Save")
	if !b.exists("form-errors") {
		t.Fatalf("no error summary for δ = 2; page says: %s", b.text("#main"))
	}
	if e := b.text("error-delta"); e != "Must be a number between 0 and 1." {
		t.Errorf("δ error %q", e)
	}
	if !evalJS[bool](b, "find the δ error's question", `document.querySelector("[data-testid=question-delta]").contains(document.querySelector("[data-testid=error-delta]"))`) {
		t.Error("the δ error is not beside the δ field")
	}
	if errs := b.texts(".field-error:not([hidden])"); len(errs) != 1 {
		t.Errorf("errors shown %q, want only δ's", errs)
	}
	for sel, want := range map[string]string{"#f-epsilon": "12", "#f-delta": "2", "#f-noise_multiplier": "0.9"} {
		if v := b.value(sel); v != want {
			t.Errorf("after the refused save %s = %q, want %q", sel, v, want)
		}
	}
	if !b.checked(option("dp_method", "dp_sgd_adapters")) || !b.checked(option("uses_dp", "yes")) {
		t.Error("ticked answers lost after the refused save")
	}
	if as, _ := a.store.Assessment(t.Context(), id); as.Revision != rev {
		t.Errorf("the refused save wrote revision %d", as.Revision)
	}
	b.snapshot("dp-error")

	b.fill("#f-delta", "0.00001")
	b.press("Save and continue")
	if want := fmt.Sprintf("/assessments/%d/sections/access_storage", id); b.path() != want {
		t.Fatalf("Save and continue led to %s, want %s; page says: %s", b.path(), want, b.text("#main"))
	}
	storedAnswers(t, a, id, map[string]string{"uses_dp": "yes", "dp_method": "dp_sgd_adapters", "epsilon": "12", "delta": "1e-05", "noise_multiplier": "0.9"})
	saved := b.percent()

	// Back on the section, and after a reload, the answers are there and ε raises its risk.
	b.click(`.section-nav a[href$="/sections/differential_privacy"]`)
	for range 2 {
		for sel, want := range map[string]string{"#f-epsilon": "12", "#f-delta": "0.00001", "#f-noise_multiplier": "0.9"} {
			if v := b.value(sel); v != want {
				t.Errorf("%s = %q, want %q", sel, v, want)
			}
		}
		if !b.checked(option("dp_method", "dp_sgd_adapters")) || !b.checked(option("uses_dp", "yes")) {
			t.Error("saved choices not ticked")
		}
		if r := b.text("raises-epsilon"); r != "Raises: "+epsilonWeak {
			t.Errorf("epsilon's risk badge says %q", r)
		}
		if p := b.percent(); p != saved {
			t.Errorf("progress %d%%, %d%% when saved", p, saved)
		}
		b.reload()
	}

	b.click(`.tabs a[href="/assessments/` + strconv.FormatInt(id, 10) + `"]`)
	if risks := strings.Join(b.texts("risk"), "\n"); !strings.Contains(risks, epsilonWeak) {
		t.Errorf("the overview's risks lack %q:\n%s", epsilonWeak, risks)
	}
	b.snapshot("overview-with-risks")
}

func TestBrowserAssessmentConflict(t *testing.T) {
	a, alice, p := assessmentTeam(t)
	bob := a.user("bob@example.org", false)
	a.member(p, bob, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(alice), p)
	b := newBrowser(t, a)

	// Alice opens the purpose section at revision 1; Bob then saves the same answer through the API.
	b.signIn(alice.Email, testPassword)
	b.visit(fmt.Sprintf("/assessments/%d/sections/purpose", id))
	if r := b.value("[data-revision]"); r != "1" {
		t.Fatalf("the form saves against revision %s, want 1", r)
	}
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), a.token(bob),
		`{"answers":{"purpose_description":"Bob's text"}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("bob's change: %d %s", r.status, r.body)
	}

	// Alice types; the autosave finds Bob's revision and stops, saving nothing.
	const alicesText = "Alice's own words about the purpose."
	b.fill("#f-purpose_description", alicesText)
	b.waitUntil("the autosave reports the other save", `document.querySelector("[data-save-status]").textContent.startsWith("Someone else saved")`)
	storedAnswers(t, a, id, map[string]string{"purpose_description": "Bob's text"})

	// Save shows what Bob changed and keeps Alice's text in the field.
	b.press("Save")
	if !b.exists("conflict") {
		t.Fatalf("no conflict notice; page says: %s", b.text("#main"))
	}
	notice := b.text("conflict")
	for _, want := range []string{"Someone else saved", "What is the model fine-tuned to do", "Bob's text", bob.Email} {
		if !strings.Contains(notice, want) {
			t.Errorf("the conflict notice lacks %q: %s", want, notice)
		}
	}
	if v := b.value("#f-purpose_description"); v != alicesText {
		t.Errorf("after the conflict the field holds %q, want Alice's text", v)
	}
	if r := b.value("[data-revision]"); r != "2" {
		t.Errorf("the conflict page saves against revision %s, want 2", r)
	}
	b.snapshot("conflict")

	// Saving again keeps Alice's answer, knowingly on top of Bob's.
	b.press("Save")
	if b.exists("conflict") || b.exists("form-errors") {
		t.Fatalf("the second save failed; page says: %s", b.text("#main"))
	}
	if f := b.text("flash"); f != "Saved." {
		t.Errorf("flash after the second save %q", f)
	}
	if v := b.value("#f-purpose_description"); v != alicesText {
		t.Errorf("after saving the field holds %q", v)
	}
	storedAnswers(t, a, id, map[string]string{"purpose_description": alicesText})
}

func TestBrowserAssessmentReviewerReadsOnly(t *testing.T) {
	a, alice, p := assessmentTeam(t)
	rita := a.user("rita@example.org", false)
	a.member(p, rita, assessments.RoleReviewer)
	id := startAssessment(t, a, a.token(alice), p)
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), a.token(alice),
		`{"answers":{"purpose_description":"Draft replies to tickets.","legal_basis":"contract"}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("alice's answers: %d %s", r.status, r.body)
	}
	b := newBrowser(t, a)

	b.signIn(rita.Email, testPassword)
	b.click(`[data-testid=recent-projects] a`)
	if b.exists("start-assessment") {
		t.Error("a reviewer can start an assessment")
	}
	b.click(`[data-testid=assessment-row] a`)
	if b.exists("continue") {
		t.Error("a reviewer sees Continue on the overview")
	}
	b.click(`.section-nav a[href$="/sections/purpose"]`)
	if !b.exists("read-only") {
		t.Fatalf("no read-only notice; page says: %s", b.text("#main"))
	}
	if n := b.text("read-only"); !strings.Contains(n, "your role does not allow editing") {
		t.Errorf("read-only notice %q", n)
	}
	for _, control := range []string{"section-form", "save", "save-next", "textarea[name^='q.']", "input[name^='q.']"} {
		if b.exists(control) {
			t.Errorf("a reviewer sees %s", control)
		}
	}
	// Reviewers do not answer, but they comment on questions.
	if !b.exists("add-comment-purpose_description") {
		t.Error("a reviewer cannot comment on a question")
	}
	answers := b.text("dl.answers")
	for _, want := range []string{"Draft replies to tickets.", "Performance of a contract (Art. 6(1)(b))"} {
		if !strings.Contains(answers, want) {
			t.Errorf("the read-only answers lack %q: %s", want, answers)
		}
	}
	if strings.Contains(answers, "Has a Legitimate Interest Assessment") {
		t.Error("the read-only view lists a question hidden by the answers")
	}
	b.snapshot("reviewer-section")
}

// Regressions of bugs found by these tests.

// TestBrowserAssessmentConflictKeepsOthersAnswers: saving again after a conflict must not clear
// what the other person answered in questions of the section the user never touched.
func TestBrowserAssessmentConflictKeepsOthersAnswers(t *testing.T) {
	a, alice, p := assessmentTeam(t)
	bob := a.user("bob@example.org", false)
	a.member(p, bob, assessments.RoleAssessor)
	id := startAssessment(t, a, a.token(alice), p)
	b := newBrowser(t, a)
	b.disableJavaScript()

	b.signIn(alice.Email, testPassword)
	b.visit(fmt.Sprintf("/assessments/%d/sections/purpose", id))
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), a.token(bob),
		`{"answers":{"legal_basis":"consent","dpo_consulted":"yes"}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("bob's change: %d %s", r.status, r.body)
	}
	b.fill("#f-purpose_description", "Alice's words.")
	b.press("Save")
	// Alice and Bob changed different questions: the save merges both, with no conflict to resolve.
	if b.exists("conflict") {
		t.Fatalf("a conflict on questions only one of them changed; page says: %s", b.text("#main"))
	}
	if !b.checked(option("legal_basis", "consent")) || !b.checked(option("dpo_consulted", "yes")) {
		t.Error("the saved page does not show Bob's answers to questions Alice left alone")
	}
	storedAnswers(t, a, id, map[string]string{"purpose_description": "Alice's words.", "legal_basis": "consent", "dpo_consulted": "yes"})
}

// TestBrowserAssessmentUnreadableNumber: a number the browser cannot read (here "3e", half of
// "3e-5") reaches the server as "", which clears the saved answer and reports "Saved".
func TestBrowserAssessmentUnreadableNumber(t *testing.T) {
	a, alice, p := assessmentTeam(t)
	id := startAssessment(t, a, a.token(alice), p)
	if r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), a.token(alice),
		`{"answers":{"uses_dp":"yes","epsilon":3}}`, "If-Match", "1"); r.status != 200 {
		t.Fatalf("answers: %d %s", r.status, r.body)
	}
	b := newBrowser(t, a)
	b.disableJavaScript()

	b.signIn(alice.Email, testPassword)
	b.visit(fmt.Sprintf("/assessments/%d/sections/differential_privacy", id))
	b.fill("#f-epsilon", "3e")
	b.press("Save")
	if !b.shown("error-epsilon") {
		t.Error("no error for an ε of 3e")
	}
	if v := b.value("#f-epsilon"); v != "3e" {
		t.Errorf("the field holds %q, want what was typed", v)
	}
	storedAnswers(t, a, id, map[string]string{"epsilon": "3"})
}
