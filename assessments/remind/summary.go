package remind

import (
	"fmt"
	"strings"
	"time"
)

// Summary is a reminder in plain English, for an email, an in-app notification or a webhook: a
// one-line subject such as "Mitigation overdue by 14 days: Train with DP-SGD", and a body that
// says the date, what to do and where. The wording follows DueIn, the days left as of the pass,
// rather than the stage, so a reminder sent late after downtime still tells the truth.
func Summary(r Reminder) (subject, body string) {
	it := r.Item
	title := oneLine(it.Title)
	date := dateOf(it.Due).Format(time.DateOnly)
	noun, verb := "", "due"
	var sentence, action string
	switch it.Kind {
	case KindReview:
		noun = "Re-assessment"
		sentence = "The re-assessment of " + title + " " + dueWhen(r.DueIn, date) + "."
		action = "Start a new assessment cycle to bring the privacy impact assessment up to date."
	case KindMitigation:
		noun = "Mitigation"
		sentence = "The mitigation \"" + title + "\" " + dueWhen(r.DueIn, date) + "."
		action = "Put the mitigation in place and record the evidence, or agree a new due date with the project owners."
	case KindAcceptance:
		noun, verb = "Risk acceptance", "expires"
		sentence = "The acceptance of the risk \"" + title + "\" " + expiresWhen(r.DueIn, date) + "."
		action = "Review the risk: renew the acceptance with a new expiry date, or mitigate the risk."
	default:
		sentence = title + " " + dueWhen(r.DueIn, date) + "."
	}
	head := headline(verb, r.DueIn) // never empty, and starts with a lower-case ASCII letter
	if noun == "" {
		head = strings.ToUpper(head[:1]) + head[1:]
	} else {
		head = noun + " " + head
	}
	subject = head + ": " + title
	if r.Escalation != "" {
		subject = "Escalated: " + subject
	}

	parts := []string{sentence}
	if action != "" {
		parts = append(parts, action)
	}
	if it.Link != "" {
		parts = append(parts, it.Link)
	}
	switch r.Escalation {
	case EscalationOwners:
		parts = append(parts, fmt.Sprintf("You are receiving this as a project owner because it is %s overdue.", days(-r.DueIn)))
	case EscalationAdmins:
		parts = append(parts, fmt.Sprintf("You are receiving this as an admin because it is %s overdue.", days(-r.DueIn)))
	}
	return subject, strings.Join(parts, "\n\n") + "\n"
}

// headline is "due in 7 days", "due tomorrow", "overdue by 14 days", "expires today",
// "expired 3 days ago" and the like.
func headline(verb string, in int) string {
	expires := verb == "expires"
	switch {
	case in > 1:
		return verb + " in " + days(in)
	case in == 1:
		return verb + " tomorrow"
	case in == 0:
		return verb + " today"
	case expires && in == -1:
		return "expired yesterday"
	case expires:
		return "expired " + days(-in) + " ago"
	}
	return "overdue by " + days(-in)
}

func dueWhen(in int, date string) string {
	switch {
	case in > 1:
		return "is due on " + date + ", in " + days(in)
	case in == 1:
		return "is due tomorrow, " + date
	case in == 0:
		return "is due today, " + date
	}
	return "was due on " + date + " and is " + days(-in) + " overdue"
}

func expiresWhen(in int, date string) string {
	switch {
	case in > 1:
		return "expires on " + date + ", in " + days(in)
	case in == 1:
		return "expires tomorrow, " + date
	case in == 0:
		return "expires today, " + date
	}
	return "expired on " + date + ", " + days(-in) + " ago"
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// oneLine keeps a title that someone typed from breaking a subject line (or an email header).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
