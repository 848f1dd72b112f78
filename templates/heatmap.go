package templates

import (
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

// Heatmap counts findings on the 4×4 likelihood-by-severity matrix.
type Heatmap struct {
	ID    string // unique on the page and safe in an id attribute: it names the SVG's title and desc
	Title string
	Cells [4][4]int // Cells[likelihood-1][severity-1]
	// Projected counts the findings a residual map holds at their inherent cell because their
	// lower residual risk is only projected (assessments.Heat.Projected).
	Projected int
}

// NewHeatmap returns an empty heatmap.
func NewHeatmap(id, title string) Heatmap { return Heatmap{ID: id, Title: title} }

// Add counts one finding. Values off the 1..4 scale are ignored, so a finding not yet rated
// does not land in a wrong cell.
func (h *Heatmap) Add(likelihood, severity int) {
	if !assessments.Scale(likelihood).Valid() || !assessments.Scale(severity).Valid() {
		return
	}
	h.Cells[likelihood-1][severity-1]++
}

// Total is the number of findings on the map.
func (h Heatmap) Total() int {
	n := 0
	for _, row := range h.Cells {
		for _, c := range row {
			n += c
		}
	}
	return n
}

// The SVG's geometry, in user units. The grid sits right of the likelihood labels and above the
// severity labels; the viewBox scales it to the figure's width.
const (
	hmCell   = 72
	hmGap    = 4
	hmLeft   = 112
	hmTop    = 8
	hmGrid   = 4 * hmCell
	hmWidth  = hmLeft + hmGrid + 8
	hmHeight = hmTop + hmGrid + 56
)

// hmCellRef is one cell as the template draws it.
type hmCellRef struct {
	Likelihood, Severity int
	Count                int
	Level                assessments.Level
}

// rows lists the cells top row first, that is likelihood 4 down to 1, severity 1 to 4 in a row.
func (h Heatmap) rows() [][4]hmCellRef {
	out := make([][4]hmCellRef, 0, 4)
	for l := 4; l >= 1; l-- {
		var row [4]hmCellRef
		for s := 1; s <= 4; s++ {
			row[s-1] = hmCellRef{
				Likelihood: l,
				Severity:   s,
				Count:      h.Cells[l-1][s-1],
				Level:      assessments.RiskLevel(assessments.Scale(l), assessments.Scale(s)),
			}
		}
		out = append(out, row)
	}
	return out
}

// summary is the SVG's description: the total, then the count at each level from the gravest,
// for example "3 findings: 1 maximum, 2 limited".
func (h Heatmap) summary() string {
	var byLevel [5]int
	for l := 1; l <= 4; l++ {
		for s := 1; s <= 4; s++ {
			byLevel[assessments.RiskLevel(assessments.Scale(l), assessments.Scale(s))] += h.Cells[l-1][s-1]
		}
	}
	total := h.Total()
	if total == 0 {
		return "No findings."
	}
	var parts []string
	for lv := assessments.LevelMaximum; lv >= assessments.LevelNegligible; lv-- {
		if byLevel[lv] > 0 {
			parts = append(parts, strconv.Itoa(byLevel[lv])+" "+lv.Name())
		}
	}
	return hmFindings(total) + ": " + strings.Join(parts, ", ")
}

// hmFindings writes n with the noun: "1 finding", "3 findings".
func hmFindings(n int) string {
	if n == 1 {
		return "1 finding"
	}
	return strconv.Itoa(n) + " findings"
}

func (h Heatmap) titleID() string { return "heatmap-" + h.ID + "-title" }
func (h Heatmap) descID() string  { return "heatmap-" + h.ID + "-desc" }

func (c hmCellRef) class() string { return "hm-cell level-" + strconv.Itoa(int(c.Level)) }
func (c hmCellRef) testID() string {
	return "cell-" + strconv.Itoa(c.Likelihood) + "-" + strconv.Itoa(c.Severity)
}

// tooltip is the hover text of a cell, for sighted mouse users; screen readers get the table.
func (c hmCellRef) tooltip() string {
	return "Likelihood " + assessments.Scale(c.Likelihood).Name() +
		", severity " + assessments.Scale(c.Severity).Name() +
		": " + hmFindings(c.Count) + ", " + c.Level.Name() + " risk"
}

// Positions: the cell's top-left corner (inset by half the gap so cells stand apart on any
// background) and its centre.
func (c hmCellRef) x() string  { return hmNum(hmLeft + (c.Severity-1)*hmCell + hmGap/2) }
func (c hmCellRef) y() string  { return hmNum(hmTop + (4-c.Likelihood)*hmCell + hmGap/2) }
func (c hmCellRef) cx() string { return hmNum(hmLeft + (c.Severity-1)*hmCell + hmCell/2) }
func (c hmCellRef) cy() string { return hmNum(hmTop + (4-c.Likelihood)*hmCell + hmCell/2) }

// hmSteps are the scale's steps, 1 to 4.
var hmSteps = []assessments.Scale{1, 2, 3, 4}

func hmColCenter(s assessments.Scale) string { return hmNum(hmLeft + (int(s)-1)*hmCell + hmCell/2) }
func hmRowCenter(l assessments.Scale) string { return hmNum(hmTop + (4-int(l))*hmCell + hmCell/2) }

// hmLevels are the legend's entries with the products that give each level.
var hmLevels = []struct {
	Level assessments.Level
	Range string
}{
	{assessments.LevelNegligible, "1–2"},
	{assessments.LevelLimited, "3–4"},
	{assessments.LevelSignificant, "6–8"},
	{assessments.LevelMaximum, "9–16"},
}

func hmNum(n int) string { return strconv.Itoa(n) }
