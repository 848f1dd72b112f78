package remind

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	mitigation := Item{Kind: KindMitigation, Ref: MitigationRef(7, "m3"), Title: "Train with DP-SGD",
		Link: "https://piaf.example/projects/3/assessments/7#m3", Due: date("2027-03-10")}
	acceptance := Item{Kind: KindAcceptance, Ref: AcceptanceRef(7, "rule:memorisation"), Title: "Memorisation of training data",
		Due: date("2027-04-01")}
	odd := Item{Kind: "other", Title: "Something\r\nBcc: evil@example.com", Due: date("2027-04-01")}
	tests := []struct {
		name    string
		r       Reminder
		subject string
		body    []string // fragments, in order
		not     []string
	}{
		{"review before", Reminder{Item: review, DueIn: 7},
			"Re-assessment due in 7 days: Support bot (cycle 2)",
			[]string{"The re-assessment of Support bot (cycle 2) is due on 2027-03-01, in 7 days.", "Start a new assessment cycle", "https://piaf.example/projects/3/assessments/7\n"},
			[]string{"escalat", "receiving"}},
		{"review tomorrow", Reminder{Item: review, DueIn: 1},
			"Re-assessment due tomorrow: Support bot (cycle 2)", []string{"is due tomorrow, 2027-03-01."}, nil},
		{"review today", Reminder{Item: review, DueIn: 0},
			"Re-assessment due today: Support bot (cycle 2)", []string{"is due today, 2027-03-01."}, nil},
		{"review a day late", Reminder{Item: review, DueIn: -1},
			"Re-assessment overdue by 1 day: Support bot (cycle 2)", []string{"was due on 2027-03-01 and is 1 day overdue."}, nil},
		{"review escalated to admins", Reminder{Item: review, DueIn: -30, Escalation: EscalationAdmins},
			"Escalated: Re-assessment overdue by 30 days: Support bot (cycle 2)",
			[]string{"is 30 days overdue.", "https://piaf.example", "You are receiving this as an admin because it is 30 days overdue."}, nil},
		{"mitigation overdue", Reminder{Item: mitigation, DueIn: -14},
			"Mitigation overdue by 14 days: Train with DP-SGD",
			[]string{`The mitigation "Train with DP-SGD" was due on 2027-03-10 and is 14 days overdue.`, "Put the mitigation in place", "#m3"}, nil},
		{"mitigation escalated to owners", Reminder{Item: mitigation, DueIn: -7, Escalation: EscalationOwners},
			"Escalated: Mitigation overdue by 7 days: Train with DP-SGD",
			[]string{"You are receiving this as a project owner because it is 7 days overdue."}, nil},
		{"acceptance expiring", Reminder{Item: acceptance, DueIn: 30},
			"Risk acceptance expires in 30 days: Memorisation of training data",
			[]string{`The acceptance of the risk "Memorisation of training data" expires on 2027-04-01, in 30 days.`, "renew the acceptance"},
			[]string{"https://"}},
		{"acceptance tomorrow", Reminder{Item: acceptance, DueIn: 1},
			"Risk acceptance expires tomorrow: Memorisation of training data", []string{"expires tomorrow, 2027-04-01."}, nil},
		{"acceptance today", Reminder{Item: acceptance, DueIn: 0},
			"Risk acceptance expires today: Memorisation of training data", []string{"expires today, 2027-04-01."}, nil},
		{"acceptance expired yesterday", Reminder{Item: acceptance, DueIn: -1},
			"Risk acceptance expired yesterday: Memorisation of training data", []string{"expired on 2027-04-01, 1 day ago."}, nil},
		{"acceptance expired", Reminder{Item: acceptance, DueIn: -8},
			"Risk acceptance expired 8 days ago: Memorisation of training data", []string{"expired on 2027-04-01, 8 days ago."}, nil},
		{"unknown kind, title on one line", Reminder{Item: odd, DueIn: 3},
			"Due in 3 days: Something Bcc: evil@example.com",
			[]string{"Something Bcc: evil@example.com is due on 2027-04-01, in 3 days."}, []string{"\r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, body := Summary(tt.r)
			if subject != tt.subject {
				t.Errorf("subject = %q\nwant      %q", subject, tt.subject)
			}
			rest := body
			for _, f := range tt.body {
				i := strings.Index(rest, f)
				if i < 0 {
					t.Errorf("body lacks %q (in order):\n%s", f, body)
					continue
				}
				rest = rest[i+len(f):]
			}
			for _, f := range tt.not {
				if strings.Contains(body, f) {
					t.Errorf("body has %q:\n%s", f, body)
				}
			}
			if strings.ContainsAny(subject, "\r\n") {
				t.Errorf("subject has a line break: %q", subject)
			}
		})
	}
}

func TestSummaryOfDue(t *testing.T) {
	// Every reminder Due makes has a summary that names its item.
	for _, offset := range []int{-30, -7, -1, 0, 3, 7, 30} {
		for _, r := range Due([]Item{review}, at(offset), DefaultPolicy()) {
			subject, body := Summary(r)
			if !strings.HasSuffix(subject, ": Support bot (cycle 2)") || !strings.Contains(body, review.Link) {
				t.Errorf("%s: %q\n%s", r.Key, subject, body)
			}
		}
	}
}
