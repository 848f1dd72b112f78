package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments/workflow"
)

// decodeJSON reads a JSON body strictly, so that what a client sent is what piaf stores:
//   - unknown fields, duplicate keys and data after the value are refused with 400;
//   - strings holding invalid UTF-8, lone UTF-16 surrogates or NUL are refused with 422 naming
//     the field (encoding/json would silently turn the first two into U+FFFD);
//   - a value of the wrong type is refused with 422 naming the field.
func decodeJSON(c echo.Context, v any) error {
	if ct := c.Request().Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apiErr(http.StatusUnsupportedMediaType, "send the body as application/json", "")
	}
	body, err := io.ReadAll(c.Request().Body)
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		return errTooLarge
	}
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return apiErr(http.StatusBadRequest, "the body is empty; send a JSON object", "")
	}
	if err := checkJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if _, err := dec.Token(); err != io.EOF {
			return apiErr(http.StatusBadRequest, "the body has data after the JSON value", "")
		}
		return nil
	case errors.As(err, &typeErr):
		return workflow.Invalid(typeErr.Field, fmt.Sprintf("%s must be %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apiErr(http.StatusBadRequest, "unknown field "+field, field)
	default:
		return apiErr(http.StatusBadRequest, "the body is not valid JSON: "+err.Error(), "")
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a number"
}

// checkJSON walks the raw body for what encoding/json lets through: duplicate keys, and strings
// that are not text. Syntax errors are left to the decoder, which reports them better.
func checkJSON(b []byte) error {
	w := jsonWalker{b: b}
	w.value("")
	return w.err
}

type jsonWalker struct {
	b   []byte
	i   int
	err error
}

func (w *jsonWalker) ws() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\n' || w.b[w.i] == '\r') {
		w.i++
	}
}

// value walks one value; it stops quietly at anything malformed.
func (w *jsonWalker) value(path string) bool {
	w.ws()
	if w.i >= len(w.b) || w.err != nil {
		return false
	}
	switch w.b[w.i] {
	case '{':
		return w.object(path)
	case '[':
		w.i++
		for n := 0; ; n++ {
			w.ws()
			if w.i < len(w.b) && w.b[w.i] == ']' {
				w.i++
				return true
			}
			if !w.value(path+"["+strconv.Itoa(n)+"]") || w.err != nil {
				return false
			}
			w.ws()
			if w.i < len(w.b) && w.b[w.i] == ',' {
				w.i++
			}
		}
	case '"':
		_, ok := w.str(path)
		return ok
	}
	for w.i < len(w.b) && !strings.ContainsRune(",]} \t\r\n", rune(w.b[w.i])) {
		w.i++
	}
	return true
}

func (w *jsonWalker) object(path string) bool {
	w.i++
	seen := map[string]bool{}
	for {
		w.ws()
		if w.i >= len(w.b) {
			return false
		}
		if w.b[w.i] == '}' {
			w.i++
			return true
		}
		if w.b[w.i] != '"' {
			return false
		}
		key, ok := w.str(path + ".(key)")
		if !ok || w.err != nil {
			return false
		}
		field := key
		if path != "" {
			field = path + "." + key
		}
		if seen[key] {
			w.err = apiErr(http.StatusBadRequest, "duplicate key "+field, field)
			return false
		}
		seen[key] = true
		w.ws()
		if w.i >= len(w.b) || w.b[w.i] != ':' {
			return false
		}
		w.i++
		if !w.value(field) || w.err != nil {
			return false
		}
		w.ws()
		if w.i < len(w.b) && w.b[w.i] == ',' {
			w.i++
		}
	}
}

// str reads a string at w.i and refuses one that is not text.
func (w *jsonWalker) str(path string) (string, bool) {
	start := w.i
	w.i++
	bad := ""
	for w.i < len(w.b) {
		switch c := w.b[w.i]; {
		case c == '"':
			w.i++
			raw := w.b[start:w.i]
			if bad == "" && !utf8.Valid(raw) {
				bad = "Use only text: this contains bytes that are not valid UTF-8."
			}
			if bad != "" {
				w.err = workflow.Invalid(strings.TrimPrefix(path, "."), bad)
				return "", false
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			if w.i+1 < len(w.b) && w.b[w.i+1] == 'u' {
				r, ok := w.hex4(w.i + 2)
				switch {
				case !ok:
					return "", false
				case r == 0:
					bad = "Use only text: this contains a NUL character."
				case r >= 0xD800 && r <= 0xDBFF:
					low, ok := rune(0), w.i+11 < len(w.b) && w.b[w.i+6] == '\\' && w.b[w.i+7] == 'u'
					if ok {
						low, ok = w.hex4(w.i + 8)
					}
					if !ok || low < 0xDC00 || low > 0xDFFF {
						bad = "Use only text: this contains a lone UTF-16 surrogate."
					} else {
						w.i += 6
					}
				case r >= 0xDC00 && r <= 0xDFFF:
					bad = "Use only text: this contains a lone UTF-16 surrogate."
				}
				w.i += 6
				continue
			}
			w.i += 2
		default:
			w.i++
		}
	}
	return "", false
}

func (w *jsonWalker) hex4(at int) (rune, bool) {
	if at+4 > len(w.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(w.b[at:at+4]), 16, 32)
	return rune(n), err == nil
}
