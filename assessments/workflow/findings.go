package workflow

import (
	"context"
	"errors"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// The risk register's operations: findings (this file), acceptances and mitigations. Each takes
// the revision the actor read (base) and commits through commitChange, so a change made on a
// stale page or with a stale If-Match is refused with the current revision, never merged.

// FindingInput is a manual finding as a person gives it. Likelihood and severity run from 1
// (negligible) to 4 (maximum).
type FindingInput struct {
	Title       string
	Description string
	Category    string // a section key of the assessment's questionnaire
	Likelihood  int
	Severity    int
}

// ResidualInput is a residual risk: both from 1 to 4, or both 0 to clear it.
type ResidualInput struct {
	Likelihood int
	Severity   int
}

// FindingChange changes a finding; nil fields stay as they are. Title, description, category and
// inherent risk change only on manual findings (a rule's are the questionnaire's). Status is
// open, mitigated or not_applicable: accepting is AcceptRisk.
type FindingChange struct {
	Finding     string
	Title       *string
	Description *string
	Category    *string
	Likelihood  *int
	Severity    *int
	Residual    *ResidualInput
	Status      *assessments.FindingStatus
}

// AddFinding adds a manual finding to an assessment being edited: owners and assessors of the
// project (ErrNotFound for non-members, ErrForbidden for others), in draft or changes requested
// (a FrozenError otherwise). It returns the saved assessment and the new finding.
func (s *Service) AddFinding(ctx context.Context, who Actor, assessmentID int64, base int, in FindingInput) (*assessments.Assessment, *assessments.Finding, error) {
	a, def, err := s.registerAssessment(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	next, id, err := assessments.AddFinding(a.State, assessments.FindingInput{Title: in.Title, Description: in.Description,
		Category: in.Category, Likelihood: assessments.Scale(in.Likelihood), Severity: assessments.Scale(in.Severity)}, sectionKeys(def))
	if err != nil {
		return nil, nil, registerError(err)
	}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Added the finding “"+strings.TrimSpace(in.Title)+"”", nil)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Findings[id], nil
}

// UpdateFinding assesses a finding: its residual risk and status, and on a manual finding its
// description and inherent risk. Rights and states as AddFinding; an unknown finding is
// ErrNotFound.
func (s *Service) UpdateFinding(ctx context.Context, who Actor, assessmentID int64, base int, in FindingChange) (*assessments.Assessment, *assessments.Finding, error) {
	a, def, err := s.registerAssessment(ctx, who, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	f, ok := a.State.Findings[in.Finding]
	if !ok {
		return nil, nil, ErrNotFound
	}
	if in.Status != nil && *in.Status == f.Status {
		in.Status = nil // unchanged: keep an acceptance, and a mitigated finding's claim, as they are
	}
	u := assessments.FindingUpdate{Title: in.Title, Description: in.Description, Category: in.Category, Status: in.Status,
		Likelihood: scale(in.Likelihood), Severity: scale(in.Severity)}
	if in.Residual != nil {
		u.Residual = &assessments.Residual{Likelihood: assessments.Scale(in.Residual.Likelihood), Severity: assessments.Scale(in.Residual.Severity)}
	}
	next, err := assessments.UpdateFinding(a.State, f.ID, u, sectionKeys(def))
	if err != nil {
		return nil, nil, registerError(err)
	}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Assessed the finding “"+f.Title+"”", nil)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Findings[f.ID], nil
}

func scale(n *int) *assessments.Scale {
	if n == nil {
		return nil
	}
	v := assessments.Scale(*n)
	return &v
}

// registerAssessment loads an assessment whose risk register the actor may change: owners and
// assessors of its project, while it is editable.
func (s *Service) registerAssessment(ctx context.Context, who Actor, assessmentID int64) (*assessments.Assessment, *questionnaire.Definition, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActEdit)
	if err != nil {
		return nil, nil, err
	}
	if err := Editable(a); err != nil {
		return nil, nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, err
	}
	return a, def, nil
}

// registerError turns the domain's register errors into the workflow's.
func registerError(err error) error {
	if errors.Is(err, assessments.ErrNoFinding) || errors.Is(err, assessments.ErrNoMitigation) {
		return ErrNotFound
	}
	return validation(err)
}

func sectionKeys(def *questionnaire.Definition) []string {
	keys := make([]string, len(def.Sections))
	for i, sec := range def.Sections {
		keys[i] = sec.Key
	}
	return keys
}

// FilterFindings lists an assessment's findings in register order (questionnaire areas, then
// level) that pass filter; any member may.
func (s *Service) FilterFindings(ctx context.Context, who Actor, assessmentID int64, filter assessments.FindingFilter) (*assessments.Assessment, []*assessments.Finding, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, err
	}
	var out []*assessments.Finding
	for _, f := range assessments.SortedFindings(def, a.State) {
		if filter.Matches(f) {
			out = append(out, f)
		}
	}
	return a, out, nil
}

// MaxProjectedListed bounds the projected risks a cross-project list shows.
const MaxProjectedListed = 50

// ProjectedRisks lists the live findings, in the current cycle of the actor's active projects
// (admins: every project; projectID narrows to one), whose lower residual risk rests only on
// mitigations not yet in place: gravest inherent level first, at most MaxProjectedListed, with
// the total. Their level is the inherent one, the level that counts.
func (s *Service) ProjectedRisks(ctx context.Context, who Actor, projectID int64) ([]assessments.OpenRisk, int, error) {
	if who.User == nil {
		return nil, 0, ErrNotFound
	}
	sc := store.Scope{UserID: who.User.ID, All: who.User.IsAdmin, ProjectID: projectID}
	if projectID != 0 {
		if _, err := s.Access(ctx, who, projectID, ActView); err != nil {
			return nil, 0, err
		}
	}
	return s.store.ProjectedRisks(ctx, sc, MaxProjectedListed)
}
