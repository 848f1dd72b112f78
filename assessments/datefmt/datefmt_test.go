package datefmt

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	at := time.Date(2026, 11, 30, 0, 44, 3, 0, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no zone database (install tzdata: apt-get install tzdata): %v", err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skipf("no zone database (install tzdata: apt-get install tzdata): %v", err)
	}
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"date UTC", Date(at, nil), "2026-11-30"},
		{"date in a zone crosses the day", Date(at.Add(-time.Hour), kolkata), "2026-11-30"},
		{"date in UTC the day before", Date(at.Add(-time.Hour), nil), "2026-11-29"},
		{"time UTC", DateTime(at, nil), "2026-11-30 00:44 UTC"},
		{"time with an abbreviation", DateTime(at, paris), "2026-11-30 01:44 CET"},
		// IANA gives Asia/Kolkata the abbreviation "IST"; zones without one fall back to the offset.
		{"time with a numeric zone", DateTime(at, time.FixedZone("", 5*3600+1800)), "2026-11-30 06:14 +05:30"},
		{"stamp", Stamp(at, nil), "2026-11-30 00:44:03 UTC"},
		{"day as stored", Day("2027-02-28"), "2027-02-28"},
		{"day from RFC 3339", Day("2026-12-05T23:10:00+01:00"), "2026-12-05"},
		{"day left alone", Day("12/05/2026"), "12/05/2026"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}
