package report

import (
	"strings"
	"unicode"

	"github.com/piaf-dev/piaf/assessments/markdown"
)

// The Markdown report puts user text in two kinds of places. Short values (names, titles, table
// cells) go through inline, which makes them one line of literal text. Prose that users write as
// Markdown (answers, descriptions, evidence) goes through quote, where it keeps its formatting
// but cannot leave the quoted block it sits in.

// inline makes s literal text on one line: whitespace runs (newlines too) become one space,
// control characters go, and every character that could start Markdown or HTML is escaped.
// Characters that only matter at the start of a line are escaped there, since inline text may
// start a line, a list item or a heading.
func inline(s string) string {
	rs := []rune(oneLine(s))
	var b strings.Builder
	for i, r := range rs {
		switch {
		case strings.ContainsRune("\\`*[]<|~$#", r):
			b.WriteByte('\\')
		case r == '_' && !(i > 0 && i+1 < len(rs) && isWordRune(rs[i-1]) && isWordRune(rs[i+1])):
			// An underscore inside a word (snake_case) cannot emphasise; elsewhere it can.
			b.WriteByte('\\')
		case r == '&' && startsEntity(rs[i+1:]):
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune(">-+=", r):
			b.WriteByte('\\')
		case (r == '.' || r == ')') && allDigits(rs[:i]):
			// "2024. A year" would start an ordered list.
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// startsEntity tells whether the text after an ampersand reads as an HTML entity ("amp;").
func startsEntity(rs []rune) bool {
	for i, r := range rs {
		switch {
		case r == ';':
			return i > 0
		case r == '#' || r < unicode.MaxASCII && isWordRune(r):
		default:
			return false
		}
	}
	return false
}

func allDigits(rs []rune) bool {
	if len(rs) == 0 || len(rs) > 9 {
		return false
	}
	for _, r := range rs {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cell is inline text for a table cell, with a dash for an empty one so columns stay aligned.
// inline already escapes pipes and folds newlines, the two things that break a table row.
func cell(s string) string {
	if s = inline(s); s == "" {
		return "—"
	}
	return s
}

// quote puts user Markdown in a block quote, each line prefixed with indent and "> ". Whatever
// the text opens (a code fence, an HTML block, a list) is closed where the quote ends, and the
// caller ends it with a blank line, so it cannot swallow or restyle what follows. Text that
// holds raw HTML, an image or a link with an unsafe scheme is quoted as literal text instead:
// a Markdown viewer that allows HTML would run it, one that follows links would follow it.
func quote(s, indent string) string {
	literal := markdown.Unsafe(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, "\n")
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimRight(line, " \t")
		b.WriteString(indent)
		if line == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> ")
		if literal {
			line = escapePunctuation(line)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// escapePunctuation backslash-escapes every ASCII punctuation character, which CommonMark then
// shows as itself: no tag, link, emphasis or list survives.
func escapePunctuation(line string) string {
	var b strings.Builder
	for _, r := range line {
		if r < unicode.MaxASCII && unicode.IsPunct(r) || strings.ContainsRune("$+<=>^`|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// code is s as a code span, fenced with more backticks than s holds in a row.
func code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// oneLine folds every run of white space, newlines included, into one space and drops control
// characters.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r) || r == '\uFEFF':
			return -1
		}
		return r
	}, s)), " ")
}
