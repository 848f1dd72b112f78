package report

import (
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// boldOutlines is the bold Go font parsed for its glyph outlines; sfnt only reads the bytes.
var boldOutlines = sync.OnceValues(func() (*sfnt.Font, error) { return sfnt.Parse(gobold.TTF) })

// watermark writes DRAFT across the page. It is drawn last, over tables and heatmaps that would
// hide it, translucent so that what is under it stays readable, and as shapes rather than text
// so that text extraction (and search) does not find stray letters in the middle of sentences.
func (d *doc) watermark() {
	f, err := boldOutlines()
	if err != nil {
		return // the header and footer still say DRAFT
	}
	const word, em = "DRAFT", 38.0 // em size in millimetres
	var buf sfnt.Buffer
	ppem := fixed.Int26_6(em * 64) // one 26.6 unit is 1/64 mm
	var glyphs []sfnt.Segments
	var advances []float64
	total := 0.0
	for _, r := range word {
		idx, err := f.GlyphIndex(&buf, r)
		if err != nil {
			return
		}
		segs, err := f.LoadGlyph(&buf, idx, ppem, nil)
		if err != nil {
			return
		}
		adv, err := f.GlyphAdvance(&buf, idx, ppem, font.HintingNone)
		if err != nil {
			return
		}
		glyphs = append(glyphs, append(sfnt.Segments(nil), segs...))
		advances = append(advances, float64(adv)/64)
		total += float64(adv) / 64
	}
	p := d.p
	p.SetAlpha(0.08, "Normal")
	d.fill(draftRed)
	p.TransformBegin()
	p.TransformRotate(45, pageW/2, pageH/2)
	x, baseline := pageW/2-total/2, pageH/2+em*0.36
	for i, segs := range glyphs {
		d.outline(segs, x, baseline)
		x += advances[i]
	}
	p.TransformEnd()
	p.SetAlpha(1, "Normal")
}

// outline fills one glyph whose origin is at x, y; sfnt's y axis already points down, as the
// page's does.
func (d *doc) outline(segs sfnt.Segments, x, y float64) {
	p := d.p
	pt := func(q fixed.Point26_6) (float64, float64) { return x + float64(q.X)/64, y + float64(q.Y)/64 }
	var cx, cy float64
	for i, s := range segs {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if i > 0 {
				p.ClosePath()
			}
			cx, cy = pt(s.Args[0])
			p.MoveTo(cx, cy)
		case sfnt.SegmentOpLineTo:
			cx, cy = pt(s.Args[0])
			p.LineTo(cx, cy)
		case sfnt.SegmentOpQuadTo:
			// PDF has cubic curves only; a quadratic one is the cubic with control points
			// two thirds of the way to the quadratic's.
			qx, qy := pt(s.Args[0])
			ex, ey := pt(s.Args[1])
			p.CurveBezierCubicTo(cx+2*(qx-cx)/3, cy+2*(qy-cy)/3, ex+2*(qx-ex)/3, ey+2*(qy-ey)/3, ex, ey)
			cx, cy = ex, ey
		case sfnt.SegmentOpCubeTo:
			c1x, c1y := pt(s.Args[0])
			c2x, c2y := pt(s.Args[1])
			cx, cy = pt(s.Args[2])
			p.CurveBezierCubicTo(c1x, c1y, c2x, c2y, cx, cy)
		}
	}
	if len(segs) > 0 {
		p.ClosePath()
		p.DrawPath("f")
	}
}
