package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/web"
)

// part is one part of a streamed form, in the order a browser sends them: a file when name has
// a filename.
type part struct{ name, filename, content string }

// stream posts a multipart form with the parts in the order given (the CSRF token is not added).
func (c *client) stream(path string, parts ...part) response {
	c.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		content := strings.ReplaceAll(p.content, "{csrf}", c.csrf)
		if p.filename == "" {
			w.WriteField(p.name, content)
			continue
		}
		fw, _ := w.CreateFormFile(p.name, p.filename)
		io.WriteString(fw, content)
	}
	w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

var csrfPart = part{name: "_csrf", content: "{csrf}"}

const (
	beforeCSV = "name,note\nAda,mail ada@example.com or call 212-555-0134\nBob,bob@example.org\nCy,nothing\n"
	afterCSV  = "name,note\n[PERSON],mail [EMAIL_ADDRESS] or call [PHONE_NUMBER]\n[PERSON],bob@example.org\n[PERSON],nothing\n"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type evleakFixture struct {
	a          *app
	owner      *assessments.User
	tok        string
	id         int64
	base, apiP string
}

func newEvleakFixture(t *testing.T, edit func(*web.Config)) evleakFixture {
	a := newAppWith(t, edit)
	u := a.user("olga@example.org", false)
	tok := a.token(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	r := a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), tok,
		`{"answers":{"pii_detection_method":"rules_regex","pii_treatment":["mask_placeholder"],"pii_recall_measured":"yes","mia_performed":"yes"}}`, "If-Match", "1")
	if r.status != http.StatusOK {
		t.Fatalf("answers: %d %s", r.status, r.body)
	}
	return evleakFixture{a: a, owner: u, tok: tok, id: id, base: fmt.Sprintf("/assessments/%d/evidence", id), apiP: fmt.Sprintf("/api/v1/assessments/%d/evidence", id)}
}

func (f evleakFixture) live(t *testing.T, rule string) bool {
	t.Helper()
	a, err := f.a.store.Assessment(context.Background(), f.id)
	if err != nil {
		t.Fatal(err)
	}
	g := a.State.Findings["rule:"+rule]
	return g != nil && !g.ResolvedByAnswers
}

func TestPIISamplesStreamedKeepOnlyCounts(t *testing.T) {
	f := newEvleakFixture(t, nil)
	if !f.live(t, "pii-detection-without-scan") {
		t.Fatal("detection claimed without a scan raised nothing")
	}
	c := f.a.signedIn(f.owner)
	page := c.get(f.base + "/pii")
	if page.status != http.StatusOK || !page.has("keeps-counts") || !page.has("pii-form") {
		t.Fatalf("page: %d", page.status)
	}
	r := c.stream(f.base+"/pii", csrfPart, part{name: "format", content: "csv"}, part{name: "columns", content: "note"},
		part{"before", "before.csv", beforeCSV}, part{"after", "after.csv", afterCSV})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != f.base+"/pii" {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	page = c.get(f.base + "/pii")
	for _, id := range []string{"pii-chart", "pii-chart-table", "bar-after-EMAIL_ADDRESS"} {
		if !page.has(id) {
			t.Errorf("page lacks %s", id)
		}
	}
	if !strings.Contains(page.body, sha(beforeCSV)) || !strings.Contains(page.body, sha(afterCSV)) {
		t.Error("the files' SHA-256 are not shown")
	}
	if strings.Contains(page.body, "ada@example.com") || strings.Contains(page.body, "bob@example.org") {
		t.Error("the page shows the content")
	}
	a, _ := f.a.store.Assessment(context.Background(), f.id)
	for _, e := range a.State.Evidence {
		if bytes.Contains(e.Inputs, []byte("example")) {
			t.Errorf("record %s keeps content: %s", e.ID, e.Inputs)
		}
	}
	if f.live(t, "pii-detection-without-scan") {
		t.Error("the scan did not resolve pii-detection-without-scan")
	}
	if !f.live(t, "pii-found-after-anonymisation") {
		t.Error("an email left after anonymisation raised nothing")
	}
	// The measured rates sit beside the detection recall answer.
	sec := c.get(fmt.Sprintf("/assessments/%d/sections/anonymisation", f.id))
	if !sec.has("pii-measured") || !strings.Contains(sec.body, "After anonymisation: 1 of 3 records hold PII") {
		t.Errorf("section lacks the measured rates")
	}
}

func TestPIIUploadRefusals(t *testing.T) {
	f := newEvleakFixture(t, func(c *web.Config) { c.UploadLimit = 64 })
	c := f.a.signedIn(f.owner)
	c.get(f.base + "/pii")
	// No token, a token after the files, a wrong token: refused before anything is read.
	for _, parts := range [][]part{
		{{"before", "b.csv", beforeCSV}},
		{{"format", "", "csv"}, csrfPart, {"before", "b.csv", beforeCSV}},
		{{"_csrf", "", "forged"}, {"before", "b.csv", beforeCSV}},
	} {
		if r := c.stream(f.base+"/pii", parts...); r.status != http.StatusForbidden {
			t.Errorf("%v: status %d", parts[0].name, r.status)
		}
	}
	r := c.stream(f.base+"/pii", csrfPart, part{name: "format", content: "csv"}, part{"before", "b.csv", beforeCSV})
	if r.status != http.StatusUnprocessableEntity || !r.has("error-before") || !strings.Contains(r.body, "64 bytes") {
		t.Errorf("over the limit: %d", r.status)
	}
	r = c.stream(f.base+"/pii", csrfPart, part{name: "format", content: "xml"}, part{"before", "b.csv", "a"})
	if r.status != http.StatusUnprocessableEntity || !r.has("error-format") {
		t.Errorf("bad format: %d", r.status)
	}
	r = c.stream(f.base+"/pii", csrfPart, part{name: "format", content: "csv"})
	if r.status != http.StatusUnprocessableEntity || !r.has("error-before") {
		t.Errorf("no file: %d", r.status)
	}
	// Outsiders get 404, viewers 403.
	out := f.a.user("otto@example.org", false)
	oc := f.a.signedIn(out)
	if r := oc.get(f.base + "/pii"); r.status != http.StatusNotFound {
		t.Errorf("outsider page: %d", r.status)
	}
	if r := oc.stream(f.base+"/pii", csrfPart, part{name: "format", content: "csv"}, part{"before", "b.csv", "x"}); r.status != http.StatusNotFound {
		t.Errorf("outsider upload: %d", r.status)
	}
}

func TestAPIPIISampleUpload(t *testing.T) {
	f := newEvleakFixture(t, nil)
	body := "call 212-555-0134\nnothing\n"
	req, _ := http.NewRequest("POST", f.a.srv.URL+f.apiP+"/pii?stage=before&format=text", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.tok)
	req.Header.Set("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	got := response{status: res.StatusCode, body: string(b)}
	if got.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", got.status, got.body)
	}
	var out struct {
		Evidence struct {
			FileSHA256 string `json:"file_sha256"`
			Label      string
			Figures    map[string]float64
		}
		Summary struct {
			Records int
			Counts  map[string]int
		}
	}
	got.json(t, &out)
	if out.Evidence.FileSHA256 != sha(body) || out.Evidence.Label != "before" || out.Summary.Records != 2 || out.Summary.Counts["PHONE_NUMBER"] != 1 {
		t.Errorf("answer %+v", out)
	}
	r := f.a.api("POST", f.apiP+"/pii?format=text", f.tok, "", "Content-Type", "text/plain")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"stage"`) {
		t.Errorf("no stage: %d %s", r.status, r.body)
	}
	if r := f.a.api("POST", f.apiP+"/pii?stage=after&format=text", "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.status)
	}
}

// scoresCSV is a membership-inference scores file: n members and n non-members.
func scoresCSV(n int, member, nonMember float64) string {
	var b strings.Builder
	b.WriteString("score,member\n")
	for i := range n {
		fmt.Fprintf(&b, "%g,1\n%g,0\n", member+float64(i%7)/100, nonMember+float64(i%5)/100)
	}
	return b.String()
}

func TestLeakTestForms(t *testing.T) {
	f := newEvleakFixture(t, nil)
	if !f.live(t, "leak-tests-without-evidence") {
		t.Fatal("MIA claimed without evidence raised nothing")
	}
	c := f.a.signedIn(f.owner)
	page := c.get(f.base + "/leak")
	if page.status != http.StatusOK || !page.has("mia-form") || !page.has("canary-form") || !page.has("extraction-form") {
		t.Fatalf("page %d", page.status)
	}
	r := c.stream(f.base+"/mia", csrfPart, part{name: "attack", content: "loss_threshold"}, part{name: "lower_is_member", content: "1"},
		part{"scores", "scores.csv", scoresCSV(20, 0, 1)})
	if r.status != http.StatusSeeOther {
		t.Fatalf("mia: %d %s", r.status, r.body)
	}
	page = c.get(f.base + "/leak")
	if !page.has("roc-chart") || !strings.Contains(page.body, "Not credible") || !strings.Contains(page.body, "fewer than 1000") {
		t.Error("the MIA result lacks its chart or its credibility")
	}
	for _, rule := range []string{"mia-evidence-above-policy", "mia-evidence-not-credible"} {
		if !f.live(t, rule) {
			t.Errorf("%s did not fire", rule)
		}
	}
	if f.live(t, "leak-tests-without-evidence") {
		t.Error("leak-tests-without-evidence still raised")
	}
	a, _ := f.a.store.Assessment(context.Background(), f.id)
	for _, e := range a.State.Evidence {
		if bytes.Contains(e.Inputs, []byte(`"scores"`)) {
			t.Error("scores kept without the box ticked")
		}
	}
	r = c.stream(f.base+"/canary", csrfPart, part{name: "copies", content: "4"}, part{name: "space_size", content: "1e9"},
		part{name: "canaries_text", content: "canary,loss\nc-1,0.1\nc-2,3.5\n"}, part{name: "references_text", content: "1\n2\n3\n4\n5\n6\n7\n8\n"})
	if r.status != http.StatusSeeOther {
		t.Fatalf("canary: %d %s", r.status, r.body)
	}
	page = c.get(f.base + "/leak")
	if !page.has("canary-chart") || !page.has("canary-table") {
		t.Error("no canary chart")
	}
	if !f.live(t, "canary-evidence-near-maximum") {
		t.Error("canary near the maximum raised nothing")
	}
	r = c.stream(f.base+"/extraction", csrfPart, part{name: "prompts", content: "2"}, part{name: "strategy", content: "greedy"},
		part{name: "generations", content: "2"}, part{name: "matching_rule", content: "50-token exact suffix"},
		part{name: "generations_format", content: "text"}, part{"generations", "gen.txt", "reach me at ada@example.com\nhello\n"})
	if r.status != http.StatusSeeOther {
		t.Fatalf("extraction: %d %s", r.status, r.body)
	}
	if !f.live(t, "extraction-evidence-pii-emitted") {
		t.Error("PII in generations raised nothing")
	}
	// Errors come back beside the fields, with what was typed.
	r = c.stream(f.base+"/mia", csrfPart, part{name: "attack", content: "lira"}, part{name: "selection", content: "random split"})
	if r.status != http.StatusUnprocessableEntity || !r.has("error-scores") || !strings.Contains(r.body, "random split") {
		t.Errorf("mia without scores: %d", r.status)
	}
	r = c.stream(f.base+"/extraction", csrfPart, part{name: "prompts", content: "many"})
	if r.status != http.StatusUnprocessableEntity || !r.has("error-prompts") {
		t.Errorf("extraction with words for numbers: %d", r.status)
	}
}

func TestAPIEvidenceLeakKinds(t *testing.T) {
	f := newEvleakFixture(t, nil)
	mia := `{"kind":"mia","params":{"design":{"attack":"lira","reference_models":8,"selection":"random split","held_out":true,"lower_is_member":true},
		"scores":{"members":[0.1,0.2,0.3],"non_members":[0.9,1.0,1.1]}}}`
	r := f.a.api("POST", f.apiP, f.tok, mia)
	if r.status != http.StatusCreated {
		t.Fatalf("mia: %d %s", r.status, r.body)
	}
	var rec struct {
		Figures     map[string]float64
		NotCredible []string `json:"not_credible"`
		Inputs      map[string]any
	}
	r.json(t, &rec)
	if rec.Figures["auc"] != 1 || rec.Figures["credible"] != 0 || len(rec.NotCredible) != 2 || rec.Inputs["scores"] != nil {
		t.Errorf("mia record %+v", rec)
	}
	canary := `{"kind":"canary","params":{"inserted_copies":2,"canaries":[{"id":"c","loss":5}],"references":[1,2,3,4,6,7,8,9]}}`
	if r := f.a.api("POST", f.apiP, f.tok, canary); r.status != http.StatusCreated {
		t.Errorf("canary: %d %s", r.status, r.body)
	}
	withText := `{"kind":"pii","params":{"stage":"after","format":"presidio","summary":[{"entity_type":"PERSON","start":0,"end":3,"text":"Ada"}]}}`
	if r := f.a.api("POST", f.apiP, f.tok, withText); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "raw text") {
		t.Errorf("presidio with text: %d %s", r.status, r.body)
	}
	summary := `{"kind":"pii","params":{"stage":"after","format":"presidio","summary":[[{"entity_type":"EMAIL_ADDRESS","start":4,"end":20,"score":1}],[]]}}`
	if r := f.a.api("POST", f.apiP, f.tok, summary); r.status != http.StatusCreated {
		t.Errorf("presidio counts: %d %s", r.status, r.body)
	}
	if !f.live(t, "mia-evidence-not-credible") || !f.live(t, "pii-found-after-anonymisation") {
		t.Error("rules did not fire on API evidence")
	}
}
