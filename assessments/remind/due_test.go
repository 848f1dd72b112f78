package remind

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// at is 09:30 UTC on the day offset days from 2027-03-01.
func at(offset int) time.Time {
	return date("2027-03-01").AddDate(0, 0, offset).Add(9*time.Hour + 30*time.Minute)
}

// review is due on 2027-03-01: user 4 is reminded, owners 4 and 5 and admin 1 are escalated to.
var review = Item{
	Kind: KindReview, Ref: ReviewRef(7), Title: "Support bot (cycle 2)",
	Link: "https://piaf.example/projects/3/assessments/7", Due: date("2027-03-01"),
	Recipients: []int64{4}, Owners: []int64{4, 5}, Admins: []int64{1},
}

func keys(rs []Reminder) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Key)
	}
	return out
}

func reviewKey(stage string, user int64) string {
	return fmt.Sprintf("review|assessment:7|2027-03-01|%s|user:%d", stage, user)
}

func TestDueTimeline(t *testing.T) {
	tests := []struct {
		offset int
		want   []string
	}{
		{-400, nil},
		{-40, nil},
		{-31, nil},
		{-30, []string{reviewKey("before-30", 4)}},
		{-29, []string{reviewKey("before-30", 4)}},
		{-8, []string{reviewKey("before-30", 4)}},
		{-7, []string{reviewKey("before-7", 4)}},
		{-2, []string{reviewKey("before-7", 4)}},
		{-1, []string{reviewKey("before-1", 4)}},
		{0, []string{reviewKey("due", 4)}},
		{3, []string{reviewKey("due", 4)}},
		{6, []string{reviewKey("due", 4)}},
		// User 4 is an owner too but already reminded, so only owner 5 gets the escalation.
		{7, []string{reviewKey("overdue-1", 4), reviewKey("escalate-owners", 5)}},
		{13, []string{reviewKey("overdue-1", 4), reviewKey("escalate-owners", 5)}},
		{14, []string{reviewKey("overdue-2", 4), reviewKey("escalate-owners", 5)}},
		{29, []string{reviewKey("overdue-4", 4), reviewKey("escalate-owners", 5)}},
		{30, []string{reviewKey("overdue-4", 4), reviewKey("escalate-owners", 5), reviewKey("escalate-admins", 1)}},
		{70, []string{reviewKey("overdue-10", 4), reviewKey("escalate-owners", 5), reviewKey("escalate-admins", 1)}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("day %+d", tt.offset), func(t *testing.T) {
			got := Due([]Item{review}, at(tt.offset), DefaultPolicy())
			if !slices.Equal(keys(got), tt.want) {
				t.Errorf("keys = %q\nwant   %q", keys(got), tt.want)
			}
			for _, r := range got {
				if r.DueIn != -tt.offset {
					t.Errorf("%s: DueIn = %d, want %d", r.Key, r.DueIn, -tt.offset)
				}
			}
			// The same pass run again gives the same reminders.
			if again := Due([]Item{review}, at(tt.offset), DefaultPolicy()); !reflect.DeepEqual(got, again) {
				t.Errorf("second pass differs: %q", keys(again))
			}
		})
	}
}

func TestDueFields(t *testing.T) {
	got := Due([]Item{review}, at(30), DefaultPolicy())
	want := []Reminder{
		{Key: reviewKey("overdue-4", 4), Stage: "overdue-4", UserID: 4, Item: review, DueIn: -30},
		{Key: reviewKey("escalate-owners", 5), Stage: StageEscalateOwners, UserID: 5, Item: review, Escalation: EscalationOwners, DueIn: -30},
		{Key: reviewKey("escalate-admins", 1), Stage: StageEscalateAdmins, UserID: 1, Item: review, Escalation: EscalationAdmins, DueIn: -30},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// pass runs Due and keeps only the reminders whose keys were not sent yet, as a store would.
func pass(t *testing.T, sent map[string]bool, items []Item, now time.Time, p Policy) []string {
	t.Helper()
	var out []string
	for _, r := range Due(items, now, p) {
		if !sent[r.Key] {
			sent[r.Key] = true
			out = append(out, r.Key)
		}
	}
	return out
}

func TestDueServerDown(t *testing.T) {
	sent := map[string]bool{}
	if got := pass(t, sent, []Item{review}, at(-40), DefaultPolicy()); len(got) != 0 {
		t.Fatalf("at -40: %q", got)
	}
	// Down from day -40 to day +10: one reminder about where things stand, not the backlog.
	got := pass(t, sent, []Item{review}, at(10), DefaultPolicy())
	want := []string{reviewKey("overdue-1", 4), reviewKey("escalate-owners", 5)}
	if !slices.Equal(got, want) {
		t.Errorf("at +10: %q\nwant    %q", got, want)
	}
	if got := pass(t, sent, []Item{review}, at(11), DefaultPolicy()); len(got) != 0 {
		t.Errorf("at +11: %q, want nothing new", got)
	}
}

func TestDueEveryFewMinutes(t *testing.T) {
	// A scheduler running every 5 minutes for 69 days sends each stage once, in order.
	sent := map[string]bool{}
	var got []string
	for now := at(-35); now.Before(at(34)); now = now.Add(5 * time.Minute) {
		got = append(got, pass(t, sent, []Item{review}, now, DefaultPolicy())...)
	}
	want := []string{
		reviewKey("before-30", 4), reviewKey("before-7", 4), reviewKey("before-1", 4), reviewKey("due", 4),
		reviewKey("overdue-1", 4), reviewKey("escalate-owners", 5), reviewKey("overdue-2", 4),
		reviewKey("overdue-3", 4), reviewKey("overdue-4", 4), reviewKey("escalate-admins", 1),
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %q\nwant %q", got, want)
	}
}

func TestDueSkips(t *testing.T) {
	done := review
	done.Done = true
	noDate := review
	noDate.Due = time.Time{}
	nobody := review
	nobody.Recipients, nobody.Owners, nobody.Admins = nil, nil, nil
	for name, it := range map[string]Item{"done": done, "no due date": noDate, "nobody to tell": nobody} {
		for _, offset := range []int{-30, 0, 7, 30, 100} {
			if got := Due([]Item{it}, at(offset), DefaultPolicy()); len(got) != 0 {
				t.Errorf("%s at %+d: %q", name, offset, keys(got))
			}
		}
	}
	if got := Due(nil, at(0), DefaultPolicy()); got != nil {
		t.Errorf("no items: %v", got)
	}
}

func TestDueRecipients(t *testing.T) {
	it := review
	// Duplicates and unset ids (0, as for a mitigation without an owner) are dropped; each
	// recipient gets a key of their own.
	it.Recipients = []int64{9, 4, 0, 9}
	it.Owners = []int64{4, 9, 5, 6}
	it.Admins = []int64{1, 2, 9}
	got := keys(Due([]Item{it}, at(-7), DefaultPolicy()))
	want := []string{reviewKey("before-7", 4), reviewKey("before-7", 9)}
	if !slices.Equal(got, want) {
		t.Errorf("at -7: %q\nwant    %q", got, want)
	}
	got = keys(Due([]Item{it}, at(30), DefaultPolicy()))
	want = []string{
		reviewKey("overdue-4", 4), reviewKey("overdue-4", 9),
		reviewKey("escalate-owners", 5), reviewKey("escalate-owners", 6),
		reviewKey("escalate-admins", 1), reviewKey("escalate-admins", 2),
	}
	if !slices.Equal(got, want) {
		t.Errorf("at +30: %q\nwant    %q", got, want)
	}
}

func TestDueMitigationAndAcceptance(t *testing.T) {
	mitigation := Item{
		Kind: KindMitigation, Ref: MitigationRef(7, "m3"), Title: "Train with DP-SGD",
		Due: date("2027-03-10"), Recipients: []int64{12}, Owners: []int64{4}, Admins: []int64{1},
	}
	acceptance := Item{
		Kind: KindAcceptance, Ref: AcceptanceRef(7, "rule:memorisation"), Title: "Memorisation of training data",
		Due: date("2027-04-01"), Recipients: []int64{4}, Owners: []int64{4}, Admins: []int64{1},
	}
	verified := mitigation
	verified.Ref, verified.Done = MitigationRef(7, "m4"), true
	items := []Item{acceptance, verified, review, mitigation}

	tests := []struct {
		now  time.Time
		want []string
	}{
		{at(-30), []string{"review|assessment:7|2027-03-01|before-30|user:4"}},
		{at(0), []string{
			"review|assessment:7|2027-03-01|due|user:4",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|before-30|user:12",
		}},
		{date("2027-03-24"), []string{
			"review|assessment:7|2027-03-01|overdue-3|user:4",
			"review|assessment:7|2027-03-01|escalate-owners|user:5",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|overdue-2|user:12",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|escalate-owners|user:4",
			"acceptance|assessment:7/finding:rule:memorisation|2027-04-01|before-30|user:4",
		}},
		{date("2027-03-31"), []string{
			"review|assessment:7|2027-03-01|overdue-4|user:4",
			"review|assessment:7|2027-03-01|escalate-owners|user:5",
			"review|assessment:7|2027-03-01|escalate-admins|user:1",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|overdue-3|user:12",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|escalate-owners|user:4",
			"acceptance|assessment:7/finding:rule:memorisation|2027-04-01|before-1|user:4",
		}},
		{date("2027-04-01"), []string{
			"review|assessment:7|2027-03-01|overdue-4|user:4",
			"review|assessment:7|2027-03-01|escalate-owners|user:5",
			"review|assessment:7|2027-03-01|escalate-admins|user:1",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|overdue-3|user:12",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|escalate-owners|user:4",
			"acceptance|assessment:7/finding:rule:memorisation|2027-04-01|due|user:4",
		}},
		// The acceptance's owner is its recipient, so only the admins are escalated to.
		{date("2027-05-01"), []string{
			"review|assessment:7|2027-03-01|overdue-8|user:4",
			"review|assessment:7|2027-03-01|escalate-owners|user:5",
			"review|assessment:7|2027-03-01|escalate-admins|user:1",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|overdue-7|user:12",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|escalate-owners|user:4",
			"mitigation|assessment:7/mitigation:m3|2027-03-10|escalate-admins|user:1",
			"acceptance|assessment:7/finding:rule:memorisation|2027-04-01|overdue-4|user:4",
			"acceptance|assessment:7/finding:rule:memorisation|2027-04-01|escalate-admins|user:1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.DateOnly), func(t *testing.T) {
			got := keys(Due(items, tt.now, DefaultPolicy()))
			if !slices.Equal(got, tt.want) {
				t.Errorf("keys = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestDueDayBoundaries(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"last second before the due date", instant("2027-02-28T23:59:59Z"), "before-1"},
		{"first second of the due date", instant("2027-03-01T00:00:00Z"), "due"},
		{"evening in New York is the next day in UTC", instant("2027-02-28T20:30:00-05:00"), "due"},
		{"morning in Tokyo is the day before in UTC", instant("2027-03-08T08:00:00+09:00"), "due"},
		{"later that day in Tokyo", instant("2027-03-08T10:00:00+09:00"), "overdue-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Due([]Item{review}, tt.now, DefaultPolicy())
			if len(got) == 0 || got[0].Stage != tt.want {
				t.Errorf("stages %q, want %s first", keys(got), tt.want)
			}
		})
	}
	// A due date read as local midnight elsewhere still names the same date.
	local := review
	local.Due = time.Date(2027, 3, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := Due([]Item{local}, at(0), DefaultPolicy()); len(got) != 1 || got[0].Key != reviewKey("due", 4) {
		t.Errorf("local due date: %q", keys(got))
	}
}

func TestDueOtherPolicies(t *testing.T) {
	noDueDay := DefaultPolicy()
	noDueDay.OnDueDay = false
	custom := Policy{
		ReviewMonths: DefaultPolicy().ReviewMonths, BeforeDays: []int{14}, OnDueDay: true,
		OverdueEveryDays: 3, EscalateOwnersAfterDays: 5, EscalateAdminsAfterDays: 9,
	}
	silentBefore := DefaultPolicy()
	silentBefore.BeforeDays, silentBefore.OnDueDay = nil, false
	tests := []struct {
		name   string
		policy Policy
		offset int
		want   []string
	}{
		{"no reminder on the day: the last one before stands", noDueDay, 0, []string{"before-1"}},
		{"no reminder on the day, some days late", noDueDay, 6, []string{"before-1"}},
		{"no reminder on the day, a week late", noDueDay, 7, []string{"overdue-1", "escalate-owners"}},
		{"one reminder before", custom, -20, nil},
		{"one reminder before, reached", custom, -14, []string{"before-14"}},
		{"one reminder before, the day before", custom, -1, []string{"before-14"}},
		{"every 3 days", custom, 3, []string{"overdue-1"}},
		{"every 3 days, owners after 5", custom, 5, []string{"overdue-1", "escalate-owners"}},
		{"every 3 days, admins after 9", custom, 9, []string{"overdue-3", "escalate-owners", "escalate-admins"}},
		{"nothing before nor on the day", silentBefore, 0, nil},
		{"nothing before nor on the day, overdue", silentBefore, 7, []string{"overdue-1", "escalate-owners"}},
		{"zero policy escalates nobody and never divides by zero", Policy{}, 100, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range Due([]Item{review}, at(tt.offset), tt.policy) {
				got = append(got, r.Stage)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("stages = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDueOrder(t *testing.T) {
	a := Item{Kind: KindMitigation, Ref: MitigationRef(2, "m1"), Due: date("2027-03-01"), Recipients: []int64{3, 1}}
	b := Item{Kind: KindReview, Ref: ReviewRef(2), Due: date("2027-03-01"), Recipients: []int64{2}}
	c := Item{Kind: KindReview, Ref: ReviewRef(1), Due: date("2027-03-05"), Recipients: []int64{1}}
	want := []string{
		"review|assessment:2|2027-03-01|before-7|user:2",
		"mitigation|assessment:2/mitigation:m1|2027-03-01|before-7|user:1",
		"mitigation|assessment:2/mitigation:m1|2027-03-01|before-7|user:3",
		"review|assessment:1|2027-03-05|before-30|user:1",
	}
	for _, items := range [][]Item{{a, b, c}, {c, b, a}, {b, c, a}} {
		if got := keys(Due(items, at(-5), DefaultPolicy())); !slices.Equal(got, want) {
			t.Errorf("keys = %q\nwant   %q", got, want)
		}
	}
}

func TestDaysUntil(t *testing.T) {
	tests := []struct {
		due, now time.Time
		want     int
	}{
		{date("2027-03-01"), instant("2027-03-01T23:59:59Z"), 0},
		{date("2027-03-01"), instant("2027-02-28T00:00:00Z"), 1},
		{date("2028-03-01"), instant("2028-02-01T12:00:00Z"), 29},
		{date("2027-03-01"), instant("2027-02-01T12:00:00Z"), 28},
		{date("2027-03-01"), instant("2027-03-15T12:00:00Z"), -14},
		{date("2028-01-01"), instant("2027-01-01T00:00:00Z"), 365},
		{date("2029-01-01"), instant("2028-01-01T00:00:00Z"), 366},
	}
	for _, tt := range tests {
		if got := DaysUntil(tt.due, tt.now); got != tt.want {
			t.Errorf("DaysUntil(%s, %s) = %d, want %d", tt.due.Format(time.DateOnly), tt.now, got, tt.want)
		}
	}
}
