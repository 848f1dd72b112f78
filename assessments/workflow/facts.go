package workflow

import (
	"context"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// One source of truth: the questions that ask what the project records (purpose, deployment,
// personal data and special categories from the datasets, record counts) are prefilled from the
// project, and an answer that contradicts the project blocks submission (assessments.CheckFacts).

// checkFacts compares the project as it is now with answers.
func (s *Service) checkFacts(ctx context.Context, def *questionnaire.Definition, p *assessments.Project, answers map[string]any) (assessments.FactsCheck, error) {
	snap, err := s.ProjectSnapshot(ctx, p)
	if err != nil {
		return assessments.FactsCheck{}, err
	}
	return assessments.CheckFacts(def, *snap, answers), nil
}

// Facts compares an assessment's answers with its project as it is now: what the project would
// prefill, where each such answer comes from, and the contradictions. The section page, the
// overview and the project page show them; SubmitProblems refuses the blocking ones.
func (s *Service) Facts(ctx context.Context, a *assessments.Assessment, def *questionnaire.Definition, p *assessments.Project) (assessments.FactsCheck, error) {
	if p == nil || p.ID != a.ProjectID {
		var err error
		if p, err = s.store.Project(ctx, a.ProjectID); err != nil {
			return assessments.FactsCheck{}, err
		}
	}
	return s.checkFacts(ctx, def, p, a.Answers())
}

// factProblems are the blocking contradictions, as SubmitProblems lists them.
func (s *Service) factProblems(ctx context.Context, def *questionnaire.Definition, a *assessments.Assessment) ([]string, error) {
	facts, err := s.Facts(ctx, a, def, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range facts.Contradictions {
		if c.Blocking {
			label := c.Question
			if q, ok := def.Question(c.Question); ok {
				label = q.Label
			}
			out = append(out, "The answer to “"+label+"” contradicts the project: "+c.Msg)
		}
	}
	return out, nil
}

// prefilled adds the prefill answers to answers where a question is unanswered.
func prefilled(answers, prefill map[string]any) map[string]any {
	out := make(map[string]any, len(answers)+len(prefill))
	for k, v := range answers {
		out[k] = v
	}
	for k, v := range prefill {
		if out[k] == nil {
			out[k] = v
		}
	}
	return out
}

// SetNextReview sets the one next review date of an approved assessment. The date is the
// policy's (by residual risk, from the approval); an owner may bring it forward, never put it
// off past the policy's date; an administrator may move it either way. It is never in the past.
func (s *Service) SetNextReview(ctx context.Context, who Actor, assessmentID int64, date string) (*assessments.Assessment, error) {
	a, acc, _, err := s.assessmentFor(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	if acc.Role != assessments.RoleOwner && !acc.Admin {
		return nil, ErrForbidden
	}
	if acc.Project.Archived() {
		return nil, &FrozenError{Reason: "The project is archived: restore it first."}
	}
	if a.Status != assessments.Approved || a.ApprovedAt == nil {
		return nil, &FrozenError{Reason: "Only an approved assessment has a review date.", Current: int64(a.Revision)}
	}
	date = strings.TrimSpace(date)
	requested, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, Invalid("next_review_at", "Give the date as YYYY-MM-DD.")
	}
	today := s.now().UTC().Truncate(24 * time.Hour)
	if requested.Before(today) {
		return nil, Invalid("next_review_at", "The review date cannot be in the past.")
	}
	if !acc.Admin {
		policy, err := s.NextReview(ctx, a.State, *a.ApprovedAt)
		if err != nil {
			return nil, err
		}
		if _, err := assessments.NextReview(policy, requested.Format(time.DateOnly), today); err != nil {
			return nil, Invalid("next_review_at", "An owner may bring the review forward, not push it back past the policy's date ("+policy+"); ask an administrator.")
		}
	}
	err = s.audited(ctx, who, store.AuditSettingsChange, store.AuditTarget("assessment", a.ID), map[string]any{
		"next_review_at": requested.Format(time.DateOnly), "was": a.NextReviewAt},
		func(st *store.Store) error {
			return st.SetNextReview(ctx, a.ID, requested.Format(time.DateOnly))
		})
	if err != nil {
		return nil, err
	}
	return s.store.Assessment(ctx, a.ID)
}
