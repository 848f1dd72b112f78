package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// AuditConsultation is the audit action of a given opinion.
const AuditConsultation = "assessment.consultation"

// ConsultationSummary is the revision summary of a given opinion.
const ConsultationSummary = "Recorded the consultation (DPO opinion, views of the people affected)"

// CanGiveOpinion tells whether an actor with access acc may give the privacy officer's opinion
// and record the consultation of the people affected on a: a reviewer of the project (projects
// name no privacy officer of their own), in a project that is not archived, until approval.
func CanGiveOpinion(acc *Access, a *assessments.Assessment) bool {
	return acc != nil && acc.Role == assessments.RoleReviewer && !acc.Project.Archived() && a.Status != assessments.Approved
}

// GiveOpinion records the privacy officer's opinion and whether the views of the people affected
// were sought, as given by the actor, now, on revision base (the one they read): the state keeps
// their name, the time and the revision, and the reports print them. It is a revision of its own
// but not content: it does not make the giver an editor for separation of duties, and it does
// not move the assessment's status.
//
// Refusals: ErrNotFound for non-members; a ForbiddenError for anyone but a reviewer of the
// project; a FrozenError once the assessment is approved (the opinion was signed off with it) or
// the project archived; a ValidationError naming dpo_opinion, views_sought or views; a
// ConflictError when base is not the current revision.
func (s *Service) GiveOpinion(ctx context.Context, who Actor, assessmentID int64, base int, in assessments.Consultation) (*assessments.Assessment, error) {
	a, acc, err := s.assessmentAccess(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	switch {
	case acc.Project.Archived():
		return nil, &FrozenError{Reason: "The project is archived: restore it before recording a consultation.", Current: int64(a.Revision)}
	case a.Status == assessments.Approved:
		return nil, &FrozenError{Reason: "The assessment is approved: the opinion was signed off with it. Start a new cycle to give a new one.",
			Current: int64(a.Revision)}
	case acc.Role != assessments.RoleReviewer:
		return nil, &ForbiddenError{Reason: "Only a reviewer of this project gives the privacy officer's opinion and records the consultation."}
	}
	if err := CheckConsultation(in); err != nil {
		return nil, err
	}
	if base != a.Revision {
		return nil, &ConflictError{What: "Someone else changed the assessment meanwhile; your text is kept. Save again to record it.", Current: int64(a.Revision)}
	}
	giver := assessments.OpinionGiver{UserID: who.User.ID, Name: displayName(who.User), Reviewer: true}
	next, err := assessments.GiveOpinion(a.State, in, giver, s.now(), base)
	if err != nil {
		return nil, validation(err)
	}
	var saved *assessments.Assessment
	details := map[string]any{"project": a.ProjectID, "views_sought": in.ViewsSought}
	err = s.audited(ctx, who, AuditConsultation, store.AuditTarget("assessment", a.ID), details, func(st *store.Store) (err error) {
		saved, err = st.ApplyChange(ctx, a.ID, base, who.id(), assessments.Diff(a.State, next), ConsultationSummary)
		if err == nil {
			details["revision"] = saved.Revision
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		cur, lerr := s.store.Assessment(ctx, a.ID)
		if lerr != nil {
			return nil, lerr
		}
		return nil, &ConflictError{What: "Someone else changed the assessment meanwhile; your text is kept. Save again to record it.", Current: int64(cur.Revision)}
	}
	return saved, err
}

// CheckConsultation validates a consultation as given through any entry point.
func CheckConsultation(in assessments.Consultation) error {
	p := Problems{}
	switch {
	case in.ViewsSought != "" && in.ViewsSought != "yes" && in.ViewsSought != "no":
		p.Add("views_sought", "Choose yes or no.")
	case in.ViewsSought != "" && strings.TrimSpace(in.Views) == "":
		p.Add("views", "Summarise the views, or say why they were not sought.")
	}
	p.CheckText("dpo_opinion", in.DPOOpinion, maxReviewText)
	p.CheckText("views", in.Views, maxReviewText)
	return p.Err()
}
