package report

import (
	"os"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

func loadQuestionnaire(t testing.TB) *questionnaire.Definition {
	t.Helper()
	data, err := os.ReadFile("testdata/questionnaire.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def, err := questionnaire.Parse("testdata/questionnaire.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testReport is an approved revision that uses every part of a report, with user text that
// tries to break Markdown.
func testReport(t testing.TB) *Report {
	state := assessments.State{
		Questionnaire: "report-test", QuestionnaireVersion: 3, Status: assessments.Approved, Seq: 3,
		Answers: map[string]any{
			"purpose_description": "Draft first replies to **billing** tickets.\n\n# Not a heading of the report\n\n```\nan unclosed fence",
			"legal_basis":         "legitimate_interest",
			"basis_note":          "Faster replies | fewer <b>errors</b>\nsecond line",
			"balancing_done":      "yes",
			"uses_dp":             "no",
			"epsilon":             12.0, // hidden: uses_dp is no
			"data_kinds":          []any{"names", "health"},
			"records":             120000.0,
		},
		Findings: map[string]*assessments.Finding{
			"rule:no-dp": {ID: "rule:no-dp", Rule: "no-dp", Title: "Training without differential privacy",
				Description: "Without DP the model may *memorise* rare records.", Category: "differential_privacy",
				Likelihood: 3, Severity: 3, Residual: assessments.Residual{Likelihood: 2, Severity: 2},
				Status: assessments.FindingMitigated, Inputs: map[string]any{"uses_dp": "no", "dp.epsilon": 9.12, "policy.max_epsilon": 8.0, "present.mia": true},
				Mitigations: []string{"m1", "m2"}},
			"rule:health-data": {ID: "rule:health-data", Rule: "health-data", Title: "Health data in the training set",
				Category: "purpose", Likelihood: 2, Severity: 4, Residual: assessments.Residual{Likelihood: 2, Severity: 3},
				Status: assessments.FindingAccepted, Inputs: map[string]any{"data_kinds": []any{"names", "health"}},
				Acceptance: &assessments.Acceptance{By: 2, ByEmail: "bob@example.org", At: "2026-03-01T09:00:00Z",
					Justification: "Health mentions are rare and masked.\n\n- reviewed sample of 500\n- no diagnosis codes", Expires: "2027-03-01"}},
			"f3": {ID: "f3", Title: "Agents | paste [links](javascript:alert(1)) into tickets", Description: "",
				Category: "purpose", Likelihood: 2, Severity: 1, Status: assessments.FindingOpen},
		},
		Mitigations: map[string]*assessments.Mitigation{
			"m1": {ID: "m1", Catalogue: "dp-sgd", Title: "Train with DP-SGD", Owner: 1, Due: "2026-04-30",
				Status: assessments.MitigationVerified, Evidence: "Accountant output: ε = 7.9, δ = 1e-6.\n\n| a | b |\n|---|---|\n| 1 | 2 |"},
			"m2": {ID: "m2", Title: "Canary exposure test", Owner: 9, Status: assessments.MitigationPlanned},
		},
		Evidence: map[string]*assessments.Evidence{
			// Carried from cycle 1, with a warning and a rule input from it below.
			"E4": {ID: "E4", Kind: "dp", Cycle: 1, Source: assessments.SourceComputed,
				Inputs:    []byte(`{"delta":1e-6,"q":0.01,"sigma":1.1,"steps":1000}`),
				Figures:   map[string]float64{"epsilon": 9.12, "epsilon_pld": 8.47, "delta": 1e-6, "delta_times_n": 0.12, "sigma": 1.1, "q": 0.01, "steps": 1000, "order": 9, "poisson": 0},
				Warnings:  []string{"Sampling is *shuffled*, not Poisson | the accountant assumes Poisson."},
				Questions: []string{"uses_dp", "records"}, AddedBy: 1, AddedByName: "Alice Martin", AddedAt: "2025-09-01T12:00:00Z"},
			"E5": {ID: "E5", Kind: "pii", Cycle: 2, Source: assessments.SourcePipeline, Tool: "presidio-analyzer", ToolVersion: "2.2.355",
				FileSHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				Figures: map[string]float64{"before_records": 1000, "before_records_with_pii": 412, "before_rate_per_1000": 412, "before_detections": 1290,
					"after_records": 1000, "after_records_with_pii": 3, "after_rate_per_1000": 3, "after_detections": 3,
					"before_EMAIL_ADDRESS": 512, "after_EMAIL_ADDRESS": 0, "before_PERSON": 778, "after_PERSON": 3},
				Questions: []string{"data_kinds"}, AddedBy: 9, AddedAt: "2026-02-20T09:00:00Z"},
			"E6": {ID: "E6", Kind: "mia", Cycle: 2, Source: assessments.SourceHand,
				Figures:     map[string]float64{"auc": 0.58, "tpr_at_fpr_0_1pct": 0.004, "members": 5000, "non_members": 5000, "credible": 0},
				NotCredible: []string{"Non-members come from another month than members."},
				Questions:   []string{"uses_dp"}, AddedBy: 2, AddedByName: "Bob Reviewer", AddedAt: "2026-02-21T09:00:00Z"},
		},
		Consultation: assessments.Consultation{
			DPOOpinion:  "The residual risk is acceptable provided the canary test runs before release.",
			ViewsSought: "no",
			Views:       "A survey of customers was judged disproportionate; the works council was informed.",
			GivenBy:     2, GivenByName: "Bob Reviewer", GivenAt: "2026-03-01T14:00:00Z", OnRevision: 13,
		},
	}
	return &Report{
		GeneratedAt: at("2026-03-05T10:30:00Z"),
		Instance:    "https://piaf.example.org",
		Project: Project{ID: 4, Name: "Support reply drafting", Purpose: "Help agents answer *billing* tickets.\nSecond line.",
			BaseModel: "Mistral-7B-Instruct-v0.3", Deployment: "Internal tool, EU region",
			Members: []Member{{Name: "Alice Martin", Email: "alice@example.org", Role: "assessor"},
				{Name: "Bob Reviewer", Email: "bob@example.org", Role: "reviewer"}}},
		Datasets: []Dataset{
			{Name: "support_tickets_2024", Source: "Zendesk export", Categories: "names, emails | account ids", DataSubjects: "customers",
				ApproxRecords: 120000, Retention: "12 months"},
			{Name: "_call_notes_", Source: "CRM\nnotes", Categories: "free text", SpecialCategories: true, DataSubjects: "customers, agents", Retention: "6 months"},
		},
		Questionnaire: loadQuestionnaire(t),
		Assessment: Assessment{ID: 7, Cycle: 2, Revision: 14, StateHash: state.Hash(), Status: assessments.Approved,
			Approved: true, UpdatedAt: at("2026-03-02T08:15:00Z")},
		State: state,
		Reviews: []Review{
			{Kind: "submit", By: "Alice Martin", At: at("2026-02-27T16:00:00Z"), Revision: 12, StateHash: "1111111111111111111111111111111111111111111111111111111111111111"},
			{Kind: "request_changes", By: "Bob Reviewer", At: at("2026-02-28T11:00:00Z"), Revision: 12, Comment: "Please link a canary test."},
			{Kind: "submit", By: "Alice Martin", At: at("2026-03-01T15:00:00Z"), Revision: 14, StateHash: state.Hash()},
			{Kind: "approve", By: "Bob Reviewer", At: at("2026-03-02T08:15:00Z"), Revision: 14, StateHash: state.Hash()},
		},
		Comments: []Comment{
			{Target: "Legal basis", By: "Bob Reviewer", At: at("2026-02-28T10:00:00Z"), Body: "Which interest *exactly*?", ResolvedBy: "Alice Martin"},
			{Target: "Training without differential privacy", By: "Chloé Dupont", At: at("2026-03-01T12:00:00Z"), Body: "> quoted\n\nStill open."},
		},
		Owners:     map[int64]string{1: "Alice Martin", 2: "Bob Reviewer"},
		NextReview: at("2027-03-01T00:00:00Z"),
		// After approval the canary test was handed to Bob, run and verified, with evidence
		// that tries to break Markdown; the approved state above still says planned.
		Tracking: &Tracking{Through: 2, At: at("2026-04-10T09:30:00Z"), Moved: []TrackedMitigation{{
			AsApproved: state.Mitigations["m2"],
			Current: &assessments.Mitigation{ID: "m2", Title: "Canary exposure test", Owner: 2, Due: "2026-04-15",
				Status: assessments.MitigationVerified, Evidence: "Exposure 1.2 bits <b>below</b> the limit; [log](javascript:alert(1))"},
			Changes: 2, ChangedBy: "Bob Reviewer", ChangedAt: at("2026-04-10T09:30:00Z")}}},
	}
}
