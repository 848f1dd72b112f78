package workflow

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/manifest"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// gateWorld is a real database with an owner, an assessor and a project.
type gateWorld struct {
	t        *testing.T
	ctx      context.Context
	st       *store.Store
	svc      *Service
	owner    *assessments.User
	assessor *assessments.User
	project  *assessments.Project
	def      *questionnaire.Definition
	now      time.Time
}

func newGateWorld(t *testing.T) *gateWorld {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	w := &gateWorld{t: t, ctx: ctx, st: st, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	w.svc = New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{BaseURL: "https://piaf.example"})
	w.svc.SetClock(func() time.Time { return w.now })
	st.SetClock(func() time.Time { return w.now })
	var err error
	if w.owner, err = st.CreateUser(ctx, store.NewUser{Email: "owner@example.com", Name: "Olive Owner"}); err != nil {
		t.Fatal(err)
	}
	if w.assessor, err = st.CreateUser(ctx, store.NewUser{Email: "assessor@example.com", Name: "Ada Assessor"}); err != nil {
		t.Fatal(err)
	}
	if w.project, err = st.CreateProject(ctx, w.owner.ID, assessments.ProjectFields{Name: "Support bot", BaseModel: "llama"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, w.project.ID, w.assessor.ID, assessments.RoleAssessor); err != nil {
		t.Fatal(err)
	}
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	w.def = defs[0]
	if _, err := st.EnsureQuestionnaire(ctx, w.def.Key, w.def.Version, w.def.Title, w.def.Source()); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *gateWorld) ownerActor() Actor { return Actor{User: w.owner} }

// state is an empty state of the built-in questionnaire.
func (w *gateWorld) state() assessments.State {
	return assessments.State{Questionnaire: w.def.Key, QuestionnaireVersion: w.def.Version}.Apply(assessments.Change{})
}

func (w *gateWorld) addEvidence(s assessments.State, in assessments.EvidenceInput) assessments.State {
	w.t.Helper()
	in.Cycle, in.AddedBy, in.AddedByName, in.AddedAt = 1, w.assessor.ID, w.assessor.Name, w.now
	if in.Source == "" {
		in.Source = assessments.SourceComputed
	}
	next, _, err := assessments.AddEvidence(s, w.def, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return next
}

func (w *gateWorld) withManifest(s assessments.State, m manifest.Manifest) assessments.State {
	w.t.Helper()
	in, err := w.svc.ManifestEvidence(w.ctx, m)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.addEvidence(s, in)
}

// approve stores the state as the project's next cycle and approves it, due for review on next.
func (w *gateWorld) approve(s assessments.State, next string) *assessments.Assessment {
	w.t.Helper()
	a, err := w.st.CreateAssessment(w.ctx, store.NewAssessment{ProjectID: w.project.ID, State: s, Author: w.assessor.ID, Summary: "start"})
	if err != nil {
		w.t.Fatal(err)
	}
	a, err = w.st.Decide(w.ctx, store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: w.owner.ID, UserEmail: w.owner.Email,
		Kind: assessments.ReviewApprove, Status: assessments.Approved, Summary: "approved", NextReview: next})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

func (w *gateWorld) gate(who Actor, in GateInput) *GateVerdict {
	w.t.Helper()
	v, err := w.svc.Gate(w.ctx, who, w.project.ID, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

func codes(v *GateVerdict) []string {
	var out []string
	for _, r := range v.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func sum(c byte) string { return strings.Repeat(string(c), 64) }

func run(entries ...manifest.Entry) manifest.Manifest {
	return manifest.Manifest{Version: manifest.Version, Entries: entries}
}

func TestGateAllowsACurrentCleanApproval(t *testing.T) {
	w := newGateWorld(t)
	a := w.approve(w.state(), "2026-12-01")
	v := w.gate(w.ownerActor(), GateInput{})
	if !v.Allowed || len(v.Reasons) != 0 {
		t.Fatalf("want allowed without reasons, got %v %v", v.Allowed, v.Reasons)
	}
	if v.Assessment.ID != a.ID || v.ApprovedRevision != a.Revision || v.StateHash != a.StateHash || v.NextReviewAt != "2026-12-01" {
		t.Errorf("verdict names %+v, want assessment %d revision %d hash %s", v, a.ID, a.Revision, a.StateHash)
	}
	if want := "https://piaf.example/assessments/" + itoa(a.ID) + "/report.pdf"; v.ReportURL != want {
		t.Errorf("report %q, want %q", v.ReportURL, want)
	}
	checks, total, err := w.st.GateChecks(w.ctx, w.project.ID, 10, 0)
	if err != nil || total != 1 || !checks[0].Allowed || checks[0].AssessmentID != a.ID || checks[0].UserName != "Olive Owner" {
		t.Fatalf("recorded %+v (total %d, err %v)", checks, total, err)
	}
}

func TestGateRefusalReasons(t *testing.T) {
	high := &assessments.Finding{ID: "f1", Title: "Names in the training data", Category: "data", Likelihood: 3, Severity: 3, Status: assessments.FindingOpen}
	accepted := &assessments.Finding{ID: "f2", Title: "Accepted risk", Category: "data", Likelihood: 4, Severity: 4, Status: assessments.FindingAccepted,
		Acceptance: &assessments.Acceptance{By: 1, Justification: "ok", Expires: "2026-09-01"}}
	expired := &assessments.Finding{ID: "f3", Title: "Acceptance ran out", Category: "data", Likelihood: 4, Severity: 4, Status: assessments.FindingAccepted,
		Acceptance: &assessments.Acceptance{By: 1, Justification: "ok", Expires: "2026-05-01"}}
	low := &assessments.Finding{ID: "f4", Title: "Minor", Category: "data", Likelihood: 1, Severity: 2, Status: assessments.FindingOpen}
	withFindings := func(w *gateWorld, fs ...*assessments.Finding) assessments.State {
		s := w.state()
		for _, f := range fs {
			s.Findings[f.ID] = f
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		setup   func(w *gateWorld)
		want    []string
		mention string
	}{
		{"no approved assessment", func(w *gateWorld) {}, []string{GateNoApproval}, "no approved"},
		{"a draft is not an approval", func(w *gateWorld) {
			if _, err := w.st.CreateAssessment(w.ctx, store.NewAssessment{ProjectID: w.project.ID, State: w.state(), Author: w.assessor.ID}); err != nil {
				t.Fatal(err)
			}
		}, []string{GateNoApproval}, ""},
		{"review date passed", func(w *gateWorld) { w.approve(w.state(), "2026-05-31") }, []string{GateReviewOverdue}, "2026-05-31"},
		{"due today is not overdue", func(w *gateWorld) { w.approve(w.state(), "2026-06-01") }, nil, ""},
		{"project changed", func(w *gateWorld) {
			w.approve(w.state(), "2026-12-01")
			if _, err := w.st.RequireReassessment(w.ctx, w.project.ID, "The project's base model changed"); err != nil {
				t.Fatal(err)
			}
		}, []string{GateReassessment}, "base model changed"},
		{"open high residual risk", func(w *gateWorld) { w.approve(withFindings(w, high, accepted, low), "2026-12-01") },
			[]string{GateOpenHighRisk}, "Names in the training data"},
		{"expired acceptance counts as open", func(w *gateWorld) { w.approve(withFindings(w, accepted, expired), "2026-12-01") },
			[]string{GateOpenHighRisk}, "Acceptance ran out"},
		{"epsilon beyond policy", func(w *gateWorld) {
			w.approve(w.addEvidence(w.state(), assessments.EvidenceInput{Kind: figures.DP, Figures: map[string]float64{"epsilon": 12, "delta_times_n": 0.1}}), "2026-12-01")
		}, []string{GateEvidenceBeyond}, "12"},
		{"epsilon within policy", func(w *gateWorld) {
			w.approve(w.addEvidence(w.state(), assessments.EvidenceInput{Kind: figures.DP, Figures: map[string]float64{"epsilon": 8, "delta_times_n": 1}}), "2026-12-01")
		}, nil, ""},
		{"membership inference beyond policy", func(w *gateWorld) {
			w.approve(w.addEvidence(w.state(), assessments.EvidenceInput{Kind: figures.MIA, Figures: map[string]float64{"auc": 0.55, "tpr_at_fpr_0_1pct": 0.02}}), "2026-12-01")
		}, []string{GateEvidenceBeyond}, "0.1 %"},
		{"canary too close to its maximum", func(w *gateWorld) {
			w.approve(w.addEvidence(w.state(), assessments.EvidenceInput{Kind: figures.Canary, Figures: map[string]float64{"exposure_margin": 1.5}}), "2026-12-01")
		}, []string{GateEvidenceBeyond}, "1.5 bits"},
		{"the latest evidence counts", func(w *gateWorld) {
			s := w.addEvidence(w.state(), assessments.EvidenceInput{Kind: figures.DP, Figures: map[string]float64{"epsilon": 20}})
			w.approve(w.addEvidence(s, assessments.EvidenceInput{Kind: figures.DP, Figures: map[string]float64{"epsilon": 3}}), "2026-12-01")
		}, nil, ""},
		{"every reason at once", func(w *gateWorld) {
			s := w.addEvidence(withFindings(w, high), assessments.EvidenceInput{Kind: figures.DP, Figures: map[string]float64{"epsilon": 30}})
			w.approve(s, "2026-01-01")
			if _, err := w.st.RequireReassessment(w.ctx, w.project.ID, "changed"); err != nil {
				t.Fatal(err)
			}
		}, []string{GateReviewOverdue, GateReassessment, GateOpenHighRisk, GateEvidenceBeyond}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newGateWorld(t)
			tc.setup(w)
			v := w.gate(w.ownerActor(), GateInput{})
			if got := codes(v); !slices.Equal(got, tc.want) {
				t.Fatalf("reasons %v, want %v (%v)", got, tc.want, v.Reasons)
			}
			if v.Allowed != (len(tc.want) == 0) {
				t.Errorf("allowed = %v with reasons %v", v.Allowed, v.Reasons)
			}
			if tc.mention != "" && !strings.Contains(v.Reasons[0].Message, tc.mention) {
				t.Errorf("message %q does not mention %q", v.Reasons[0].Message, tc.mention)
			}
			checks, _, err := w.st.GateChecks(w.ctx, w.project.ID, 10, 0)
			if err != nil || len(checks) != 1 || checks[0].Allowed != v.Allowed || len(checks[0].Reasons) != len(v.Reasons) {
				t.Fatalf("recorded %+v, err %v", checks, err)
			}
		})
	}
}

func TestGateManifestCoverage(t *testing.T) {
	train := manifest.Entry{Role: manifest.RoleData, Path: "data/train.jsonl", Size: 10, SHA256: sum('a')}
	model := manifest.Entry{Role: manifest.RoleModel, Ref: "meta-llama/Llama-3.1-8B@main"}
	config := manifest.Entry{Role: manifest.RoleConfig, Path: "train.yaml", Size: 3, SHA256: sum('c')}
	approved := run(train, model, config)

	t.Run("covered, wherever the files lie", func(t *testing.T) {
		w := newGateWorld(t)
		w.approve(w.withManifest(w.state(), approved), "2026-12-01")
		moved := train
		moved.Path = "elsewhere/train.jsonl"
		m := run(moved, model)
		v := w.gate(w.ownerActor(), GateInput{Manifest: &m})
		if !v.Allowed || v.ManifestDigest != m.Digest() {
			t.Fatalf("want allowed for %s, got %v", m.Digest(), v.Reasons)
		}
		// A kept manifest may be named by its digest alone.
		v = w.gate(w.ownerActor(), GateInput{Digest: approved.Digest()})
		if !v.Allowed {
			t.Fatalf("the approved manifest's digest: %v", v.Reasons)
		}
	})

	t.Run("new data refuses and reopens the assessment", func(t *testing.T) {
		w := newGateWorld(t)
		a := w.approve(w.withManifest(w.state(), approved), "2026-12-01")
		hook, err := w.st.CreateWebhook(w.ctx, w.project.ID, "https://hooks.example/piaf", w.owner.ID)
		if err != nil {
			t.Fatal(err)
		}
		extra := manifest.Entry{Role: manifest.RoleData, Path: "data/scraped.jsonl", Size: 99, SHA256: sum('e')}
		m := run(train, extra, model)
		tok, _, err := w.st.CreatePipelineToken(w.ctx, w.owner.ID, w.project.ID, "GitHub Actions", w.now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		v := w.gate(Actor{User: w.owner, Token: tok}, GateInput{Manifest: &m})
		if got := codes(v); !slices.Equal(got, []string{GateManifestUncovered}) {
			t.Fatalf("reasons %v", v.Reasons)
		}
		if len(v.NewFiles) != 1 || v.NewFiles[0].Path != "data/scraped.jsonl" || !strings.Contains(v.Reasons[0].Message, "data/scraped.jsonl") {
			t.Fatalf("new files %+v, message %q", v.NewFiles, v.Reasons[0].Message)
		}
		after, err := w.st.Assessment(w.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(after.ReassessmentReason, "data/scraped.jsonl") || !strings.Contains(after.ReassessmentReason, `"GitHub Actions"`) {
			t.Errorf("re-assessment reason %q should name the new file and the token", after.ReassessmentReason)
		}
		notes, err := w.st.Notifications(w.ctx, w.owner.ID, 10)
		if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Title, "Re-assessment required") {
			t.Errorf("owner's notifications: %+v (err %v)", notes, err)
		}
		pending, err := w.st.OutboxItems(w.ctx, "pending")
		if err != nil {
			t.Fatal(err)
		}
		var refused *store.OutboxItem
		for _, it := range pending {
			if it.Kind == "gate.refused" && it.WebhookID == hook.ID {
				refused = it
			}
		}
		if refused == nil || !strings.Contains(refused.Payload, GateManifestUncovered) || !strings.Contains(refused.Payload, m.Digest()) {
			t.Fatalf("want a gate.refused webhook item naming the reason and digest, got %+v", pending)
		}
		checks, _, err := w.st.GateChecks(w.ctx, w.project.ID, 10, 0)
		if err != nil || checks[0].TokenID != tok.ID || checks[0].TokenName != "GitHub Actions" || checks[0].ManifestDigest != m.Digest() {
			t.Fatalf("recorded %+v (err %v)", checks[0], err)
		}
		// The next check is refused for re-assessment too.
		v = w.gate(w.ownerActor(), GateInput{})
		if got := codes(v); !slices.Equal(got, []string{GateReassessment}) {
			t.Errorf("after the refusal: %v", v.Reasons)
		}
	})

	t.Run("a new config refuses without reopening", func(t *testing.T) {
		w := newGateWorld(t)
		a := w.approve(w.withManifest(w.state(), approved), "2026-12-01")
		cfg := config
		cfg.SHA256 = sum('d')
		m := run(train, cfg)
		v := w.gate(w.ownerActor(), GateInput{Manifest: &m})
		if got := codes(v); !slices.Equal(got, []string{GateManifestUncovered}) {
			t.Fatalf("reasons %v", v.Reasons)
		}
		after, _ := w.st.Assessment(w.ctx, a.ID)
		if after.ReassessmentReason != "" {
			t.Errorf("a config change reopened the assessment: %q", after.ReassessmentReason)
		}
	})

	t.Run("no manifest attached covers nothing", func(t *testing.T) {
		w := newGateWorld(t)
		w.approve(w.state(), "2026-12-01")
		m := run(train)
		if got := codes(w.gate(w.ownerActor(), GateInput{Manifest: &m})); !slices.Equal(got, []string{GateManifestUncovered}) {
			t.Fatalf("reasons %v", got)
		}
		// The refusal above marked the project; an unknown digest is refused besides.
		if got := codes(w.gate(w.ownerActor(), GateInput{Digest: "sha256:" + sum('f')})); !slices.Equal(got, []string{GateReassessment, GateManifestUncovered}) {
			t.Fatalf("unknown digest: reasons %v", got)
		}
	})

	t.Run("a malformed digest is a validation error", func(t *testing.T) {
		w := newGateWorld(t)
		_, err := w.svc.Gate(w.ctx, w.ownerActor(), w.project.ID, GateInput{Digest: "md5:abc"})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields["manifest"] == "" {
			t.Fatalf("want a validation error on manifest, got %v", err)
		}
	})
}

func TestGateAccess(t *testing.T) {
	w := newGateWorld(t)
	stranger, err := w.st.CreateUser(w.ctx, store.NewUser{Email: "x@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Gate(w.ctx, Actor{User: stranger}, w.project.ID, GateInput{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a non-member: %v, want not found", err)
	}
	other, err := w.st.CreateProject(w.ctx, w.owner.ID, assessments.ProjectFields{Name: "Other"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := w.st.CreatePipelineToken(w.ctx, w.owner.ID, other.ID, "ci", w.now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Gate(w.ctx, Actor{User: w.owner, Token: tok}, w.project.ID, GateInput{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("another project's pipeline token: %v, want not found", err)
	}
	if _, err := w.svc.Gate(w.ctx, Actor{User: w.owner, Token: tok}, other.ID, GateInput{}); err != nil {
		t.Errorf("its own project: %v", err)
	}
}

func TestPipelineTokens(t *testing.T) {
	w := newGateWorld(t)
	owner := w.ownerActor()
	if _, _, err := w.svc.CreatePipelineToken(w.ctx, Actor{User: w.assessor}, w.project.ID, PipelineTokenInput{Name: "ci"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("an assessor made a token: %v", err)
	}
	for _, in := range []PipelineTokenInput{{Name: ""}, {Name: "ci", Days: 400}, {Name: "a\nb"}, {Name: strings.Repeat("x", 101)}} {
		var ve *ValidationError
		if _, _, err := w.svc.CreatePipelineToken(w.ctx, owner, w.project.ID, in); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want a validation error", in, err)
		}
	}
	tok, secret, err := w.svc.CreatePipelineToken(w.ctx, owner, w.project.ID, PipelineTokenInput{Name: "GitLab CI"})
	if err != nil {
		t.Fatal(err)
	}
	if want := w.now.Add(90 * 24 * time.Hour); !tok.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v (90 days)", tok.ExpiresAt, want)
	}
	got, u, err := w.st.TokenForSecret(w.ctx, secret)
	if err != nil || got.Scope != store.ScopePipeline || got.ProjectID != w.project.ID || u.ID != w.owner.ID {
		t.Fatalf("token for secret: %+v %v %v", got, u, err)
	}
	// A pipeline token cannot make or revoke tokens, even its owner's.
	if _, _, err := w.svc.CreatePipelineToken(w.ctx, Actor{User: w.owner, Token: got}, w.project.ID, PipelineTokenInput{Name: "x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a token made a token: %v", err)
	}
	// Personal tokens are not listed with the project's, nor pipeline ones with the user's.
	if _, _, err := w.st.CreateAPIToken(w.ctx, w.owner.ID, "laptop"); err != nil {
		t.Fatal(err)
	}
	list, err := w.svc.PipelineTokens(w.ctx, owner, w.project.ID)
	if err != nil || len(list) != 1 || list[0].Name != "GitLab CI" || list[0].UserName != "Olive Owner" {
		t.Fatalf("pipeline tokens %+v, err %v", list, err)
	}
	personal, err := w.st.APITokens(w.ctx, w.owner.ID)
	if err != nil || len(personal) != 1 || personal[0].Name != "laptop" {
		t.Fatalf("personal tokens %+v", personal)
	}
	// Expiry.
	w.now = w.now.Add(90*24*time.Hour - time.Second)
	if _, _, err := w.st.TokenForSecret(w.ctx, secret); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	w.now = w.now.Add(time.Second)
	if _, _, err := w.st.TokenForSecret(w.ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("at expiry: %v, want not found", err)
	}
	// Revocation, audited with creation.
	if err := w.svc.RevokePipelineToken(w.ctx, owner, w.project.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.RevokePipelineToken(w.ctx, owner, w.project.ID, tok.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked twice: %v", err)
	}
	entries, _, err := w.st.AuditEntries(w.ctx, store.AuditQuery{Action: "token"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"token.pipeline_revoked", "token.pipeline_created"}) {
		t.Errorf("audit %v", actions)
	}
}

func TestGateChecksArePaged(t *testing.T) {
	w := newGateWorld(t)
	for range 3 {
		w.gate(w.ownerActor(), GateInput{})
	}
	page, total, err := w.svc.GateChecks(w.ctx, w.ownerActor(), w.project.ID, 2, 2)
	if err != nil || total != 3 || len(page) != 1 {
		t.Fatalf("page 2 of 2: %d items of %d (err %v)", len(page), total, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
