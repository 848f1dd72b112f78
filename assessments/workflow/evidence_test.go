package workflow

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/dp"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

const epsilonRule = "rule:dp-evidence-epsilon-above-policy"

type evidenceFixture struct {
	wf                     *Service
	owner, viewer, outside Actor
	admin                  Actor
	assessment             *assessments.Assessment
}

// newEvidenceFixture is a service on a fresh database with a project (owner, viewer), an
// outsider, an admin and a draft assessment on the built-in questionnaire.
func newEvidenceFixture(t *testing.T) evidenceFixture {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var def *questionnaire.Definition
	for _, d := range defs {
		if _, err := st.EnsureQuestionnaire(ctx, d.Key, d.Version, d.Title, d.Source()); err != nil {
			t.Fatal(err)
		}
		if _, ok := d.Question("epsilon"); ok {
			def = d
		}
	}
	user := func(email string, admin bool) *assessments.User {
		u, err := st.CreateUser(ctx, store.NewUser{Email: email, Name: strings.Split(email, "@")[0], IsAdmin: admin})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f := evidenceFixture{wf: New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{})}
	f.owner, f.viewer, f.outside, f.admin = Actor{User: user("olga@example.org", false)}, Actor{User: user("vic@example.org", false)},
		Actor{User: user("otto@example.org", false)}, Actor{User: user("ada@example.org", true)}
	p, err := st.CreateProject(ctx, f.owner.User.ID, assessments.ProjectFields{Name: "Support bot"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, p.ID, f.viewer.User.ID, assessments.RoleViewer); err != nil {
		t.Fatal(err)
	}
	f.assessment, err = st.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, Author: f.owner.User.ID, Summary: "start",
		State: assessments.Reconcile(def, assessments.State{Questionnaire: def.Key, QuestionnaireVersion: def.Version})})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func dpRequest(sigma float64) EvidenceRequest {
	// pytorch/opacus, opacus/tests/accountants_test.py, test_rdp_accountant: sample rate 0.04,
	// noise 1.5, 2250 steps, delta 1e-5 give epsilon 7.32911117143 over Opacus's orders.
	params, _ := json.Marshal(map[string]any{"q": 0.04, "sigma": sigma, "steps": 2250, "delta": 1e-5, "orders": dp.OpacusOrders})
	return EvidenceRequest{Kind: "dp", Params: params}
}

// A DP record is computed from its parameters, fires the policy rule when epsilon is above the
// limit and resolves it when newer parameters bring epsilon under; the policy is applied at once.
func TestComputeEvidenceDP(t *testing.T) {
	f := newEvidenceFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	e, err := f.wf.ComputeEvidence(ctx, f.owner, id, dpRequest(1.5))
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "" || e.Source != assessments.SourceComputed || !strings.HasPrefix(e.Tool, "piaf/") || e.Cycle != 1 || e.AddedByName != "olga" {
		t.Fatalf("record %+v", e)
	}
	if got := e.Figures["epsilon"]; math.Abs(got-7.32911117143) > 1e-7 {
		t.Errorf("epsilon %v, want 7.32911117143 (Opacus test_rdp_accountant)", got)
	}
	if _, ok := e.Figures["epsilon_pld"]; !ok {
		t.Error("no PLD epsilon for 2250 steps")
	}
	finding := func() *assessments.Finding {
		a, err := f.wf.Store().Assessment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.State.Findings[epsilonRule]
	}
	if finding() != nil {
		t.Fatal("epsilon 7.33 raised the rule at the default limit 8")
	}
	// Less noise: epsilon above 8.
	if _, err := f.wf.ComputeEvidence(ctx, f.owner, id, dpRequest(1.3)); err != nil {
		t.Fatal(err)
	}
	if g := finding(); g == nil || g.ResolvedByAnswers {
		t.Fatalf("epsilon above 8: finding %+v", g)
	}
	// A looser policy resolves it on the open assessment, with a revision.
	p := assessments.DefaultPolicy()
	p.MaxEpsilon = 20
	if err := f.wf.SetPolicy(ctx, f.owner, p); !errors.Is(err, ErrForbidden) {
		t.Errorf("non-admin set the policy: %v", err)
	}
	if err := f.wf.SetPolicy(ctx, f.admin, p); err != nil {
		t.Fatal(err)
	}
	if g := finding(); g != nil {
		t.Fatalf("policy 20: finding still there %+v", g)
	}
	a, _ := f.wf.Store().Assessment(ctx, id)
	revs, _ := f.wf.Store().Revisions(ctx, id, a.Revision-1)
	if len(revs) != 1 || !strings.HasPrefix(revs[0].Summary, "Policy changed: max_epsilon 8 → 20") {
		t.Errorf("last revision %+v", revs)
	}
	if got, _ := f.wf.Policy(ctx); got.MaxEpsilon != 20 {
		t.Errorf("stored policy %+v", got)
	}
	p.MaxEpsilon = -1
	var invalid *ValidationError
	if err := f.wf.SetPolicy(ctx, f.admin, p); !errors.As(err, &invalid) || invalid.Fields["max_epsilon"] == "" {
		t.Errorf("negative limit: %v", err)
	}
	// Back to 8: the newer, noisier record counts; the finding comes back, then more noise resolves it.
	p.MaxEpsilon = 8
	if err := f.wf.SetPolicy(ctx, f.admin, p); err != nil {
		t.Fatal(err)
	}
	if finding() == nil {
		t.Fatal("policy 8 again: no finding")
	}
	if _, err := f.wf.ComputeEvidence(ctx, f.owner, id, dpRequest(1.5)); err != nil {
		t.Fatal(err)
	}
	if g := finding(); g != nil && !g.ResolvedByAnswers {
		t.Fatalf("epsilon back under 8: finding %+v", g)
	}
	list, err := f.wf.ListEvidence(ctx, f.viewer, id)
	if err != nil || len(list) != 3 || list[0].ID != e.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	if err := f.wf.RemoveEvidence(ctx, f.owner, id, list[2].ID); err != nil {
		t.Fatal(err)
	}
	if finding() == nil {
		t.Error("removing the newest record did not bring back the finding of the one before")
	}
	if err := f.wf.RemoveEvidence(ctx, f.owner, id, "E999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown record: %v", err)
	}
}

// Rights, frozen states and input checks answer with typed errors.
func TestEvidenceRefusals(t *testing.T) {
	f := newEvidenceFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	if _, err := f.wf.ComputeEvidence(ctx, f.outside, id, dpRequest(1.5)); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider: %v", err)
	}
	if _, err := f.wf.ListEvidence(ctx, f.outside, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider list: %v", err)
	}
	if _, err := f.wf.ComputeEvidence(ctx, f.viewer, id, dpRequest(1.5)); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer: %v", err)
	}
	var invalid *ValidationError
	for _, c := range []struct {
		req   EvidenceRequest
		field string
	}{
		{EvidenceRequest{Kind: "hand", Params: json.RawMessage(`{}`)}, "kind"},
		{EvidenceRequest{Kind: "dp", Params: json.RawMessage(`{"q":0.04,"sigma":1,"steps":10,"delta":1e-5,"figures":{"epsilon":1}}`)}, "params"},
		{EvidenceRequest{Kind: "dp", Params: json.RawMessage(`{"q":0.04,"sigma":1,"steps":10,"delta":2}`)}, "params.delta"},
		{EvidenceRequest{Kind: "dp", Params: json.RawMessage(`{"q":0.04,"sigma":1,"steps":10,"delta":1e-5}`), Questions: []string{"nope"}}, "questions"},
	} {
		_, err := f.wf.ComputeEvidence(ctx, f.owner, id, c.req)
		if !errors.As(err, &invalid) || invalid.Fields[c.field] == "" {
			t.Errorf("%s: %v, want a message on %s", c.req.Params, err, c.field)
		}
	}
	a, err := f.wf.Store().Decide(ctx, store.Decision{AssessmentID: id, Base: f.assessment.Revision, UserID: f.owner.User.ID,
		Kind: assessments.ReviewSubmit, Status: assessments.InReview, Summary: "submitted"})
	if err != nil {
		t.Fatal(err)
	}
	var fe *FrozenError
	if _, err := f.wf.ComputeEvidence(ctx, f.owner, a.ID, dpRequest(1.5)); !errors.As(err, &fe) || !errors.Is(err, ErrFrozen) {
		t.Errorf("in review: %v, want FrozenError", err)
	}
}
