package pii

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"unicode/utf8"
)

// Replacer says what a detection is replaced with.
type Replacer interface {
	Replace(t Type, value []byte) string
}

// Mask replaces each detection with its type in brackets: "[EMAIL_ADDRESS]".
type Mask struct{}

// Replace implements Replacer.
func (Mask) Replace(t Type, _ []byte) string { return "[" + t.String() + "]" }

// MinKeyLen is the shortest pseudonymisation key accepted, in bytes.
const MinKeyLen = 32

// Pseudonymizer replaces each detection with a keyed token, "<EMAIL_ADDRESS:3f9a1c2e>": the first
// 32 bits of HMAC-SHA256 under the key of the type and the normalised value, so the same value
// always gets the same token and joins across files survive, while without the key the token
// cannot be tied to a value by hashing guesses.
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer checks the key. There is no default key: a missing or short one is an error.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("key: must be at least %d bytes, got %d", MinKeyLen, len(key))
	}
	return &Pseudonymizer{key: bytes.Clone(key)}, nil
}

// Replace implements Replacer.
func (p *Pseudonymizer) Replace(t Type, value []byte) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(t.String()))
	m.Write([]byte{0})
	m.Write(normalise(t, value))
	return "<" + t.String() + ":" + hex.EncodeToString(m.Sum(nil)[:4]) + ">"
}

// normalise makes the typed variants of one value the same: case of emails, IBANs and MAC and IPv6
// addresses, and the separators in numbers.
func normalise(t Type, v []byte) []byte {
	switch t {
	case EmailAddress, IPAddress, MACAddress:
		v = bytes.ToLower(v)
		if t == MACAddress {
			v = bytes.ReplaceAll(v, []byte("-"), []byte(":"))
		}
		return v
	case PhoneNumber, CreditCard, USSSN, IBANCode:
		out := make([]byte, 0, len(v))
		for _, c := range v {
			if isAlnum(c) || c == '+' {
				out = append(out, c)
			}
		}
		return bytes.ToUpper(out)
	}
	return v
}

// Redact writes the input with every detection replaced, keeping the format: each JSONL line is
// still one valid JSON value with only its string values changed, CSV/TSV rows keep their
// columns. Lines that could not be read (broken JSON, binary data) are left out and counted in the
// summary's problems. The summary is of what was found (and replaced). Gzip input is written
// uncompressed.
func Redact(ctx context.Context, r io.Reader, w io.Writer, opts Options, rep Replacer) (Summary, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var out recordWriter
	switch opts.Format {
	case "csv", "tsv":
		cw := csv.NewWriter(bw)
		if opts.Format == "tsv" {
			cw.Comma = '\t'
		}
		out = &csvWriter{w: cw, rep: rep}
	default:
		out = &lineWriter{w: bw, rep: rep, jsonl: opts.Format == "jsonl"}
	}
	sum, err := scan(ctx, r, opts, nil, out)
	if cw, ok := out.(*csvWriter); ok {
		cw.w.Flush()
		if err == nil {
			err = cw.w.Error()
		}
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return sum, err
}

// replaced appends text with the spans replaced.
func replaced(dst, text []byte, spans []span, rep Replacer) []byte {
	pos := 0
	for _, s := range spans {
		dst = append(dst, text[pos:s.start]...)
		dst = append(dst, rep.Replace(s.typ, text[s.start:s.end])...)
		pos = s.end
	}
	return append(dst, text[pos:]...)
}

type lineWriter struct {
	w     *bufio.Writer
	rep   Replacer
	jsonl bool
	buf   []byte
	tmp   []byte
}

func (l *lineWriter) write(rec *record, spans [][]span) error {
	b := l.buf[:0]
	pos := 0
	for k, f := range rec.fields {
		if len(spans[k]) == 0 {
			continue
		}
		if !l.jsonl {
			b = replaced(b, f.text, spans[k], l.rep)
			pos = len(rec.raw)
			break
		}
		b = append(b, rec.raw[pos:f.tokStart]...)
		l.tmp = replaced(l.tmp[:0], f.text, spans[k], l.rep)
		b = appendJSONString(b, l.tmp)
		pos = f.tokEnd
	}
	b = append(b, rec.raw[pos:]...)
	b = append(b, '\n')
	l.buf = b
	_, err := l.w.Write(b)
	return err
}

type csvWriter struct {
	w   *csv.Writer
	rep Replacer
	row []string
	tmp []byte
}

func (c *csvWriter) header(cols []string) error { return c.w.Write(cols) }

func (c *csvWriter) write(rec *record, spans [][]span) error {
	c.row = append(c.row[:0], rec.row...)
	for k, f := range rec.fields {
		if len(spans[k]) > 0 {
			c.tmp = replaced(c.tmp[:0], f.text, spans[k], c.rep)
			c.row[f.column] = string(c.tmp)
		}
	}
	return c.w.Write(c.row)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendJSONString(b, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
