package assessments

import (
	"strings"
	"time"
	"unicode/utf8"
)

// OpinionGiver is the person recording the privacy officer's opinion and the consultation of the
// people affected. Only a reviewer of the project, or the person the project names as its
// privacy officer, may.
type OpinionGiver struct {
	UserID         int64
	Name           string // display name, printed in the report
	Reviewer       bool
	PrivacyOfficer bool
}

// ErrOpinionFrozen refuses a change of the opinion once the assessment is approved: it was
// signed off with it.
var ErrOpinionFrozen = fieldErr("dpo_opinion", "the assessment is approved: its opinion is frozen with it; start a new cycle to give a new one")

// ErrNotOpinionGiver refuses an opinion from someone who is neither a reviewer nor the named
// privacy officer.
var ErrNotOpinionGiver = fieldErr("dpo_opinion", "only a reviewer or the project's privacy officer gives the opinion")

// GiveOpinion records in's opinion and consultation text as given by g at the time, on revision
// (the revision the giver saw). The assessment must not be approved.
func GiveOpinion(s State, in Consultation, g OpinionGiver, at time.Time, revision int) (State, error) {
	switch {
	case s.Status == Approved:
		return s, ErrOpinionFrozen
	case !g.Reviewer && !g.PrivacyOfficer || g.UserID == 0:
		return s, ErrNotOpinionGiver
	case in.ViewsSought != "" && in.ViewsSought != "yes" && in.ViewsSought != "no":
		return s, fieldErr("views_sought", "choose yes or no")
	case in.ViewsSought != "" && strings.TrimSpace(in.Views) == "":
		return s, fieldErr("views", "summarise the views, or say why they were not sought")
	case utf8.RuneCountInString(in.DPOOpinion) > maxProse:
		return s, fieldErr("dpo_opinion", "use at most %d characters", maxProse)
	case utf8.RuneCountInString(in.Views) > maxProse:
		return s, fieldErr("views", "use at most %d characters", maxProse)
	}
	c := Consultation{DPOOpinion: in.DPOOpinion, ViewsSought: in.ViewsSought, Views: in.Views,
		GivenBy: g.UserID, GivenByName: g.Name, GivenAt: at.UTC().Format(time.RFC3339), OnRevision: revision}
	next := s.clone()
	next.Consultation = c
	return next, nil
}

// Attributed tells whether the consultation names who gave it; an unattributed one (typed before
// attribution existed) must not be printed as the officer's opinion.
func (c Consultation) Attributed() bool { return c.GivenBy != 0 && c.GivenByName != "" }
