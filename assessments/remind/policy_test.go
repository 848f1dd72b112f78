package remind

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNextReview(t *testing.T) {
	monthly := DefaultPolicy()
	monthly.ReviewMonths = ReviewMonths{Maximum: 1, Significant: 1, Limited: 1, Negligible: 1, None: 1}
	tests := []struct {
		name     string
		approved time.Time
		level    assessments.Level
		policy   Policy
		want     string
	}{
		{"maximum", instant("2027-01-15T14:20:00Z"), assessments.LevelMaximum, DefaultPolicy(), "2027-04-15"},
		{"significant", instant("2027-01-15T14:20:00Z"), assessments.LevelSignificant, DefaultPolicy(), "2027-04-15"},
		{"limited", instant("2027-01-15T14:20:00Z"), assessments.LevelLimited, DefaultPolicy(), "2027-07-15"},
		{"negligible", instant("2027-01-15T14:20:00Z"), assessments.LevelNegligible, DefaultPolicy(), "2028-01-15"},
		{"no findings", instant("2027-01-15T14:20:00Z"), assessments.LevelNone, DefaultPolicy(), "2028-01-15"},
		{"level above maximum counts as maximum", instant("2027-01-15T00:00:00Z"), assessments.Level(9), DefaultPolicy(), "2027-04-15"},
		{"negative level counts as none", instant("2027-01-15T00:00:00Z"), assessments.Level(-1), DefaultPolicy(), "2028-01-15"},
		{"across a year end", instant("2027-11-10T08:00:00Z"), assessments.LevelLimited, DefaultPolicy(), "2028-05-10"},
		{"31 January plus a month is 28 February", instant("2027-01-31T12:00:00Z"), assessments.LevelMaximum, monthly, "2027-02-28"},
		{"31 January plus a month in a leap year is 29 February", instant("2028-01-31T12:00:00Z"), assessments.LevelMaximum, monthly, "2028-02-29"},
		{"30 November plus 3 months", instant("2026-11-30T12:00:00Z"), assessments.LevelMaximum, DefaultPolicy(), "2027-02-28"},
		{"30 November plus 3 months into a leap year", instant("2027-11-30T12:00:00Z"), assessments.LevelSignificant, DefaultPolicy(), "2028-02-29"},
		{"31 August plus 6 months", instant("2027-08-31T12:00:00Z"), assessments.LevelLimited, DefaultPolicy(), "2028-02-29"},
		{"29 February plus 12 months", instant("2028-02-29T12:00:00Z"), assessments.LevelNegligible, DefaultPolicy(), "2029-02-28"},
		{"29 February plus 48 months", instant("2028-02-29T12:00:00Z"), assessments.LevelMaximum,
			Policy{ReviewMonths: ReviewMonths{Maximum: 48}}, "2032-02-29"},
		{"31 March plus a month keeps the 30th", instant("2027-03-31T12:00:00Z"), assessments.LevelMaximum, monthly, "2027-04-30"},
		// 23:30 in Los Angeles on 31 January is 1 February in UTC.
		{"approval counts on its UTC date", instant("2027-01-31T23:30:00-08:00"), assessments.LevelMaximum, DefaultPolicy(), "2027-05-01"},
		{"just before midnight UTC", instant("2027-01-31T23:59:59Z"), assessments.LevelMaximum, DefaultPolicy(), "2027-04-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextReview(tt.approved, tt.level, tt.policy)
			if !got.Equal(date(tt.want)) || got.Location() != time.UTC {
				t.Errorf("NextReview(%s, %s) = %s, want %s at 00:00 UTC", tt.approved, tt.level.Name(), got, tt.want)
			}
		})
	}
	if got := NextReview(time.Time{}, assessments.LevelMaximum, DefaultPolicy()); !got.IsZero() {
		t.Errorf("NextReview of a zero approval = %s, want zero", got)
	}
}

func TestClampEarlier(t *testing.T) {
	policy := date("2027-03-01")
	tests := []struct {
		name      string
		requested time.Time
		want      time.Time
		wantErr   bool
	}{
		{"earlier", date("2027-02-01"), date("2027-02-01"), false},
		{"same day", date("2027-03-01"), date("2027-03-01"), false},
		{"same day with a time of day", instant("2027-03-01T17:45:00Z"), date("2027-03-01"), false},
		{"a date picked in another zone counts as the date it names", instant("2027-03-01T00:00:00+02:00"), date("2027-03-01"), false},
		{"no request keeps the policy's", time.Time{}, policy, false},
		{"a day later", date("2027-03-02"), policy, true},
		{"a year later", date("2028-03-01"), policy, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ClampEarlier(policy, tt.requested)
			if tt.wantErr {
				if !errors.Is(err, ErrLaterNeedsAdmin) || !strings.Contains(err.Error(), "admin") {
					t.Fatalf("err = %v, want one wrapping ErrLaterNeedsAdmin", err)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	// Without a policy date (not approved yet) any date an owner picks stands.
	if got, err := ClampEarlier(time.Time{}, date("2030-01-01")); err != nil || !got.Equal(date("2030-01-01")) {
		t.Errorf("ClampEarlier(zero, 2030-01-01) = %s, %v", got, err)
	}
}

func TestDefaultPolicyIsValid(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyJSON(t *testing.T) {
	b, err := json.Marshal(DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"review_months":{"maximum":3,"significant":3,"limited":6,"negligible":12,"none":12},` +
		`"before_days":[30,7,1],"on_due_day":true,"overdue_every_days":7,` +
		`"escalate_owners_after_days":7,"escalate_admins_after_days":30}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	var back Policy
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, DefaultPolicy()) {
		t.Errorf("round trip = %+v", back)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Policy)
		want   []Problem // fields and message fragments
	}{
		{"zero interval", func(p *Policy) { p.ReviewMonths.Limited = 0 },
			[]Problem{{"review_months.limited", "review interval for limited risk must be between 1 and 120 months, not 0"}}},
		{"negative interval for no findings", func(p *Policy) { p.ReviewMonths.None = -3 },
			[]Problem{{"review_months.none", "for assessments without findings must be between 1 and 120 months, not -3"}}},
		{"interval too long", func(p *Policy) { p.ReviewMonths.None = 121 },
			[]Problem{{"review_months.none", "not 121"}}},
		{"higher risk reviewed less often", func(p *Policy) { p.ReviewMonths.Maximum = 6 },
			[]Problem{{"review_months.maximum", "for maximum risk (6 months) must not be longer than for significant risk (3 months)"}}},
		{"no findings may be reviewed more often than negligible", func(p *Policy) { p.ReviewMonths.None = 1 }, nil},
		{"no days before is fine", func(p *Policy) { p.BeforeDays = nil }, nil},
		{"zero days before", func(p *Policy) { p.BeforeDays = []int{30, 0} },
			[]Problem{{"before_days", "between 1 and 366, not 0"}}},
		{"ascending days before", func(p *Policy) { p.BeforeDays = []int{1, 7, 30} },
			[]Problem{{"before_days", "descending order"}}},
		{"repeated days before", func(p *Policy) { p.BeforeDays = []int{7, 7} },
			[]Problem{{"before_days", "without repeats"}}},
		{"overdue never repeats", func(p *Policy) { p.OverdueEveryDays = 0 },
			[]Problem{{"overdue_every_days", "every 1 day or more, not 0"}}},
		{"owners on the due day", func(p *Policy) { p.EscalateOwnersAfterDays = 0 },
			[]Problem{{"escalate_owners_after_days", "project owners must come 1 day or more after the due date"}}},
		{"admins before owners", func(p *Policy) { p.EscalateAdminsAfterDays = 5 },
			[]Problem{{"escalate_admins_after_days", "admins (5 days overdue) must come after escalation to the project owners (7 days overdue)"}}},
		{"admins with owners", func(p *Policy) { p.EscalateAdminsAfterDays = 7 },
			[]Problem{{"escalate_admins_after_days", "must come after"}}},
		{"admins negative", func(p *Policy) { p.EscalateAdminsAfterDays = -1 },
			[]Problem{{"escalate_admins_after_days", "admins must come 1 day or more after the due date, not -1"}}},
		{"zero policy reports everything", func(p *Policy) { *p = Policy{} },
			[]Problem{
				{"review_months.maximum", "maximum"}, {"review_months.significant", "significant"},
				{"review_months.limited", "limited"}, {"review_months.negligible", "negligible"},
				{"review_months.none", "without findings"}, {"overdue_every_days", "repeat"},
				{"escalate_owners_after_days", "owners"}, {"escalate_admins_after_days", "admins"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultPolicy()
			tt.change(&p)
			err := p.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Validate() = %v, want Problems", err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(ps), len(tt.want), err)
			}
			for i, w := range tt.want {
				if ps[i].Field != w.Field || !strings.Contains(ps[i].Msg, w.Msg) {
					t.Errorf("problem %d = %+v, want field %q and a message containing %q", i, ps[i], w.Field, w.Msg)
				}
			}
			if !strings.HasPrefix(err.Error(), "reminder policy: ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}
