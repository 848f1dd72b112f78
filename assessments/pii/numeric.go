package pii

// A numeric run is digit groups joined by short separators ("-", " ", ".", "/", parentheses). Card
// numbers, SSNs, phone numbers and IPv4 addresses are all read from one; which one, if any, is for
// the validators to say.

const maxGroups = 12

type group struct {
	start, end int
	sep        sepCode // the separator before the group (0 for the first, sOpen when it opens one)
}

func isSepChar(c byte) bool {
	return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')'
}

// numeric reads the run at i (a digit, '+' or '(') and emits what validates in it. A match may
// start at the run's start or after a space, and end at the run's end or before a space, so
// "card 4111 1111 1111 1111 12 25" still finds the card but "1.2.3.4.5" is no IP address.
func (d *detector) numeric(i int) int {
	b := d.b
	n := len(b)
	j := i
	plus := b[j] == '+'
	if plus {
		j++
	}
	var gs [maxGroups]group
	ng := 0
	var lead sepCode
	if j < n && b[j] == '(' {
		lead = sOpen
		j++
	}
	for ng < maxGroups {
		s := j
		for j < n && isDigit(b[j]) {
			j++
		}
		if j == s {
			break
		}
		gs[ng] = group{s, j, lead}
		ng++
		k := j
		for k < n && k-j < 2 && isSepChar(b[k]) {
			k++
		}
		if k == j || k >= n || !isDigit(b[k]) {
			break
		}
		lead = sepCode(b[j])
		if k-j == 2 {
			lead = lead<<8 | sepCode(b[j+1])
		}
		j = k
	}
	if ng == 0 {
		return i + 1
	}
	runEnd := gs[ng-1].end
	endOK := runEnd == n || !isWord(b[runEnd]) && b[runEnd] != '@'
	if ng == maxGroups || continuesToken(b, i) {
		return runEnd
	}
	// Blocks of four digits joined by spaces are one number (a card, an IBAN's tail): no match
	// may start or end inside them.
	whole := ng >= 3
	for k, g := range gs[:ng] {
		if k > 0 && g.sep != sSpace || k < ng-1 && glen(g) != 4 {
			whole = false
		}
	}
	for s := 0; s < ng; {
		if whole && s > 0 {
			break
		}
		if s > 0 && gs[s].sep != sSpace && gs[s].sep != sSpaceOpen {
			s++
			continue
		}
		matched := false
		for e := min(ng-1, s+7); e >= s; e-- {
			// An IPv4 address may also end before a CIDR suffix: 10.0.0.0/8.
			cidr := e == ng-2 && gs[ng-1].sep == sSlash && glen(gs[ng-1]) <= 2 && endOK
			if !cidr && (e < ng-1 && (whole || gs[e+1].sep != sSpace && gs[e+1].sep != sSpaceOpen) || e == ng-1 && !endOK) {
				continue
			}
			start := gs[s].start
			if s == 0 {
				start = i
			} else if gs[s].sep == sSpaceOpen {
				start--
			}
			if start < d.last {
				continue
			}
			t := classify(b, gs[s:e+1], s == 0 && plus)
			if cidr && t != IPAddress {
				t = 0
			}
			if t != 0 {
				d.emit(start, gs[e].end, t)
				s = e + 1
				matched = true
				break
			}
		}
		if !matched {
			s++
		}
	}
	return runEnd
}

// classify says which type, if any, the groups form. The first group's sep is sOpen when the
// candidate opens with a parenthesis.
func classify(b []byte, gs []group, plus bool) Type {
	var buf [24]byte
	nd := 0
	for _, g := range gs {
		if nd+g.end-g.start > len(buf) {
			return 0
		}
		nd += copy(buf[nd:], b[g.start:g.end])
	}
	dg := buf[:nd]
	if plus {
		if intlPhone(b, gs, dg) {
			return PhoneNumber
		}
		return 0
	}
	paren := gs[0].sep == sOpen
	same := sameSeps(gs)
	if !paren {
		switch {
		case len(gs) == 4 && same == sDot:
			for _, g := range gs {
				if g.end-g.start > 3 {
					return 0
				}
			}
			if validIP(b[gs[0].start:gs[3].end]) {
				return IPAddress
			}
			return 0
		case len(gs) == 3 && (same == sDash || same == sSpace) && glen(gs[0]) == 3 && glen(gs[1]) == 2 && glen(gs[2]) == 4:
			if validSSN(dg) {
				return USSSN
			}
			return 0
		case nd >= 13 && (len(gs) == 1 || same == sSpace || same == sDash):
			if validCard(dg) {
				return CreditCard
			}
			return 0
		}
	}
	if nationalPhone(gs, dg, paren, same) {
		return PhoneNumber
	}
	return 0
}

func glen(g group) int { return g.end - g.start }

// sameSeps is the separator used between every pair of groups, or "" when they differ or there
// is only one group.
func sameSeps(gs []group) sepCode {
	if len(gs) < 2 {
		return 0
	}
	s := gs[1].sep
	for _, g := range gs[2:] {
		if g.sep != s {
			return 0
		}
	}
	return s
}

func phoneSep(s sepCode) bool {
	switch s {
	case sSpace, sDash, sDot, sSlash, sCloseSpace, sClose, sCloseDash, sSpaceOpen, sOpen:
		return true
	}
	return false
}

// nationalPhone accepts the national forms typed in the US, UK, Germany and France.
func nationalPhone(gs []group, dg []byte, paren bool, same sepCode) bool {
	nd := len(dg)
	if nd < 10 || nd > 12 {
		return false
	}
	for _, g := range gs[1:] {
		if !phoneSep(g.sep) {
			return false
		}
	}
	lens := make([]int, 0, 8)
	for _, g := range gs {
		lens = append(lens, glen(g))
	}
	// US: (212) 555-1234, 212-555-1234, 212.555.1234, 212 555 1234, 1-212-555-1234.
	us := func(off int) bool {
		return dg[off] >= '2' && dg[off+3] >= '2'
	}
	switch {
	case eqInts(lens, 3, 3, 4) && paren && (gs[1].sep == sCloseSpace || gs[1].sep == sClose) && (gs[2].sep == sDash || gs[2].sep == sSpace || gs[2].sep == sDot):
		return us(0)
	case eqInts(lens, 3, 3, 4) && !paren && (same == sDash || same == sDot || same == sSpace):
		return us(0)
	case eqInts(lens, 1, 3, 3, 4) && !paren && dg[0] == '1' && (same == sDash || same == sDot || same == sSpace):
		return us(1)
	}
	if dg[0] != '0' || dg[1] == '0' {
		return false
	}
	switch {
	case len(gs) == 1:
		return nd == 10 || nd == 11 && dg[1] == '7' // 0612345678 (FR), 07700900123 (UK mobile)
	case eqInts(lens, 2, 2, 2, 2, 2):
		return !paren && (same == sSpace || same == sDot || same == sDash) // FR: 01 23 45 67 89
	}
	// UK and DE: an area code of 3 to 5 digits, then the subscriber number in one to three groups.
	if nd < 10 || nd > 12 || len(gs) > 4 || lens[0] < 3 || lens[0] > 5 {
		return false
	}
	for i, g := range gs[1:] {
		if lens[i+1] < 3 {
			return false
		}
		switch g.sep {
		case sSpace, sDash, sSlash:
		case sCloseSpace, sClose:
			if !paren || i != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// intlPhone accepts +CC forms: +1 NANP numbers, +44, +49, +33 by their national lengths, and other
// country codes with 10 to 15 digits in all (E.164 allows 15). A "(0)" trunk prefix is skipped.
func intlPhone(b []byte, gs []group, dg []byte) bool {
	for _, g := range gs[1:] {
		if !phoneSep(g.sep) {
			return false
		}
	}
	if gs[0].sep == sOpen {
		return false
	}
	var buf [24]byte
	nd := 0
	for k, g := range gs {
		if k > 0 && glen(g) == 1 && b[g.start] == '0' && (g.sep == sSpaceOpen || g.sep == sOpen) && g.end < len(b) && b[g.end] == ')' {
			continue
		}
		nd += copy(buf[nd:], b[g.start:g.end])
	}
	d := buf[:nd]
	if nd < 10 || nd > 15 || d[0] == '0' {
		return false
	}
	switch {
	case d[0] == '1':
		return nd == 11 && d[1] >= '2' && d[4] >= '2'
	case d[0] == '4' && d[1] == '4':
		return (nd == 12 || nd == 11) && d[2] != '0'
	case d[0] == '4' && d[1] == '9':
		return d[2] != '0'
	case d[0] == '3' && d[1] == '3':
		return nd == 11 && d[2] != '0'
	}
	return true
}

func eqInts(got []int, want ...int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// sepCode is a separator of one or two bytes packed into a number, so runs allocate nothing.
type sepCode uint16

const (
	sSpace      sepCode = ' '
	sDash       sepCode = '-'
	sDot        sepCode = '.'
	sSlash      sepCode = '/'
	sOpen       sepCode = '('
	sClose      sepCode = ')'
	sCloseSpace sepCode = ')'<<8 | ' '
	sCloseDash  sepCode = ')'<<8 | '-'
	sSpaceOpen  sepCode = ' '<<8 | '('
)

// continuesToken reports whether the run at i follows a token of letters and digits after one
// space, as the digit blocks of a spaced IBAN ("CH63 6259 7463 ...") follow its country code.
func continuesToken(b []byte, i int) bool {
	if i < 2 || b[i-1] != ' ' || !isAlnum(b[i-2]) {
		return false
	}
	digit := false
	for j := i - 2; j >= 0 && isAlnum(b[j]); j-- {
		digit = digit || isDigit(b[j])
	}
	return digit
}
