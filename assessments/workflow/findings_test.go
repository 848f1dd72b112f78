package workflow

import (
	"errors"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// registerFixture is the evidence fixture with an assessor and a reviewer in the project.
type registerFixture struct {
	evidenceFixture
	assessor, reviewer Actor
}

func newRegisterFixture(t *testing.T) registerFixture {
	t.Helper()
	f := registerFixture{evidenceFixture: newEvidenceFixture(t)}
	ctx, st := t.Context(), f.wf.Store()
	for _, m := range []struct {
		who  *Actor
		mail string
		role assessments.Role
	}{{&f.assessor, "ann@example.org", assessments.RoleAssessor}, {&f.reviewer, "rita@example.org", assessments.RoleReviewer}} {
		u, err := st.CreateUser(ctx, store.NewUser{Email: m.mail, Name: strings.Split(m.mail, "@")[0]})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetMember(ctx, f.assessment.ProjectID, u.ID, m.role); err != nil {
			t.Fatal(err)
		}
		*m.who = Actor{User: u}
	}
	return f
}

// current is the assessment as stored now.
func (f registerFixture) current(t *testing.T) *assessments.Assessment {
	t.Helper()
	a, err := f.wf.Store().Assessment(t.Context(), f.assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// decide moves the assessment to a status as a review decision would.
func (f registerFixture) decide(t *testing.T, kind assessments.ReviewKind, status assessments.Status) {
	t.Helper()
	a := f.current(t)
	if _, err := f.wf.Store().Decide(t.Context(), store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: f.reviewer.User.ID,
		UserEmail: f.reviewer.User.Email, Kind: kind, Status: status, Summary: string(kind)}); err != nil {
		t.Fatal(err)
	}
}

// addFinding adds a manual finding (likelihood 3, severity 3) and returns its id.
func (f registerFixture) addFinding(t *testing.T, title string) string {
	t.Helper()
	_, fd, err := f.wf.AddFinding(t.Context(), f.assessor, f.assessment.ID, f.current(t).Revision,
		FindingInput{Title: title, Category: "access_storage", Likelihood: 3, Severity: 3})
	if err != nil {
		t.Fatal(err)
	}
	return fd.ID
}

// wantField fails unless err is a ValidationError naming field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var invalid *ValidationError
	if !errors.As(err, &invalid) || invalid.Fields[field] == "" {
		t.Errorf("%s: %v, want a ValidationError on %s", what, err, field)
	}
}

// wantConflict fails unless err is a ConflictError naming the current revision.
func wantConflict(t *testing.T, what string, err error, current int) {
	t.Helper()
	var conflict *ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, ErrConflict) || conflict.Current != int64(current) {
		t.Errorf("%s: %v, want a ConflictError at revision %d", what, err, current)
	}
}

func TestAddFinding(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	rev := f.current(t).Revision
	good := FindingInput{Title: "Prompts kept in logs", Category: "access_storage", Likelihood: 2, Severity: 3}
	bad := func(change func(*FindingInput)) FindingInput {
		in := good
		change(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		in    FindingInput
		field string
	}{
		{"title with NUL", bad(func(in *FindingInput) { in.Title = "a\x00b" }), "title"},
		{"title of 20,000 characters", bad(func(in *FindingInput) { in.Title = strings.Repeat("x", 20000) }), "title"},
		{"title empty", bad(func(in *FindingInput) { in.Title = "  " }), "title"},
		{"description not UTF-8", bad(func(in *FindingInput) { in.Description = "\xff" }), "description"},
		{"unknown category", bad(func(in *FindingInput) { in.Category = "nowhere" }), "category"},
		{"likelihood off the scale", bad(func(in *FindingInput) { in.Likelihood = 9 }), "likelihood"},
		{"severity zero", bad(func(in *FindingInput) { in.Severity = 0 }), "severity"},
	} {
		_, _, err := f.wf.AddFinding(ctx, f.assessor, id, rev, tc.in)
		wantField(t, tc.name, err, tc.field)
	}
	if _, _, err := f.wf.AddFinding(ctx, f.outside, id, rev, good); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	for _, who := range []Actor{f.viewer, f.reviewer} {
		if _, _, err := f.wf.AddFinding(ctx, who, id, rev, good); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", who.User.Email, err)
		}
	}
	_, _, err := f.wf.AddFinding(ctx, f.assessor, id, rev-1, good)
	wantConflict(t, "stale revision", err, rev)
	saved, fd, err := f.wf.AddFinding(ctx, f.assessor, id, rev, good)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Revision != rev+1 || fd.Title != good.Title || !fd.Manual() || saved.State.Findings[fd.ID] == nil {
		t.Fatalf("saved revision %d (want %d), finding %+v", saved.Revision, rev+1, fd)
	}
	// The same revision again lost the race: refused with the revision that won.
	_, _, err = f.wf.AddFinding(ctx, f.assessor, id, rev, good)
	wantConflict(t, "second change on the same revision", err, rev+1)

	f.decide(t, assessments.ReviewSubmit, assessments.InReview)
	_, _, err = f.wf.AddFinding(ctx, f.assessor, id, f.current(t).Revision, good)
	var frozen *FrozenError
	if !errors.As(err, &frozen) || frozen.Current != int64(f.current(t).Revision) {
		t.Errorf("in review: %v, want a FrozenError with the current revision", err)
	}
	// Changes requested: the first change of content brings the assessment back to draft.
	f.decide(t, assessments.ReviewRequestChanges, assessments.ChangesRequested)
	saved, _, err = f.wf.AddFinding(ctx, f.assessor, id, f.current(t).Revision, good)
	if err != nil || saved.Status != assessments.Draft {
		t.Errorf("change after changes requested: %v, status %v, want draft", err, saved)
	}
}

func TestUpdateFinding(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	fid := f.addFinding(t, "Prompts kept in logs")
	rev := f.current(t).Revision
	accepted, mitigated, na := assessments.FindingAccepted, assessments.FindingMitigated, assessments.FindingNotApplicable
	nul, nine := "a\x00b", 9
	for _, tc := range []struct {
		name  string
		in    FindingChange
		field string
	}{
		{"title with NUL", FindingChange{Finding: fid, Title: &nul}, "title"},
		{"likelihood off the scale", FindingChange{Finding: fid, Likelihood: &nine}, "likelihood"},
		{"residual above inherent", FindingChange{Finding: fid, Residual: &ResidualInput{Likelihood: 4, Severity: 4}}, "residual"},
		{"residual half set", FindingChange{Finding: fid, Residual: &ResidualInput{Likelihood: 1}}, "residual"},
		{"accepted by an assessor", FindingChange{Finding: fid, Status: &accepted}, "status"},
		{"mitigated without a mitigation", FindingChange{Finding: fid, Status: &mitigated}, "status"},
	} {
		_, _, err := f.wf.UpdateFinding(ctx, f.assessor, id, rev, tc.in)
		wantField(t, tc.name, err, tc.field)
	}
	if _, _, err := f.wf.UpdateFinding(ctx, f.assessor, id, rev, FindingChange{Finding: "f404", Status: &na}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown finding: %v, want ErrNotFound", err)
	}
	if _, _, err := f.wf.UpdateFinding(ctx, f.viewer, id, rev, FindingChange{Finding: fid, Status: &na}); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	_, _, err := f.wf.UpdateFinding(ctx, f.assessor, id, rev-1, FindingChange{Finding: fid, Status: &na})
	wantConflict(t, "stale revision", err, rev)
	_, fd, err := f.wf.UpdateFinding(ctx, f.assessor, id, rev, FindingChange{Finding: fid, Residual: &ResidualInput{Likelihood: 1, Severity: 2}})
	if err != nil || fd.ResidualLevel() != assessments.RiskLevel(1, 2) {
		t.Fatalf("residual: %v %+v", err, fd)
	}
}

// The register filter is the domain's, used by the page and the API alike.
func TestFilterFindings(t *testing.T) {
	f := newRegisterFixture(t)
	f.addFinding(t, "Prompts kept in logs")
	_, all, err := f.wf.FilterFindings(t.Context(), f.viewer, f.assessment.ID, assessments.FindingFilter{})
	if err != nil || len(all) == 0 {
		t.Fatalf("unfiltered: %v, %d findings", err, len(all))
	}
	_, some, err := f.wf.FilterFindings(t.Context(), f.viewer, f.assessment.ID, assessments.FindingFilter{Category: "access_storage"})
	if err != nil || len(some) != 1 || some[0].Title != "Prompts kept in logs" {
		t.Fatalf("by category: %v, %+v", err, some)
	}
	if _, _, err := f.wf.FilterFindings(t.Context(), f.outside, f.assessment.ID, assessments.FindingFilter{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
}
