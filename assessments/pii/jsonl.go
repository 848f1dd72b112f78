package pii

import (
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonString is one string value in a JSON line: where its token sits in the line (quotes
// included), its decoded text, and the key path that leads to it ("a.b"; arrays add nothing).
type jsonString struct {
	tokStart, tokEnd int
	text             []byte
	path             []byte
}

// jsonLine is a small validating JSON parser for one line. It collects string values (not keys)
// and decodes them into an arena sized to the line, so it allocates nothing per line once warm.
type jsonLine struct {
	b       []byte
	pos     int
	arena   []byte
	paths   []byte
	strs    []jsonString
	keys    [][]byte
	badUTF8 bool
}

const maxJSONDepth = 256

var errJSON = errors.New("not valid JSON")

func (p *jsonLine) parse(line []byte) error {
	p.b, p.pos = line, 0
	if cap(p.arena) < len(line) {
		p.arena = make([]byte, 0, len(line)+len(line)/2)
	}
	p.arena = p.arena[:0]
	p.paths = p.paths[:0]
	p.strs = p.strs[:0]
	p.keys = p.keys[:0]
	p.badUTF8 = false
	p.space()
	if err := p.value(0); err != nil {
		return err
	}
	p.space()
	if p.pos != len(p.b) {
		return errJSON
	}
	return nil
}

func (p *jsonLine) space() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonLine) value(depth int) error {
	if depth > maxJSONDepth || p.pos >= len(p.b) {
		return errJSON
	}
	switch c := p.b[p.pos]; {
	case c == '{':
		p.pos++
		p.space()
		if p.pos < len(p.b) && p.b[p.pos] == '}' {
			p.pos++
			return nil
		}
		for {
			p.space()
			key, err := p.str()
			if err != nil {
				return err
			}
			p.space()
			if p.pos >= len(p.b) || p.b[p.pos] != ':' {
				return errJSON
			}
			p.pos++
			p.space()
			p.keys = append(p.keys, key)
			if err := p.value(depth + 1); err != nil {
				return err
			}
			p.keys = p.keys[:len(p.keys)-1]
			p.space()
			if p.pos >= len(p.b) {
				return errJSON
			}
			if p.b[p.pos] == '}' {
				p.pos++
				return nil
			}
			if p.b[p.pos] != ',' {
				return errJSON
			}
			p.pos++
		}
	case c == '[':
		p.pos++
		p.space()
		if p.pos < len(p.b) && p.b[p.pos] == ']' {
			p.pos++
			return nil
		}
		for {
			p.space()
			if err := p.value(depth + 1); err != nil {
				return err
			}
			p.space()
			if p.pos >= len(p.b) {
				return errJSON
			}
			if p.b[p.pos] == ']' {
				p.pos++
				return nil
			}
			if p.b[p.pos] != ',' {
				return errJSON
			}
			p.pos++
		}
	case c == '"':
		start := p.pos
		text, err := p.str()
		if err != nil {
			return err
		}
		ps := len(p.paths)
		for i, k := range p.keys {
			if i > 0 {
				p.paths = append(p.paths, '.')
			}
			p.paths = append(p.paths, k...)
		}
		p.strs = append(p.strs, jsonString{tokStart: start, tokEnd: p.pos, text: text, path: p.paths[ps:len(p.paths):len(p.paths)]})
		return nil
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		return p.number()
	}
}

func (p *jsonLine) literal(s string) error {
	if len(p.b)-p.pos < len(s) || string(p.b[p.pos:p.pos+len(s)]) != s {
		return errJSON
	}
	p.pos += len(s)
	return nil
}

func (p *jsonLine) number() error {
	b, i := p.b, p.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return errJSON
	}
	if i < len(b) && b[i] == '.' {
		i++
		s := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == s {
			return errJSON
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		s := i
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		if i == s {
			return errJSON
		}
	}
	p.pos = i
	return nil
}

// str reads a string token at pos. Without escapes the text is the line's own bytes; with them it
// is decoded into the arena, which never grows past the line's length so earlier slices stay put.
func (p *jsonLine) str() ([]byte, error) {
	b := p.b
	if p.pos >= len(b) || b[p.pos] != '"' {
		return nil, errJSON
	}
	s := p.pos + 1
	i := s
	ascii := true
	for i < len(b) && b[i] != '"' && b[i] != '\\' {
		if b[i] < 0x20 {
			return nil, errJSON
		}
		if b[i] >= 0x80 {
			ascii = false
		}
		i++
	}
	if i >= len(b) {
		return nil, errJSON
	}
	if b[i] == '"' {
		p.pos = i + 1
		if !ascii && !utf8.Valid(b[s:i]) {
			p.badUTF8 = true
		}
		return b[s:i], nil
	}
	as := len(p.arena)
	p.arena = append(p.arena, b[s:i]...)
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			p.pos = i + 1
			out := p.arena[as:len(p.arena):len(p.arena)]
			if !utf8.Valid(out) {
				p.badUTF8 = true
			}
			return out, nil
		case c < 0x20:
			return nil, errJSON
		case c != '\\':
			p.arena = append(p.arena, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			return nil, errJSON
		}
		i += 2
		switch b[i-1] {
		case '"', '\\', '/':
			p.arena = append(p.arena, b[i-1])
		case 'b':
			p.arena = append(p.arena, '\b')
		case 'f':
			p.arena = append(p.arena, '\f')
		case 'n':
			p.arena = append(p.arena, '\n')
		case 'r':
			p.arena = append(p.arena, '\r')
		case 't':
			p.arena = append(p.arena, '\t')
		case 'u':
			r, ok := hex4(b, i)
			if !ok {
				return nil, errJSON
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
					r2, ok = hex4(b, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			p.arena = utf8.AppendRune(p.arena, r)
		default:
			return nil, errJSON
		}
	}
	return nil, errJSON
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
