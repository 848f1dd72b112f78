package web_test

import (
	"net/http"
	"testing"
)

// TestAPILinksACatalogueMeasureOnce: linking a catalogue measure to a second finding through the
// API links the mitigation already made from it (issue 11, point 10); a custom one stays apart.
func TestAPILinksACatalogueMeasureOnce(t *testing.T) {
	f := newReviewFixture(t)
	a := f.app
	tok := a.token(f.users[assessor])
	var reg findingsBody
	a.api("GET", f.base+"/findings", tok, "").json(t, &reg)
	var live []string
	for _, fd := range reg.Findings {
		if fd.Live {
			live = append(live, fd.ID)
		}
	}
	if len(live) < 2 {
		t.Fatalf("the fixture raises %d live findings, want two", len(live))
	}
	link := func(finding, body string) string {
		t.Helper()
		r := a.api("POST", f.base+"/findings/"+finding+"/mitigations", tok, body, "If-Match", f.etag(t))
		if r.status != http.StatusCreated {
			t.Fatalf("link to %s: %d %s", finding, r.status, r.body)
		}
		var out struct{ Result struct{ ID string } }
		r.json(t, &out)
		return out.Result.ID
	}
	first := link(live[0], `{"catalogue":"canary-exposure-test"}`)
	if second := link(live[1], `{"catalogue":"canary-exposure-test","title":"Canaries again"}`); second != first {
		t.Errorf("the second link made mitigation %s, want the same %s", second, first)
	}
	if custom := link(live[1], `{"title":"Insert canaries and measure their exposure"}`); custom == first {
		t.Error("a custom mitigation with the catalogue's title was merged into the catalogue one")
	}
	a.api("GET", f.base+"/findings", tok, "").json(t, &reg)
	for _, id := range live[:2] {
		found := false
		for _, fd := range reg.Findings {
			for _, m := range fd.Mitigations {
				found = found || (fd.ID == id && m == first)
			}
		}
		if !found {
			t.Errorf("finding %s is not linked to the shared mitigation %s", id, first)
		}
	}
}
