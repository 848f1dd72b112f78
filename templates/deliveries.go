package templates

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/piaf-dev/piaf/assessments"
)

// deliveryWhat says in words what a webhook delivery carried, from its outbox key
// ("mitigation|assessment:7/mitigation:m3|2027-01-15|overdue-1|webhook:2"), without the key.
func deliveryWhat(key string) string {
	parts := strings.Split(key, "|")
	if len(parts) < 2 {
		return "A notification"
	}
	kind, ref := parts[0], parts[1]
	assessment, item := ref, ""
	if i := strings.Index(ref, "/"); i >= 0 {
		assessment, item = ref[:i], ref[i+1:]
	}
	assessment = "assessment " + strings.TrimPrefix(assessment, "assessment:")
	item = item[strings.Index(item, ":")+1:]
	due, stage := "", ""
	if len(parts) > 3 {
		due, stage = parts[2], parts[3]
	}
	var what string
	switch kind {
	case "review":
		what = "Reminder: the re-assessment of " + assessment
	case "mitigation":
		what = "Reminder: mitigation " + item + " of " + assessment
	case "acceptance":
		what = "Reminder: the acceptance of finding " + item + " in " + assessment
	case "reassess":
		return "Notice: " + assessment + " needs re-assessment because its project changed"
	default:
		return "A " + kind + " notification"
	}
	switch {
	case stage == "due":
		what += ", due " + due
	case strings.HasPrefix(stage, "before-"):
		what += ", due " + due + " (" + strings.TrimPrefix(stage, "before-") + " days ahead)"
	case strings.HasPrefix(stage, "overdue-"):
		what += ", overdue since " + due
	case stage == "escalate-owners":
		what += ", overdue since " + due + ", escalated to the project owners"
	case stage == "escalate-admins":
		what += ", overdue since " + due + ", escalated to the administrators"
	case due != "":
		what += ", " + due
	}
	return what
}

// deliveryOutcome says how a delivery ended, in words.
func deliveryOutcome(d assessments.WebhookDelivery) string {
	attempt := "attempt " + strconv.Itoa(d.Attempt)
	if d.Attempt <= 1 {
		attempt = "first attempt"
	}
	switch {
	case d.Error == "" && d.Status >= 200 && d.Status < 300:
		on := "on " + attempt
		if d.Attempt <= 1 {
			on = "on the first attempt"
		}
		return "Delivered " + on + ": the receiver answered " + statusText(d.Status) + "."
	case d.Status != 0:
		return "Not delivered (" + attempt + "): the receiver answered " + statusText(d.Status) + ". piaf tries again later."
	case d.Error != "":
		return "Not delivered (" + attempt + "): " + d.Error + ". piaf tries again later."
	}
	return "Not delivered (" + attempt + "). piaf tries again later."
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// projectWebhooksBase is the address of a project's webhooks page.
func projectWebhooksBase(projectID int64) string { return "/projects/" + itoa(projectID) + "/webhooks" }

// deliveriesURL is the page of a webhook's delivery attempts logged before the attempt before
// (zero: the newest).
func deliveriesURL(base string, webhookID, before int64) templ.SafeURL {
	u := base + "/" + itoa(webhookID) + "/deliveries"
	if before > 0 {
		u += "?before=" + itoa(before)
	}
	return templ.SafeURL(u)
}
