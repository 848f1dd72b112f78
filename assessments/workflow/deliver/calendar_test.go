package deliver

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// icsProp is one unfolded content line.
type icsProp struct {
	Name   string
	Params string
	Value  string
}

// icsComponent is a VCALENDAR or VEVENT with its properties by name.
type icsComponent map[string]icsProp

// parseICS checks the physical layout (CRLF only, lines of at most 75
// octets, no split UTF-8) and returns the calendar and its events, with TEXT
// values unescaped.
func parseICS(t *testing.T, data []byte) (cal icsComponent, events []icsComponent) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Error("feed does not end with CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	var logical []string
	for i, line := range physical {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			if len(logical) == 0 {
				t.Fatalf("feed starts with a continuation")
			}
			logical[len(logical)-1] += line[1:]
			continue
		}
		logical = append(logical, line)
	}

	var cur icsComponent
	var stack []string
	for _, line := range logical {
		nameParams, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("content line without colon: %q", line)
		}
		name, params, _ := strings.Cut(nameParams, ";")
		switch name {
		case "BEGIN":
			stack = append(stack, value)
			cur = icsComponent{}
			if value == "VCALENDAR" {
				cal = cur
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not match BEGIN %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				events = append(events, cur)
				cur = cal
			}
			continue
		}
		if cur == nil {
			t.Fatalf("property outside a component: %q", line)
		}
		if _, dup := cur[name]; dup {
			t.Errorf("property %s repeated", name)
		}
		if name != "URL" {
			value = unescapeText(t, value)
		}
		cur[name] = icsProp{name, params, value}
	}
	if len(stack) != 0 {
		t.Errorf("unclosed components %v", stack)
	}
	return cal, events
}

func unescapeText(t *testing.T, v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ';' || c == ',' {
			t.Errorf("unescaped %q in TEXT value %q", c, v)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(v) {
			t.Errorf("TEXT value ends with a backslash: %q", v)
			break
		}
		switch v[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		case '\\', ';', ',':
			b.WriteByte(v[i])
		default:
			t.Errorf("bad escape \\%c in %q", v[i], v)
		}
	}
	return b.String()
}

var (
	paris   = time.FixedZone("CET", 3600)
	samoa   = time.FixedZone("WST", 14*3600)
	utcRe   = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	dateRe  = regexp.MustCompile(`^\d{8}$`)
	created = time.Date(2025, 12, 1, 10, 30, 0, 0, paris)
)

func testEvents() []Event {
	return []Event{
		{
			UID:         "review-assessment-7@piaf",
			Summary:     `Review; "DPIA", part\2`,
			Description: "Line one\nline two, with comma;\r\nline three \\n literally",
			URL:         "https://piaf.example/projects/3/assessments/7?tab=review&x=1,2",
			Date:        time.Date(2026, 2, 28, 8, 0, 0, 0, samoa), // 28 February there, still the 27th in UTC
			Created:     created,
		},
		{
			UID:     "mitigation-12@piaf",
			Summary: strings.Repeat("Réévaluation « données de santé » — 日本語のデータセット 🚀 ", 4),
			Date:    time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		},
		{UID: "dropped@piaf", Summary: "no date"},
	}
}

func TestCalendar(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, paris)
	cal, events := parseICS(t, Calendar("piaf: Ana, reviews; mitigations", testEvents(), now))

	for name, want := range map[string]string{
		"PRODID": "-//piaf//reminders//EN", "VERSION": "2.0", "CALSCALE": "GREGORIAN",
		"METHOD": "PUBLISH", "X-WR-CALNAME": "piaf: Ana, reviews; mitigations",
	} {
		if got := cal[name].Value; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if len(events) != 2 {
		t.Fatalf("got %d events, want 2 (the one without a date left out)", len(events))
	}
	in := testEvents()
	for i, ev := range events {
		for _, p := range []string{"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} {
			if _, ok := ev[p]; !ok {
				t.Errorf("event %d lacks %s", i, p)
			}
		}
		if ev["UID"].Value != in[i].UID || ev["SUMMARY"].Value != in[i].Summary {
			t.Errorf("event %d: UID %q summary %q", i, ev["UID"].Value, ev["SUMMARY"].Value)
		}
		if got := ev["DTSTAMP"].Value; !utcRe.MatchString(got) || got != "20260301T090000Z" {
			t.Errorf("event %d: DTSTAMP %q, want now in UTC", i, got)
		}
		for _, p := range []string{"DTSTART", "DTEND"} {
			if ev[p].Params != "VALUE=DATE" || !dateRe.MatchString(ev[p].Value) {
				t.Errorf("event %d: %s;%s:%s, want an all-day date", i, p, ev[p].Params, ev[p].Value)
			}
		}
	}

	ev := events[0]
	if want := "Line one\nline two, with comma;\nline three \\n literally"; ev["DESCRIPTION"].Value != want {
		t.Errorf("DESCRIPTION round-trips to %q, want %q", ev["DESCRIPTION"].Value, want)
	}
	if ev["URL"].Value != in[0].URL {
		t.Errorf("URL = %q", ev["URL"].Value)
	}
	if ev["DTSTART"].Value != "20260228" || ev["DTEND"].Value != "20260301" {
		t.Errorf("dates %s..%s, want 20260228..20260301 (the date where it was given)", ev["DTSTART"].Value, ev["DTEND"].Value)
	}
	if ev["CREATED"].Value != "20251201T093000Z" {
		t.Errorf("CREATED = %q", ev["CREATED"].Value)
	}
	if events[1]["DTSTART"].Value != "20261231" || events[1]["DTEND"].Value != "20270101" {
		t.Errorf("year end: %s..%s", events[1]["DTSTART"].Value, events[1]["DTEND"].Value)
	}
	if _, ok := events[1]["DESCRIPTION"]; ok {
		t.Error("empty DESCRIPTION written")
	}
}

func TestCalendarStableAcrossRenderings(t *testing.T) {
	first := Calendar("feed", testEvents(), time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	second := Calendar("feed", testEvents(), time.Date(2026, 3, 2, 17, 45, 12, 0, time.UTC))
	_, a := parseICS(t, first)
	_, b := parseICS(t, second)
	for i := range a {
		if a[i]["UID"] != b[i]["UID"] {
			t.Errorf("event %d: UID %q then %q", i, a[i]["UID"].Value, b[i]["UID"].Value)
		}
	}
	if a[0]["DTSTAMP"] == b[0]["DTSTAMP"] || b[0]["DTSTAMP"].Value != "20260302T174512Z" {
		t.Errorf("DTSTAMP %q then %q, want the render time", a[0]["DTSTAMP"].Value, b[0]["DTSTAMP"].Value)
	}

	// Without a UID, one is derived from date and summary: stable too.
	ev := []Event{{Summary: "Review", Date: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}}
	_, x := parseICS(t, Calendar("f", ev, time.Now()))
	_, y := parseICS(t, Calendar("f", ev, time.Now().Add(time.Hour)))
	if x[0]["UID"].Value == "" || x[0]["UID"] != y[0]["UID"] {
		t.Errorf("derived UIDs %q, %q", x[0]["UID"].Value, y[0]["UID"].Value)
	}
}

func TestCalendarFoldsOctetsNotRunes(t *testing.T) {
	summary := strings.Repeat("é日🚀", 40) // 2-, 3- and 4-octet sequences
	out := Calendar("f", []Event{{UID: "u@piaf", Summary: summary, Date: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}}, time.Now())
	folds := 0
	for line := range strings.SplitSeq(string(out), "\r\n") {
		if strings.HasPrefix(line, " ") {
			folds++
		}
	}
	if folds < 5 {
		t.Errorf("only %d continuation lines for a %d-octet summary", folds, len(summary))
	}
	_, events := parseICS(t, out) // checks every physical line is ≤ 75 octets and valid UTF-8
	if got := events[0]["SUMMARY"].Value; got != summary {
		t.Errorf("summary does not unfold to the original:\n%q\n%q", got, summary)
	}
}

func TestWriteFoldedLine(t *testing.T) {
	for n := range 200 {
		s := "X:" + strings.Repeat("a", n%7) + strings.Repeat("€", n)
		var b bytes.Buffer
		writeFoldedLine(&b, s)
		lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
		var joined strings.Builder
		for i, l := range lines {
			if len(l) > 75 || !utf8.ValidString(l) || (i > 0 && l[0] != ' ') {
				t.Fatalf("n=%d: bad physical line %q", n, l)
			}
			if i > 0 {
				l = l[1:]
			}
			joined.WriteString(l)
		}
		if joined.String() != s {
			t.Fatalf("n=%d: unfolds to %q", n, joined.String())
		}
	}
}
