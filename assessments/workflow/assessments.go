package workflow

import (
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

// Editable refuses a change to an assessment whose status freezes it (in review, approved),
// with the revision that is current; the one check every edit of an assessment goes through.
func Editable(a *assessments.Assessment) error {
	if a.Status.Editable() {
		return nil
	}
	return &FrozenError{Reason: "This assessment is " + strings.ToLower(a.Status.Label()) + " and cannot be edited.", Current: int64(a.Revision)}
}
