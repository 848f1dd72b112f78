package remind

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kinds of items reminded about.
const (
	KindReview     = "review"     // an approved assessment due for re-assessment
	KindMitigation = "mitigation" // a mitigation due to be in place
	KindAcceptance = "acceptance" // a risk acceptance expiring
)

// Stages that do not depend on the policy. The others are "before-N" (N days before the due
// date, from Policy.BeforeDays) and "overdue-N" (the Nth repeat while overdue).
const (
	StageDue            = "due"
	StageEscalateOwners = "escalate-owners"
	StageEscalateAdmins = "escalate-admins"
)

// Escalations, as in Reminder.Escalation.
const (
	EscalationOwners = "owners"
	EscalationAdmins = "admins"
)

// Item is something with a due date that people are reminded of.
type Item struct {
	Kind  string    // KindReview, KindMitigation or KindAcceptance
	Ref   string    // stable id, from ReviewRef, MitigationRef or AcceptanceRef
	Title string    // e.g. "Support bot (cycle 2)", a mitigation's or a finding's title
	Link  string    // absolute URL of the page to act on
	Due   time.Time // a date; zero when there is none, and the item is skipped
	// Recipients are reminded at every stage: the project owners for a review, the owner of a
	// mitigation. Ids of 0 or less are ignored, so an unset mitigation owner can be passed as is.
	Recipients []int64
	Owners     []int64 // project owners, told when the item is overdue long enough
	Admins     []int64 // told when it is overdue longer still
	Done       bool    // mitigation implemented or verified, re-assessment started, ...
}

// ReviewRef is the Ref of an assessment's review.
func ReviewRef(assessmentID int64) string {
	return "assessment:" + strconv.FormatInt(assessmentID, 10)
}

// MitigationRef is the Ref of one of an assessment's mitigations.
func MitigationRef(assessmentID int64, mitigationID string) string {
	return ReviewRef(assessmentID) + "/mitigation:" + mitigationID
}

// AcceptanceRef is the Ref of the acceptance of one of an assessment's findings.
func AcceptanceRef(assessmentID int64, findingID string) string {
	return ReviewRef(assessmentID) + "/finding:" + findingID
}

// Reminder is one message due to one user.
type Reminder struct {
	// Key is unique per item, due date, stage and user, so storing it before or with sending
	// makes a reminder go out once. A changed due date gives new keys and the reminders start
	// over for the new date.
	Key        string
	Stage      string
	UserID     int64
	Item       Item
	Escalation string // "", EscalationOwners or EscalationAdmins
	DueIn      int    // days until due as of the pass; 0 on the day, negative when overdue
}

// Due returns the reminders due at now for the items not done and with a due date, ordered by
// due date, ref, stage (the regular one, then escalations to owners and to admins) and user.
//
// For each item and recipient only the latest stage reached is returned, not every stage since
// the due date came near, so a pass after downtime sends one reminder about where things stand
// rather than a backlog. The stages, by days until due:
//   - "before-N": for N in BeforeDays, from N days before until the next smaller N is reached;
//   - "due": from the due date until the first overdue repeat (when OnDueDay);
//   - "overdue-K": from K×OverdueEveryDays days overdue, so weekly by default.
//
// Past EscalateOwnersAfterDays overdue, the item's owners also get "escalate-owners", and past
// EscalateAdminsAfterDays its admins get "escalate-admins", each for as long as the item stays
// overdue with the same key, so each is sent once. Someone among the item's recipients is not
// sent an escalation: they are reminded already, and would otherwise get two messages about one
// thing on one day. Due is pure: the same items, time and policy give the same reminders.
func Due(items []Item, now time.Time, p Policy) []Reminder {
	var out []Reminder
	for _, it := range items {
		if it.Done || it.Due.IsZero() {
			continue
		}
		in := DaysUntil(it.Due, now)
		add := func(stage, escalation string, users []int64) {
			for _, u := range users {
				out = append(out, Reminder{Key: key(it, stage, u), Stage: stage, UserID: u, Item: it, Escalation: escalation, DueIn: in})
			}
		}
		if stage := p.stage(in); stage != "" {
			add(stage, "", ids(it.Recipients, nil))
		}
		if over := -in; over > 0 {
			if p.EscalateOwnersAfterDays > 0 && over >= p.EscalateOwnersAfterDays {
				add(StageEscalateOwners, EscalationOwners, ids(it.Owners, it.Recipients))
			}
			if p.EscalateAdminsAfterDays > 0 && over >= p.EscalateAdminsAfterDays {
				add(StageEscalateAdmins, EscalationAdmins, ids(it.Admins, it.Recipients))
			}
		}
	}
	slices.SortFunc(out, func(a, b Reminder) int {
		return cmp.Or(
			dateOf(a.Item.Due).Compare(dateOf(b.Item.Due)),
			strings.Compare(a.Item.Ref, b.Item.Ref),
			strings.Compare(a.Item.Kind, b.Item.Kind),
			cmp.Compare(stageRank(a.Stage), stageRank(b.Stage)),
			strings.Compare(a.Stage, b.Stage),
			cmp.Compare(a.UserID, b.UserID),
		)
	})
	return out
}

// stage is the latest regular stage reached in days until due, or "" for none yet. It does not
// rely on BeforeDays being sorted, nor on the policy being valid.
func (p Policy) stage(in int) string {
	if in > 0 {
		// The nearest reminder day not before today: 3 days out is still the "before-7" stage.
		best := 0
		for _, d := range p.BeforeDays {
			if d >= in && (best == 0 || d < best) {
				best = d
			}
		}
		if best == 0 {
			return ""
		}
		return "before-" + strconv.Itoa(best)
	}
	over := -in
	if p.OverdueEveryDays > 0 && over >= p.OverdueEveryDays {
		return "overdue-" + strconv.Itoa(over/p.OverdueEveryDays)
	}
	if p.OnDueDay {
		return StageDue
	}
	// Without a reminder on the day, the last one before it is the latest stage reached.
	last := 0
	for _, d := range p.BeforeDays {
		if d > 0 && (last == 0 || d < last) {
			last = d
		}
	}
	if last == 0 {
		return ""
	}
	return "before-" + strconv.Itoa(last)
}

func stageRank(stage string) int {
	switch stage {
	case StageEscalateOwners:
		return 1
	case StageEscalateAdmins:
		return 2
	}
	return 0
}

// key is like "review|assessment:7|2027-03-01|before-7|user:4".
func key(it Item, stage string, user int64) string {
	return fmt.Sprintf("%s|%s|%s|%s|user:%d", it.Kind, it.Ref, dateOf(it.Due).Format(time.DateOnly), stage, user)
}

// ids are the valid, distinct user ids of users that are not in except, sorted.
func ids(users, except []int64) []int64 {
	var out []int64
	for _, u := range users {
		if u > 0 && !slices.Contains(except, u) {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
