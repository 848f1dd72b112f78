package web_test

// Browser tests drive a real headless Chromium through chromedp against the real server of newApp.
// Each test gets its own browser with a fresh profile. A test fails when a page throws a
// JavaScript error or violates the Content-Security-Policy, and a failed test leaves a screenshot
// and the page's HTML behind.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const (
	// browserTimeout bounds a whole browser test, so a hung browser fails the test instead of
	// hanging the run.
	browserTimeout = 60 * time.Second
	// stepTimeout bounds one step (a navigation, a click, a query), so a missing element fails
	// fast and says which step.
	stepTimeout = 10 * time.Second
)

// chromiumFlags are all the flags the browser gets, besides its profile folder and the pipe
// chromedp talks over. They turn off everything that would reach the network on its own.
var chromiumFlags = []string{
	"headless", "no-sandbox", "disable-gpu", "no-first-run", "disable-background-networking",
	"disable-component-update", "disable-sync", "disable-quic",
}

// browser is one headless Chromium with one tab.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab, bounded by browserTimeout
	tab  context.Context // the tab without the deadline, for the clean-up after a timeout
	base string          // prefixed to visited paths that start with "/"
	step time.Duration   // bounds one step; stepTimeout when zero

	mu       sync.Mutex
	problems []string // JavaScript errors and CSP violations, in order
	reported int      // how many problems already failed the test
}

// chromiumPath finds the browser, or skips (fails on CI) when there is none.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("PIAF_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found; CI must install it: apt-get install -y chromium (looked for %s)", path)
		}
		t.Skip("browser tests need Chromium: apt-get install -y chromium")
	}
	// Debian's /usr/bin/chromium is a shell script that adds flags from /etc/chromium.d (remote
	// extensions, GPU rasterization, Google API keys). Start the binary itself so the browser runs
	// with chromiumFlags and nothing else.
	if b, err := os.ReadFile(path); err == nil && strings.HasPrefix(string(b), "#!") {
		if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
			return "/usr/lib/chromium/chromium"
		}
	}
	return path
}

// newBrowser starts a browser for the test. Paths given to visit are resolved against a.
func newBrowser(t *testing.T, a *app) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
	}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	output := &lockedBuffer{}
	opts = append(opts, chromedp.CombinedOutput(output))

	// The browser lives as long as the test's clean-up needs it (screenshots of a failed test),
	// so its context has no deadline; the tests' steps run under b.ctx, which does.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{t: t, base: a.srv.URL}
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen))
	b.tab = tab
	t.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(tab, 10*time.Second)
		defer cancel()
		chromedp.Cancel(closeCtx) // closes the browser gracefully
		cancelTab()
		cancelAlloc() // waits for the process to exit, before t.TempDir removes the profile
	})

	// Starting is the one step without a step deadline of its own: stop a browser that does not
	// come up at all.
	hung := time.AfterFunc(30*time.Second, cancelAlloc)
	err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900))
	hung.Stop()
	if err != nil {
		t.Fatalf("start chromium: %v\n%s", err, output.String())
	}

	var cancel context.CancelFunc
	b.ctx, cancel = context.WithTimeout(tab, browserTimeout)
	t.Cleanup(cancel)
	t.Cleanup(func() { b.saveFailure(output) })
	t.Cleanup(func() {
		// Events can arrive after the last step; report those too, before saving a failure.
		time.Sleep(50 * time.Millisecond)
		b.reportProblems()
	})
	return b
}

// listen runs in the tab's event loop: it must return fast and send no command.
func (b *browser) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		problem = fmt.Sprintf("JavaScript exception at %s:%d: %s", d.URL, d.LineNumber+1, text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				var str string
				switch {
				case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal([]byte(a.Value), &str) == nil:
					parts = append(parts, str)
				case a.Description != "":
					parts = append(parts, a.Description)
				default:
					parts = append(parts, string(a.Value))
				}
			}
			problem = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		}
	case *log.EventEntryAdded:
		problem = logProblem(ev.Entry)
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

// logProblem tells whether a browser log entry is a bug of ours: a CSP violation (Chromium logs
// them as errors from the security or other source), a script error, or a static asset that
// failed to load. Failed page loads are left to the tests: error pages answer 403 or 404 on
// purpose.
func logProblem(e *log.Entry) string {
	where := e.URL
	if e.LineNumber > 0 {
		where += fmt.Sprintf(":%d", e.LineNumber+1)
	}
	switch {
	case strings.Contains(e.Text, "Content Security Policy"):
		return "CSP violation at " + where + ": " + e.Text
	case e.Level != log.EntryLevelError:
		return ""
	case e.Source == log.EntrySourceNetwork:
		if u, err := url.Parse(e.URL); err == nil && strings.HasPrefix(u.Path, "/static/") {
			return "static asset failed at " + where + ": " + e.Text
		}
		return ""
	}
	return fmt.Sprintf("browser %s error at %s: %s", e.Source, where, e.Text)
}

// reportProblems fails the test for problems the page logged since the last report.
func (b *browser) reportProblems() {
	b.t.Helper()
	b.mu.Lock()
	fresh := b.problems[b.reported:]
	b.reported = len(b.problems)
	b.mu.Unlock()
	for _, p := range fresh {
		b.t.Errorf("page logged a problem: %s", p)
	}
}

// takeProblems returns and forgets what the page logged; for the harness's own test.
func (b *browser) takeProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.problems
	b.problems, b.reported = nil, 0
	return p
}

// saveFailure keeps a screenshot, the page's HTML and the browser's output of a failed test.
func (b *browser) saveFailure(output *lockedBuffer) {
	if !b.t.Failed() {
		return
	}
	dir := failureDir(b.t)
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	files := map[string][]byte{"chromium.log": []byte(output.String())}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		files["url.txt"] = []byte(loc + "\n")
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		files["page.png"] = png
	} else {
		b.t.Logf("no screenshot: %v", err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		files["page.html"] = []byte(html)
	} else {
		b.t.Logf("no page HTML: %v", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			b.t.Logf("save %s: %v", name, err)
		}
	}
	b.t.Logf("browser state of the failure saved in %s", dir)
}

// failureDir is where a failed test leaves its screenshot: the test's artifact folder when
// `go test -artifacts` asked to keep them, else web/testdata/failures/<TestName> (git-ignored),
// since without -artifacts t.ArtifactDir is deleted when the test ends.
func failureDir(t *testing.T) string {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir()
	}
	dir, err := filepath.Abs(filepath.Join("testdata", "failures", strings.ReplaceAll(t.Name(), "/", "__")))
	if err == nil {
		os.RemoveAll(dir)
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Logf("failure folder: %v", err)
		return t.TempDir()
	}
	return dir
}

// do runs steps with the step deadline and fails the test, saying what, when one fails or the
// page logged a problem.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	runStep(b, what, chromedp.Steps(steps...))
}

func runStep[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	step := b.step
	if step == 0 {
		step = stepTimeout
	}
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	b.reportProblems()
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// untilLoaded runs the trigger and waits for the page it leads to. Links and buttons in piaf load
// a new page; one that does not fails the step.
func untilLoaded[T any](trigger chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	wait := chromedp.WaitEvent(page.LoadEventFired, nil, trigger)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := wait(ctx, t)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no new page loaded: %w", err)
		}
		return chromedp.Void{}, err
	}
}

var testidWord = regexp.MustCompile(`^[a-z0-9_-]+$`)

// htmlTags are element names the tests select by; cssFor leaves them alone.
var htmlTags = map[string]bool{
	"a": true, "body": true, "button": true, "form": true, "h1": true, "h2": true, "h3": true, "html": true,
	"input": true, "label": true, "main": true, "nav": true, "p": true, "section": true, "select": true,
	"table": true, "textarea": true, "title": true,
}

// cssFor turns a selector argument into CSS: a bare word such as "current-user" names a data-testid,
// unless it is an element name such as "h1"; anything else ("#name", "form button",
// "[data-testid=x] td") is CSS already.
func cssFor(sel string) string {
	if testidWord.MatchString(sel) && !htmlTags[sel] {
		return `[data-testid="` + sel + `"]`
	}
	return sel
}

// jsString quotes a string for JavaScript.
func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// visit opens a path on the app (or a full URL) and returns the HTTP status of the page.
func (b *browser) visit(path string) int64 {
	b.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = b.base + path
	}
	resp := runStep(b, "open "+path, chromedp.NavigateResponse(u))
	return resp.Status
}

// path is the path and query of the page the browser shows.
func (b *browser) path() string {
	b.t.Helper()
	loc := runStep(b, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

// fill types the value into a field, as a user does, replacing what was there.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.mustFind(sel)
	// chromedp's Clear fails on an empty textarea and SetValue cannot set "", hence the script.
	empty := chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + jsString(cssFor(sel)) + `); ` +
		`if (!el) throw new Error("no element"); el.value = "" })()`)
	b.do("fill "+sel, empty, chromedp.SendKeys(chromedp.CSS(cssFor(sel)), value, chromedp.NodeVisible))
}

// check ticks a checkbox by clicking it.
func (b *browser) check(sel string) {
	b.t.Helper()
	b.mustFind(sel)
	b.do("tick "+sel, chromedp.Click(chromedp.CSS(cssFor(sel)), chromedp.NodeVisible))
	if !b.checked(sel) {
		b.t.Fatalf("%s is not ticked after clicking it", sel)
	}
}

// choose picks the option with this value in a select.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.mustFind(sel)
	b.do("choose "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(cssFor(sel)), value, chromedp.NodeVisible))
	if got := b.value(sel); got != value {
		b.t.Fatalf("%s has no option %q (value is %q)", sel, value, got)
	}
}

// click clicks the element and waits for the page it loads.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.mustFind(sel)
	b.do("click "+sel, untilLoaded(chromedp.Click(chromedp.CSS(cssFor(sel)), chromedp.NodeVisible)))
}

// press clicks the button with this text and waits for the page it loads.
func (b *browser) press(button string) {
	b.t.Helper()
	xpath := fmt.Sprintf(`//button[normalize-space(.)=%s]`, xpathString(button))
	if !evalJS[bool](b, "look for the button "+button, `document.evaluate(`+jsString(xpath)+`, document, null, `+
		`XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue !== null`) {
		b.t.Fatalf("no button %q on %s; the buttons are %q", button, b.path(), b.texts("button"))
	}
	b.do("press the button "+button, untilLoaded(chromedp.Click(xpath, chromedp.NodeVisible)))
}

func xpathString(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}

// key sends keys to the focused element, e.g. kb.Tab.
func (b *browser) key(keys string) {
	b.t.Helper()
	b.do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// submitWithEnter presses Enter in the focused field and waits for the page the form loads.
func (b *browser) submitWithEnter() {
	b.t.Helper()
	b.do("press Enter", untilLoaded(chromedp.KeyEvent(kb.Enter)))
}

// evalJS evaluates a JavaScript expression about the page.
func evalJS[T any](b *browser, what, expr string) T {
	b.t.Helper()
	return runStep(b, what, chromedp.Evaluate[T](expr))
}

// exists tells whether the page has an element matching the selector, without waiting.
func (b *browser) exists(sel string) bool {
	b.t.Helper()
	return evalJS[bool](b, "look for "+sel, `document.querySelector(`+jsString(cssFor(sel))+`) !== null`)
}

// mustFind fails the test at once when the page has no such element, rather than letting a step
// wait for one until it times out: pages are complete when they have loaded.
func (b *browser) mustFind(sel string) {
	b.t.Helper()
	if !b.exists(sel) {
		b.t.Fatalf("no element %s on %s", sel, b.path())
	}
}

// count is the number of elements matching the selector.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return evalJS[int](b, "count "+sel, `document.querySelectorAll(`+jsString(cssFor(sel))+`).length`)
}

// text is the visible text of the first element matching the selector, with spaces collapsed.
func (b *browser) text(sel string) string {
	b.t.Helper()
	texts := b.texts(sel)
	if len(texts) == 0 {
		b.t.Fatalf("no element %s on %s", sel, b.path())
	}
	return texts[0]
}

// texts are the visible texts of all elements matching the selector, with spaces collapsed.
func (b *browser) texts(sel string) []string {
	b.t.Helper()
	return evalJS[[]string](b, "read "+sel, `Array.from(document.querySelectorAll(`+jsString(cssFor(sel))+`), `+
		`el => el.innerText.replace(/\s+/g, " ").trim())`)
}

// value is the current value of a form field.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return b.prop(sel, "value")
}

// checked tells whether a checkbox is ticked.
func (b *browser) checked(sel string) bool {
	b.t.Helper()
	return b.prop(sel, "checked") == "true"
}

func (b *browser) prop(sel, name string) string {
	b.t.Helper()
	v := evalJS[*string](b, "read "+name+" of "+sel, `(() => { const el = document.querySelector(`+jsString(cssFor(sel))+`); `+
		`return el ? String(el[`+jsString(name)+`]) : null })()`)
	if v == nil {
		b.t.Fatalf("no element %s on %s", sel, b.path())
	}
	return *v
}

// focused describes the element that has the keyboard focus, e.g. `a.skip "Skip to content"`.
func (b *browser) focused() string {
	b.t.Helper()
	return evalJS[string](b, "find the focus", `(() => { const el = document.activeElement; if (!el) return "";
		let d = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className.split(" ").join(".") : "");
		const text = (el.innerText || "").trim();
		return text ? d + " " + JSON.stringify(text) : d })()`)
}

// screenshot saves a full-page PNG, for looking at a page while writing a test.
func (b *browser) screenshot(file string) {
	b.t.Helper()
	png := runStep(b, "take a screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot of %s saved to %s", b.path(), file)
}

// snapshot saves a screenshot into $PIAF_SCREENSHOTS when set, to look at pages while working
// on them: PIAF_SCREENSHOTS=/tmp/shots go test ./web/ -run Browser
func (b *browser) snapshot(name string) {
	b.t.Helper()
	dir := os.Getenv("PIAF_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	b.screenshot(filepath.Join(dir, b.t.Name()+"-"+name+".png"))
}

// signIn signs in through the login form.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.visit("/login")
	b.fill("#email", email)
	b.fill("#password", password)
	b.press("Sign in")
	if !b.exists("current-user") {
		b.t.Fatalf("not signed in as %s; page %s says: %s", email, b.path(), b.text("#main"))
	}
}

// lockedBuffer collects the browser's output from its own goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBrowserHarnessReportsPageProblems checks that the harness notices what it promises to:
// a script blocked by the CSP, an uncaught exception and console.error.
func TestBrowserHarnessReportsPageProblems(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `console.error("broken on purpose"); null.boom;`)
		default:
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!DOCTYPE html><title>t</title><style>p{color:red}</style><p style="color:blue">x</p>`+
				`<script>document.title = "inline ran"</script><script src="/broken.js"></script>`)
		}
	}))
	defer site.Close()
	b := newBrowser(t, newApp(t))
	// Plain chromedp, not b.visit: the harness's own steps would fail this test for what it finds.
	if err := chromedp.Do(b.ctx, chromedp.Navigate(site.URL+"/"), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(b.takeProblems(), "\n")
	for _, want := range []string{
		"CSP violation", "inline script violates the following Content Security Policy directive 'script-src",
		"inline style violates", "console.error: broken on purpose", "JavaScript exception", "reading 'boom'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the harness missed %q; it saw:\n%s", want, got)
		}
	}
	if title, _ := chromedp.Run(b.ctx, chromedp.Title()); title == "inline ran" {
		t.Error("the inline script ran despite the CSP")
	}
}
