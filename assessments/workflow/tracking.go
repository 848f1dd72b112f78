package workflow

import (
	"context"
	"errors"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// Tracked is one mitigation of an approved assessment: as approved, as it stands now, and the
// tracking records that moved it.
type Tracked = assessments.Tracked

// TrackMitigation records that a mitigation of an approved assessment moved on: its status,
// owner, due date or evidence. The approved content, its revision and its hash stay what the
// reviewer signed off; the change is its own hash-chained, audited record, and due dates,
// reminders and dashboards follow it. Owners and assessors of the project may track any
// mitigation, and a mitigation's owner may track their own.
//
// Before approval mitigations change through revisions like any other content, so an assessment
// that is not approved is refused with a FrozenError-like conflict naming what to do instead.
func (s *Service) TrackMitigation(ctx context.Context, who Actor, assessmentID int64, c assessments.TrackingChange) (*assessments.TrackingRecord, *assessments.Mitigation, error) {
	a, acc, err := s.trackable(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	m, ok := a.State.Mitigations[c.Mitigation]
	if !ok {
		return nil, nil, ErrNotFound
	}
	if !acc.Can(ActEdit) && (acc.Project.Archived() || m.Owner == 0 || m.Owner != who.User.ID) {
		return nil, nil, ErrForbidden
	}
	members, err := s.store.Members(ctx, acc.Project.ID)
	if err != nil {
		return nil, nil, err
	}
	rec, current, err := s.store.TrackMitigation(ctx, store.Tracking{AssessmentID: a.ID, Change: c, ByID: who.User.ID,
		ByName: displayName(who.User), ByEmail: who.User.Email, ClientAddr: who.ClientAddr, Members: MemberIDs(members)})
	var fe *assessments.FieldError
	switch {
	case errors.As(err, &fe):
		return nil, nil, Invalid(fe.Field, fe.Msg)
	case errors.Is(err, assessments.ErrNoMitigation):
		return nil, nil, ErrNotFound
	case errors.Is(err, store.ErrNotApproved):
		return nil, nil, notApproved(a)
	case err != nil:
		return nil, nil, err
	}
	return rec, current, nil
}

// MitigationTracking is the approved assessment's mitigations beside their current tracking.
// Any project member may read it; an assessment that is not approved has no tracking.
func (s *Service) MitigationTracking(ctx context.Context, who Actor, assessmentID int64) (assessments.TrackingView, error) {
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return assessments.TrackingView{}, err
	}
	if _, err := s.Access(ctx, who, a.ProjectID, ActView); err != nil {
		return assessments.TrackingView{}, err
	}
	if a.Status != assessments.Approved {
		return assessments.ViewTracking(a.State, nil), nil
	}
	_, view, err := s.store.TrackedState(ctx, a)
	return view, err
}

// CanTrack tells whether who may record tracking on mitigation m of an approved assessment in a
// project where they have access acc: pages use it to offer the form.
func CanTrack(acc *Access, who Actor, m *assessments.Mitigation) bool {
	if acc == nil || who.User == nil || acc.Project.Archived() {
		return false
	}
	return acc.Can(ActEdit) || (m != nil && m.Owner != 0 && m.Owner == who.User.ID)
}

// trackable loads an assessment for tracking: any member may get this far (the mitigation's
// owner may be a reviewer or viewer); what they may change is decided per mitigation.
func (s *Service) trackable(ctx context.Context, who Actor, assessmentID int64) (*assessments.Assessment, *Access, error) {
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.Access(ctx, who, a.ProjectID, ActView)
	if err != nil {
		return nil, nil, err
	}
	if a.Status != assessments.Approved {
		return nil, nil, notApproved(a)
	}
	return a, acc, nil
}

func notApproved(a *assessments.Assessment) error {
	return &FrozenError{Reason: "This assessment is not approved yet: change its mitigations in the risk register, where each change is a revision.",
		Current: int64(a.Revision)}
}
