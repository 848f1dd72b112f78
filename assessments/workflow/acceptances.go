package workflow

import (
	"context"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// AcceptanceInput is a reviewer's acceptance of a finding's residual risk: why, and until when
// (YYYY-MM-DD, after today, at most three years ahead).
type AcceptanceInput struct {
	Finding       string
	Justification string
	Expires       string
}

// AcceptRisk records a reviewer's acceptance of a finding's residual risk. Only reviewers of the
// project decide (ErrForbidden for other members, ErrNotFound for outsiders), in any state before
// approval (a FrozenError after). The revision and its risk.accept audit entry commit together.
func (s *Service) AcceptRisk(ctx context.Context, who Actor, assessmentID int64, base int, in AcceptanceInput) (*assessments.Assessment, *assessments.Finding, error) {
	a, f, err := s.acceptanceTarget(ctx, who, assessmentID, in.Finding)
	if err != nil {
		return nil, nil, err
	}
	acceptance := assessments.Acceptance{By: who.User.ID, ByEmail: who.User.Email, ByName: who.User.Name,
		At: s.now().UTC().Format(time.RFC3339), Justification: in.Justification, Expires: in.Expires}
	next, err := assessments.Accept(a.State, f.ID, acceptance, s.now().UTC())
	if err != nil {
		return nil, nil, registerError(err)
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, err
	}
	note := &auditNote{Action: store.AuditRiskAccept, Details: map[string]any{"finding": f.ID, "title": f.Title,
		"expires": in.Expires, "justification": next.Findings[f.ID].Acceptance.Justification}}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Accepted the residual risk of “"+f.Title+"” until "+in.Expires, note)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Findings[f.ID], nil
}

// WithdrawAcceptance takes a reviewer's acceptance back; the finding is open again. Rights and
// states as AcceptRisk; audited as risk.withdraw.
func (s *Service) WithdrawAcceptance(ctx context.Context, who Actor, assessmentID int64, base int, findingID string) (*assessments.Assessment, *assessments.Finding, error) {
	a, f, err := s.acceptanceTarget(ctx, who, assessmentID, findingID)
	if err != nil {
		return nil, nil, err
	}
	next, err := assessments.Withdraw(a.State, f.ID)
	if err != nil {
		return nil, nil, registerError(err)
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, err
	}
	note := &auditNote{Action: store.AuditRiskWithdraw, Details: map[string]any{"finding": f.ID, "title": f.Title}}
	saved, err := s.commitChange(ctx, who, a, def, base, next, "Withdrew the acceptance of “"+f.Title+"”", note)
	if err != nil {
		return nil, nil, err
	}
	return saved, saved.State.Findings[f.ID], nil
}

// CanAccept tells whether an actor with access acc may accept residual risks in a: reviewers of
// the project, before approval, in a project that is not archived. Pages use it to offer the form.
func CanAccept(acc *Access, a *assessments.Assessment) bool {
	return acc != nil && acc.Role == assessments.RoleReviewer && a.Status != assessments.Approved && !acc.Project.Archived()
}

// acceptanceTarget loads the finding a reviewer decides on.
func (s *Service) acceptanceTarget(ctx context.Context, who Actor, assessmentID int64, findingID string) (*assessments.Assessment, *assessments.Finding, error) {
	if who.User == nil {
		return nil, nil, ErrNotFound
	}
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.Access(ctx, who, a.ProjectID, ActView)
	if err != nil {
		return nil, nil, err
	}
	if acc.Role != assessments.RoleReviewer || acc.Project.Archived() {
		return nil, nil, ErrForbidden
	}
	if a.Status == assessments.Approved {
		return nil, nil, &FrozenError{Reason: "This assessment is approved: acceptances are decided before approval, or in the next cycle.", Current: int64(a.Revision)}
	}
	f, ok := a.State.Findings[findingID]
	if !ok {
		return nil, nil, ErrNotFound
	}
	return a, f, nil
}
