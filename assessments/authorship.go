package assessments

import (
	"maps"
	"slices"
)

// AuthoredChange is one revision's change and who made it, oldest first in a list.
type AuthoredChange struct {
	Number int
	Author int64
	Change Change
}

// Authorship says who wrote the content under review: answers, findings, mitigations and
// residual risk. Reviewers' own acts (acceptances and their withdrawal, the consultation),
// status changes and the project snapshot taken with a decision are not content.
type Authorship struct {
	LastEditor int64         // author of the newest revision that changed content; 0 when none
	LastNumber int           // that revision's number
	Authors    map[int64]int // every content author of the cycle, with the newest revision they changed content in
}

// Wrote tells whether user changed content in the cycle.
func (a Authorship) Wrote(user int64) bool { _, ok := a.Authors[user]; return ok }

// ContentAuthors replays changes (oldest first, starting from revision 1) and attributes each one
// that changes content. The first revision, which starts a cycle or carries one over, counts as
// content of whoever started it.
func ContentAuthors(changes []AuthoredChange) Authorship {
	out := Authorship{Authors: map[int64]int{}}
	var s State
	for _, rc := range changes {
		before := s
		s = s.Apply(rc.Change)
		if !changesContent(before, rc.Change) {
			continue
		}
		out.LastEditor, out.LastNumber = rc.Author, rc.Number
		if rc.Author != 0 {
			out.Authors[rc.Author] = rc.Number
		}
	}
	return out
}

func changesContent(before State, c Change) bool {
	if c.Questionnaire != "" || len(c.Answers) > 0 || len(c.Mitigations) > 0 {
		return true
	}
	for id, f := range c.Findings {
		old, ok := before.Findings[id]
		if !ok || f == nil || !sameContent(old, f) {
			return true
		}
	}
	return false
}

// sameContent compares two versions of a finding without what a reviewer decides: the
// acceptance, and the status when either side is "accepted" (accepting sets it, withdrawing
// takes it back to open).
func sameContent(a, b *Finding) bool {
	x, y := *a, *b
	x.Acceptance, y.Acceptance = nil, nil
	if x.Status == FindingAccepted || y.Status == FindingAccepted {
		y.Status = x.Status
	}
	return sameAnswer(x, y)
}

// SeparationProblem says why user may not approve or request changes on content under review,
// or "" when they may: nobody decides on a review they submitted, on content they last edited,
// or on content they wrote earlier in the cycle. Reviewers' comments, acceptances and opinions
// do not make them editors.
func SeparationProblem(user, submitter int64, a Authorship) string {
	switch {
	case user == 0:
		return ""
	case user == submitter:
		return "You submitted this assessment: someone else must review it (separation of duties)."
	case user == a.LastEditor:
		return "You made the last change to the content of this assessment: someone else must review it (separation of duties)."
	case a.Wrote(user):
		return "You wrote part of the content of this assessment: someone else must review it (separation of duties)."
	}
	return ""
}

// ContentAuthorIDs lists the content authors in id order.
func (a Authorship) ContentAuthorIDs() []int64 { return slices.Sorted(maps.Keys(a.Authors)) }
