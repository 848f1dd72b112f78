package report

import (
	"strconv"

	"github.com/piaf-dev/piaf/assessments"
)

// Level colours: a light tint for table cells and a stronger one for the heatmaps.
var (
	levelTint = map[assessments.Level]rgb{
		assessments.LevelNone:        shade,
		assessments.LevelNegligible:  {0xdf, 0xf0, 0xd8},
		assessments.LevelLimited:     {0xfc, 0xf3, 0xcf},
		assessments.LevelSignificant: {0xfd, 0xe2, 0xc4},
		assessments.LevelMaximum:     {0xf8, 0xd0, 0xcc},
	}
	levelHeat = map[assessments.Level]rgb{
		assessments.LevelNegligible:  {0xa8, 0xd5, 0xa2},
		assessments.LevelLimited:     {0xf7, 0xdc, 0x6f},
		assessments.LevelSignificant: {0xf5, 0xb0, 0x41},
		assessments.LevelMaximum:     {0xe5, 0x73, 0x68},
	}
)

// levelCell is a table cell naming a level on its tint.
func levelCell(l assessments.Level) cellText {
	tint := levelTint[l]
	return cellText{text: levelName(l), fill: &tint}
}

const (
	heatCell   = 14.0 // side of one cell of the matrix
	heatLabels = 24.0 // room left of the matrix for the axis title and row labels
	heatWidth  = heatLabels + 4*heatCell
	heatHeight = 8 + 4*heatCell + 12
)

// heatmaps draws the inherent and residual matrices side by side, with a legend under them.
func (d *doc) heatmaps() {
	d.need(heatHeight + 14)
	y := d.p.GetY()
	gap := d.width - 2*heatWidth
	d.heatmap(d.left, y, "Before mitigation (inherent risk)", d.f.heat.Inherent)
	d.heatmap(d.left+heatWidth+gap, y, "After mitigation (residual risk)", d.f.heat.Residual)
	d.p.SetXY(d.left, y+heatHeight+2)
	d.legend()
}

// heatmap draws one 4×4 matrix of live finding counts: likelihood up the side, severity along
// the bottom, each cell in the colour of the level its pair gives.
func (d *doc) heatmap(x, y float64, title string, counts [4][4]int) {
	p := d.p
	d.font("B", bodySize, ink)
	p.SetXY(x, y)
	p.CellFormat(heatWidth, 5, title, "", 0, "C", false, 0, "")
	gx, gy := x+heatLabels, y+8
	for row := 0; row < 4; row++ {
		likelihood := assessments.Scale(4 - row)
		cy := gy + float64(row)*heatCell
		d.font("", 7, muted)
		p.SetXY(x+5, cy)
		p.CellFormat(heatLabels-6.5, heatCell, capitalise(likelihood.Name()), "", 0, "R", false, 0, "")
		for col := 0; col < 4; col++ {
			severity := assessments.Scale(col + 1)
			cx := gx + float64(col)*heatCell
			d.fill(levelHeat[assessments.RiskLevel(likelihood, severity)])
			d.draw(rgb{0xff, 0xff, 0xff})
			p.SetLineWidth(0.8)
			p.Rect(cx, cy, heatCell, heatCell, "FD")
			n := counts[likelihood-1][severity-1]
			if n > 0 {
				d.font("B", 12, ink)
			} else {
				d.font("", 8, rgb{0x6b, 0x6b, 0x6b})
			}
			p.SetXY(cx, cy)
			p.CellFormat(heatCell, heatCell, strconv.Itoa(n), "", 0, "C", false, 0, "")
		}
	}
	d.font("", 7, muted)
	for col := 0; col < 4; col++ {
		p.SetXY(gx+float64(col)*heatCell, gy+4*heatCell+0.5)
		p.CellFormat(heatCell, 4, capitalise(assessments.Scale(col+1).Name()), "", 0, "C", false, 0, "")
	}
	d.font("B", 7.5, ink)
	p.SetXY(gx, gy+4*heatCell+5)
	p.CellFormat(4*heatCell, 4, "Severity →", "", 0, "C", false, 0, "")
	// The likelihood axis title runs up the left side.
	label := "Likelihood →"
	p.TransformBegin()
	p.TransformRotate(90, x+3, gy+2*heatCell)
	p.Text(x+3-p.GetStringWidth(label)/2, gy+2*heatCell+1.2, label)
	p.TransformEnd()
}

// legend explains the colours.
func (d *doc) legend() {
	p := d.p
	x := d.left
	y := p.GetY()
	for l := assessments.LevelNegligible; l <= assessments.LevelMaximum; l++ {
		d.fill(levelHeat[l])
		d.draw(levelHeat[l])
		p.Rect(x, y+0.8, 3.2, 3.2, "FD")
		d.font("", smallSize, ink)
		name := levelName(l)
		p.SetXY(x+4.5, y)
		p.CellFormat(p.GetStringWidth(name)+6, 5, name, "", 0, "L", false, 0, "")
		x += 4.5 + p.GetStringWidth(name) + 6
	}
	p.SetXY(d.left, y+6)
	d.font("", smallSize, muted)
	d.text("A cell's level comes from likelihood × severity: 1–2 negligible, 3–4 limited, 6–8 significant, "+
		"9–16 maximum. Counts are of live findings (not resolved by answers, not marked not applicable).", 0, smallLine, "L")
	if note := d.f.projectedNote(); note != "" {
		d.text(note, 0, smallLine, "L")
	}
}
