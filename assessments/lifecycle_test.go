package assessments

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

var day0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// approvedCycle builds a cycle's approved state: two rule findings (one accepted), a manual one,
// and mitigations with owner, due date, status and evidence, one shared by two findings.
func approvedCycle(t *testing.T) State {
	t.Helper()
	def := builtin(t)
	s := State{Questionnaire: def.Key, QuestionnaireVersion: def.Version, Status: Draft}
	s = answered(def, s, map[string]any{"personal_data_present": "yes", "uses_dp": "no", "dpo_consulted": "no",
		"purpose_description": "Answer support tickets", "gone_question": "x"})
	const dp, dpo = "rule:no-dp-personal-data", "rule:dpo-not-consulted"
	for _, id := range []string{dp, dpo} {
		if _, ok := s.Findings[id]; !ok {
			t.Fatalf("rule finding %s not raised; findings: %v", id, keys(s.Findings))
		}
	}
	var err error
	var manual, m1 string
	s, manual, err = AddFinding(s, FindingInput{Title: "Vendor keeps prompts", Category: "access_storage", Likelihood: 2, Severity: 3}, sectionKeys(def))
	if err != nil {
		t.Fatal(err)
	}
	s, m1, err = LinkNewMitigation(s, dp, MitigationInput{Title: ptr("Train with DP-SGD"), Owner: ptr(int64(7)), Due: ptr("2027-01-15"),
		Status: ptr(MitigationInProgress), Evidence: ptr("Accountant notebook")}, []int64{7})
	if err != nil {
		t.Fatal(err)
	}
	if s, err = Link(s, manual, m1); err != nil {
		t.Fatal(err)
	}
	if s, err = Accept(s, dpo, Acceptance{By: 9, ByEmail: "r@example.org", Justification: "The DPO is consulted at the next board meeting.", Expires: "2027-06-30"}, day0); err != nil {
		t.Fatal(err)
	}
	s.Status = Approved
	return s
}

func sectionKeys(def *questionnaire.Definition) []string {
	var out []string
	for _, sec := range def.Sections {
		out = append(out, sec.Key)
	}
	return out
}

func TestCarryKeepsTheRiskWork(t *testing.T) {
	def := builtin(t)
	prev := approvedCycle(t)
	next, sum := Carry(def, prev, 1, day0.AddDate(0, 3, 0))
	if next.Status != Draft || next.Seq != prev.Seq {
		t.Errorf("status %s seq %d, want draft and %d (ids are never reused)", next.Status, next.Seq, prev.Seq)
	}
	if _, ok := next.Answers["gone_question"]; ok || !slices.Contains(sum.Dropped, "gone_question") {
		t.Errorf("an answer to a question the questionnaire lacks was carried: %v", sum.Dropped)
	}
	if sum.Findings != 3 || sum.Manual != 1 || sum.Mitigations != 1 || sum.Acceptances != 1 || len(sum.Redecide) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	m := next.Mitigations["m2"]
	if m == nil || m.Owner != 7 || m.Due != "2027-01-15" || m.Status != MitigationInProgress || m.Evidence != "Accountant notebook" {
		t.Fatalf("carried mitigation: %+v (mitigations %v)", m, keys(next.Mitigations))
	}
	if got := FindingsOf(next, "m2"); len(got) != 2 {
		t.Errorf("the shared mitigation is linked to %d findings, want 2", len(got))
	}
	if a := next.Findings["rule:dpo-not-consulted"].Acceptance; a == nil || a.Expires != "2027-06-30" {
		t.Errorf("unexpired acceptance with unchanged inputs not carried: %+v", a)
	}
	if next.Consultation != (Consultation{}) {
		t.Error("the last cycle's opinion was carried; it is given per cycle")
	}
	text := sum.Text()
	for _, want := range []string{"Carried from cycle 1", "3 findings (1 manual)", "1 mitigation with owner", "1 acceptance"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary text %q lacks %q", text, want)
		}
	}
	if prev.Status != Approved || prev.Findings["rule:dpo-not-consulted"].Acceptance == nil {
		t.Error("Carry changed the approved state")
	}
}

func TestCarryListsAcceptancesToDecideAgain(t *testing.T) {
	def := builtin(t)
	prev := approvedCycle(t)
	// Expired on the day the new cycle starts.
	_, sum := Carry(def, prev, 1, time.Date(2027, 6, 30, 8, 0, 0, 0, time.UTC))
	if len(sum.Redecide) != 1 || sum.Redecide[0].Reason != "expired" || sum.Acceptances != 0 {
		t.Fatalf("expired acceptance: %+v", sum)
	}
	// Inputs changed: the rule still fires, on another answer.
	changed := prev.Apply(Change{Answers: map[string]any{"dpo_consulted": "unknown"}})
	next, sum := Carry(def, changed, 1, day0)
	f := next.Findings["rule:dpo-not-consulted"]
	if f == nil || f.Acceptance != nil || f.Status != FindingOpen {
		t.Fatalf("finding after its inputs changed: %+v", f)
	}
	if len(sum.Redecide) != 1 || sum.Redecide[0].Reason != "inputs_changed" || !strings.Contains(sum.Text(), "1 acceptance to decide again") {
		t.Fatalf("redecide %+v / %s", sum.Redecide, sum.Text())
	}
	// A rule that no longer fires leaves its finding behind; the mitigation it shares stays.
	gone := prev.Apply(Change{Answers: map[string]any{"uses_dp": "yes"}})
	next, sum = Carry(def, gone, 1, day0)
	if _, ok := next.Findings["rule:no-dp-personal-data"]; ok || !slices.Contains(sum.NotRaised, "rule:no-dp-personal-data") {
		t.Fatalf("finding of a rule that no longer fires: %+v", sum)
	}
	if len(next.Mitigations) != 1 || len(FindingsOf(next, "m2")) != 1 {
		t.Errorf("the mitigation shared with the manual finding was not kept with one link")
	}
}

func TestTrackingLeavesTheApprovedStateAlone(t *testing.T) {
	approved := approvedCycle(t)
	hash := approved.Hash()
	cur := approved.Mitigations["m2"]
	m, err := ApplyTracking(cur, TrackingChange{Mitigation: "m2", Status: ptr(MitigationVerified)}, []int64{7})
	if err != nil || m.Status != MitigationVerified {
		t.Fatalf("verified with evidence notes: %v %+v", err, m)
	}
	if _, err := ApplyTracking(cur, TrackingChange{Mitigation: "m2", Status: ptr(MitigationVerified), Evidence: ptr(" ")}, []int64{7}); err == nil {
		t.Error("verified without evidence was accepted")
	}
	if _, err := ApplyTracking(cur, TrackingChange{Mitigation: "m2", Owner: ptr(int64(99))}, []int64{7}); err == nil {
		t.Error("an owner outside the project was accepted")
	}
	if _, err := ApplyTracking(cur, TrackingChange{Mitigation: "m2"}, nil); err == nil {
		t.Error("an empty change was accepted")
	}

	records := []TrackingRecord{
		{Seq: 1, Change: TrackingChange{Mitigation: "m2", Status: ptr(MitigationImplemented)}, ByID: 7, ByName: "Ana", At: day0, Revision: 9, ApprovedHash: hash},
		{Seq: 2, Change: TrackingChange{Mitigation: "m2", Due: ptr("2027-02-01")}, ByID: 7, ByName: "Ana", At: day0.Add(time.Hour), Revision: 9, ApprovedHash: hash},
	}
	prev := TrackingGenesis
	for i := range records {
		records[i].PrevHash = prev
		records[i].Hash = records[i].ComputeHash()
		prev = records[i].Hash
	}
	if bad := VerifyTracking(records); bad != 0 {
		t.Fatalf("a fresh chain fails at %d", bad)
	}
	v := ViewTracking(approved, records)
	tr := v.Mitigations["m2"]
	if tr.AsApproved.Status != MitigationInProgress || tr.Current.Status != MitigationImplemented || tr.Current.Due != "2027-02-01" || len(tr.Changes) != 2 {
		t.Fatalf("tracked: approved %+v current %+v", tr.AsApproved, tr.Current)
	}
	if approved.Hash() != hash {
		t.Fatal("tracking changed the approved state's hash")
	}
	current := v.Current(approved)
	if current.Mitigations["m2"].Status != MitigationImplemented || approved.Mitigations["m2"].Status != MitigationInProgress {
		t.Error("Current does not carry the tracking, or it leaked into the approved state")
	}
	// The next cycle carries the tracked mitigation.
	next, _ := Carry(builtin(t), current, 1, day0)
	if next.Mitigations["m2"].Due != "2027-02-01" {
		t.Errorf("the new cycle lost the tracking: %+v", next.Mitigations["m2"])
	}
	records[0].ByName = "Eve"
	if bad := VerifyTracking(records); bad != 1 {
		t.Errorf("an altered record was not caught (got position %d)", bad)
	}
}

func TestAuthorshipIgnoresReviewersActs(t *testing.T) {
	s0 := approvedCycle(t)
	s0.Status = InReview
	accepted, err := Accept(s0, "rule:no-dp-personal-data", Acceptance{By: 9, Justification: "Only pseudonymous support data is used.", Expires: "2027-03-01"}, day0)
	if err != nil {
		t.Fatal(err)
	}
	withdrawn, _ := Withdraw(accepted, "rule:no-dp-personal-data")
	opinion := accepted
	opinion.Consultation = Consultation{DPOOpinion: "Fine.", GivenBy: 9, GivenByName: "Rita"}
	residual, err := UpdateFinding(withdrawn, "rule:no-dp-personal-data", FindingUpdate{Residual: &Residual{Likelihood: 1, Severity: 3}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	chain := []AuthoredChange{{1, 5, Diff(State{}, s0)}, {2, 9, Diff(s0, accepted)}, {3, 9, Diff(accepted, withdrawn)},
		{4, 9, Diff(withdrawn, opinion)}, {5, 9, Change{Status: InReview}}}
	a := ContentAuthors(chain)
	if a.LastEditor != 5 || a.Wrote(9) {
		t.Fatalf("acceptance, withdrawal, opinion and status made the reviewer an editor: %+v", a)
	}
	if p := SeparationProblem(9, 5, a); p != "" {
		t.Errorf("the reviewer who accepted a risk may not decide: %s", p)
	}
	if p := SeparationProblem(5, 1, a); p == "" {
		t.Error("the last content editor may decide")
	}
	// A residual risk is content.
	chain = append(chain, AuthoredChange{6, 9, Diff(opinion, residual)})
	if a = ContentAuthors(chain); a.LastEditor != 9 || a.LastNumber != 6 || !slices.Equal(a.ContentAuthorIDs(), []int64{5, 9}) {
		t.Fatalf("residual risk by the reviewer: %+v", a)
	}
	if p := SeparationProblem(9, 5, a); p == "" {
		t.Error("a reviewer who set a residual risk approves their own content")
	}
	// Someone else edits last: the reviewer still wrote part of the content.
	chain = append(chain, AuthoredChange{7, 5, Change{Answers: map[string]any{"uses_dp": "no"}}})
	if a = ContentAuthors(chain); a.LastEditor != 5 || !strings.Contains(SeparationProblem(9, 1, a), "wrote part") {
		t.Errorf("an earlier content author may decide: %+v", a)
	}
}

func TestOpinionIsAttributedAndFrozen(t *testing.T) {
	s := approvedCycle(t)
	s.Status = InReview
	in := Consultation{DPOOpinion: "Proportionate with DP.", ViewsSought: "yes", Views: "Customer panel, 2026-10."}
	if _, err := GiveOpinion(s, in, OpinionGiver{UserID: 5, Name: "Ana"}, day0, 4); !errors.Is(err, ErrNotOpinionGiver) {
		t.Errorf("an assessor gave the opinion: %v", err)
	}
	got, err := GiveOpinion(s, in, OpinionGiver{UserID: 9, Name: "Rita Officer", Reviewer: true}, day0, 4)
	if err != nil {
		t.Fatal(err)
	}
	c := got.Consultation
	if !c.Attributed() || c.GivenByName != "Rita Officer" || c.GivenAt != "2026-11-30T09:00:00Z" || c.OnRevision != 4 {
		t.Fatalf("consultation: %+v", c)
	}
	if _, err := GiveOpinion(s, Consultation{ViewsSought: "yes"}, OpinionGiver{UserID: 9, PrivacyOfficer: true}, day0, 4); err == nil {
		t.Error("views sought without saying what they were was accepted")
	}
	got.Status = Approved
	if _, err := GiveOpinion(got, in, OpinionGiver{UserID: 9, Reviewer: true}, day0, 5); !errors.Is(err, ErrOpinionFrozen) {
		t.Errorf("an approved assessment's opinion changed: %v", err)
	}
	// A consultation typed before attribution keeps its hash.
	old := State{Consultation: Consultation{DPOOpinion: "x"}}
	if strings.Contains(string(old.Canonical()), "given_by") {
		t.Error("attribution fields appear in an unattributed consultation's canonical JSON")
	}
}

func TestResidualRestsOnMitigationsInPlace(t *testing.T) {
	s := approvedCycle(t)
	const id = "rule:no-dp-personal-data" // inherent 3×3: maximum
	s, err := UpdateFinding(s, id, FindingUpdate{Residual: &Residual{Likelihood: 1, Severity: 1}, Status: ptr(FindingMitigated)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := EffectiveResidual(s, s.Findings[id])
	if !e.Projected || e.Level != LevelMaximum || e.Claimed != LevelNegligible {
		t.Fatalf("residual on an in-progress mitigation: %+v", e)
	}
	if !OpenForSubmission(s, s.Findings[id]) || len(EvidenceBlockers(s)) != 1 || len(Projected(s)) != 1 {
		t.Error("a projected residual risk does not count as open")
	}
	if p := ApprovalProblems(s, false); len(p) != 1 || !strings.Contains(p[0], "none of its mitigations is implemented") {
		t.Errorf("approval problems: %q", p)
	}
	s, err = UpdateMitigation(s, "m2", MitigationInput{Status: ptr(MitigationImplemented)}, []int64{7})
	if err != nil {
		t.Fatal(err)
	}
	if e := EffectiveResidual(s, s.Findings[id]); e.Projected || e.Level != LevelNegligible {
		t.Fatalf("residual on an implemented mitigation: %+v", e)
	}
	if OpenForSubmission(s, s.Findings[id]) || len(ApprovalProblems(s, false)) != 0 {
		t.Error("an evidenced residual risk still counts as open")
	}
	if p := ApprovalProblems(s, true); len(p) != 1 || !strings.Contains(p[0], "Train with DP-SGD") {
		t.Errorf("with verified mitigations required: %q", p)
	}
	// No claim below inherent: nothing is projected.
	f := s.Findings["rule:dpo-not-consulted"]
	if EffectiveResidual(s, f).Projected {
		t.Error("a finding without a residual claim is projected")
	}
}

func TestGroupHistory(t *testing.T) {
	at := func(min int) time.Time { return day0.Add(time.Duration(min) * time.Minute) }
	// Oldest to newest, then reversed as the store pages them.
	heads := []RevisionHead{
		{Number: 1, Author: 5, At: at(0)},
		{Number: 2, Author: 5, At: at(10)},
		{Number: 3, Author: 5, At: at(24)}, // 14 minutes after 2: joined
		{Number: 4, Author: 5, At: at(40)}, // 16 minutes after 3: a new entry
		{Number: 5, Author: 6, At: at(41)}, // someone else
		{Number: 6, Author: 5, At: at(42)},
		{Number: 7, Author: 5, At: at(43), Milestone: true}, // submit stands alone
		{Number: 8, Author: 5, At: at(44)},
	}
	slices.Reverse(heads)
	got := GroupHistory(heads, HistoryWindow)
	var spans []string
	for _, e := range got {
		spans = append(spans, strconv.Itoa(e.From)+"-"+strconv.Itoa(e.To))
	}
	if want := []string{"8-8", "7-7", "6-6", "5-5", "4-4", "1-3"}; !slices.Equal(spans, want) {
		t.Fatalf("entries %v, want %v", spans, want)
	}
	if e := got[5]; len(e.Revisions) != 3 || e.Revisions[0].Number != 3 || !e.First.Equal(at(0)) || !e.Last.Equal(at(24)) {
		t.Errorf("grouped entry: %+v", e)
	}
	// A page that may continue holds its last entry back.
	entries, before := GroupPage(heads[:7], HistoryWindow, true)
	if len(entries) != 5 || before != 4 {
		t.Errorf("page: %d entries, next before %d; want 5 and 4", len(entries), before)
	}
	if _, before := GroupPage(heads, HistoryWindow, false); before != 0 {
		t.Error("the last page points at a next one")
	}
}

func TestCheckFacts(t *testing.T) {
	def := builtin(t)
	p := ProjectSnapshot{Purpose: "Answer support tickets", Deployment: "Internal tool for employees",
		Datasets: []Dataset{{Name: "tickets", Categories: "names, emails", SpecialCategories: true, ApproxRecords: 90000},
			{Name: "faq", ApproxRecords: 10000}}}
	c := CheckFacts(def, p, map[string]any{})
	want := map[string]any{QPurpose: "Answer support tickets", QDeployment: "internal_tool", QPersonalData: "yes", QSpecialCategories: "yes", QRecordCount: 100000.0}
	for k, v := range want {
		if c.Prefill[k] != v {
			t.Errorf("prefill %s = %v, want %v", k, c.Prefill[k], v)
		}
	}
	if len(c.Contradictions) != 0 || len(c.Sources) != 5 {
		t.Errorf("empty answers: %d contradictions, %d sources", len(c.Contradictions), len(c.Sources))
	}
	// The report of the issue: special categories "Yes" on the dataset, "No" in the answers.
	c = CheckFacts(def, p, map[string]any{QPurpose: "Answer support tickets in French and German", QDeployment: "public_api",
		QPersonalData: "yes", QSpecialCategories: "no", QRecordCount: 95000.0})
	var fields []string
	for _, x := range c.Contradictions {
		fields = append(fields, x.Field)
	}
	if !slices.Equal(fields, []string{"deployment", "special_categories"}) || !c.Blocking() {
		t.Fatalf("contradictions %v (blocking %v)", fields, c.Blocking())
	}
	c = CheckFacts(def, p, map[string]any{QPurpose: "Something else", QSpecialCategories: "yes", QRecordCount: 20000.0})
	fields = nil
	for _, x := range c.Contradictions {
		fields = append(fields, x.Field)
		if x.Field == "purpose" && x.Blocking {
			t.Error("a differently worded purpose blocks")
		}
	}
	if !slices.Equal(fields, []string{"purpose", "records"}) {
		t.Fatalf("contradictions %v", fields)
	}
}

func TestNextReview(t *testing.T) {
	for _, c := range []struct {
		policy, chosen, want string
		err                  bool
	}{
		{"2027-02-28", "", "2027-02-28", false},
		{"2027-02-28", "2027-01-15", "2027-01-15", false},
		{"2027-02-28", "2027-09-01", "", true}, // put off: refused
		{"2027-02-28", "2026-01-01", "", true}, // past
		{"2027-02-28", "01/15/2027", "", true},
	} {
		got, err := NextReview(c.policy, c.chosen, day0)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("NextReview(%s, %s) = %q, %v", c.policy, c.chosen, got, err)
		}
	}
}

func TestCommentPlaces(t *testing.T) {
	def := builtin(t)
	s := approvedCycle(t)
	// special_categories_present is shown unless personal_data_present is "no".
	if p := PlaceOf(def, s, "question", "special_categories_present"); p != PlaceShown {
		t.Errorf("visible question: %s", p)
	}
	hidden := s.Apply(Change{Answers: map[string]any{"personal_data_present": "no"}})
	if p := PlaceOf(def, hidden, "question", "special_categories_present"); p != PlaceHidden {
		t.Errorf("question hidden by the answers: %s", p)
	}
	if p := PlaceOf(def, s, "question", "no_such_question"); p != PlaceGone {
		t.Errorf("unknown question: %s", p)
	}
	if PlaceOf(def, s, "finding", "rule:dpo-not-consulted") != PlaceShown || PlaceOf(def, s, "finding", "f99") != PlaceGone {
		t.Error("finding places")
	}
	if OpenCommentsProblem(0, 0) != "" {
		t.Error("no open comments still block")
	}
	if p := OpenCommentsProblem(2, 1); !strings.Contains(p, "2 comments are open (1 on questions no longer shown") {
		t.Errorf("problem: %q", p)
	}
}

func TestLinkCatalogueReusesTheMitigation(t *testing.T) {
	s := approvedCycle(t)
	s.Status = Draft
	s, first, existed, err := LinkCatalogue(s, "rule:no-dp-personal-data", "dp-sgd", MitigationInput{Title: ptr("DP-SGD")}, nil)
	if err != nil || existed {
		t.Fatalf("first link: %v existed=%v", err, existed)
	}
	n := len(s.Mitigations)
	s, second, existed, err := LinkCatalogue(s, "rule:dpo-not-consulted", "dp-sgd", MitigationInput{Title: ptr("DP-SGD")}, nil)
	if err != nil || !existed || second != first || len(s.Mitigations) != n {
		t.Fatalf("second link made another mitigation: %v %s %s %d", err, first, second, len(s.Mitigations))
	}
	if got := FindingsOf(s, first); len(got) != 2 {
		t.Errorf("the catalogue mitigation is linked to %d findings, want 2", len(got))
	}
}

// The pages and the API link a catalogue measure through LinkNewMitigation: a second finding gets
// the same mitigation, not a copy; a custom title still makes a mitigation of its own.
func TestLinkNewMitigationSharesACatalogueMeasure(t *testing.T) {
	s := approvedCycle(t)
	s.Status = Draft
	key := "canary-exposure-test"
	s, first, err := LinkNewMitigation(s, "rule:no-dp-personal-data", MitigationInput{Catalogue: &key, Title: ptr("Canaries")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.Mitigations)
	s, second, err := LinkNewMitigation(s, "rule:dpo-not-consulted", MitigationInput{Catalogue: &key, Title: ptr("Canaries again")}, nil)
	if err != nil || second != first || len(s.Mitigations) != n {
		t.Fatalf("the second link made another mitigation: %v %s %s %d -> %d", err, first, second, n, len(s.Mitigations))
	}
	if got := FindingsOf(s, first); len(got) != 2 || s.Mitigations[first].Title != "Canaries" {
		t.Errorf("shared mitigation: linked to %v, title %q", got, s.Mitigations[first].Title)
	}
	s, custom, err := LinkNewMitigation(s, "rule:dpo-not-consulted", MitigationInput{Title: ptr("Canaries")}, nil)
	if err != nil || custom == first || len(s.Mitigations) != n+1 {
		t.Errorf("a custom mitigation was not made: %v %s %d", err, custom, len(s.Mitigations))
	}
}
