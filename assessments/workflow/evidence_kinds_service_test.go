package workflow

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/leak"
	"github.com/piaf-dev/piaf/assessments/pii"
)

// failReader fails the test if anything reads it: rights come before the body.
type failReader struct{ t *testing.T }

func (f failReader) Read([]byte) (int, error) {
	f.t.Error("the body was read before rights were checked")
	return 0, errors.New("read")
}

func (f evidenceFixture) rule(t *testing.T, key string) bool {
	t.Helper()
	a, err := f.wf.Store().Assessment(t.Context(), f.assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	g := a.State.Findings["rule:"+key]
	return g != nil && !g.ResolvedByAnswers
}

func params(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAttachPIISampleRightsFirst(t *testing.T) {
	f := newEvidenceFixture(t)
	ctx := t.Context()
	sample := PIISample{Stage: StageAfter, Options: pii.Options{Format: "text"}}
	if _, _, err := f.wf.AttachPIISample(ctx, f.outside, f.assessment.ID, sample, failReader{t}); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider: %v", err)
	}
	if _, _, err := f.wf.AttachPIISample(ctx, f.viewer, f.assessment.ID, sample, failReader{t}); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer: %v", err)
	}
	e, sum, err := f.wf.AttachPIISample(ctx, f.owner, f.assessment.ID, sample, strings.NewReader("mail ada@example.com\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Label != "after" || e.Figures["after_EMAIL_ADDRESS"] != 1 || sum.Records != 1 || e.AddedByName != "olga" {
		t.Errorf("record %+v", e)
	}
}

func TestComputeEvidenceLeakKindsFireTheirRules(t *testing.T) {
	f := newEvidenceFixture(t)
	ctx := t.Context()
	// 10 members scoring above 10 non-members: AUC 1 over the 0.6 limit, and too few examples
	// to be credible.
	mia := MIATest{Design: leak.MIADesign{Attack: leak.AttackLossThreshold}, Scores: scores(10, 10, 1, 0)}
	e, err := f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "mia", Params: params(t, mia)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Figures["auc"] != 1 || len(e.NotCredible) == 0 {
		t.Errorf("mia record %+v", e)
	}
	for _, r := range []string{"mia-evidence-above-policy", "mia-evidence-not-credible"} {
		if !f.rule(t, r) {
			t.Errorf("%s did not fire", r)
		}
	}
	set := leak.CanarySet{InsertedCopies: 1, Canaries: []leak.Canary{{ID: "c1", Loss: 0}}, References: []float64{1, 2, 3, 4}}
	if _, err := f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "canary", Params: params(t, set)}); err != nil {
		t.Fatal(err)
	}
	if !f.rule(t, "canary-evidence-near-maximum") {
		t.Error("a canary at the maximum exposure raised nothing")
	}
	x := leak.Extraction{Prompts: 10, Generations: 10, Decoding: leak.Decoding{Strategy: "greedy"}, MatchingRule: "exact", PIIEmitted: 2}
	if _, err := f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "extraction", Params: params(t, x)}); err != nil {
		t.Fatal(err)
	}
	if !f.rule(t, "extraction-evidence-pii-emitted") {
		t.Error("personal data emitted raised nothing")
	}
	// Strict params: a field the kind does not know is refused.
	_, err = f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "canary", Params: json.RawMessage(`{"canaries":[],"copies":3}`)})
	var v *ValidationError
	if !errors.As(err, &v) {
		t.Errorf("unknown field: %v", err)
	}
}

func TestComputeEvidencePIISummary(t *testing.T) {
	f := newEvidenceFixture(t)
	ctx := t.Context()
	withText := PIISummaryParams{Stage: "after", Format: "presidio", Summary: json.RawMessage(`[{"entity_type":"PERSON","start":0,"end":3,"score":0.85,"text":"Ada"}]`)}
	_, err := f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "pii", Params: params(t, withText)})
	var v *ValidationError
	if !errors.As(err, &v) || !strings.Contains(v.Fields["summary"], "raw text") {
		t.Fatalf("presidio results with text: %v", err)
	}
	counts := PIISummaryParams{Stage: "after", Format: "presidio", Summary: json.RawMessage(`[[{"entity_type":"PERSON","start":0,"end":3,"score":0.85}],[]]`)}
	e, err := f.wf.ComputeEvidence(ctx, f.owner, f.assessment.ID, EvidenceRequest{Kind: "pii", Params: params(t, counts)})
	if err != nil {
		t.Fatal(err)
	}
	if e.Label != "after" || e.Figures["after_records_with_pii"] != 1 || e.Tool != "presidio" || e.Source != "pipeline" {
		t.Errorf("record %+v", e)
	}
}
