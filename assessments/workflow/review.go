package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// SettingSelfApproval lets the person who submitted or wrote an assessment decide on it, for
// teams too small to separate the duties. Off by default; changing it is audited.
const SettingSelfApproval = "allow_self_approval"

// ReviewState is what the review rules need to know about an assessment's current cycle.
type ReviewState struct {
	Events    []*assessments.ReviewEvent
	Authors   assessments.Authorship // who wrote the content under review
	Submitter int64                  // who submitted it for the current review; 0 when nobody
}

// ReviewState reads the decisions and the content authorship of an assessment.
func (s *Service) ReviewState(ctx context.Context, a *assessments.Assessment) (*ReviewState, error) {
	events, err := s.store.ReviewEvents(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	authors, err := s.store.ContentAuthorship(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	rs := &ReviewState{Events: events, Authors: authors}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Kind == assessments.ReviewSubmit {
			rs.Submitter = events[i].UserID
			break
		}
	}
	return rs, nil
}

// DecideProblem says why a user holding role may not approve or request changes now; "" means
// they may. Separation of duties compares the user with the submitter and the authors of the
// content under review (answers, findings, mitigations, residual risk): a reviewer's comments,
// acceptances and opinions do not make them an editor.
func (s *Service) DecideProblem(ctx context.Context, a *assessments.Assessment, rs *ReviewState, role assessments.Role, userID int64) (string, error) {
	switch {
	case role != assessments.RoleReviewer:
		return "Only a reviewer of this project decides on a review.", nil
	case a.Status != assessments.InReview:
		return "The assessment is not in review.", nil
	}
	problem := assessments.SeparationProblem(userID, rs.Submitter, rs.Authors)
	if problem == "" {
		return "", nil
	}
	allowed, err := s.store.Setting(ctx, SettingSelfApproval, "false")
	if err != nil || allowed == "true" {
		return "", err
	}
	return problem, nil
}

// ApprovalProblems says why the content may not be approved under the evidence rules (a lower
// residual risk resting only on planned mitigations; the instance setting that requires verified
// mitigations).
func (s *Service) ApprovalProblems(ctx context.Context, state assessments.State) ([]string, error) {
	req, err := s.store.Setting(ctx, assessments.SettingRequireVerified, "false")
	if err != nil {
		return nil, err
	}
	return assessments.ApprovalProblems(state, req == "true"), nil
}

// CarriedCycle is the first state of a new cycle and what it took over.
type CarriedCycle struct {
	State   assessments.State
	Summary assessments.CarrySummary
}

// CarryFrom builds the next cycle's first state from prev, the last approved cycle: its state
// with the mitigation tracking recorded after approval applied, carried by assessments.Carry
// (answers, findings re-evaluated, manual findings, mitigations with owner, due date, status and
// evidence, acceptances still valid), and its evidence records.
func (s *Service) CarryFrom(ctx context.Context, def *questionnaire.Definition, prev *assessments.Assessment, today time.Time) (CarriedCycle, error) {
	if prev.Status != assessments.Approved {
		return CarriedCycle{}, fmt.Errorf("workflow: carry from cycle %d: it is %s, not approved", prev.Cycle, prev.Status)
	}
	tracked, _, err := s.store.TrackedState(ctx, prev)
	if err != nil {
		return CarriedCycle{}, err
	}
	next, sum := assessments.Carry(def, tracked, prev.Cycle, today)
	next = assessments.CarryEvidence(def, tracked, next)
	return CarriedCycle{State: next, Summary: sum}, nil
}

// CarryComments copies the previous cycle's open comments whose target the new cycle still has
// (a question of its questionnaire, a carried finding); the others are returned for listing and
// stay open on the old cycle.
func (s *Service) CarryComments(ctx context.Context, def *questionnaire.Definition, from *assessments.Assessment, to *assessments.Assessment) (carried, listed []*assessments.Comment, err error) {
	return s.store.CarryComments(ctx, from.ID, to.ID, func(c *assessments.Comment) bool {
		switch c.TargetKind {
		case "question":
			_, ok := def.Question(c.TargetKey)
			return ok
		case "finding":
			_, ok := to.State.Findings[c.TargetKey]
			return ok
		}
		return false
	})
}

// SubmitProblems says why the assessment cannot go to review yet; none means it can. The
// overview lists the same sentences, so the page and the operation never disagree: required
// questions unanswered, high risks open with no mitigation and no acceptance, lower residual
// risks resting only on planned mitigations, and open comments (wherever they stand, including
// on questions the answers now hide).
func (s *Service) SubmitProblems(ctx context.Context, def *questionnaire.Definition, a *assessments.Assessment) ([]string, error) {
	var out []string
	if missing := def.Progress(questionnaire.Answers(a.Answers())).Missing; len(missing) > 0 {
		n := len(missing)
		out = append(out, fmt.Sprintf("%d required %s not answered yet.", n, pick(n, "question is", "questions are")))
	}
	for _, f := range assessments.Blockers(a.State) {
		out = append(out, fmt.Sprintf("The %s risk “%s” is open with no mitigation and no acceptance.", f.ResidualLevel().Name(), f.Title))
	}
	for _, f := range assessments.EvidenceBlockers(a.State) {
		out = append(out, fmt.Sprintf("The %s risk “%s” is marked mitigated, but its lower residual risk is only projected: no mitigation is implemented or verified yet.", f.InherentLevel().Name(), f.Title))
	}
	open, err := s.store.Comments(ctx, a.ID, false)
	if err != nil {
		return nil, err
	}
	hidden := 0
	for _, c := range open {
		if assessments.PlaceOf(def, a.State, c.TargetKind, c.TargetKey) != assessments.PlaceShown {
			hidden++
		}
	}
	if p := assessments.OpenCommentsProblem(len(open), hidden); p != "" {
		out = append(out, p)
	}
	return out, nil
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
