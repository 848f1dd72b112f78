package web_test

// The assessment flow by keyboard alone (issue 17, item 14): every step below is a key event,
// and each one must reach the expected element with a visible focus ring.

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/piaf-dev/piaf/assessments"
)

// maxTabs bounds how many Tab presses may separate one control from the next: a page that needs
// more is not usable by keyboard.
const maxTabs = 80

// shiftTab stands for Shift+Tab in tabTo.
const shiftTab = "shift+tab"

// focusIs tells whether the focused element matches the selector.
func (b *browser) focusIs(sel string) bool {
	b.t.Helper()
	return evalJS[bool](b, "look at the focus", `document.activeElement !== null && document.activeElement.matches(`+jsString(cssFor(sel))+`)`)
}

// focusRing describes the outline of the focused element; "" when it shows none.
func (b *browser) focusRing() string {
	b.t.Helper()
	return evalJS[string](b, "read the focus ring", `(() => { const s = getComputedStyle(document.activeElement);
		return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 ? s.outlineStyle + " " + s.outlineWidth + " " + s.outlineColor : "" })()`)
}

// tabTo presses key (kb.Tab or shiftTab) until the focus is on the element matching sel, and checks
// that the element shows a focus ring.
func (b *browser) tabTo(key, sel string) {
	b.t.Helper()
	for range maxTabs {
		if key == kb.Tab {
			b.key(kb.Tab)
		} else {
			b.do("press Shift+Tab", chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
		}
		if b.focusIs(sel) {
			if ring := b.focusRing(); ring == "" {
				b.t.Errorf("%s on %s has the focus but shows no focus ring", sel, b.path())
			}
			return
		}
	}
	b.t.Fatalf("%d presses of %q on %s did not reach %s; the focus is on %s", maxTabs, key, b.path(), sel, b.focused())
}

// enter presses Enter on the focused element and waits for the page it loads.
func (b *browser) enter() {
	b.t.Helper()
	b.submitWithEnter()
}

func TestBrowserAssessmentByKeyboard(t *testing.T) {
	a := newApp(t)
	owner := a.user("owen@example.org", false)
	alice := a.user("alice@example.org", false)
	p := a.project(owner, "Support bot")
	a.member(p, alice, assessments.RoleAssessor)
	b := newPatientBrowser(t, a)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", a.log.String())
		}
	})

	// Sign in: the skip link comes first, then the form.
	b.visit("/login")
	b.tabTo(kb.Tab, "a.skip")
	b.tabTo(kb.Tab, "#email")
	b.key(alice.Email)
	b.tabTo(kb.Tab, "#password")
	b.key(testPassword)
	b.enter()
	if !b.exists("current-user") {
		t.Fatalf("not signed in by keyboard; %s says: %s", b.path(), b.text("#main"))
	}

	// The dashboard links the project; its page starts an assessment.
	b.tabTo(kb.Tab, `[data-testid=recent-projects] a`)
	b.enter()
	if want := fmt.Sprintf("/projects/%d", p.ID); b.path() != want {
		t.Fatalf("Enter on the project link opened %s, want %s", b.path(), want)
	}
	b.tabTo(kb.Tab, "start-assessment")
	b.enter()
	m := assessmentPathRE.FindStringSubmatch(b.path())
	if m == nil {
		t.Fatalf("starting by keyboard led to %s; page says: %s", b.path(), b.text("#main"))
	}
	assessment := m[0]

	// The overview's Continue opens the first section.
	b.tabTo(kb.Tab, "continue")
	b.enter()
	if want := assessment + "/sections/purpose"; b.path() != want {
		t.Fatalf("Continue opened %s, want %s", b.path(), want)
	}

	// Answer a text question and a choice with the arrows, going back once with Shift+Tab.
	b.tabTo(kb.Tab, "#f-purpose_description")
	b.key(purposeText)
	b.tabTo(kb.Tab, `input[name="q.legal_basis"]`)
	b.tabTo(shiftTab, "#f-purpose_description")
	b.tabTo(kb.Tab, `input[name="q.legal_basis"]`)
	b.key(" ")
	if !b.checked(option("legal_basis", "consent")) {
		t.Fatal("Space did not choose the first legal basis")
	}
	b.key(kb.ArrowDown)
	if !b.checked(option("legal_basis", "contract")) || !b.focusIs(option("legal_basis", "contract")) {
		t.Fatalf("the down arrow did not move to the next legal basis; the focus is on %s", b.focused())
	}

	// Save keeps the section; Save and continue reaches the next one.
	b.tabTo(kb.Tab, "save")
	b.enter()
	if want := assessment + "/sections/purpose"; b.path() != want {
		t.Fatalf("Save led to %s, want %s", b.path(), want)
	}
	if got := b.value("#f-purpose_description"); got != purposeText {
		t.Errorf("the saved purpose reads %q", got)
	}
	if !b.checked(option("legal_basis", "contract")) {
		t.Error("the legal basis chosen with the arrows was not saved")
	}
	b.tabTo(kb.Tab, "save-next")
	b.enter()
	if want := assessment + "/sections/data_inventory"; b.path() != want {
		t.Fatalf("Save and continue led to %s, want %s", b.path(), want)
	}
}
