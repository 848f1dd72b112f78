package templates

import "testing"

func TestDeliveryWhat(t *testing.T) {
	for key, want := range map[string]string{
		"review|assessment:4|2027-02-28|before-14|webhook:2":                         "Reminder: the re-assessment of assessment 4, due 2027-02-28 (14 days ahead)",
		"review|assessment:4|2027-02-28|due|webhook:2":                               "Reminder: the re-assessment of assessment 4, due 2027-02-28",
		"acceptance|assessment:4/finding:f1|2027-01-10|escalate-admins|webhook:2":    "Reminder: the acceptance of finding f1 in assessment 4, overdue since 2027-01-10, escalated to the administrators",
		"mitigation|assessment:7/mitigation:m3|2026-11-20|escalate-owners|webhook:1": "Reminder: mitigation m3 of assessment 7, overdue since 2026-11-20, escalated to the project owners",
		"reassess|assessment:9|20261130T090000|user:3|webhook:5":                     "Notice: assessment 9 needs re-assessment because its project changed",
		"test|webhook:1": "A test notification",
		"garbage":        "A notification",
	} {
		if got := deliveryWhat(key); got != want {
			t.Errorf("%s:\n got %q\nwant %q", key, got, want)
		}
	}
}
