package assessments

import (
	"fmt"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// CommentPlace is where a comment's target stands in the current state, so that no comment is
// lost: one on a question that conditional logic hides is listed under "comments on questions
// no longer shown" and can be resolved there.
type CommentPlace string

// Comment places.
const (
	PlaceShown  CommentPlace = "shown"  // on a visible question or a finding the state holds
	PlaceHidden CommentPlace = "hidden" // on a question the answers now hide
	PlaceGone   CommentPlace = "gone"   // on a question the questionnaire lacks or a finding the state no longer holds
)

// PlaceOf says where a comment on target kind ("question" or "finding") and key stands.
func PlaceOf(def *questionnaire.Definition, s State, kind, key string) CommentPlace {
	switch kind {
	case "question":
		if _, ok := def.Question(key); !ok {
			return PlaceGone
		}
		if !def.Visible(key, questionnaire.Answers(s.Answers)) {
			return PlaceHidden
		}
		return PlaceShown
	case "finding":
		if _, ok := s.Findings[key]; ok {
			return PlaceShown
		}
	}
	return PlaceGone
}

// OpenCommentsProblem is the submission rule for open comments, the same on the overview and in
// the submit operation: submitting is blocked while any comment is open, wherever it stands.
// It returns "" when open is zero.
func OpenCommentsProblem(open, hidden int) string {
	switch {
	case open == 0:
		return ""
	case hidden > 0:
		return fmt.Sprintf("%d %s open (%d on questions no longer shown, listed on the overview): resolve %s before submitting.",
			open, plural(open, "comment is", "comments are"), hidden, plural(open, "it", "them"))
	}
	return fmt.Sprintf("%d %s open: resolve %s before submitting.", open, plural(open, "comment is", "comments are"), plural(open, "it", "them"))
}

// LinkCatalogue links a catalogue measure to a finding: when the state already holds a mitigation
// from that catalogue entry, the finding is linked to it (one mitigation linked to both findings);
// otherwise a new one is created from in. It returns the mitigation's id and whether it existed.
func LinkCatalogue(s State, findingID, catalogueKey string, in MitigationInput, members []int64) (State, string, bool, error) {
	if found := catalogueMitigation(s, catalogueKey); found != "" {
		next, err := Link(s, findingID, found)
		return next, found, true, err
	}
	in.Catalogue = &catalogueKey
	next, id, err := LinkNewMitigation(s, findingID, in, members)
	return next, id, false, err
}
