package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// maxReviewText is the longest note or comment a review step, a comment or an opinion takes.
const maxReviewText = 20000

// ForbiddenError is ErrForbidden with a reason fit to show the user, where the generic sentence
// would not say what to do ("only a reviewer decides on a review").
type ForbiddenError struct{ Reason string }

func (e *ForbiddenError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrForbidden) true.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }

// StepError refuses a review step for reasons the actor can act on: the assessment is not ready
// for review (Problems lists why, the same sentences the overview shows), cannot be approved yet
// under the evidence rules, or separation of duties keeps this person from deciding. It is a
// kind of ErrFrozen: the assessment cannot take the step in its current state.
type StepError struct {
	Reason   string   // the whole sentence, e.g. "Not ready for review: 2 required questions ..."
	Problems []string // the separate reasons, when there are several
	Current  int64    // the assessment's current revision
}

func (e *StepError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrFrozen) true.
func (e *StepError) Is(target error) bool { return target == ErrFrozen }

// Submit sends a draft (or an assessment whose changes were requested) to review, on revision
// base, with an optional note for the reviewers. Owners and assessors may; the project's
// reviewers are notified. Refusals: ErrNotFound for non-members, ErrForbidden, a FrozenError
// when the project is archived or the assessment is not editable, a StepError listing what keeps
// it from review (SubmitProblems), a ConflictError when base is stale.
func (s *Service) Submit(ctx context.Context, who Actor, assessmentID int64, base int, note string) (*assessments.Assessment, error) {
	return s.reviewStep(ctx, who, assessments.ReviewSubmit, assessmentID, base, note)
}

// Approve approves an assessment in review on revision base: its content is frozen with its
// hash, the next review date is set by the policy, the owners and assessors are notified. Only a
// reviewer of the project who did not submit or write the content may (separation of duties,
// unless the instance allows self-approval): others get a ForbiddenError, the separated
// reviewer a StepError; an approval the evidence rules refuse is a StepError too.
func (s *Service) Approve(ctx context.Context, who Actor, assessmentID int64, base int, comment string) (*assessments.Assessment, error) {
	return s.reviewStep(ctx, who, assessments.ReviewApprove, assessmentID, base, comment)
}

// RequestChanges sends an assessment in review back to its assessors with comment, which is
// required (a ValidationError on "comment" without it). The rights are Approve's.
func (s *Service) RequestChanges(ctx context.Context, who Actor, assessmentID int64, base int, comment string) (*assessments.Assessment, error) {
	return s.reviewStep(ctx, who, assessments.ReviewRequestChanges, assessmentID, base, comment)
}

// reviewStep carries out a submission or a decision. The status change is a revision bound to
// base; the review event, the notifications and the audit entry commit with it.
func (s *Service) reviewStep(ctx context.Context, who Actor, kind assessments.ReviewKind, assessmentID int64, base int, text string) (*assessments.Assessment, error) {
	a, acc, err := s.assessmentAccess(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(text) > maxReviewText {
		return nil, Invalid("comment", "The comment is too long (at most 20,000 characters).")
	}
	if acc.Project.Archived() {
		return nil, &FrozenError{Reason: "The project is archived: restore it before reviewing its assessments.", Current: int64(a.Revision)}
	}
	u := who.User
	d := store.Decision{AssessmentID: a.ID, Base: base, UserID: u.ID, UserEmail: u.Email, Kind: kind, Comment: strings.TrimSpace(text)}
	link := AssessmentPath(a.ID)
	switch kind {
	case assessments.ReviewSubmit:
		if !acc.Can(ActEdit) {
			return nil, ErrForbidden
		}
		if !a.Status.Editable() {
			return nil, &FrozenError{Reason: "The assessment is " + strings.ToLower(a.Status.Label()) + "; only a draft can be submitted.", Current: int64(a.Revision)}
		}
		probs, err := s.SubmitProblems(ctx, def, a)
		if err != nil {
			return nil, err
		}
		if len(probs) > 0 {
			return nil, &StepError{Reason: "Not ready for review: " + strings.Join(probs, " "), Problems: probs, Current: int64(a.Revision)}
		}
		reviewers, err := s.MembersWith(ctx, a.ProjectID, assessments.RoleReviewer)
		if err != nil {
			return nil, err
		}
		d.Status, d.Summary = assessments.InReview, "Submitted for review"
		d.Notify = notifyMembers(reviewers, u.ID, "review_requested", acc.Project.Name+": an assessment awaits your review", link)
	case assessments.ReviewApprove, assessments.ReviewRequestChanges:
		rs, err := s.ReviewState(ctx, a)
		if err != nil {
			return nil, err
		}
		problem, err := s.DecideProblem(ctx, a, rs, acc.Role, u.ID)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			if acc.Role != assessments.RoleReviewer {
				return nil, &ForbiddenError{Reason: problem}
			}
			return nil, &StepError{Reason: problem, Current: int64(a.Revision)}
		}
		team, err := s.MembersWith(ctx, a.ProjectID, assessments.RoleOwner, assessments.RoleAssessor)
		if err != nil {
			return nil, err
		}
		if kind == assessments.ReviewApprove {
			probs, err := s.ApprovalProblems(ctx, a.State)
			if err != nil {
				return nil, err
			}
			if len(probs) > 0 {
				return nil, &StepError{Reason: "Cannot approve yet: " + strings.Join(probs, " "), Problems: probs, Current: int64(a.Revision)}
			}
			if d.NextReview, err = s.NextReview(ctx, a.State, s.now()); err != nil {
				return nil, err
			}
			d.Status, d.Summary = assessments.Approved, "Approved"
			d.Notify = notifyMembers(team, u.ID, "approved", acc.Project.Name+": assessment approved", link)
		} else {
			if d.Comment == "" {
				return nil, Invalid("comment", "Say what needs to change.")
			}
			d.Status, d.Summary = assessments.ChangesRequested, "Changes requested"
			d.Notify = notifyMembers(team, u.ID, "changes_requested", acc.Project.Name+": changes requested on the assessment", link)
		}
	default:
		return nil, fmt.Errorf("workflow: unknown review step %q", kind)
	}
	if kind != assessments.ReviewRequestChanges {
		if d.Project, err = s.ProjectSnapshot(ctx, acc.Project); err != nil {
			return nil, err
		}
	}
	var saved *assessments.Assessment
	e := event(who, "assessment."+string(kind), store.AuditTarget("assessment", a.ID), map[string]any{"project": a.ProjectID, "comment": d.Comment})
	err = s.Audited(ctx, &e, func(st *store.Store) (err error) {
		if saved, err = st.Decide(ctx, d); err == nil {
			e.Details["revision"], e.Details["state_hash"] = saved.Revision, saved.StateHash
		}
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, s.staleReview(ctx, a.ID)
	}
	if err != nil {
		return nil, err
	}
	return saved, nil
}

// assessmentAccess loads an assessment and the actor's access to its project, checked for act.
func (s *Service) assessmentAccess(ctx context.Context, who Actor, assessmentID int64, act Action) (*assessments.Assessment, *Access, error) {
	if who.User == nil {
		return nil, nil, ErrNotFound
	}
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.Access(ctx, who, a.ProjectID, act)
	if err != nil {
		return nil, nil, err
	}
	return a, acc, nil
}

// staleReview is the conflict of a step based on a revision that is no longer current.
func (s *Service) staleReview(ctx context.Context, assessmentID int64) error {
	ce := &ConflictError{What: "The assessment changed since you opened it. Reload, check the changes, and decide again."}
	if cur, err := s.store.Assessment(ctx, assessmentID); err == nil {
		ce.Current = int64(cur.Revision)
	}
	return ce
}

// notifyMembers addresses a message to each member once, except to the one who caused it.
func notifyMembers(members []*assessments.Member, except int64, kind, title, link string) []assessments.Notification {
	var out []assessments.Notification
	seen := map[int64]bool{except: true}
	for _, m := range members {
		if !seen[m.UserID] {
			seen[m.UserID] = true
			out = append(out, assessments.Notification{UserID: m.UserID, Kind: kind, Title: title, Link: link})
		}
	}
	return out
}

// ProjectSnapshot describes the project as it is now, to record with a submission or decision.
func (s *Service) ProjectSnapshot(ctx context.Context, p *assessments.Project) (*assessments.ProjectSnapshot, error) {
	snap := &assessments.ProjectSnapshot{Name: p.Name, Purpose: p.Purpose, BaseModel: p.BaseModel, Deployment: p.Deployment,
		Datasets: []assessments.Dataset{}, Members: []assessments.MemberSnapshot{}}
	datasets, err := s.store.Datasets(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range datasets {
		snap.Datasets = append(snap.Datasets, d.Dataset)
	}
	members, err := s.store.Members(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		snap.Members = append(snap.Members, assessments.MemberSnapshot{Name: m.Name, Email: m.Email, Role: string(m.Role)})
	}
	return snap, nil
}

// Reassess starts the next cycle from an approved assessment, on the newest version of its
// questionnaire, carrying the risk work over (see CarryFrom) and the open comments whose target
// is still there. Owners and assessors may. An assessment that is not approved is refused with a
// FrozenError; a project that already has a cycle in progress with a ConflictError.
func (s *Service) Reassess(ctx context.Context, who Actor, assessmentID int64) (*assessments.Assessment, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActEdit)
	if err != nil {
		return nil, err
	}
	if a.Status != assessments.Approved {
		return nil, &FrozenError{Reason: "Only an approved assessment can be re-assessed; this one is " + strings.ToLower(a.Status.Label()) + ".",
			Current: int64(a.Revision)}
	}
	def, err := s.latestDefinition(ctx, a.QuestionnaireKey)
	if err != nil {
		return nil, err
	}
	e := event(who, store.AuditAssessmentReassess, "", map[string]any{"from": a.ID})
	return s.nextCycle(ctx, who, a.ProjectID, def, &e)
}

// latestDefinition is the newest stored version of a questionnaire.
func (s *Service) latestDefinition(ctx context.Context, key string) (*questionnaire.Definition, error) {
	stored, err := s.store.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	version := 0
	for _, q := range stored {
		if q.Key == key && q.Version > version {
			version = q.Version
		}
	}
	if version == 0 {
		return nil, Invalid("questionnaire", fmt.Sprintf("there is no questionnaire %q", key))
	}
	return s.Definition(ctx, key, version)
}

// nextCycle starts a project's next assessment on def after an approved one, recorded with the
// audit event e. It is the re-assessment half of starting an assessment.
//
// JOIN: the answers work moves web's createAssessment into this package (answers.go) as an
// unexported helper; when both are merged, nextCycle becomes a call of that helper and goes.
func (s *Service) nextCycle(ctx context.Context, who Actor, projectID int64, def *questionnaire.Definition, e *store.AuditEvent) (*assessments.Assessment, error) {
	previous, err := s.store.Assessments(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if len(previous) == 0 || previous[0].Status != assessments.Approved {
		return nil, openCycle()
	}
	cc, err := s.CarryFrom(ctx, def, previous[0], s.now())
	if err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("Started cycle %d on %s version %d. %s", len(previous)+1, def.Title, def.Version, cc.Summary.Text())
	policy, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	n := store.NewAssessment{ProjectID: projectID, State: assessments.ReconcilePolicy(def, cc.State, policy), Author: who.id(), Summary: summary}
	var a *assessments.Assessment
	err = s.Audited(ctx, e, func(st *store.Store) (err error) {
		if a, err = st.CreateAssessment(ctx, n); err == nil {
			e.Target = store.AuditTarget("assessment", a.ID)
			if e.Details != nil {
				e.Details["cycle"] = a.Cycle
			}
		}
		return err
	})
	if errors.Is(err, store.ErrOpenAssessment) {
		return nil, openCycle()
	}
	if err != nil {
		return nil, err
	}
	moved, listed, err := s.CarryComments(ctx, def, previous[0], a)
	if err != nil {
		return nil, err
	}
	err = s.audited(ctx, who, "assessment.carry", "assessment:"+fmt.Sprint(a.ID), map[string]any{"from": previous[0].ID,
		"carried": cc.Summary, "comments_carried": len(moved), "comments_left": len(listed)}, func(*store.Store) error { return nil })
	return a, err
}

func openCycle() error {
	return &ConflictError{What: "This project already has an assessment in progress: finish it before starting another."}
}

// Redecisions lists, on a cycle carried from an approved one, the acceptances that did not
// carry over (they had expired, or the answers behind their finding changed: see
// assessments.Carry) and that no reviewer has decided again yet: the finding is still there,
// open, without an acceptance. They are read from the approved cycle and the new cycle's first
// revision, so the list needs no record of its own and stays right whatever the clock says.
func (s *Service) Redecisions(ctx context.Context, a *assessments.Assessment) ([]assessments.Redo, error) {
	if a.Cycle < 2 || a.Status == assessments.Approved {
		return nil, nil
	}
	list, err := s.store.Assessments(ctx, a.ProjectID)
	if err != nil {
		return nil, err
	}
	var prev *assessments.Assessment
	for _, p := range list {
		if p.Cycle == a.Cycle-1 {
			prev = p
		}
	}
	if prev == nil || prev.Status != assessments.Approved {
		return nil, nil
	}
	states, err := s.store.StatesAt(ctx, a.ID, 1)
	if err != nil {
		return nil, err
	}
	first := states[1]
	var out []assessments.Redo
	for _, id := range slices.Sorted(maps.Keys(prev.State.Findings)) {
		was := prev.State.Findings[id]
		carried, now := first.Findings[id], a.State.Findings[id]
		if was.Acceptance == nil || carried == nil || carried.Acceptance != nil {
			continue // not accepted then, not carried, or carried with its acceptance
		}
		if now == nil || !now.Live() || now.Acceptance != nil || now.Status != assessments.FindingOpen {
			continue // decided again since
		}
		reason := "expired"
		if !assessments.SameAnswer(was.Inputs, carried.Inputs) {
			reason = "inputs_changed"
		}
		out = append(out, assessments.Redo{FindingID: id, Title: now.Title, Reason: reason})
	}
	return out, nil
}
