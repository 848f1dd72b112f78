package workflow

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

// CommentInput is a remark on one question or finding of an assessment.
type CommentInput struct {
	TargetKind string // "question" or "finding"
	TargetKey  string
	Body       string // Markdown
}

// CanComment tells whether an actor with access acc may comment on a: reviewers and editors
// discuss an assessment until it is approved, in a project that is not archived.
func CanComment(acc *Access, a *assessments.Assessment) bool {
	return a.Status != assessments.Approved && !acc.Project.Archived() &&
		(acc.Role == assessments.RoleReviewer || acc.Can(ActEdit))
}

// CommentLink is where a comment's target is shown: the question in its section, the finding's
// comments, or, for a question the answers now hide, the overview's open comments where it is
// resolved.
func CommentLink(def *questionnaire.Definition, a *assessments.Assessment, kind, key string) string {
	back := AssessmentPath(a.ID)
	if kind == "question" {
		q, ok := def.Question(key)
		if ok && assessments.PlaceOf(def, a.State, kind, key) == assessments.PlaceShown {
			return back + "/sections/" + q.Section + "#q-" + key
		}
		return back + "#open-comments" // hidden or gone: listed, and resolved, on the overview
	}
	return back + "/findings/" + key + "#comments"
}

// AddComment stores a comment on a question of the assessment's questionnaire or on one of its
// findings, and notifies the rest of the team. Reviewers, owners and assessors may until the
// assessment is approved (ErrForbidden otherwise); an unknown target is ErrNotFound; an empty or
// too long body a ValidationError on "body".
func (s *Service) AddComment(ctx context.Context, who Actor, assessmentID int64, in CommentInput) (*assessments.Comment, error) {
	a, acc, err := s.assessmentAccess(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, err
	}
	if !CanComment(acc, a) {
		return nil, ErrForbidden
	}
	switch in.TargetKind {
	case "question":
		if _, ok := def.Question(in.TargetKey); !ok {
			return nil, ErrNotFound
		}
	case "finding":
		if _, ok := a.State.Findings[in.TargetKey]; !ok {
			return nil, ErrNotFound
		}
	default:
		return nil, ErrNotFound
	}
	body := strings.TrimSpace(in.Body)
	p := Problems{}
	if body == "" || utf8.RuneCountInString(body) > maxReviewText {
		p.Add("body", "A comment needs text (at most 20,000 characters).")
	}
	p.CheckText("body", body, maxReviewText)
	if err := p.Err(); err != nil {
		return nil, err
	}
	team, err := s.MembersWith(ctx, a.ProjectID, assessments.RoleOwner, assessments.RoleAssessor, assessments.RoleReviewer)
	if err != nil {
		return nil, err
	}
	u := who.User
	link := CommentLink(def, a, in.TargetKind, in.TargetKey)
	return s.store.AddComment(ctx, assessments.Comment{AssessmentID: a.ID, TargetKind: in.TargetKind, TargetKey: in.TargetKey,
		AuthorID: u.ID, AuthorEmail: u.Email, Body: body, Revision: a.Revision},
		notifyMembers(team, u.ID, "comment", acc.Project.Name+": new comment from "+u.DisplayName(), link))
}

// ResolveComment marks an open comment resolved. Editors may resolve any comment, reviewers
// their own, while the assessment is not approved; an unknown or resolved comment is
// ErrNotFound.
func (s *Service) ResolveComment(ctx context.Context, who Actor, assessmentID, commentID int64) (*assessments.Comment, error) {
	a, acc, err := s.assessmentAccess(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	open, err := s.store.Comments(ctx, a.ID, false)
	if err != nil {
		return nil, err
	}
	var target *assessments.Comment
	for _, c := range open {
		if c.ID == commentID {
			target = c
		}
	}
	if target == nil {
		return nil, ErrNotFound
	}
	if !CanComment(acc, a) || (!acc.Can(ActEdit) && target.AuthorID != who.User.ID) {
		return nil, ErrForbidden
	}
	return s.store.ResolveComment(ctx, a.ID, commentID, who.User.ID, who.User.Email)
}
