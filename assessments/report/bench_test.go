package report

import (
	"fmt"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// bigReport is the test report with a register of 100 findings, each with a mitigation.
func bigReport(b *testing.B) *Report {
	r := testReport(b)
	s := r.State
	s.Findings = map[string]*assessments.Finding{}
	s.Mitigations = map[string]*assessments.Mitigation{}
	for i := range 100 {
		f, m := fmt.Sprintf("f%d", i), fmt.Sprintf("m%d", i)
		s.Findings[f] = &assessments.Finding{ID: f, Title: fmt.Sprintf("Risk %d: free text may hold personal data", i),
			Description: "Agents paste *customer* details into tickets.\n\n- seen in a sample\n- not masked", Category: "purpose",
			Likelihood: assessments.Scale(1 + i%4), Severity: assessments.Scale(1 + (i/4)%4), Status: assessments.FindingOpen, Mitigations: []string{m}}
		s.Mitigations[m] = &assessments.Mitigation{ID: m, Title: "Mask free text before training", Owner: 1, Due: "2026-06-30",
			Status: assessments.MitigationPlanned}
	}
	r.State = s
	return r
}

// Markdown report of a 100-finding assessment (go test -bench Report ./assessments/report).
func BenchmarkReportMarkdown100Findings(b *testing.B) {
	r := bigReport(b)
	b.ReportAllocs()
	for b.Loop() {
		if len(Markdown(r)) == 0 {
			b.Fatal("empty report")
		}
	}
}

// PDF report of a 100-finding assessment.
func BenchmarkReportPDF100Findings(b *testing.B) {
	r := bigReport(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PDF(r); err != nil {
			b.Fatal(err)
		}
	}
}
