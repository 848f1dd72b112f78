package report

import "slices"

// column is a table column: its heading, its share of the table's width and its alignment.
type column struct {
	title string
	share float64
	align string // "L", "C" or "R"
}

// cellText is one cell of a table row.
type cellText struct {
	text  string
	style string // "", "B" or "I"
	fill  *rgb   // background, if any
	mono  bool
}

// plain makes a row of unstyled cells.
func plain(texts ...string) []cellText {
	row := make([]cellText, len(texts))
	for i, t := range texts {
		row[i] = cellText{text: t}
	}
	return row
}

const (
	cellPadX = 1.6
	cellPadY = 1.2
)

// table draws rows under a heading row that is repeated on every page the table reaches. A row
// that does not fit on the rest of the page moves to the next one; a row taller than a whole
// page is split between pages, so no text is ever cut off. With no titles the heading row is
// left out.
func (d *doc) table(cols []column, rows [][]cellText) {
	widths := d.widths(cols)
	// Keep the heading with at least the first line of the first row.
	d.need(2*(smallLine+2*cellPadY) + 1)
	d.repeatHead(cols, widths)
	for _, r := range rows {
		d.row(cols, widths, r, smallSize+0.5, true)
	}
	d.p.SetY(d.p.GetY() + 3)
}

func (d *doc) widths(cols []column) []float64 {
	total := 0.0
	for _, c := range cols {
		total += c.share
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = d.width * c.share / total
	}
	return widths
}

// tableHeight is the height table would take on one page, to keep a short table in one piece.
func (d *doc) tableHeight(cols []column, rows [][]cellText) float64 {
	widths := d.widths(cols)
	h := 0.0
	for _, r := range rows {
		most := 1
		for i := range cols {
			if i < len(r) {
				d.cellFont(r[i], smallSize+0.5)
				most = max(most, len(d.wrap(r[i].text, widths[i]-2*cellPadX)))
			}
		}
		h += float64(most)*(smallSize+0.5)*0.48 + 2*cellPadY
	}
	return h
}

// row draws one row, continuing it on new pages (with the heading again) while it has lines
// left. Only body rows may split; a heading row is short enough to fit.
func (d *doc) row(cols []column, widths []float64, cells []cellText, size float64, body bool) {
	lineH := size * 0.48
	if len(cells) < len(cols) {
		cells = append(slices.Clone(cells), make([]cellText, len(cols)-len(cells))...)
	}
	lines := make([][]textLine, len(cols))
	most := 1
	for i, c := range cells[:len(cols)] {
		d.cellFont(c, size)
		lines[i] = d.wrap(c.text, widths[i]-2*cellPadX)
		most = max(most, len(lines[i]))
	}
	fresh := false // at the top of a page this row moved to; it must not move again
	for start := 0; start < most; {
		room := int((d.bottom - d.p.GetY() - 2*cellPadY) / lineH)
		rest := most - start
		if !fresh && (room < 1 || (body && room < rest && rest <= d.pageLines(lineH))) {
			// The rest of the row fits on a fresh page: move it there whole rather than split it.
			d.p.AddPage()
			if body {
				d.repeatHead(cols, widths)
			}
			fresh = true
			continue
		}
		n := max(1, min(room, rest))
		y := d.p.GetY()
		h := float64(n)*lineH + 2*cellPadY
		x := d.left
		for i, c := range cells[:len(cols)] {
			style := "D"
			if c.fill != nil {
				d.fill(*c.fill)
				style = "FD"
			}
			d.draw(rule)
			d.p.SetLineWidth(0.15)
			d.p.Rect(x, y, widths[i], h, style)
			d.cellFont(c, size)
			for k := start; k < start+n && k < len(lines[i]); k++ {
				d.drawLine(x+cellPadX, y+cellPadY+float64(k-start)*lineH, widths[i]-2*cellPadX, lineH, lines[i][k], cols[i].align)
			}
			x += widths[i]
		}
		d.p.SetXY(d.left, y+h)
		start += n
		fresh = false
		if start < most {
			d.p.AddPage()
			d.repeatHead(cols, widths)
			fresh = true
		}
	}
}

// repeatHead draws the heading row, at the top of a table and again on every page it continues
// on; a table without titles has none.
func (d *doc) repeatHead(cols []column, widths []float64) {
	head := make([]cellText, len(cols))
	titled := false
	for i, c := range cols {
		head[i] = cellText{text: c.title, style: "B", fill: &shade}
		titled = titled || c.title != ""
	}
	if titled {
		d.row(cols, widths, head, smallSize, false)
	}
}

// pageLines is how many lines of height lineH a fresh page holds in a table row.
func (d *doc) pageLines(lineH float64) int {
	return int((d.bottom - marginTop - 2*(smallLine+2*cellPadY) - 2*cellPadY) / lineH)
}

func (d *doc) cellFont(c cellText, size float64) {
	if c.mono {
		d.p.SetFont("gomono", "", size-0.5)
		d.p.SetTextColor(ink.r, ink.g, ink.b)
		return
	}
	d.font(c.style, size, ink)
}
