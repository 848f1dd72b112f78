package templates

import (
	"net/url"
	"strconv"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
)

func workKindTitle(kind string) string {
	switch kind {
	case "review":
		return "Awaiting your review"
	case "mitigation":
		return "Your mitigations"
	case "changes_requested":
		return "Changes requested"
	case "review_due":
		return "Reviews coming due"
	case "acceptance_due":
		return "Risk acceptances expiring"
	}
	return kind
}

func workKindEmpty(kind string) string {
	switch kind {
	case "review":
		return "No assessment waits for your review."
	case "mitigation":
		return "No open mitigation of yours."
	case "changes_requested":
		return "No assessment of yours was sent back."
	case "review_due":
		return "No review of your projects comes due in this window."
	case "acceptance_due":
		return "No accepted risk expires in this window."
	}
	return "Nothing."
}

func workKindOptions() []Option {
	out := []Option{{Value: "", Label: "Everything"}}
	for _, k := range workflow.WorkKinds {
		out = append(out, Option{Value: k, Label: workKindTitle(k)})
	}
	return out
}

func workItemHeading(kind string) string {
	switch kind {
	case "mitigation":
		return "Mitigation"
	case "acceptance_due":
		return "Accepted risk"
	}
	return "Assessment"
}

func workDateHeading(kind string) string {
	switch kind {
	case "review":
		return "Submitted"
	case "mitigation":
		return "Due"
	case "changes_requested":
		return "Sent back"
	case "review_due":
		return "Review by"
	case "acceptance_due":
		return "Expires"
	}
	return "Date"
}

// workTitle names an item: a mitigation or risk by its title, an assessment by its project
// and cycle.
func workTitle(it workflow.WorkItem) string {
	switch it.Kind {
	case "mitigation", "acceptance_due":
		return it.Title
	}
	return it.ProjectName + " · cycle " + strconv.Itoa(it.Cycle)
}

func workLink(it workflow.WorkItem) string {
	base := "/assessments/" + strconv.FormatInt(it.AssessmentID, 10)
	switch it.Kind {
	case "mitigation":
		return base + "/risks"
	case "acceptance_due":
		return base + "/findings/" + url.PathEscape(it.ItemID)
	}
	return base
}

func workStatus(it workflow.WorkItem) string {
	switch it.Kind {
	case "mitigation":
		return assessments.MitigationStatus(it.Status).Label()
	case "acceptance_due":
		return "Accepted"
	}
	return assessments.Status(it.Status).Label()
}

func workCount(l workflow.WorkList) string {
	if l.More {
		return strconv.Itoa(l.Count) + "+"
	}
	return strconv.Itoa(l.Count)
}

// workDateText says what an item's date means, in words.
func workDateText(today string, it workflow.WorkItem) string {
	switch it.Kind {
	case "review":
		return "submitted " + it.Due
	case "changes_requested":
		return "sent back " + it.Due
	case "review_due":
		return "review by " + it.Due + ", " + daysText(today, it.Due)
	case "acceptance_due":
		return "expires " + it.Due + ", " + daysText(today, it.Due)
	}
	return "due " + it.Due + ", " + daysText(today, it.Due)
}

// daysText is how far a date (YYYY-MM-DD) is from today: "in 3 days", "today", "5 days ago".
func daysText(today, day string) string {
	t, err1 := time.Parse(time.DateOnly, today)
	d, err2 := time.Parse(time.DateOnly, day)
	if err1 != nil || err2 != nil {
		return ""
	}
	n := int(d.Sub(t).Hours() / 24)
	switch {
	case n == 0:
		return "today"
	case n < 0:
		return strconv.Itoa(-n) + " " + plural(-n, "day", "days") + " ago"
	}
	return "in " + strconv.Itoa(n) + " " + plural(n, "day", "days")
}

func registerStatusOptions() []Option {
	out := []Option{{Value: "", Label: "Any status"}, {Value: "open", Label: "Open (planned or in progress)"}}
	for _, s := range workflow.RegisterStatuses[1:] {
		out = append(out, Option{Value: s, Label: assessments.MitigationStatus(s).Label()})
	}
	return out
}

func registerDueOptions(current string) []Option {
	out := []Option{{Value: "", Label: "Any time"}, {Value: "overdue", Label: "Overdue"},
		{Value: "7", Label: "Within 7 days"}, {Value: "30", Label: "Within 30 days"}, {Value: "90", Label: "Within 90 days"}}
	for _, o := range out {
		if o.Value == current {
			return out
		}
	}
	// A window typed in the URL stays selected.
	return append(out, Option{Value: current, Label: "Within " + current + " days"})
}

func registerOwnerOptions(v RegisterView) []Option {
	out := []Option{{Value: "", Label: "Anyone"}, {Value: "me", Label: "Me"}}
	if v.Page != nil {
		for _, o := range v.Page.Owners {
			out = append(out, Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Display()})
		}
	}
	return out
}

func registerPageURL(v RegisterView, page int) string {
	q := url.Values{}
	for _, k := range []string{"project", "owner", "status", "due"} {
		if x := v.Filter.Get(k); x != "" {
			q.Set(k, x)
		}
	}
	q.Set("page", strconv.Itoa(page))
	return "/mitigations?" + q.Encode()
}
