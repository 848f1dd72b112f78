package pii

import "bytes"

// span is a detection in byte offsets of the field's text.
type span struct {
	start, end int
	typ        Type
}

// What a byte may start. Bytes that start nothing are skipped by one table look-up.
const (
	trNone uint8 = iota
	trDigit
	trPlus
	trParen
	trAt
	trColon
	trDash
	trUpper
)

var triggers = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = trDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = trUpper
	}
	t['+'], t['('], t['@'], t[':'], t['-'] = trPlus, trParen, trAt, trColon, trDash
	return t
}()

// isWord: bytes that glue to a token, so that a candidate next to them is part of a longer word.
// Bytes of multi-byte UTF-8 characters count as word bytes.
func isWord(c byte) bool { return isAlnum(c) || c == '_' || c >= 0x80 }

// detect appends the detections in b to out, in order and without overlaps.
func detect(b []byte, out []span) []span {
	d := detector{b: b, out: out}
	d.run()
	return d.out
}

type detector struct {
	b    []byte
	out  []span
	last int // end of the last detection: nothing may start before it
}

func (d *detector) emit(start, end int, t Type) {
	d.out = append(d.out, span{start, end, t})
	d.last = end
}

func (d *detector) run() {
	b := d.b
	n := len(b)
	for i := 0; i < n; {
		k := triggers[b[i]]
		if k == trNone {
			i++
			continue
		}
		switch k {
		case trDigit:
			if i > 0 && isWord(b[i-1]) {
				for i++; i < n && isDigit(b[i]); i++ {
				}
				continue
			}
			if e := d.mac(i); e > 0 {
				i = e
				continue
			}
			i = d.numeric(i)
		case trPlus, trParen:
			if i+1 < n && (isDigit(b[i+1]) || k == trPlus && b[i+1] == '(') && (i == 0 || !isWord(b[i-1])) {
				i = d.numeric(i)
			} else {
				i++
			}
		case trAt:
			i = d.email(i)
		case trColon:
			if i >= 2 {
				if e := d.mac(i - 2); e > 0 {
					i = e
					continue
				}
			}
			i = d.ipv6(i)
		case trDash:
			if i >= 2 {
				if e := d.mac(i - 2); e > 0 {
					i = e
					continue
				}
			}
			i++
		case trUpper:
			if i > 0 && isWord(b[i-1]) {
				for i++; i < n && isLetter(b[i]); i++ {
				}
				continue
			}
			if e := d.iban(i); e > 0 {
				i = e
				continue
			}
			i = d.person(i)
		}
	}
}

// mac matches six pairs of hex digits separated by one ':' or '-' throughout, at i.
func (d *detector) mac(i int) int {
	b := d.b
	if i < d.last || i+17 > len(b) || i > 0 && isWord(b[i-1]) {
		return 0
	}
	sep := b[i+2]
	if sep != ':' && sep != '-' {
		return 0
	}
	for g := 0; g < 6; g++ {
		p := i + 3*g
		if !isHex(b[p]) || !isHex(b[p+1]) || g < 5 && b[p+2] != sep {
			return 0
		}
	}
	if e := i + 17; e < len(b) && (isWord(b[e]) || b[e] == sep) {
		return 0
	}
	d.emit(i, i+17, MACAddress)
	return i + 17
}

// email expands around an '@' to the local part and domain and checks their shape: a dotted
// domain whose top-level label is at least two letters.
func (d *detector) email(at int) int {
	b := d.b
	s := at
	for s > d.last && isLocal(b[s-1]) {
		s--
	}
	for s < at && b[s] == '.' {
		s++
	}
	e := at + 1
	for e < len(b) && (isAlnum(b[e]) || b[e] == '.' || b[e] == '-') {
		e++
	}
	for e > at+1 && (b[e-1] == '.' || b[e-1] == '-') {
		e--
	}
	if s == at || e == at+1 || at-s > 64 || b[at-1] == '.' || bytes.Contains(b[s:at], []byte("..")) {
		return at + 1
	}
	if e < len(b) && (b[e] == '@' || b[e] >= 0x80 || b[e] == '_') {
		return at + 1
	}
	dom := b[at+1 : e]
	dots := 0
	label := 0
	for j, c := range dom {
		if c == '.' {
			if label == 0 || dom[j-1] == '-' {
				return e
			}
			dots++
			label = 0
			continue
		}
		if label == 0 && c == '-' {
			return e
		}
		label++
	}
	tld := dom[len(dom)-label:]
	if dots == 0 || len(tld) < 2 {
		return e
	}
	for _, c := range tld {
		if !isLetter(c) {
			return e
		}
	}
	d.emit(s, e, EmailAddress)
	return e
}

func isLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// ipv6 expands around a ':' over hex digits, colons and dots and parses what it finds.
func (d *detector) ipv6(colon int) int {
	b := d.b
	s := colon
	for s > d.last && (isHex(b[s-1]) || b[s-1] == ':' || b[s-1] == '.') {
		s--
	}
	e := colon + 1
	for e < len(b) && (isHex(b[e]) || b[e] == ':' || b[e] == '.') {
		e++
	}
	end := e
	for end > colon && b[end-1] == '.' {
		end--
	}
	for s < colon && b[s] == '.' {
		s++
	}
	if s > 0 && isWord(b[s-1]) || end < len(b) && isWord(b[end]) {
		return e
	}
	// Short forms such as "C::D" are scope operators in code far more often than addresses.
	cand := b[s:end]
	if bytes.Count(cand, []byte{':'}) >= 2 && (hexDigits(cand) >= 4 || string(cand) == "::1") && validIP(cand) {
		d.emit(s, end, IPAddress)
	}
	return e
}

// iban matches an uppercase country code and check digits, then BBAN characters, optionally in
// groups separated by single spaces, up to the country's registered length.
func (d *detector) iban(i int) int {
	b := d.b
	if i+4 > len(b) || !isUpper(b[i+1]) || !isDigit(b[i+2]) || !isDigit(b[i+3]) {
		return 0
	}
	want := ibanLengths[[2]byte{b[i], b[i+1]}]
	if want == 0 {
		return 0
	}
	var buf [34]byte
	n, j := 0, i
	for j < len(b) && n < want {
		c := b[j]
		switch {
		case isDigit(c) || isUpper(c):
			buf[n] = c
			n++
			j++
		case c == ' ' && j+1 < len(b) && (isDigit(b[j+1]) || isUpper(b[j+1])) && n%4 == 0:
			j++
		default:
			return 0
		}
	}
	if n != want || j < len(b) && isWord(b[j]) || !validIBAN(buf[:n]) {
		return 0
	}
	d.emit(i, j, IBANCode)
	return j
}

func hexDigits(s []byte) int {
	n := 0
	for _, c := range s {
		if isHex(c) {
			n++
		}
	}
	return n
}
