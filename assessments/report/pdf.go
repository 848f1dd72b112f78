package report

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// Page geometry in millimetres (A4 portrait) and type sizes in points.
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 20.0
	marginTop    = 24.0
	marginBottom = 22.0
	bodySize     = 9.5
	bodyLine     = 4.6
	smallSize    = 8.0
	smallLine    = 3.9
)

// rgb is a colour.
type rgb struct{ r, g, b int }

var (
	ink      = rgb{0x1f, 0x23, 0x28}
	muted    = rgb{0x59, 0x63, 0x6e}
	accent   = rgb{0x0b, 0x3d, 0x62}
	rule     = rgb{0xc8, 0xd0, 0xd8}
	shade    = rgb{0xee, 0xf1, 0xf4}
	draftRed = rgb{0xb4, 0x23, 0x18}
)

// doc is a PDF being drawn from a report.
type doc struct {
	p      *fpdf.Fpdf
	f      *facts
	left   float64 // left margin
	width  float64 // width between the margins
	bottom float64 // lowest y content may reach
}

// PDF draws the report as a PDF with the embedded Go fonts: a title page, the executive summary
// with both risk heatmaps, then the same chapters as the Markdown. The output is a plain PDF
// (no incremental updates), so a signer can append its own. The Go fonts have no CJK, Hebrew or
// Arabic glyphs: such text draws as empty boxes but stays extractable.
func PDF(r *Report) (out []byte, err error) {
	// fpdf reports most failures through Error, but a few inputs make it panic; a report that
	// cannot be drawn must come back as an error, not take the server down.
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("report: drawing PDF: %v", v)
		}
	}()
	d := newDoc(r)
	d.titlePage()
	d.summary()
	d.project()
	d.answers()
	d.evidence()
	d.findings()
	d.closing()
	d.tracking()
	var buf bytes.Buffer
	if err := d.p.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: drawing PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func newDoc(r *Report) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	d := &doc{p: p, f: gather(r), left: marginX, width: pageW - 2*marginX, bottom: pageH - marginBottom}
	// fpdf writes into the font bytes it is given while it subsets them (composite glyphs get
	// their new indices in place), so each document gets its own copy: the gofont variables
	// stay intact, concurrent reports do not race, and the same report gives the same bytes.
	p.AddUTF8FontFromBytes("go", "", bytes.Clone(goregular.TTF))
	p.AddUTF8FontFromBytes("go", "B", bytes.Clone(gobold.TTF))
	p.AddUTF8FontFromBytes("go", "I", bytes.Clone(goitalic.TTF))
	p.AddUTF8FontFromBytes("gomono", "", bytes.Clone(gomono.TTF))
	p.SetMargins(marginX, marginTop, marginX)
	p.SetCellMargin(0)
	// Pages break where doc.need says, never in the middle of a drawing fpdf does not know of.
	p.SetAutoPageBreak(false, marginBottom)
	p.AliasNbPages("{nb}")
	// Metadata goes through pdfText too: fpdf's UTF-16 conversion panics on invalid UTF-8.
	p.SetTitle(pdfText("Privacy impact assessment: "+r.Project.Name), true)
	p.SetSubject(pdfText(fmt.Sprintf("Assessment %d, cycle %d, revision %d, SHA-256 %s", r.Assessment.ID,
		r.Assessment.Cycle, r.Assessment.Revision, r.Assessment.StateHash)), true)
	p.SetCreator("piaf", true)
	p.SetProducer("piaf", true)
	p.SetKeywords(pdfText("privacy impact assessment, DPIA, "+r.Assessment.StateHash), true)
	// Dates from the report, not the clock, so that one revision gives the same file.
	p.SetCreationDate(r.GeneratedAt.UTC())
	p.SetModificationDate(r.GeneratedAt.UTC())
	p.SetCatalogSort(true) // fonts and images in a fixed order rather than map order
	p.SetHeaderFuncMode(d.header, true)
	p.SetFooterFunc(d.footer)
	return d
}

func (d *doc) font(style string, size float64, c rgb) {
	d.p.SetFont("go", style, size)
	d.p.SetTextColor(c.r, c.g, c.b)
}

func (d *doc) fill(c rgb) { d.p.SetFillColor(c.r, c.g, c.b) }
func (d *doc) draw(c rgb) { d.p.SetDrawColor(c.r, c.g, c.b) }

// need starts a new page unless h millimetres are left on this one.
func (d *doc) need(h float64) {
	if d.p.GetY()+h > d.bottom {
		d.p.AddPage()
	}
}

func (d *doc) header() {
	p := d.p
	r := d.f.r
	d.font("", smallSize, muted)
	half := d.width / 2
	p.SetXY(d.left, 11)
	title := d.fit("Privacy impact assessment · "+r.Project.Name, half-2)
	p.CellFormat(half, 5, visual(title, false), "", 0, "L", false, 0, "")
	if r.Draft() {
		d.font("B", smallSize, draftRed)
		p.CellFormat(half, 5, draftLine, "", 0, "R", false, 0, "")
	} else {
		p.CellFormat(half, 5, fmt.Sprintf("Approved revision %d", r.Assessment.Revision), "", 0, "R", false, 0, "")
	}
	d.draw(rule)
	p.SetLineWidth(0.2)
	p.Line(d.left, 17, d.left+d.width, 17)
	p.SetXY(d.left, marginTop)
}

func (d *doc) footer() {
	p := d.p
	r := d.f.r
	if r.Draft() {
		d.watermark()
	}
	y := pageH - 14
	d.draw(rule)
	p.SetLineWidth(0.2)
	p.Line(d.left, y-1.5, d.left+d.width, y-1.5)
	left := fmt.Sprintf("Revision %d · SHA-256 ", r.Assessment.Revision)
	if r.Draft() {
		d.font("B", 7, draftRed)
		p.SetXY(d.left, y)
		p.CellFormat(13, 4, "DRAFT", "", 0, "L", false, 0, "")
	} else {
		p.SetXY(d.left, y)
	}
	d.font("", 7, muted)
	p.CellFormat(p.GetStringWidth(left), 4, left, "", 0, "L", false, 0, "")
	p.SetFont("gomono", "", 6.5)
	p.CellFormat(95, 4, d.fit(r.Assessment.StateHash, 94), "", 0, "L", false, 0, "")
	d.font("", 7.5, muted)
	p.SetXY(d.left, y)
	p.CellFormat(d.width, 4, "Page "+strconv.Itoa(p.PageNo())+" of {nb}", "", 0, "R", false, 0, "")
}

// chapter starts a numbered chapter, on a new page or after what comes before.
func (d *doc) chapter(n int, title string, newPage bool) {
	if newPage {
		d.p.AddPage()
	} else {
		d.need(26)
		d.p.SetY(d.p.GetY() + 6)
	}
	label := fmt.Sprintf("%d  %s", n, title)
	d.p.Bookmark(label, 0, -1)
	d.font("B", 16, accent)
	d.text(label, 0, 8, "L")
	d.draw(accent)
	d.p.SetLineWidth(0.5)
	d.p.Line(d.left, d.p.GetY()+0.5, d.left+22, d.p.GetY()+0.5)
	d.p.SetY(d.p.GetY() + 5)
}

// heading starts a sub-heading, on a new page if too little room is left for it and a few lines
// after it.
func (d *doc) heading(title string, bookmark bool) {
	d.need(22)
	d.p.SetY(d.p.GetY() + 2)
	if bookmark {
		d.p.Bookmark(pdfText(title), 1, -1)
	}
	d.font("B", 11.5, accent)
	d.text(title, 0, 5.6, "L")
	d.p.SetY(d.p.GetY() + 1.5)
}

// para draws body text and leaves a gap after it.
func (d *doc) para(s string, style string, c rgb) {
	d.font(style, bodySize, c)
	d.text(s, 0, bodyLine, "L")
	d.p.SetY(d.p.GetY() + 2)
}
