package report

import (
	"strings"
	"unicode"
)

// pdfText makes user text safe for fpdf. fpdf indexes its width table by rune and that table
// stops at U+FFFF, so a rune beyond it (an emoji, say) panics when measured or written; such
// runes become U+FFFD. Control characters go and tabs become spaces. Characters the Go fonts
// have no glyph for (CJK, Hebrew, Arabic) are kept: they draw as empty boxes but stay in the
// text layer, so the PDF can still be searched and copied from.
func pdfText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r' || r == '\u2028' || r == '\u2029':
			return ' '
		case r > 0xFFFF:
			return '\uFFFD'
		case unicode.IsControl(r) || r == '\uFEFF':
			return -1
		}
		return r
	}, s)
}

// textLine is one wrapped line, in reading order, and the direction of its paragraph.
type textLine struct {
	text string
	rtl  bool
}

// wrap breaks text into lines no wider than w in the current font. Paragraph breaks are kept,
// runs of spaces fold into one, and a word wider than the line (a URL, a hash, a 5,000-character
// string) is cut wherever it must be, since fpdf's own wrapping only breaks at spaces.
func (d *doc) wrap(s string, w float64) []textLine {
	var out []textLine
	for para := range strings.SplitSeq(pdfText(s), "\n") {
		rtl := rtlParagraph(para)
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, textLine{rtl: rtl})
			continue
		}
		cur := ""
		for _, word := range words {
			candidate := word
			if cur != "" {
				candidate = cur + " " + word
			}
			if d.p.GetStringWidth(candidate) <= w {
				cur = candidate
				continue
			}
			if cur != "" {
				out = append(out, textLine{cur, rtl})
				cur = ""
			}
			pieces := d.cut(word, w)
			for _, p := range pieces[:len(pieces)-1] {
				out = append(out, textLine{p, rtl})
			}
			cur = pieces[len(pieces)-1]
		}
		out = append(out, textLine{cur, rtl})
	}
	return out
}

// cut splits a word into pieces no wider than w, each holding at least one rune.
func (d *doc) cut(word string, w float64) []string {
	if d.p.GetStringWidth(word) <= w {
		return []string{word}
	}
	var pieces []string
	var cur []rune
	width := 0.0
	for _, r := range word {
		rw := d.p.GetStringWidth(string(r))
		if len(cur) > 0 && width+rw > w {
			pieces = append(pieces, string(cur))
			cur, width = cur[:0], 0
		}
		cur = append(cur, r)
		width += rw
	}
	return append(pieces, string(cur))
}

// fit shortens s with an ellipsis to fit w, for one-line places such as the page header.
func (d *doc) fit(s string, w float64) string {
	s = strings.Join(strings.Fields(pdfText(s)), " ")
	if d.p.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && d.p.GetStringWidth(string(rs)+"…") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// text draws wrapped text at the left margin plus indent, breaking pages as needed. align is
// "L", "C" or "R"; right-to-left paragraphs are drawn right-aligned.
func (d *doc) text(s string, indent, lineHeight float64, align string) {
	w := d.width - indent
	for _, l := range d.wrap(s, w) {
		d.need(lineHeight)
		d.drawLine(d.left+indent, d.p.GetY(), w, lineHeight, l, align)
		d.p.SetY(d.p.GetY() + lineHeight)
	}
}

// drawLine draws one wrapped line in a box at x, y.
func (d *doc) drawLine(x, y, w, h float64, l textLine, align string) {
	if l.rtl && (align == "L" || align == "") {
		align = "R"
	}
	d.p.SetXY(x, y)
	d.p.CellFormat(w, h, visual(l.text, l.rtl), "", 0, align, false, 0, "")
}
