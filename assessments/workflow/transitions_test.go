package workflow_test

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// reviewQuestionnaire has one required question, so that an unanswered assessment is not ready
// for review.
const reviewQuestionnaire = `key: rq
version: 1
title: Review check
sections:
  - key: s
    title: S
    questions:
      - key: a
        type: yes_no
        label: A
        required: true
`

// reviewFixture is a project with an owner, an assessor, two reviewers and a viewer, an
// outsider, and a draft assessment on reviewQuestionnaire.
type reviewFixture struct {
	t                                       *testing.T
	wf                                      *workflow.Service
	st                                      *store.Store
	project                                 *assessments.Project
	owner, ana, rita, rob, viewer, outsider workflow.Actor
	assessment                              *assessments.Assessment
}

func newReviewFixture(t *testing.T, state assessments.State) *reviewFixture {
	t.Helper()
	ctx := t.Context()
	st := storetest.New(t)
	if _, err := st.EnsureQuestionnaire(ctx, "rq", 1, "Review check", []byte(reviewQuestionnaire)); err != nil {
		t.Fatal(err)
	}
	f := &reviewFixture{t: t, st: st, wf: workflow.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), workflow.Config{})}
	user := func(name string) workflow.Actor {
		u, err := st.CreateUser(ctx, store.NewUser{Email: strings.ToLower(name) + "@example.org", Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return workflow.Actor{User: u}
	}
	f.owner, f.ana, f.rita, f.rob, f.viewer, f.outsider = user("Olga"), user("Ana"), user("Rita"), user("Rob"), user("Vic"), user("Otto")
	var err error
	if f.project, err = st.CreateProject(ctx, f.owner.User.ID, assessments.ProjectFields{Name: "Support bot"}, nil); err != nil {
		t.Fatal(err)
	}
	for who, role := range map[workflow.Actor]assessments.Role{f.ana: assessments.RoleAssessor, f.rita: assessments.RoleReviewer, f.rob: assessments.RoleReviewer, f.viewer: assessments.RoleViewer} {
		if err := st.SetMember(ctx, f.project.ID, who.User.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	state.Questionnaire, state.QuestionnaireVersion = "rq", 1
	if f.assessment, err = st.CreateAssessment(ctx, store.NewAssessment{ProjectID: f.project.ID, State: state, Author: f.ana.User.ID, Summary: "start"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// answer saves the required answer as ana, so the assessment is ready for review.
func (f *reviewFixture) answer() *assessments.Assessment {
	f.t.Helper()
	a, err := f.st.ApplyChange(f.t.Context(), f.assessment.ID, f.current().Revision, f.ana.User.ID,
		assessments.Change{Answers: map[string]any{"a": "yes"}}, "answered A")
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *reviewFixture) current() *assessments.Assessment {
	f.t.Helper()
	a, err := f.st.Assessment(f.t.Context(), f.assessment.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// approve takes the assessment through review: ana submits, rita approves.
func (f *reviewFixture) approve() *assessments.Assessment {
	f.t.Helper()
	ctx := f.t.Context()
	a, err := f.wf.Submit(ctx, f.ana, f.assessment.ID, f.current().Revision, "")
	if err != nil {
		f.t.Fatal(err)
	}
	if a, err = f.wf.Approve(ctx, f.rita, a.ID, a.Revision, "fine"); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestReviewStepErrors(t *testing.T) {
	f := newReviewFixture(t, assessments.State{})
	ctx := t.Context()
	id := f.assessment.ID
	rev := f.assessment.Revision

	if _, err := f.wf.Submit(ctx, f.outsider, id, rev, ""); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider submits: %v, want ErrNotFound", err)
	}
	for _, who := range []workflow.Actor{f.viewer, f.rita} {
		if _, err := f.wf.Submit(ctx, who, id, rev, ""); !errors.Is(err, workflow.ErrForbidden) {
			t.Errorf("%s submits: %v, want ErrForbidden", who.User.Name, err)
		}
	}
	var invalid *workflow.ValidationError
	if _, err := f.wf.Submit(ctx, f.ana, id, rev, strings.Repeat("x", 20001)); !errors.As(err, &invalid) || invalid.Fields["comment"] == "" {
		t.Errorf("a note of 20,001 characters: %v, want a ValidationError on comment", err)
	}
	var step *workflow.StepError
	_, err := f.wf.Submit(ctx, f.ana, id, rev, "")
	if !errors.As(err, &step) || !errors.Is(err, workflow.ErrFrozen) || !strings.HasPrefix(step.Reason, "Not ready for review: ") ||
		len(step.Problems) != 1 || !strings.Contains(step.Problems[0], "1 required question") || step.Current != int64(rev) {
		t.Fatalf("unanswered: %v (%+v), want a StepError listing the required question", err, step)
	}

	a := f.answer()
	var conflict *workflow.ConflictError
	if _, err := f.wf.Submit(ctx, f.ana, id, rev, ""); !errors.As(err, &conflict) || conflict.Current != int64(a.Revision) {
		t.Errorf("stale base: %v, want a ConflictError at revision %d", err, a.Revision)
	}

	archived, live := true, false
	if _, err := f.wf.UpdateProject(ctx, f.owner, f.project.ID, workflow.ProjectChange{Archived: &archived}); err != nil {
		t.Fatal(err)
	}
	var frozen *workflow.FrozenError
	if _, err := f.wf.Submit(ctx, f.ana, id, a.Revision, ""); !errors.As(err, &frozen) || !strings.Contains(frozen.Reason, "archived") {
		t.Errorf("archived project: %v, want a FrozenError naming the archive", err)
	}
	if _, err := f.wf.UpdateProject(ctx, f.owner, f.project.ID, workflow.ProjectChange{Archived: &live}); err != nil {
		t.Fatal(err)
	}

	a, err = f.wf.Submit(ctx, f.ana, id, a.Revision, "please look")
	if err != nil || a.Status != assessments.InReview {
		t.Fatalf("submit: %v, status %v", err, a)
	}
	if n, _ := f.st.UnreadNotifications(ctx, f.rita.User.ID); n != 1 {
		t.Errorf("rita has %d notifications after the submission, want 1", n)
	}
	if _, err := f.wf.Submit(ctx, f.ana, id, a.Revision, ""); !errors.As(err, &frozen) || !strings.Contains(frozen.Reason, "only a draft can be submitted") {
		t.Errorf("submit in review: %v, want a FrozenError", err)
	}
	var forbidden *workflow.ForbiddenError
	if _, err := f.wf.Approve(ctx, f.ana, id, a.Revision, ""); !errors.As(err, &forbidden) || !errors.Is(err, workflow.ErrForbidden) ||
		forbidden.Reason != "Only a reviewer of this project decides on a review." {
		t.Errorf("assessor approves: %v, want a ForbiddenError with the reason", err)
	}
	if _, err := f.wf.RequestChanges(ctx, f.rita, id, a.Revision, "  "); !errors.As(err, &invalid) || invalid.Fields["comment"] != "Say what needs to change." {
		t.Errorf("request changes without a comment: %v, want a ValidationError on comment", err)
	}
	if _, err := f.wf.Approve(ctx, f.rita, id, a.Revision-1, ""); !errors.As(err, &conflict) || conflict.Current != int64(a.Revision) {
		t.Errorf("stale decision: %v, want a ConflictError at revision %d", err, a.Revision)
	}
	a, err = f.wf.Approve(ctx, f.rita, id, a.Revision, "")
	if err != nil || a.Status != assessments.Approved || a.NextReviewAt == "" {
		t.Fatalf("approve: %v, %+v", err, a)
	}
	if _, err := f.wf.RequestChanges(ctx, f.rob, id, a.Revision, "late"); !errors.As(err, &step) || step.Reason != "The assessment is not in review." {
		t.Errorf("decide on an approved assessment: %v, want a StepError", err)
	}
}

// Separation of duties: a person who wrote the content and submitted it cannot decide on it,
// even when they are a reviewer by now.
func TestSeparationRefusesTheAuthor(t *testing.T) {
	f := newReviewFixture(t, assessments.State{})
	ctx := t.Context()
	f.answer()
	a, err := f.wf.Submit(ctx, f.ana, f.assessment.ID, f.current().Revision, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetMember(ctx, f.project.ID, f.ana.User.ID, assessments.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	var step *workflow.StepError
	if _, err := f.wf.Approve(ctx, f.ana, a.ID, a.Revision, ""); !errors.As(err, &step) || errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("the author approves: %v, want a StepError (not forbidden: she is a reviewer)", err)
	}
}

func TestReassess(t *testing.T) {
	f := newReviewFixture(t, assessments.State{})
	ctx := t.Context()
	var frozen *workflow.FrozenError
	if _, err := f.wf.Reassess(ctx, f.ana, f.assessment.ID); !errors.As(err, &frozen) || !strings.HasPrefix(frozen.Reason, "Only an approved assessment") {
		t.Errorf("reassess a draft: %v, want a FrozenError", err)
	}
	f.answer()
	f.approve()
	for _, who := range []workflow.Actor{f.viewer, f.rita} {
		if _, err := f.wf.Reassess(ctx, who, f.assessment.ID); !errors.Is(err, workflow.ErrForbidden) {
			t.Errorf("%s reassesses: %v, want ErrForbidden", who.User.Name, err)
		}
	}
	next, err := f.wf.Reassess(ctx, f.ana, f.assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if next.Cycle != 2 || next.Status != assessments.Draft || next.Answers()["a"] != "yes" {
		t.Errorf("cycle 2: %+v, want a draft carrying the answer", next)
	}
	var conflict *workflow.ConflictError
	if _, err := f.wf.Reassess(ctx, f.ana, f.assessment.ID); !errors.As(err, &conflict) || !strings.Contains(conflict.What, "in progress") {
		t.Errorf("reassess twice: %v, want a ConflictError", err)
	}
}

// An acceptance that expired before the next cycle started is listed for a reviewer to decide
// again, until one does.
func TestRedecisions(t *testing.T) {
	accepted := &assessments.Finding{ID: "f1", Title: "Vendor keeps logs", Category: "s", Likelihood: 2, Severity: 2,
		Status: assessments.FindingAccepted, Acceptance: &assessments.Acceptance{By: 1, At: "2026-01-01T00:00:00Z", Justification: "contract", Expires: "2026-12-31"}}
	f := newReviewFixture(t, assessments.State{Seq: 1, Findings: map[string]*assessments.Finding{"f1": accepted}})
	ctx := t.Context()
	f.answer()
	f.approve()
	f.wf.SetClock(func() time.Time { return time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC) })
	next, err := f.wf.Reassess(ctx, f.ana, f.assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	redo, err := f.wf.Redecisions(ctx, next)
	if err != nil || len(redo) != 1 || redo[0].FindingID != "f1" || redo[0].Reason != "expired" {
		t.Fatalf("redecisions: %+v, %v; want f1, expired", redo, err)
	}
	if got, _ := f.wf.Redecisions(ctx, f.current()); len(got) != 0 {
		t.Errorf("the approved cycle lists %+v", got)
	}
	g := *next.State.Findings["f1"]
	g.Status = assessments.FindingAccepted
	g.Acceptance = &assessments.Acceptance{By: f.rita.User.ID, At: "2027-02-01T10:00:00Z", Justification: "renewed", Expires: "2027-12-31"}
	next, err = f.st.ApplyChange(ctx, next.ID, next.Revision, f.rita.User.ID, assessments.Change{Findings: map[string]*assessments.Finding{"f1": &g}}, "accepted again")
	if err != nil {
		t.Fatal(err)
	}
	if redo, err := f.wf.Redecisions(ctx, next); err != nil || len(redo) != 0 {
		t.Errorf("after the new acceptance: %+v, %v; want none", redo, err)
	}
}
