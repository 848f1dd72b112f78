package signing

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// checkPDFShape refuses, before any parser sees them, PDFs that a piaf report never is. The PDF
// parser this package relies on recurses without bound on deep nesting (a stack overflow ends
// the process, it cannot be recovered), loops forever on some object-stream chains, searches for
// %%EOF backwards in a window that grows 200 bytes a pass (quadratic in the filler after it),
// sizes its cross-reference table by the largest object number it reads, and parses every
// object the table points at: an object pointed at many times, or a ByteRange of many pairs,
// is read many times over. /verify takes uploads from anyone.
//
// piaf's own reports use classic cross-reference tables, shallow objects and one signature, so
// this check asks for exactly that, in one linear pass plus a walk of the cross-reference
// tables: no object or cross-reference streams, nesting at most 64 deep, %%EOF at the end, a
// startxref that points at an xref table, every object the tables list found where they say
// and each parsed once, and signature byte ranges of two pairs.
func checkPDFShape(pdf []byte) error {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return errors.New("signing: not a PDF")
	}
	for _, token := range [][]byte{[]byte("/ObjStm"), []byte("/XRef"), []byte("/Extends")} {
		if bytes.Contains(pdf, token) {
			return errors.New("signing: the PDF uses object or cross-reference streams, which piaf reports never do")
		}
	}
	objects, err := scanPDF(pdf)
	if err != nil {
		return err
	}
	return checkXref(pdf, objects)
}

// maxSignatures bounds the signature dictionaries a PDF may hold before any parser runs: each
// one makes the verifier hash the bytes its range covers.
const maxSignatures = 4

// scanPDF walks the file once, tracking nesting and skipping comments, strings and stream
// data, and returns where each top-level object ("N G obj") starts, by object number.
func scanPDF(pdf []byte) (map[int64]int64, error) {
	const maxDepth = 64
	objects := map[int64]int64{} // offset -> object number
	depth, byteRanges := 0, 0
	for i := 0; i < len(pdf); i++ {
		switch c := pdf[i]; c {
		case '%': // a comment runs to the end of the line
			for i < len(pdf) && pdf[i] != '\n' && pdf[i] != '\r' {
				i++
			}
		case '(': // a literal string: balanced parentheses, backslash escapes
			nest := 1
			for i++; i < len(pdf) && nest > 0; i++ {
				switch pdf[i] {
				case '\\':
					i++
				case '(':
					nest++
				case ')':
					nest--
				}
			}
			i--
		case '[':
			depth++
		case ']':
			depth--
		case '<':
			if i+1 < len(pdf) && pdf[i+1] == '<' {
				depth++
				i++
			} else { // a hex string
				for i < len(pdf) && pdf[i] != '>' {
					i++
				}
			}
		case '>':
			if i+1 < len(pdf) && pdf[i+1] == '>' {
				depth--
				i++
			}
		case '/': // a name; #xx escapes spell any name, so decode before comparing
			j := i + 1
			for j < len(pdf) && isRegular(pdf[j]) {
				j++
			}
			name := decodeName(pdf[i+1 : j])
			switch name {
			case "ObjStm", "XRef", "Extends":
				return nil, errors.New("signing: the PDF uses object or cross-reference streams, which piaf reports never do")
			case "ByteRange":
				if byteRanges++; byteRanges > maxSignatures {
					return nil, fmt.Errorf("signing: the PDF holds more than %d signatures", maxSignatures)
				}
				if !isPairOfRanges(pdf[j:]) {
					return nil, errors.New("signing: a signature's ByteRange is not the two ranges a piaf report has")
				}
			}
			i = j - 1
		case 's': // stream data is opaque: skip to endstream
			if bytes.HasPrefix(pdf[i:], []byte("stream")) && (i == 0 || !isRegular(pdf[i-1])) {
				end := bytes.Index(pdf[i:], []byte("endstream"))
				if end < 0 {
					return nil, errors.New("signing: a PDF stream never ends")
				}
				i += end + len("endstream") - 1
			}
		case 'o':
			if depth == 0 && isKeyword(pdf, i, "obj") {
				if start, num, ok := objectHeader(pdf, i); ok {
					objects[start] = num
				}
			}
		}
		if depth > maxDepth {
			return nil, errors.New("signing: the PDF nests objects deeper than any piaf report")
		}
		if depth < 0 {
			depth = 0
		}
	}
	return objects, nil
}

// isKeyword tells whether the keyword kw stands alone at pdf[i:].
func isKeyword(pdf []byte, i int, kw string) bool {
	if !bytes.HasPrefix(pdf[i:], []byte(kw)) || i > 0 && isRegular(pdf[i-1]) {
		return false
	}
	end := i + len(kw)
	return end == len(pdf) || !isRegular(pdf[end])
}

// objectHeader reads "N G" backwards from the "obj" keyword at i and returns where N starts.
func objectHeader(pdf []byte, i int) (start, num int64, ok bool) {
	j := i
	skipSpace := func() {
		for j > 0 && isSpace(pdf[j-1]) {
			j--
		}
	}
	digits := func() (int, bool) {
		end := j
		for j > 0 && '0' <= pdf[j-1] && pdf[j-1] <= '9' {
			j--
		}
		return end, j < end && end-j < 11
	}
	skipSpace()
	if _, ok := digits(); !ok {
		return 0, 0, false
	}
	skipSpace()
	end, ok := digits()
	if !ok || j > 0 && isRegular(pdf[j-1]) {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(pdf[j:end]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return int64(j), n, true
}

// isPairOfRanges tells whether rest starts with a literal array of four integers.
func isPairOfRanges(rest []byte) bool {
	t := &pdfTokens{b: rest}
	if t.next() != "[" {
		return false
	}
	for k := 0; k < 4; k++ {
		if _, ok := t.int(); !ok {
			return false
		}
	}
	return t.next() == "]"
}

// checkXref follows startxref and the chain of cross-reference tables the way the parser will,
// and checks every in-use entry points at the start of a top-level object of that number, so
// that each object is parsed once and the table stays as small as the file.
func checkXref(pdf []byte, objects map[int64]int64) error {
	body := bytes.TrimRight(pdf, "\r\n\t ")
	if !bytes.HasSuffix(body, []byte("%%EOF")) || len(pdf)-len(body) > 64 {
		return errors.New("signing: the PDF does not end with %%EOF, as a piaf report does")
	}
	window := body[max(0, len(body)-200):]
	at := lastLine(window, "startxref")
	if at < 0 {
		return errors.New("signing: the PDF has no startxref before its %%EOF")
	}
	t := &pdfTokens{b: window, i: at + len("startxref")}
	off, ok := t.int()
	maxObjects := int64(len(pdf)/8 + 1) // each object takes more than 8 bytes of file
	seen := map[int64]bool{}
	for sections := 0; ok; sections++ {
		if off <= 0 || off >= int64(len(pdf)) || seen[off] || sections >= 16 {
			return errors.New("signing: the PDF's cross-reference chain is broken")
		}
		seen[off] = true
		t = &pdfTokens{b: pdf, i: int(off)}
		if t.next() != "xref" {
			return errors.New("signing: startxref does not point at a cross-reference table (piaf reports use classic tables)")
		}
		for {
			first, ok1 := t.int()
			if !ok1 {
				break
			}
			n, ok2 := t.int()
			if !ok2 || first < 0 || n < 0 || first+n > maxObjects {
				return errors.New("signing: the PDF's cross-reference table is malformed or larger than the file")
			}
			for k := int64(0); k < n; k++ {
				at, ok1 := t.int()
				_, ok2 := t.int()
				kind := t.next()
				if !ok1 || !ok2 || kind != "n" && kind != "f" {
					return errors.New("signing: the PDF's cross-reference table is malformed")
				}
				if kind == "n" && at != 0 {
					if num, found := objects[at]; !found || num != first+k {
						return fmt.Errorf("signing: the cross-reference entry of object %d does not point at that object", first+k)
					}
				}
			}
		}
		if t.next() != "trailer" {
			return errors.New("signing: the PDF's cross-reference table is not followed by a trailer")
		}
		off, ok = trailerPrev(t)
	}
	return nil
}

// trailerPrev reads the trailer dictionary at t and returns its /Prev entry, if any.
func trailerPrev(t *pdfTokens) (int64, bool) {
	if t.next() != "<<" {
		return 0, false
	}
	for depth := 1; depth > 0; {
		switch tok := t.next(); tok {
		case "":
			return 0, false
		case "<<", "[":
			depth++
		case ">>", "]":
			depth--
		case "/Prev":
			if depth == 1 {
				return t.int()
			}
		}
	}
	return 0, false
}

// lastLine finds the last occurrence of s alone on its line, as the parser does.
func lastLine(buf []byte, s string) int {
	for end := len(buf); ; {
		i := bytes.LastIndex(buf[:end], []byte(s))
		if i <= 0 || i+len(s) >= len(buf) {
			return -1
		}
		if (buf[i-1] == '\n' || buf[i-1] == '\r') && (buf[i+len(s)] == '\n' || buf[i+len(s)] == '\r') {
			return i
		}
		end = i
	}
}

// pdfTokens splits PDF syntax into tokens, enough for cross-reference tables and trailers:
// strings come back whole, comments are skipped.
type pdfTokens struct {
	b    []byte
	i    int
	last string
}

func (t *pdfTokens) next() string {
	for t.i < len(t.b) {
		switch c := t.b[t.i]; {
		case isSpace(c):
			t.i++
			continue
		case c == '%':
			for t.i < len(t.b) && t.b[t.i] != '\n' && t.b[t.i] != '\r' {
				t.i++
			}
			continue
		}
		break
	}
	if t.i >= len(t.b) {
		t.last = ""
		return ""
	}
	start := t.i
	switch c := t.b[t.i]; c {
	case '<', '>':
		if t.i+1 < len(t.b) && t.b[t.i+1] == c {
			t.i += 2
		} else if c == '<' {
			for t.i < len(t.b) && t.b[t.i] != '>' {
				t.i++
			}
			t.i++
		} else {
			t.i++
		}
	case '[', ']', '{', '}', ')':
		t.i++
	case '(':
		nest := 1
		for t.i++; t.i < len(t.b) && nest > 0; t.i++ {
			switch t.b[t.i] {
			case '\\':
				t.i++
			case '(':
				nest++
			case ')':
				nest--
			}
		}
	case '/':
		t.i++
		for t.i < len(t.b) && isRegular(t.b[t.i]) {
			t.i++
		}
		t.last = "/" + decodeName(t.b[start+1:t.i])
		return t.last
	default:
		for t.i < len(t.b) && isRegular(t.b[t.i]) {
			t.i++
		}
	}
	t.i = min(t.i, len(t.b))
	t.last = string(t.b[start:t.i])
	return t.last
}

// int reads a non-negative integer token; anything else is pushed back.
func (t *pdfTokens) int() (int64, bool) {
	save := t.i
	tok := t.next()
	n, err := strconv.ParseInt(tok, 10, 64)
	if err != nil || n < 0 || tok[0] == '+' {
		t.i = save
		return 0, false
	}
	return n, true
}

// decodeName undoes #xx escapes in a PDF name.
func decodeName(raw []byte) string {
	if !bytes.ContainsRune(raw, '#') {
		return string(raw)
	}
	var out []byte
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			if v, err := strconv.ParseUint(string(raw[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return string(out)
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0:
		return true
	}
	return false
}

// isRegular tells whether c can be part of a PDF name or keyword.
func isRegular(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}
