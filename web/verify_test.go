package web_test

import (
	"strings"
	"testing"
)

// Review of issue 17, item 1: "%PDF-1.7" and 8 MiB of filler held a core for 510 s.
func TestVerifyRefusesHostileFillerWithAReason(t *testing.T) {
	a := newApp(t)
	anon := a.anonymous()
	anon.get("/verify")
	for name, file := range map[string]string{
		"filler":             "%PDF-1.7\n" + strings.Repeat("A", 8<<20-64),
		"filler, then %%EOF": "%PDF-1.7\n" + strings.Repeat("A", 8<<20-64) + "\n%%EOF\n",
	} {
		res := anon.uploadFiles("/verify", map[string][2]string{"file": {"report.pdf", file}})
		if res.status != 422 || !res.has("verify-invalid") {
			t.Errorf("%s: status %d, want 422 with verify-invalid", name, res.status)
			continue
		}
		if !strings.Contains(res.body, "%%EOF") {
			t.Errorf("%s: the page does not say why the file was refused:\n%s", name, res.body)
		}
	}
}
