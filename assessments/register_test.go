package assessments

import (
	"errors"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

func builtin(t *testing.T) *questionnaire.Definition {
	t.Helper()
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return defs[0]
}

func answered(def *questionnaire.Definition, s State, answers map[string]any) State {
	return Reconcile(def, s.Apply(Change{Answers: answers}))
}

func TestRulesRaiseAndResolveFindings(t *testing.T) {
	def := builtin(t)
	s := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft}
	s = answered(def, s, map[string]any{"personal_data_present": "yes", "uses_dp": "no"})
	const id = "rule:no-dp-personal-data"
	f, ok := s.Findings[id]
	if !ok {
		t.Fatalf("the rule raised no finding; findings: %v", keys(s.Findings))
	}
	if f.Status != FindingOpen || f.Likelihood != 3 || f.Severity != 3 || f.Inputs["uses_dp"] != "no" {
		t.Fatalf("raised finding: %+v", f)
	}

	// Untouched, the finding disappears once the answers no longer raise it.
	s2 := answered(def, s, map[string]any{"uses_dp": "yes"})
	if _, ok := s2.Findings[id]; ok {
		t.Fatal("an untouched finding stayed after its rule stopped firing")
	}

	// Worked on, it is kept and marked resolved by answers, and comes back live when the rule fires again.
	s3, _, err := LinkNewMitigation(s, id, MitigationInput{Title: ptr("Train with DP-SGD")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s4 := answered(def, s3, map[string]any{"uses_dp": "yes"})
	kept, ok := s4.Findings[id]
	if !ok || !kept.ResolvedByAnswers || kept.Live() {
		t.Fatalf("worked-on finding after its rule stopped: %+v", kept)
	}
	s5 := answered(def, s4, map[string]any{"uses_dp": "no"})
	if f := s5.Findings[id]; f.ResolvedByAnswers || !f.Live() || len(f.Mitigations) != 1 {
		t.Fatalf("finding raised again: %+v", f)
	}
}

func TestAcceptance(t *testing.T) {
	def := builtin(t)
	today := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	s := answered(def, State{Status: Draft}, map[string]any{"personal_data_present": "yes", "uses_dp": "no"})
	const id = "rule:no-dp-personal-data"
	good := Acceptance{By: 7, ByEmail: "dpo@example.org", Justification: "Synthetic canaries show no exposure; risk accepted for one cycle.", Expires: "2027-06-01"}
	cases := []struct {
		name  string
		a     Acceptance
		field string
	}{
		{"short justification", Acceptance{Justification: "ok", Expires: "2027-01-01"}, "justification"},
		{"no expiry", Acceptance{Justification: good.Justification}, "expires"},
		{"past expiry", Acceptance{Justification: good.Justification, Expires: "2026-11-29"}, "expires"},
		{"too far", Acceptance{Justification: good.Justification, Expires: "2031-01-01"}, "expires"},
	}
	for _, tc := range cases {
		_, err := Accept(s, id, tc.a, today)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want a %s error", tc.name, err, tc.field)
		}
	}
	accepted, err := Accept(s, id, good, today)
	if err != nil {
		t.Fatal(err)
	}
	if f := accepted.Findings[id]; f.Status != FindingAccepted || f.Acceptance == nil {
		t.Fatalf("accepted: %+v", f)
	}
	if len(Blockers(accepted)) != 0 {
		t.Error("an accepted risk still blocks review")
	}
	// An answer the rule reads changes: the acceptance no longer holds.
	changed := answered(def, accepted, map[string]any{"personal_data_present": "partial"})
	if f := changed.Findings[id]; f.Acceptance != nil || f.Status != FindingOpen {
		t.Fatalf("acceptance survived a change of its inputs: %+v", f)
	}
	// An unrelated answer leaves it alone.
	same := answered(def, accepted, map[string]any{"purpose_description": "Support replies"})
	if f := same.Findings[id]; f.Acceptance == nil {
		t.Fatal("an unrelated answer withdrew the acceptance")
	}
	if _, err := UpdateFinding(accepted, id, FindingUpdate{Status: ptr(FindingAccepted)}, nil); err == nil {
		t.Error("status accepted set without the acceptance form")
	}
}

func TestBlockersAndResidual(t *testing.T) {
	s := State{}
	s, id, err := AddFinding(s, FindingInput{Title: "Logs keep prompts", Category: "access_storage", Likelihood: 3, Severity: 4}, []string{"access_storage"})
	if err != nil {
		t.Fatal(err)
	}
	if b := Blockers(s); len(b) != 1 || b[0].ID != id {
		t.Fatalf("blockers: %v", b)
	}
	if _, err := UpdateFinding(s, id, FindingUpdate{Residual: &Residual{Likelihood: 4, Severity: 4}}, nil); err == nil {
		t.Error("residual above inherent accepted")
	}
	if _, err := UpdateFinding(s, id, FindingUpdate{Residual: &Residual{Likelihood: 2}}, nil); err == nil {
		t.Error("half a residual pair accepted")
	}
	low, err := UpdateFinding(s, id, FindingUpdate{Residual: &Residual{Likelihood: 1, Severity: 2}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(Blockers(low)) != 0 || low.Findings[id].ResidualLevel() != LevelNegligible {
		t.Errorf("a negligible residual still blocks: %v", low.Findings[id].ResidualLevel())
	}
	if _, err := UpdateFinding(s, id, FindingUpdate{Status: ptr(FindingMitigated)}, nil); err == nil {
		t.Error("mitigated without a mitigation")
	}
	linked, mid, err := LinkNewMitigation(s, id, MitigationInput{Title: ptr("Redact prompts in logs"), Owner: ptr(int64(5)), Due: ptr("2027-01-31")}, []int64{5})
	if err != nil {
		t.Fatal(err)
	}
	if len(Blockers(linked)) != 0 {
		t.Error("a risk with a mitigation still blocks")
	}
	if _, err := UpdateMitigation(linked, mid, MitigationInput{Status: ptr(MitigationVerified)}, []int64{5}); err == nil {
		t.Error("verified without evidence")
	}
	if _, err := UpdateMitigation(linked, mid, MitigationInput{Owner: ptr(int64(9))}, []int64{5}); err == nil {
		t.Error("owner outside the project accepted")
	}
	verified, err := UpdateMitigation(linked, mid, MitigationInput{Status: ptr(MitigationVerified), Evidence: ptr("Log sample of 1,000 lines shows no prompt text.")}, []int64{5})
	if err != nil {
		t.Fatal(err)
	}
	if verified.Mitigations[mid].Status != MitigationVerified {
		t.Error("status not set")
	}
	// Many to many: link the same mitigation to a second finding; unlinking from one keeps it.
	two, id2, _ := AddFinding(verified, FindingInput{Title: "Prompts in traces", Category: "access_storage", Likelihood: 2, Severity: 2}, []string{"access_storage"})
	two, err = Link(two, id2, mid)
	if err != nil || len(FindingsOf(two, mid)) != 2 {
		t.Fatalf("link: %v, %d findings", err, len(FindingsOf(two, mid)))
	}
	one, err := Unlink(two, id, mid)
	if err != nil || one.Mitigations[mid] == nil {
		t.Fatalf("unlink from one of two removed the mitigation: %v", err)
	}
	none, _ := Unlink(one, id2, mid)
	if none.Mitigations[mid] != nil {
		t.Error("a mitigation linked to nothing was kept")
	}
}

func TestHeatCountsLiveFindings(t *testing.T) {
	cats := []string{"governance"}
	s := State{}
	s, a, _ := AddFinding(s, FindingInput{Title: "a", Category: "governance", Likelihood: 4, Severity: 4}, cats)
	s, _, _ = AddFinding(s, FindingInput{Title: "b", Category: "governance", Likelihood: 4, Severity: 4}, cats)
	s, c, _ := AddFinding(s, FindingInput{Title: "c", Category: "governance", Likelihood: 1, Severity: 3}, cats)
	s, _ = UpdateFinding(s, a, FindingUpdate{Residual: &Residual{Likelihood: 2, Severity: 3}}, cats)
	s, _ = UpdateFinding(s, c, FindingUpdate{Status: ptr(FindingNotApplicable)}, cats)
	// With no mitigation in place the lower residual risk of a is only projected: a stays at its
	// inherent cell on the residual map.
	h := HeatOf(s)
	if h.Residual[3][3] != 2 || h.Residual[1][2] != 0 || h.Projected != 1 {
		t.Errorf("residual with a projected finding: %v, %d projected", h.Residual, h.Projected)
	}
	s, _, _ = LinkNewMitigation(s, a, MitigationInput{Title: ptr("Filter outputs"), Status: ptr(MitigationImplemented)}, nil)
	h = HeatOf(s)
	if h.Inherent[3][3] != 2 || h.Inherent[0][2] != 0 {
		t.Errorf("inherent: %v", h.Inherent)
	}
	if h.Residual[3][3] != 1 || h.Residual[1][2] != 1 || h.Projected != 0 {
		t.Errorf("residual: %v, %d projected", h.Residual, h.Projected)
	}
	total := 0
	for _, row := range h.Residual {
		for _, n := range row {
			total += n
		}
	}
	if total != 2 {
		t.Errorf("residual total %d, want 2 (not-applicable findings do not count)", total)
	}
}

func TestRiskLevel(t *testing.T) {
	cases := []struct {
		l, s Scale
		want Level
	}{
		{1, 1, LevelNegligible}, {1, 2, LevelNegligible}, {1, 3, LevelLimited}, {2, 2, LevelLimited},
		{1, 4, LevelLimited}, {2, 3, LevelSignificant}, {2, 4, LevelSignificant}, {3, 3, LevelMaximum},
		{4, 4, LevelMaximum}, {0, 3, LevelNone}, {5, 1, LevelNone},
	}
	for _, tc := range cases {
		if got := RiskLevel(tc.l, tc.s); got != tc.want {
			t.Errorf("RiskLevel(%d, %d) = %v, want %v", tc.l, tc.s, got, tc.want)
		}
	}
}

func TestDiffRoundTrips(t *testing.T) {
	def := builtin(t)
	from := answered(def, State{Status: Draft}, map[string]any{"personal_data_present": "yes", "uses_dp": "no", "epsilon": 3.0})
	to, _, _ := LinkNewMitigation(from, "rule:no-dp-personal-data", MitigationInput{Title: ptr("DP")}, nil)
	to = answered(def, to, map[string]any{"epsilon": nil, "purpose_description": "x"})
	if got := from.Apply(Diff(from, to)); got.Hash() != to.Hash() {
		t.Fatalf("Apply(Diff) differs:\n%s\n%s", got.Canonical(), to.Canonical())
	}
	if !Diff(to, to).Empty() {
		t.Error("the diff of a state with itself is not empty")
	}
}

func ptr[T any](v T) *T { return &v }

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
