package report

import "strings"

// evidence draws chapter 4: each evidence record with where it came from, its figures, its
// warnings and credibility, and the charts that help read it.
func (d *doc) evidence() {
	items := d.f.evidence()
	d.chapter(4, "Evidence", true)
	if len(items) == 0 {
		d.para("No evidence attached.", "I", muted)
		return
	}
	d.para("Figures piaf computed or received, in the order they were added. Rules compare them with the organisation's policy limits.", "I", muted)
	for _, it := range items {
		var rows [][]cellText
		for _, fl := range it.Fields {
			rows = append(rows, []cellText{label(fl.Label), {text: fl.Value, mono: fl.Mono}})
		}
		d.need(min(d.tableHeight(detailColumns, rows)+14, d.bottom-marginTop))
		d.heading(it.Title, true)
		d.table(detailColumns, rows)
		if len(it.Figures) == 0 {
			d.para("No figures.", "I", muted)
		} else {
			var frows [][]cellText
			for _, fg := range it.Figures {
				frows = append(frows, plain(fg.Label, fg.Value))
			}
			d.table([]column{{"Figure", 70, "L"}, {"Value", 30, "R"}}, frows)
		}
		if len(it.Warnings) > 0 {
			d.para("Warnings: "+strings.Join(it.Warnings, " "), "", ink)
		}
		if len(it.NotCredible) > 0 {
			d.para("Not credible: "+strings.Join(it.NotCredible, " "), "B", draftRed)
		}
		for _, c := range d.f.charts(it.E) {
			d.chart(c)
		}
	}
}

const (
	chartLabelW = 42.0 // room for bar labels
	chartValueW = 22.0 // room for the value after the longest bar
	chartBarH   = 4.2
	chartGap    = 1.6
)

var (
	barBefore = rgb{0x9a, 0xa8, 0xb6}
	barAfter  = accent
)

// chart draws horizontal bars from 0 to c.Max with their values, and the limit as a dashed red
// line with its label above the bars.
func (d *doc) chart(c chart) {
	p := d.p
	height := 6 + 5 + float64(len(c.Bars))*(chartBarH+chartGap) + 4
	d.need(height)
	d.font("B", smallSize+0.5, ink)
	d.text(c.Title, 0, 5, "L")
	top := p.GetY() + 5
	x0 := d.left + chartLabelW
	w := d.width - chartLabelW - chartValueW
	scale := func(v float64) float64 { return x0 + w*min(max(v, 0), c.Max)/c.Max }
	y := top
	prev := ""
	for _, b := range c.Bars {
		d.font("", smallSize, ink)
		name := b.Label
		if b.Group != "" {
			if name == prev {
				name = ""
			}
			prev = b.Label
		}
		if name != "" {
			p.SetXY(d.left, y)
			p.CellFormat(chartLabelW-2, chartBarH, d.fit(pdfText(name), chartLabelW-3), "", 0, "L", false, 0, "")
		}
		colour := barAfter
		if b.Group == "before" {
			colour = barBefore
		}
		d.fill(colour)
		if bw := scale(b.Value) - x0; bw > 0 {
			p.Rect(x0, y+0.4, bw, chartBarH-0.8, "F")
		}
		value := c.Format(b.Value)
		if b.Group != "" {
			value += " " + b.Group
		}
		d.font("", smallSize-0.5, muted)
		p.SetXY(scale(b.Value)+1.5, y)
		p.CellFormat(chartValueW+w, chartBarH, value, "", 0, "L", false, 0, "")
		y += chartBarH + chartGap
	}
	// Axis at zero.
	d.draw(muted)
	p.SetLineWidth(0.2)
	p.Line(x0, top-1, x0, y)
	if c.Limit > 0 && c.Limit <= c.Max {
		lx := scale(c.Limit)
		d.draw(draftRed)
		p.SetLineWidth(0.4)
		p.SetDashPattern([]float64{1.2, 0.8}, 0)
		p.Line(lx, top-1.5, lx, y)
		p.SetDashPattern(nil, 0)
		d.font("B", smallSize-0.5, draftRed)
		p.SetXY(lx-20, top-5)
		p.CellFormat(40, 3.5, c.LimitLabel, "", 0, "C", false, 0, "")
	}
	p.SetY(y + 4)
}
