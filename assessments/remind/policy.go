// Package remind decides which reminders are due: when an approved assessment must be reviewed
// again, and who is told, when, about reviews, mitigations and risk acceptances coming due or
// overdue. It stores and sends nothing and never reads the clock: callers pass the time in, keep
// the keys of reminders already sent, and deliver the rest.
//
// Dates are calendar days in UTC. An instant (an approval, the time of a pass) counts on its UTC
// date; a due date counts on the date it names, whatever its location, so a "YYYY-MM-DD" parsed
// in any zone means the same day.
package remind

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// ReviewMonths is the review interval, in calendar months after approval, for each highest
// residual risk level of an approved assessment.
type ReviewMonths struct {
	Maximum     int `json:"maximum"`
	Significant int `json:"significant"`
	Limited     int `json:"limited"`
	Negligible  int `json:"negligible"`
	None        int `json:"none"` // no live findings
}

// Policy is the instance-wide reminder policy an admin sets; it is stored as a JSON setting.
type Policy struct {
	ReviewMonths ReviewMonths `json:"review_months"`
	// BeforeDays are the days before a due date on which to remind, largest first.
	BeforeDays []int `json:"before_days"`
	// OnDueDay reminds on the due date itself.
	OnDueDay bool `json:"on_due_day"`
	// OverdueEveryDays repeats the reminder while overdue: the first repeat comes this many days
	// after the due date, and one more each time as many days pass.
	OverdueEveryDays int `json:"overdue_every_days"`
	// EscalateOwnersAfterDays and EscalateAdminsAfterDays are the days overdue after which the
	// project owners, then the admins, are told as well.
	EscalateOwnersAfterDays int `json:"escalate_owners_after_days"`
	EscalateAdminsAfterDays int `json:"escalate_admins_after_days"`
}

// DefaultPolicy is the policy until an admin changes it.
func DefaultPolicy() Policy {
	return Policy{
		ReviewMonths:            ReviewMonths{Maximum: 3, Significant: 3, Limited: 6, Negligible: 12, None: 12},
		BeforeDays:              []int{30, 7, 1},
		OnDueDay:                true,
		OverdueEveryDays:        7,
		EscalateOwnersAfterDays: 7,
		EscalateAdminsAfterDays: 30,
	}
}

// Limits beyond which a value is almost surely a typo.
const (
	maxReviewMonths = 120
	maxBeforeDays   = 366
)

// Problem is one thing wrong with a policy, under the JSON name of its field so a form can show
// it beside the right input.
type Problem struct {
	Field string `json:"field"`
	Msg   string `json:"msg"`
}

// Problems is the error Validate returns: every problem found, so an admin fixes them in one go.
type Problems []Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Msg
	}
	return "reminder policy: " + strings.Join(msgs, "; ")
}

// Validate reports every problem with the policy, or nil. It checks that review intervals are
// between 1 and 120 months and do not grow as the risk rises, that the days before due are
// positive and in descending order, that overdue reminders repeat, and that escalation reaches
// the project owners before the admins.
func (p Policy) Validate() error {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	levels := []struct {
		field, name string
		months      int
	}{
		{"review_months.maximum", "maximum risk", p.ReviewMonths.Maximum},
		{"review_months.significant", "significant risk", p.ReviewMonths.Significant},
		{"review_months.limited", "limited risk", p.ReviewMonths.Limited},
		{"review_months.negligible", "negligible risk", p.ReviewMonths.Negligible},
		{"review_months.none", "assessments without findings", p.ReviewMonths.None},
	}
	for _, l := range levels {
		if l.months < 1 || l.months > maxReviewMonths {
			add(l.field, "the review interval for %s must be between 1 and %d months, not %d", l.name, maxReviewMonths, l.months)
		}
	}
	// A riskier assessment is never reviewed less often than a safer one. "No findings" is left
	// out: it may be an assessment nobody has scored yet.
	for i := 1; i < 4; i++ {
		higher, lower := levels[i-1], levels[i]
		if higher.months > lower.months && lower.months >= 1 {
			add(higher.field, "the review interval for %s (%d months) must not be longer than for %s (%d months)",
				higher.name, higher.months, lower.name, lower.months)
		}
	}
	for i, d := range p.BeforeDays {
		if d < 1 || d > maxBeforeDays {
			add("before_days", "days before the due date must be between 1 and %d, not %d", maxBeforeDays, d)
		}
		if i > 0 && d >= p.BeforeDays[i-1] {
			add("before_days", "days before the due date must be in descending order without repeats, like 30, 7, 1")
			break
		}
	}
	if p.OverdueEveryDays < 1 {
		add("overdue_every_days", "overdue reminders must repeat every 1 day or more, not %d", p.OverdueEveryDays)
	}
	if p.EscalateOwnersAfterDays < 1 {
		add("escalate_owners_after_days", "escalation to the project owners must come 1 day or more after the due date, not %d", p.EscalateOwnersAfterDays)
	}
	if p.EscalateAdminsAfterDays < 1 {
		add("escalate_admins_after_days", "escalation to the admins must come 1 day or more after the due date, not %d", p.EscalateAdminsAfterDays)
	} else if p.EscalateOwnersAfterDays >= 1 && p.EscalateAdminsAfterDays <= p.EscalateOwnersAfterDays {
		add("escalate_admins_after_days", "escalation to the admins (%d days overdue) must come after escalation to the project owners (%d days overdue)",
			p.EscalateAdminsAfterDays, p.EscalateOwnersAfterDays)
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// Months is the review interval for an assessment whose highest live residual risk is l. A level
// above maximum counts as maximum and one below negligible as none.
func (p Policy) Months(l assessments.Level) int {
	switch {
	case l >= assessments.LevelMaximum:
		return p.ReviewMonths.Maximum
	case l == assessments.LevelSignificant:
		return p.ReviewMonths.Significant
	case l == assessments.LevelLimited:
		return p.ReviewMonths.Limited
	case l == assessments.LevelNegligible:
		return p.ReviewMonths.Negligible
	}
	return p.ReviewMonths.None
}

// NextReview is the date an assessment approved at approvedAt, with highest live residual risk
// highest, is due for review: its UTC date plus the policy's months, at 00:00 UTC. A day the
// target month lacks becomes its last day (31 January plus one month is 28 or 29 February), so
// a review is never pushed into the month after. Zero when approvedAt is zero.
func NextReview(approvedAt time.Time, highest assessments.Level, p Policy) time.Time {
	if approvedAt.IsZero() {
		return time.Time{}
	}
	return addMonths(utcDate(approvedAt), p.Months(highest))
}

// addMonths adds calendar months to a date, keeping the day of the month where the target month
// has it and taking the month's last day where it does not. AddDate alone would roll 31 January
// plus one month over to 3 March.
func addMonths(d time.Time, months int) time.Time {
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.Day(), last)-1)
}

// ErrLaterNeedsAdmin is wrapped by ClampEarlier's error when a requested review date is later
// than the policy's.
var ErrLaterNeedsAdmin = errors.New("only an admin can set a review date later than the policy's")

// ClampEarlier checks a review date a project owner asks for against the policy's: an earlier
// date (or the same) is taken, as a date at 00:00 UTC; a later one is refused, since putting off
// a review is an admin's decision. A zero requested date keeps the policy's.
func ClampEarlier(policyDate, requested time.Time) (time.Time, error) {
	if requested.IsZero() {
		return policyDate, nil
	}
	req, pol := dateOf(requested), dateOf(policyDate)
	if !policyDate.IsZero() && req.After(pol) {
		return pol, fmt.Errorf("review date %s is later than the policy's %s: %w",
			req.Format(time.DateOnly), pol.Format(time.DateOnly), ErrLaterNeedsAdmin)
	}
	return req, nil
}

// dateOf is the date t names, in its own location, at 00:00 UTC.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// utcDate is the UTC date of the instant t, at 00:00 UTC.
func utcDate(t time.Time) time.Time { return dateOf(t.UTC()) }

// DaysUntil is how many calendar days from the UTC date of now until the date due names:
// 0 on the day, negative once overdue.
func DaysUntil(due, now time.Time) int {
	return int(dateOf(due).Sub(utcDate(now)) / (24 * time.Hour))
}
