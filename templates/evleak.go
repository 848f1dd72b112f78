package templates

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/leak"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

// PIIEvidenceView is the PII scan page of an assessment: the upload form, the latest scan of each
// stage and the per-type chart comparing them.
type PIIEvidenceView struct {
	A      AssessmentView
	Form   Form
	Limit  string // the upload limit in words
	Before *assessments.Evidence
	After  *assessments.Evidence
	// Records lists every PII record, newest first.
	Records []*assessments.Evidence
}

// LeakEvidenceView is the leak-test page: forms for membership inference, canaries and
// extraction, and the latest record of each with its chart.
type LeakEvidenceView struct {
	A          AssessmentView
	MIAForm    Form
	CanaryForm Form
	ExtForm    Form
	Limit      string
	MIA        *assessments.Evidence
	Canary     *assessments.Evidence
	Extraction *assessments.Evidence
	Policy     assessments.Policy
}

// PIIBar is one entity type of the before/after chart.
type PIIBar struct {
	Type          string
	Before, After float64
}

// PIIBars lists the entity types found in either record, the most frequent before first.
func PIIBars(before, after *assessments.Evidence) []PIIBar {
	byType := map[string]*PIIBar{}
	for _, e := range []*assessments.Evidence{before, after} {
		if e == nil {
			continue
		}
		for name, v := range e.Figures {
			stage, typ, ok := figures.PerType(name)
			if !ok {
				continue
			}
			b := byType[typ]
			if b == nil {
				b = &PIIBar{Type: typ}
				byType[typ] = b
			}
			if stage == "before" {
				b.Before = v
			} else {
				b.After = v
			}
		}
	}
	var out []PIIBar
	for _, b := range byType {
		if b.Before != 0 || b.After != 0 { // types found in neither sample would only crowd the chart
			out = append(out, *b)
		}
	}
	slices.SortFunc(out, func(a, b PIIBar) int {
		switch {
		case a.Before != b.Before:
			return cmpDesc(a.Before, b.Before)
		case a.After != b.After:
			return cmpDesc(a.After, b.After)
		}
		return strings.Compare(a.Type, b.Type)
	})
	return out
}

func cmpDesc(a, b float64) int {
	if a > b {
		return -1
	}
	return 1
}

// barChart is the geometry of a horizontal bar chart: one row per label, bars scaled to the
// largest value.
type barChart struct {
	Width, LabelWidth, RowHeight, Top float64
	Max                               float64
}

func (c barChart) height(rows int) float64 { return c.Top + float64(rows)*c.RowHeight + 30 }
func (c barChart) plotWidth() float64      { return c.Width - c.LabelWidth - 60 }
func (c barChart) barLen(v float64) float64 {
	if c.Max <= 0 || v <= 0 {
		return 0
	}
	return math.Max(1, v/c.Max*c.plotWidth())
}
func (c barChart) rowY(i int) float64 { return c.Top + float64(i)*c.RowHeight }

func piiChart(bars []PIIBar) barChart {
	c := barChart{Width: 640, LabelWidth: 150, RowHeight: 34, Top: 28}
	for _, b := range bars {
		c.Max = math.Max(c.Max, math.Max(b.Before, b.After))
	}
	return c
}

// canaryChart draws each canary's exposure against the highest possible, log2|R|.
func canaryChart(in workflow.CanaryInputs) barChart {
	c := barChart{Width: 640, LabelWidth: 150, RowHeight: 22, Top: 28, Max: in.MaxPossibleExposure}
	for _, k := range in.Canaries {
		c.Max = math.Max(c.Max, k.Exposure)
	}
	return c
}

// canariesShown bounds the rows the chart draws; the table lists them all.
func canariesShown(in workflow.CanaryInputs) []workflow.CanaryKept {
	return in.Canaries[:min(len(in.Canaries), 40)]
}

func canaryInputs(e *assessments.Evidence) workflow.CanaryInputs {
	in, _ := workflow.CanariesOf(e)
	return in
}

// rocSVG draws a membership-inference record's curve with leak's log-log chart: it holds only
// numbers that piaf formats, no text from the record, so it is safe to embed as is.
func rocSVG(e *assessments.Evidence) string {
	r := leak.MIAResult{AUC: e.Figures["auc"], TPRAtFPR: map[string]float64{"0.001": e.Figures["tpr_at_fpr_0_1pct"]},
		Members: int(e.Figures["members"]), NonMembers: int(e.Figures["non_members"]), ROC: workflow.ROCOf(e)}
	return string(r.SVG())
}

// rocRows are the curve's operating points at a few false-positive rates, the chart's table.
func rocRows(e *assessments.Evidence) [][2]string {
	var out [][2]string
	for _, name := range []string{"tpr_at_fpr_0_1pct", "tpr_at_fpr_1pct"} {
		if v, ok := e.Figures[name]; ok {
			out = append(out, [2]string{figures.Label(figures.MIA, name), figures.Format(figures.MIA, name, v)})
		}
	}
	out = append(out, [2]string{"ROC AUC", figures.Format(figures.MIA, "auc", e.Figures["auc"])})
	return out
}

// figureRows lists a record's fixed figures in the order figures names them (PII's per-type
// figures are in the chart and its table).
func figureRows(e *assessments.Evidence) [][2]string {
	var out [][2]string
	for _, f := range figures.Of(e.Kind) {
		if v, ok := e.Figures[f.Name]; ok {
			out = append(out, [2]string{f.Label, figures.Format(e.Kind, f.Name, v)})
		}
	}
	return out
}

func addedLine(e *assessments.Evidence) string {
	when := e.AddedAt
	if t, err := time.Parse(time.RFC3339, e.AddedAt); err == nil {
		when = datefmt.DateTime(t, nil)
	}
	return fmt.Sprintf("%s · added by %s on %s · cycle %d", e.Source.Label(), e.AddedByName, when, e.Cycle)
}

func num(v float64) string { return figures.Number(v) }

func count(v float64) string { return figures.Format(figures.PII, "before_records", v) }

func fmtf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// PIIRecallFigures is what the anonymisation section shows beside the recall answer: the latest
// measured rates before and after anonymisation, in words; empty without a scan.
func PIIRecallFigures(s assessments.State) []string {
	var out []string
	f := assessments.EvidenceFigures(s)[figures.PII]
	for _, stage := range []string{"before", "after"} {
		if _, ok := f[stage+"_records"]; !ok {
			continue
		}
		out = append(out, fmt.Sprintf("%s anonymisation: %s of %s records hold PII (%s per 1,000), %s %s",
			strings.ToUpper(stage[:1])+stage[1:], count(f[stage+"_records_with_pii"]), count(f[stage+"_records"]),
			num(f[stage+"_rate_per_1000"]), count(f[stage+"_detections"]), plural(int(f[stage+"_detections"]), "detection", "detections")))
	}
	return out
}

// clip shortens a label for a chart; tables show it whole.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
