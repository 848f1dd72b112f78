package report

import "slices"

// PDF text is stored in the order it is drawn, left to right, and text extractors such as
// pdftotext put right-to-left runs back into reading order. So a line holding Hebrew or Arabic
// is reordered before drawing. This is a small subset of the Unicode bidirectional algorithm,
// enough for prose: letters of right-to-left scripts form RTL runs, digits stay left to right,
// neutral characters between two runs of one direction join them and otherwise follow the
// paragraph, and brackets in RTL runs are mirrored. Arabic letters are not shaped into their
// joined forms: the embedded Go fonts have no Hebrew or Arabic glyphs anyway.

type bidiClass uint8

const (
	bidiNeutral bidiClass = iota
	bidiLTR
	bidiRTL
	bidiDigit
)

func classify(r rune) bidiClass {
	switch {
	case r >= '0' && r <= '9':
		return bidiDigit
	case isRTL(r):
		return bidiRTL
	case r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z'), r >= 0xC0 && !isNeutral(r):
		return bidiLTR
	}
	return bidiNeutral
}

// isRTL covers Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and their presentation
// forms.
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFE)
}

// isNeutral picks out the punctuation and symbols above ASCII that take their direction from
// their neighbours.
func isNeutral(r rune) bool {
	return (r >= 0x2000 && r <= 0x2BFF) || (r >= 0x3000 && r <= 0x303F) || r == 0xA0 || r == 0xAB || r == 0xBB || r == 0xD7 || r == 0xF7
}

// rtlParagraph tells whether the first letter of s belongs to a right-to-left script.
func rtlParagraph(s string) bool {
	for _, r := range s {
		switch classify(r) {
		case bidiRTL:
			return true
		case bidiLTR:
			return false
		}
	}
	return false
}

// visual returns one line in drawing order; rtl is the paragraph's direction.
func visual(line string, rtl bool) string {
	rs := []rune(line)
	if len(rs) == 0 || !rtl && !slices.ContainsFunc(rs, isRTL) {
		return line
	}
	levels := bidiLevels(rs, rtl)
	maxLevel := slices.Max(levels)
	for lvl := maxLevel; lvl >= 1; lvl-- {
		for i := 0; i < len(rs); {
			if levels[i] < lvl {
				i++
				continue
			}
			j := i
			for j < len(rs) && levels[j] >= lvl {
				j++
			}
			slices.Reverse(rs[i:j])
			slices.Reverse(levels[i:j])
			i = j
		}
	}
	for i, r := range rs {
		if levels[i]%2 == 1 {
			rs[i] = mirror(r)
		}
	}
	return string(rs)
}

// bidiLevels gives each rune its embedding level: even runs are drawn left to right, odd ones
// right to left, and higher levels are reversed inside lower ones.
func bidiLevels(rs []rune, rtl bool) []int {
	// Resolve every rune to a direction: digits count as RTL for their neighbours when they
	// follow RTL text; neutrals take the direction around them, or the paragraph's.
	dir := make([]bidiClass, len(rs))
	last := bidiLTR
	if rtl {
		last = bidiRTL
	}
	base := last
	for i, r := range rs {
		switch c := classify(r); c {
		case bidiLTR, bidiRTL:
			dir[i], last = c, c
		case bidiDigit:
			dir[i] = last
		}
	}
	for i := 0; i < len(rs); {
		if dir[i] != bidiNeutral {
			i++
			continue
		}
		j := i
		for j < len(rs) && dir[j] == bidiNeutral {
			j++
		}
		before, after := base, base
		if i > 0 {
			before = dir[i-1]
		}
		if j < len(rs) {
			after = dir[j]
		}
		d := base
		if before == after {
			d = before
		}
		for k := i; k < j; k++ {
			dir[k] = d
		}
		i = j
	}
	levels := make([]int, len(rs))
	for i, r := range rs {
		switch {
		case dir[i] == bidiRTL && classify(r) == bidiDigit:
			levels[i] = 2 // numbers keep their order inside RTL text
		case dir[i] == bidiRTL:
			levels[i] = 1
		case rtl:
			levels[i] = 2
		}
	}
	return levels
}

func mirror(r rune) rune {
	switch r {
	case '(':
		return ')'
	case ')':
		return '('
	case '[':
		return ']'
	case ']':
		return '['
	case '{':
		return '}'
	case '}':
		return '{'
	case '<':
		return '>'
	case '>':
		return '<'
	case '«':
		return '»'
	case '»':
		return '«'
	}
	return r
}
