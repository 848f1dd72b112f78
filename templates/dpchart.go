package templates

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/datefmt"
	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/figures"
)

// DPToolView is the DP budget tool: the parameters as typed, and after a computation the result
// of both accountants, the curve of epsilon against epochs and the inverse helper's answer.
type DPToolView struct {
	Form     Form
	Computed bool
	Result   dp.Result
	Curve    []dp.CurvePoint
	Limit    float64 // the policy's highest acceptable epsilon
	Sigma    *DPSigmaAnswer
	// The assessment to attach to (?assessment=ID), when the user may edit it.
	Assessment *assessments.Assessment
	Project    *assessments.Project
	CanAttach  bool
	AttachNote string // why attaching is not offered, when an assessment was given
}

// DPSigmaAnswer is the inverse helper's answer: the noise for a target epsilon.
type DPSigmaAnswer struct {
	Sigma, Epsilon, Target float64
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH                = 640.0, 320.0
	chartLeft, chartRight         = 56.0, 16.0
	chartTop, chartBottom         = 16.0, 48.0
	plotW, plotH                  = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartTicks                    = 5
	chartWidthAttr, chartViewAttr = "640", "0 0 640 320"
)

// dpChart is the chart of epsilon against epochs, computed for the template.
type dpChart struct {
	RDP, PLD        string // polyline points
	LimitY          float64
	LimitShown      bool
	XTicks, YTicks  []chartTick
	HasPLD          bool
	MaxX, MaxY      float64
	Left, Top       float64
	Right, Bottom   float64
	Width, Height   float64
	ViewBox, WidthA string
}

type chartTick struct {
	Pos   float64
	Label string
}

func (v DPToolView) chart() dpChart {
	c := dpChart{Left: chartLeft, Top: chartTop, Right: chartW - chartRight, Bottom: chartH - chartBottom,
		Width: chartW, Height: chartH, ViewBox: chartViewAttr, WidthA: chartWidthAttr}
	for _, p := range v.Curve {
		c.MaxX = max(c.MaxX, p.Epochs)
		c.MaxY = max(c.MaxY, p.Epsilon)
		if p.EpsilonPLD != nil {
			c.MaxY = max(c.MaxY, *p.EpsilonPLD)
		}
	}
	// The limit is always drawn, even when it flattens the curve: how far a run stays below the
	// policy is what a reviewer reads off this chart.
	c.LimitShown = v.Limit > 0
	if c.LimitShown {
		c.MaxY = max(c.MaxY, v.Limit)
	}
	c.MaxX, c.MaxY = niceCeil(c.MaxX), niceCeil(c.MaxY*1.05)
	x := func(e float64) float64 { return chartLeft + plotW*e/c.MaxX }
	y := func(eps float64) float64 { return chartTop + plotH*(1-eps/c.MaxY) }
	var rdp, pld []string
	for _, p := range v.Curve {
		rdp = append(rdp, pt(x(p.Epochs), y(p.Epsilon)))
		if p.EpsilonPLD != nil {
			pld = append(pld, pt(x(p.Epochs), y(*p.EpsilonPLD)))
		}
	}
	c.RDP, c.PLD, c.HasPLD = strings.Join(rdp, " "), strings.Join(pld, " "), len(pld) > 0
	c.LimitY = y(v.Limit)
	for i := 0; i <= chartTicks; i++ {
		f := float64(i) / chartTicks
		c.XTicks = append(c.XTicks, chartTick{Pos: x(f * c.MaxX), Label: figures.Number(f * c.MaxX)})
		c.YTicks = append(c.YTicks, chartTick{Pos: y(f * c.MaxY), Label: figures.Number(f * c.MaxY)})
	}
	return c
}

func pt(x, y float64) string {
	return strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64)
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, for round axis ends.
func niceCeil(v float64) float64 {
	if !(v > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func number(v float64) string { return figures.Number(v) }

func pldText(p dp.CurvePoint) string {
	if p.EpsilonPLD == nil {
		return "not computed"
	}
	return figures.Number(*p.EpsilonPLD)
}

// EvidenceLine is one figure of a record for a reader.
type EvidenceLine struct{ Label, Value string }

// evidenceLines lists a record's figures, known ones first in their documented order.
func evidenceLines(e *assessments.Evidence) []EvidenceLine {
	var out []EvidenceLine
	seen := map[string]bool{}
	for _, f := range figures.Of(e.Kind) {
		if v, ok := e.Figures[f.Name]; ok {
			out = append(out, EvidenceLine{f.Label, figures.Format(e.Kind, f.Name, v)})
			seen[f.Name] = true
		}
	}
	for _, name := range sortedKeys(e.Figures) {
		if !seen[name] {
			out = append(out, EvidenceLine{figures.Label(e.Kind, name), figures.Format(e.Kind, name, e.Figures[name])})
		}
	}
	return out
}

// keyFigures are the first few figures, for the summary beside the questions.
func keyFigures(e *assessments.Evidence) []EvidenceLine {
	l := evidenceLines(e)
	return l[:min(len(l), 4)]
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func evidenceWhen(e *assessments.Evidence) string {
	t, err := time.Parse(time.RFC3339, e.AddedAt)
	if err != nil {
		return e.AddedAt
	}
	return datefmt.DateTime(t, nil)
}

func evidenceURL(assessmentID int64, id string) string {
	return "/assessments/" + itoa(assessmentID) + "/evidence/" + id
}

// DPToolURL is the DP budget tool, ready to attach to an assessment when id is not 0.
func DPToolURL(id int64) string {
	if id == 0 {
		return "/tools/dp"
	}
	return "/tools/dp?assessment=" + itoa(id)
}

// supportsDP tells whether a section holds a question DP evidence supports: there the DP tool is
// offered.
func (v AssessmentView) supportsDP() bool {
	if v.Section == nil {
		return false
	}
	for _, q := range v.Section.Questions {
		for _, k := range assessments.DefaultQuestions[figures.DP] {
			if q.Key == k {
				return true
			}
		}
	}
	return false
}

func (v AssessmentView) sectionEvidence() []*assessments.Evidence {
	if v.Section == nil {
		return nil
	}
	return assessments.EvidenceFor(v.Def, v.Assessment.State, v.Section.Key)
}

// EvidenceView is the page of one evidence record.
type EvidenceView struct {
	Project    *assessments.Project
	Assessment *assessments.Assessment
	Evidence   *assessments.Evidence
	Sections   []SectionLink
	CanRemove  bool
}

// SectionLink names a section the record is shown on.
type SectionLink struct{ Key, Title string }
