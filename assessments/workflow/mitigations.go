package workflow

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/catalogue"
)

// builtinCatalogue is the mitigation catalogue, parsed once.
var builtinCatalogue = sync.OnceValues(catalogue.Builtin)

// Catalogue is the mitigation catalogue mitigations are linked from.
func (s *Service) Catalogue() (*catalogue.Catalogue, error) { return builtinCatalogue() }

// MitigationLink links a mitigation to a finding: one of the assessment's mitigations
// (Existing), a catalogue measure (Catalogue), or a custom one (Title). A catalogue measure the
// assessment already holds is linked as it is, so that one measure linked to two findings stays
// one mitigation; otherwise a new mitigation is made from Title (for a catalogue measure its
// title when nil), Owner, Due, Status and Evidence.
type MitigationLink struct {
	Finding   string
	Existing  string
	Catalogue string
	Title     *string
	Owner     *int64 // a member's user id; 0 is nobody yet
	Due       *string
	Status    *assessments.MitigationStatus
	Evidence  *string
}

// MitigationChange changes a mitigation of an assessment being edited; nil fields stay.
type MitigationChange struct {
	Mitigation string
	Title      *string
	Owner      *int64
	Due        *string
	Status     *assessments.MitigationStatus
	Evidence   *string
}

// LinkMitigation links a mitigation to a finding (see MitigationLink). Owners and assessors of
// the project, while the assessment is editable. It returns the saved assessment and the linked
// mitigation.
func (s *Service) LinkMitigation(ctx context.Context, who Actor, assessmentID int64, base int, in MitigationLink) (*assessments.Assessment, *assessments.Mitigation, error) {
	a, def, err := s.registerAssessment(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	f, ok := a.State.Findings[in.Finding]
	if !ok {
		return nil, nil, ErrNotFound
	}
	var next assessments.State
	var id string
	mi := assessments.MitigationInput{Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	switch {
	case in.Existing != "":
		if _, ok := a.State.Mitigations[in.Existing]; !ok {
			return nil, nil, Invalid("existing", "Choose one of this assessment's mitigations.")
		}
		id = in.Existing
		next, err = assessments.Link(a.State, f.ID, id)
	case in.Catalogue != "":
		cat, cerr := s.Catalogue()
		if cerr != nil {
			return nil, nil, cerr
		}
		m, ok := cat.Get(in.Catalogue)
		if !ok {
			return nil, nil, Invalid("catalogue", "There is no catalogue measure "+strconv.Quote(in.Catalogue)+": choose one from the catalogue.")
		}
		if mi.Title == nil || strings.TrimSpace(*mi.Title) == "" {
			mi.Title = &m.Title
		}
		members, merr := s.memberIDs(ctx, a)
		if merr != nil {
			return nil, nil, merr
		}
		next, id, _, err = assessments.LinkCatalogue(a.State, f.ID, m.Key, mi, members)
	case in.Title != nil:
		members, merr := s.memberIDs(ctx, a)
		if merr != nil {
			return nil, nil, merr
		}
		next, id, err = assessments.LinkNewMitigation(a.State, f.ID, mi, members)
	default:
		return nil, nil, Invalid("catalogue", "Choose a mitigation from the catalogue, or give your own a title.")
	}
	if err != nil {
		return nil, nil, registerError(err)
	}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Linked a mitigation to “"+f.Title+"”", nil)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Mitigations[id], nil
}

// UnlinkMitigation removes a mitigation from a finding; a mitigation linked to no finding any
// more is deleted. Rights and states as LinkMitigation. It returns the saved assessment and the
// finding.
func (s *Service) UnlinkMitigation(ctx context.Context, who Actor, assessmentID int64, base int, findingID, mitigationID string) (*assessments.Assessment, *assessments.Finding, error) {
	a, def, err := s.registerAssessment(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	f, ok := a.State.Findings[findingID]
	if !ok {
		return nil, nil, ErrNotFound
	}
	next, err := assessments.Unlink(a.State, f.ID, mitigationID)
	if err != nil {
		return nil, nil, registerError(err)
	}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Unlinked a mitigation from “"+f.Title+"”", nil)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Findings[f.ID], nil
}

// UpdateMitigation changes a mitigation of an assessment being edited, as a new revision.
// Rights and states as LinkMitigation: on an approved assessment (a FrozenError here) mitigations
// move on through TrackMitigation instead, which leaves the approved content as it is.
func (s *Service) UpdateMitigation(ctx context.Context, who Actor, assessmentID int64, base int, in MitigationChange) (*assessments.Assessment, *assessments.Mitigation, error) {
	a, def, err := s.registerAssessment(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	m, ok := a.State.Mitigations[in.Mitigation]
	if !ok {
		return nil, nil, ErrNotFound
	}
	members, err := s.memberIDs(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	mi := assessments.MitigationInput{Title: in.Title, Owner: in.Owner, Due: in.Due, Status: in.Status, Evidence: in.Evidence}
	next, err := assessments.UpdateMitigation(a.State, m.ID, mi, members)
	if err != nil {
		return nil, nil, registerError(err)
	}
	summary := "Updated the mitigation “" + m.Title + "”"
	if in.Status != nil {
		summary += ": " + in.Status.Label()
	}
	saved, err := s.commitChange(ctx, who, a, def, base, next, summary, nil)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Mitigations[m.ID], nil
}

// memberIDs are the users who may own a mitigation of a: the project's members.
func (s *Service) memberIDs(ctx context.Context, a *assessments.Assessment) ([]int64, error) {
	members, err := s.store.Members(ctx, a.ProjectID)
	if err != nil {
		return nil, err
	}
	return MemberIDs(members), nil
}
