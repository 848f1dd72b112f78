package workflow_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
)

// answersFixture is a project whose datasets hold special categories, with an owner (alice), a
// second assessor (carol), a viewer (vic) and an outsider (olga).
type answersFixture struct {
	wf                      *workflow.Service
	alice, carol, vic, olga workflow.Actor
	project                 *assessments.Project
}

func newAnswersFixture(t *testing.T) *answersFixture {
	t.Helper()
	wf, u := newService(t)
	ctx := t.Context()
	f := &answersFixture{wf: wf, alice: workflow.Actor{User: u}}
	p, err := wf.CreateProject(ctx, f.alice, workflow.ProjectInput{Name: "Support bot", Purpose: "Answer support tickets", Deployment: "internal"},
		[]assessments.Dataset{{Name: "Tickets", Source: "helpdesk", Categories: "names, health", SpecialCategories: true, ApproxRecords: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	f.project = p
	for _, m := range []struct {
		actor *workflow.Actor
		email string
		role  assessments.Role
	}{{&f.carol, "carol@example.org", assessments.RoleAssessor}, {&f.vic, "vic@example.org", assessments.RoleViewer}, {&f.olga, "olga@example.org", ""}} {
		u, err := wf.Store().CreateUser(ctx, store.NewUser{Email: m.email})
		if err != nil {
			t.Fatal(err)
		}
		*m.actor = workflow.Actor{User: u}
		if m.role != "" {
			if err := wf.Store().SetMember(ctx, p.ID, u.ID, m.role); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func (f *answersFixture) start(t *testing.T) *assessments.Assessment {
	t.Helper()
	a, err := f.wf.StartAssessment(t.Context(), f.alice, f.project.ID, "llm-finetuning")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// setStatus moves an assessment to status as the review steps would.
func (f *answersFixture) setStatus(t *testing.T, a *assessments.Assessment, status assessments.Status) *assessments.Assessment {
	t.Helper()
	saved, err := f.wf.Store().ApplyChange(t.Context(), a.ID, a.Revision, f.alice.User.ID, assessments.Change{Status: status}, "status "+string(status))
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

func TestStartAssessment(t *testing.T) {
	f := newAnswersFixture(t)
	ctx := t.Context()
	var invalid *workflow.ValidationError
	for _, key := range []string{"", "no-such-questionnaire", "a\x00b"} {
		if _, err := f.wf.StartAssessment(ctx, f.alice, f.project.ID, key); !errors.As(err, &invalid) || invalid.Fields["questionnaire"] == "" {
			t.Errorf("questionnaire %q: %v, want a ValidationError on questionnaire", key, err)
		}
	}
	if _, err := f.wf.StartAssessment(ctx, f.olga, f.project.ID, "llm-finetuning"); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.StartAssessment(ctx, f.vic, f.project.ID, "llm-finetuning"); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	a := f.start(t)
	// The questions that ask what the project records start from the project.
	want := map[string]any{assessments.QPurpose: "Answer support tickets", assessments.QPersonalData: "yes",
		assessments.QSpecialCategories: "yes", assessments.QRecordCount: float64(1000)}
	for k, v := range want {
		if got := a.Answers()[k]; got != v {
			t.Errorf("prefilled %s = %v, want %v", k, got, v)
		}
	}
	var conflict *workflow.ConflictError
	if _, err := f.wf.StartAssessment(ctx, f.alice, f.project.ID, "llm-finetuning"); !errors.As(err, &conflict) {
		t.Errorf("second open cycle: %v, want a ConflictError", err)
	}
}

func TestSaveAnswers(t *testing.T) {
	f := newAnswersFixture(t)
	ctx := t.Context()
	a := f.start(t)
	rev := a.Revision
	form := func(kv ...string) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = workflow.FormValues{kv[i+1]}
		}
		return out
	}

	// Validation: a value the question does not take, an unknown question (API), NUL.
	var invalid *workflow.ValidationError
	if _, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "differential_privacy", form("uses_dp", "maybe")); !errors.As(err, &invalid) || invalid.Fields["uses_dp"] == "" {
		t.Errorf("bad choice: %v, want a ValidationError on uses_dp", err)
	}
	if _, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "", map[string]any{"nope": "x"}); !errors.As(err, &invalid) || invalid.Fields["answers.nope"] == "" {
		t.Errorf("unknown question: %v, want a ValidationError on answers.nope", err)
	}
	if _, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "", map[string]any{assessments.QPurpose: "a\x00b"}); !errors.As(err, &invalid) {
		t.Errorf("NUL in an answer: %v, want a ValidationError", err)
	}
	if _, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "no-such-section", form()); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("unknown section: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.SaveAnswers(ctx, f.olga, a.ID, rev, "", map[string]any{"uses_dp": "yes"}); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.SaveAnswers(ctx, f.vic, a.ID, rev, "", map[string]any{"uses_dp": "yes"}); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}

	// Alice and Carol both open the differential privacy section at rev. Carol saves first.
	carolSaved, err := f.wf.SaveAnswers(ctx, f.carol, a.ID, rev, "differential_privacy", form("uses_dp", "yes"))
	if err != nil {
		t.Fatal(err)
	}
	// Alice changed another question of the section: merged, Carol's answer survives.
	merged, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "differential_privacy", form("public_pretraining", "yes"))
	if err != nil {
		t.Fatalf("non-overlapping stale save: %v", err)
	}
	if merged.Answers()["uses_dp"] != "yes" || merged.Answers()["public_pretraining"] != "yes" || merged.Revision != carolSaved.Revision+1 {
		t.Errorf("merge lost an answer: %v at revision %d", merged.Answers(), merged.Revision)
	}
	// Alice, still at rev, answers the question Carol answered, differently: a conflict naming it.
	_, err = f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "differential_privacy", form("uses_dp", "no", "public_pretraining", "yes"))
	var conflict *workflow.ConflictError
	if !errors.As(err, &conflict) || !errors.Is(err, workflow.ErrConflict) || conflict.Current != int64(merged.Revision) || !slices.Equal(conflict.Questions, []string{"uses_dp"}) {
		t.Fatalf("overlapping stale save: %v, want a ConflictError on uses_dp at revision %d", err, merged.Revision)
	}
	// The API does not merge: a stale If-Match is a conflict with the current revision.
	if _, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, rev, "", map[string]any{"uses_dp": "no"}); !errors.As(err, &conflict) || conflict.Current != int64(merged.Revision) {
		t.Errorf("stale API save: %v, want a ConflictError at revision %d", err, merged.Revision)
	}

	// An edit after changes were requested moves the assessment back to draft.
	cr := f.setStatus(t, merged, assessments.ChangesRequested)
	saved, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, cr.Revision, "", map[string]any{"uses_dp": "no"})
	if err != nil {
		t.Fatal(err)
	}
	if saved.Status != assessments.Draft {
		t.Errorf("status after an edit of changes requested: %s, want draft", saved.Status)
	}

	// In review, nothing can be saved: one FrozenError with the current revision.
	inReview := f.setStatus(t, saved, assessments.InReview)
	_, err = f.wf.SaveAnswers(ctx, f.alice, a.ID, inReview.Revision, "", map[string]any{"uses_dp": "yes"})
	var frozen *workflow.FrozenError
	if !errors.As(err, &frozen) || frozen.Current != int64(inReview.Revision) || !strings.Contains(frozen.Reason, "cannot be edited") {
		t.Errorf("save in review: %v, want a FrozenError at revision %d", err, inReview.Revision)
	}
}

func TestRestore(t *testing.T) {
	f := newAnswersFixture(t)
	ctx := t.Context()
	a := f.start(t)
	first := a.Revision
	changed, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, first, "", map[string]any{"uses_dp": "yes"})
	if err != nil {
		t.Fatal(err)
	}
	var invalid *workflow.ValidationError
	for _, n := range []int{0, changed.Revision + 1} {
		if _, err := f.wf.Restore(ctx, f.alice, a.ID, changed.Revision, n); !errors.As(err, &invalid) || invalid.Fields["revision"] == "" {
			t.Errorf("restore %d: %v, want a ValidationError on revision", n, err)
		}
	}
	if _, err := f.wf.Restore(ctx, f.olga, a.ID, changed.Revision, first); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.Restore(ctx, f.vic, a.ID, changed.Revision, first); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	var conflict *workflow.ConflictError
	if _, err := f.wf.Restore(ctx, f.alice, a.ID, first, first); !errors.As(err, &conflict) || conflict.Current != int64(changed.Revision) {
		t.Errorf("stale restore: %v, want a ConflictError at revision %d", err, changed.Revision)
	}
	restored, err := f.wf.Restore(ctx, f.alice, a.ID, changed.Revision, first)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Answers()["uses_dp"] != nil || restored.Revision != changed.Revision+1 {
		t.Errorf("restore of revision %d: uses_dp = %v at revision %d", first, restored.Answers()["uses_dp"], restored.Revision)
	}
	if n := auditCount(t, f.wf, store.AuditAssessmentRestore); n != 1 {
		t.Errorf("%d restore audit entries, want 1", n)
	}
	inReview := f.setStatus(t, restored, assessments.InReview)
	if _, err := f.wf.Restore(ctx, f.alice, a.ID, inReview.Revision, first); !errors.Is(err, workflow.ErrFrozen) {
		t.Errorf("restore in review: %v, want ErrFrozen", err)
	}
}

func TestExportReport(t *testing.T) {
	f := newAnswersFixture(t)
	f.wf = workflow.New(f.wf.Store(), discard(), workflow.Config{KeysDir: t.TempDir()})
	ctx := t.Context()
	a := f.start(t)
	if _, err := f.wf.ExportReport(ctx, f.olga, a.ID, "md", 0); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.ExportReport(ctx, f.vic, a.ID, "docx", 0); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("unknown format: %v, want ErrNotFound", err)
	}
	if _, err := f.wf.ExportReport(ctx, f.vic, a.ID, "md", a.Revision+1); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("unknown revision: %v, want ErrNotFound", err)
	}
	for _, format := range workflow.ReportFormats {
		// A viewer may export: reading is all an export needs.
		file, err := f.wf.ExportReport(ctx, f.vic, a.ID, format, a.Revision)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(file.Body) == 0 || !strings.HasPrefix(file.Name, "piaf-support-bot-cycle1-rev1") {
			t.Errorf("%s: %q, %d bytes", format, file.Name, len(file.Body))
		}
	}
	exports, err := f.wf.Store().Exports(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(exports) != len(workflow.ReportFormats) || exports[0].UserEmail != "vic@example.org" {
		t.Errorf("%d exports recorded, want %d by vic", len(exports), len(workflow.ReportFormats))
	}
	if n := auditCount(t, f.wf, store.AuditReportExport); n != len(workflow.ReportFormats) {
		t.Errorf("%d export audit entries, want %d", n, len(workflow.ReportFormats))
	}
}

// A contradiction between the project and an answer blocks submission, and the message names it.
func TestContradictionBlocksSubmission(t *testing.T) {
	f := newAnswersFixture(t)
	ctx := t.Context()
	a := f.start(t)
	def, err := f.wf.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		t.Fatal(err)
	}
	problems := func(a *assessments.Assessment) string {
		t.Helper()
		p, err := f.wf.SubmitProblems(ctx, def, a)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(p, "\n")
	}
	if p := problems(a); strings.Contains(p, "contradicts the project") {
		t.Errorf("prefilled answers contradict the project: %s", p)
	}
	no, err := f.wf.SaveAnswers(ctx, f.alice, a.ID, a.Revision, "", map[string]any{assessments.QSpecialCategories: "no"})
	if err != nil {
		t.Fatal(err)
	}
	if p := problems(no); !strings.Contains(p, "contradicts the project") || !strings.Contains(p, "special categories") {
		t.Errorf("submit problems lack the contradiction: %s", p)
	}
	facts, err := f.wf.Facts(ctx, no, def, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.Contradictions) != 1 || facts.Contradictions[0].Question != assessments.QSpecialCategories {
		t.Errorf("contradictions: %+v", facts.Contradictions)
	}
}

func TestSetNextReview(t *testing.T) {
	f := newAnswersFixture(t)
	ctx := t.Context()
	a := f.start(t)
	var frozen *workflow.FrozenError
	if _, err := f.wf.SetNextReview(ctx, f.alice, a.ID, "2099-01-01"); !errors.As(err, &frozen) {
		t.Errorf("draft: %v, want a FrozenError", err)
	}
	if _, err := f.wf.SetNextReview(ctx, f.carol, a.ID, "2099-01-01"); !errors.Is(err, workflow.ErrForbidden) {
		t.Errorf("assessor: %v, want ErrForbidden", err)
	}
	if _, err := f.wf.SetNextReview(ctx, f.olga, a.ID, "2099-01-01"); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
}

func auditCount(t *testing.T, wf *workflow.Service, action string) int {
	t.Helper()
	_, n, err := wf.Store().AuditEntries(context.Background(), store.AuditQuery{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
