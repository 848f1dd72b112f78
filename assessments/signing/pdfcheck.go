package signing

import (
	"bytes"
	"errors"
)

// checkPDFShape refuses, before any parser sees them, PDFs that a piaf report never is: ones with
// object streams, cross-reference streams or very deep nesting. The PDF parser this package
// relies on recurses without bound on deep nesting (a stack overflow ends the process, it cannot
// be recovered) and loops forever on some object-stream chains, and /verify takes uploads from
// anyone. piaf's own reports use classic cross-reference tables and shallow objects.
func checkPDFShape(pdf []byte) error {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return errors.New("signing: not a PDF")
	}
	for _, token := range [][]byte{[]byte("/ObjStm"), []byte("/XRef"), []byte("/Extends")} {
		if bytes.Contains(pdf, token) {
			return errors.New("signing: the PDF uses object or cross-reference streams, which piaf reports never do")
		}
	}
	const maxDepth = 64
	depth := 0
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
		case 's': // stream data is opaque: skip to endstream
			if bytes.HasPrefix(pdf[i:], []byte("stream")) && (i == 0 || !isRegular(pdf[i-1])) {
				end := bytes.Index(pdf[i:], []byte("endstream"))
				if end < 0 {
					return errors.New("signing: a PDF stream never ends")
				}
				i += end + len("endstream") - 1
			}
		}
		if depth > maxDepth {
			return errors.New("signing: the PDF nests objects deeper than any piaf report")
		}
		if depth < 0 {
			depth = 0
		}
	}
	return nil
}

// isRegular tells whether c can be part of a PDF name or keyword.
func isRegular(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '\f', 0, '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}
