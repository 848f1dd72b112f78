package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A lower residual risk resting only on a planned mitigation is shown as projected on the
// finding page, the register, the cross-project mitigation register, the findings JSON and the
// Markdown report; once the mitigation is implemented, nowhere (issue 11).
func TestProjectedResidualShownEverywhere(t *testing.T) {
	f := newRegisterFixture(t)
	a, tok := f.app, f.app.token(f.users[assessor])
	r := a.api("POST", f.base+"/findings/"+noDP+"/mitigations", tok, `{"catalogue":"dp-sgd"}`, "If-Match", f.rev(t))
	if r.status != http.StatusCreated {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	var linked struct{ Result struct{ ID string } }
	r.json(t, &linked)
	if r := a.api("PATCH", f.base+"/findings/"+noDP, tok, `{"residual":{"likelihood":1,"severity":1},"status":"mitigated"}`, "If-Match", f.rev(t)); r.status != 200 {
		t.Fatalf("assess: %d %s", r.status, r.body)
	}
	ui := strings.TrimPrefix(f.base, "/api/v1")
	c := a.signedIn(f.users[owner])
	type finding struct {
		ID                string
		ResidualLevel     string `json:"residual_level"`
		ResidualProjected bool   `json:"residual_projected"`
		EffectiveLevel    string `json:"effective_level"`
	}
	check := func(when string, projected bool) {
		t.Helper()
		var body struct {
			Findings  []finding
			Projected int
		}
		a.api("GET", f.base+"/findings", tok, "").json(t, &body)
		var got *finding
		for i := range body.Findings {
			if body.Findings[i].ID == noDP {
				got = &body.Findings[i]
			}
		}
		if got == nil || got.ResidualProjected != projected || got.ResidualLevel != "negligible" || (body.Projected == 1) != projected {
			t.Errorf("%s: API finding %+v, %d projected; want residual_projected=%v", when, got, body.Projected, projected)
		}
		if projected && got != nil && got.EffectiveLevel == "negligible" {
			t.Errorf("%s: effective level %q, want the inherent one", when, got.EffectiveLevel)
		}
		pages := map[string]string{
			"finding page":        ui + "/findings/" + noDP,
			"risk register":       ui + "/risks",
			"mitigation register": "/mitigations",
		}
		for name, path := range pages {
			page := c.get(path)
			if page.status != 200 {
				t.Fatalf("%s: %d", name, page.status)
			}
			shown := strings.Contains(page.body, "projected: mitigations not yet in place")
			if shown != projected {
				t.Errorf("%s: %s shows projected=%v, want %v", when, name, shown, projected)
			}
		}
		md := string(download(t, c, ui+"/report.md"))
		if strings.Contains(md, "(projected: mitigations not yet in place)") != projected {
			t.Errorf("%s: Markdown report shows projected=%v, want %v", when, !projected, projected)
		}
	}
	check("with a planned mitigation", true)
	if page := c.get(ui + "/risks"); !strings.Contains(page.body, "1 finding is placed so now") {
		t.Error("the register's heatmap legend does not say the projected finding is placed at its inherent level")
	}

	if r := a.api("PATCH", fmt.Sprintf("%s/mitigations/%s", f.base, linked.Result.ID), tok, `{"status":"implemented"}`, "If-Match", f.rev(t)); r.status != 200 {
		t.Fatalf("implement: %d %s", r.status, r.body)
	}
	check("with the mitigation implemented", false)
}
