package workflow

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/leak"
	"github.com/piaf-dev/piaf/assessments/pii"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
)

const sampleCSV = "name,email\nAda,ada@example.com\nBob,none\n"

// sampleSHA is `printf 'name,email\nAda,ada@example.com\nBob,none\n' | sha256sum` (GNU coreutils).
const sampleSHA = "6ceeb3d2851c7a26c2c582ce3ca3eabc32f01a2f35730919c4274eed91b6f93d"

func builtinDef(t *testing.T) *questionnaire.Definition {
	t.Helper()
	defs, err := questionnaire.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if d.Key == "llm-finetuning" {
			return d
		}
	}
	t.Fatal("no built-in llm-finetuning questionnaire")
	return nil
}

func TestScanPIISampleKeepsCountsAndDigest(t *testing.T) {
	sum, sha, err := ScanPIISample(context.Background(), strings.NewReader(sampleCSV), PIISample{Stage: StageAfter, Options: pii.Options{Format: "csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if sha != sampleSHA {
		t.Errorf("sha256 = %s, want %s", sha, sampleSHA)
	}
	if sum.Records != 2 || sum.RecordsWithPII != 1 || sum.Counts["EMAIL_ADDRESS"] != 1 {
		t.Errorf("summary = %+v", sum)
	}
	in, err := PIIEvidence(StageAfter, sum, pii.Options{Format: "csv"}, sha, assessments.SourceComputed)
	if err != nil {
		t.Fatal(err)
	}
	if in.Figures["after_records_with_pii"] != 1 || in.Figures["after_EMAIL_ADDRESS"] != 1 || in.Label != "after" {
		t.Errorf("record = %+v", in)
	}
	if bytes.Contains(in.Inputs, []byte("ada@example.com")) || bytes.Contains(in.Inputs, []byte("Ada")) {
		t.Errorf("inputs hold the content: %s", in.Inputs)
	}
	def := builtinDef(t)
	in.Cycle, in.AddedAt = 1, time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	st, id, err := assessments.AddEvidence(assessments.State{Answers: map[string]any{"pii_treatment": "mask_placeholder"}}, def, in)
	if err != nil {
		t.Fatal(err)
	}
	st = assessments.ReconcilePolicy(def, st, assessments.DefaultPolicy())
	if st.Evidence[id].FileSHA256 != sampleSHA {
		t.Errorf("record sha = %q", st.Evidence[id].FileSHA256)
	}
	found := false
	for _, f := range st.Findings {
		found = found || f.Rule == "pii-found-after-anonymisation"
	}
	if !found {
		t.Error("personal data after anonymisation raised no finding")
	}
}

func TestScanPIISampleDigestCoversGzipAsSent(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(sampleCSV))
	w.Close()
	sum, sha, err := ScanPIISample(context.Background(), bytes.NewReader(gz.Bytes()), PIISample{Stage: StageBefore, Options: pii.Options{Format: "csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := hexOf(gz.Bytes()); sha != want {
		t.Errorf("sha256 = %s, want the digest of the bytes sent %s", sha, want)
	}
	if sum.Counts["EMAIL_ADDRESS"] != 1 {
		t.Errorf("counts = %v", sum.Counts)
	}
}

func TestScanPIISampleRefusesOverLimit(t *testing.T) {
	body := strings.Repeat("x", 1000)
	_, _, err := ScanPIISample(context.Background(), strings.NewReader(body), PIISample{Stage: StageBefore, Options: pii.Options{Format: "text"}, Limit: 999})
	var v *ValidationError
	if !errors.As(err, &v) || v.Fields["file"] == "" {
		t.Fatalf("err = %v, want a validation error on file", err)
	}
	if _, _, err := ScanPIISample(context.Background(), strings.NewReader(body), PIISample{Stage: StageBefore, Options: pii.Options{Format: "text"}, Limit: 1000}); err != nil {
		t.Errorf("a file of exactly the limit: %v", err)
	}
}

func TestScanPIISampleStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := ScanPIISample(ctx, strings.NewReader(strings.Repeat("a@b.example\n", 200000)), PIISample{Stage: StageBefore, Options: pii.Options{Format: "text"}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestPIISampleValidation(t *testing.T) {
	for _, tc := range []struct {
		p     PIISample
		field string
	}{
		{PIISample{Stage: "during", Options: pii.Options{Format: "csv"}}, "stage"},
		{PIISample{Stage: StageAfter, Options: pii.Options{Format: "xml"}}, "format"},
		{PIISample{Stage: StageAfter, Options: pii.Options{Format: "csv", Fields: []string{"a"}}}, "fields"},
	} {
		var v *ValidationError
		if err := tc.p.Validate(); !errors.As(err, &v) || v.Fields[tc.field] == "" {
			t.Errorf("%+v: err = %v, want one on %s", tc.p, err, tc.field)
		}
	}
}

func TestParsePIISummaryRefusesText(t *testing.T) {
	_, err := ParsePIISummary("presidio", []byte(`[{"entity_type":"PERSON","start":0,"end":3,"score":0.9,"text":"Ada"}]`))
	var v *ValidationError
	if !errors.As(err, &v) || v.Fields["summary"] == "" {
		t.Fatalf("err = %v, want a validation error on summary", err)
	}
	s, err := ParsePIISummary("presidio", []byte(`[[{"entity_type":"PERSON","start":0,"end":3,"score":0.9}],[]]`))
	if err != nil || s.Records != 2 || s.Counts["PERSON"] != 1 {
		t.Fatalf("summary = %+v, %v", s, err)
	}
	in, err := PIIEvidence(StageBefore, s, pii.Options{}, "", assessments.SourcePipeline)
	if err != nil || in.Tool != "presidio" || in.Figures["before_PERSON"] != 1 || in.Figures["before_records"] != 2 {
		t.Fatalf("record = %+v, %v", in, err)
	}
	if _, err := PIIEvidence(StageBefore, pii.Summary{Counts: map[string]int64{"lower case": 1}}, pii.Options{}, "", assessments.SourcePipeline); err == nil {
		t.Error("an entity type that is no figure name was accepted")
	}
}

func scores(members, nonMembers int, member, nonMember float64) leak.Scores {
	var s leak.Scores
	for i := range members {
		s.Members = append(s.Members, member+float64(i%7)/100)
	}
	for i := range nonMembers {
		s.NonMembers = append(s.NonMembers, nonMember+float64(i%5)/100)
	}
	return s
}

func TestMIAEvidenceCredibilityAndScores(t *testing.T) {
	// Members all score above every non-member: a perfect attack, AUC 1 by definition.
	in, res, err := MIAEvidence(MIATest{Design: leak.MIADesign{Attack: leak.AttackLossThreshold}, Scores: scores(10, 10, 1, 0)}, assessments.SourceComputed)
	if err != nil {
		t.Fatal(err)
	}
	if res.AUC != 1 || in.Figures["auc"] != 1 || in.Figures["credible"] != 0 {
		t.Errorf("figures = %v", in.Figures)
	}
	if len(in.NotCredible) == 0 || !strings.Contains(strings.Join(in.NotCredible, "\n"), "fewer than 1000") {
		t.Errorf("not credible = %v", in.NotCredible)
	}
	if bytes.Contains(in.Inputs, []byte(`"scores"`)) {
		t.Errorf("scores kept without asking: %s", in.Inputs)
	}
	if len(ROCOf(&assessments.Evidence{Inputs: in.Inputs})) == 0 {
		t.Error("no curve kept for the chart")
	}
	kept, _, err := MIAEvidence(MIATest{Design: leak.MIADesign{Attack: leak.AttackLossThreshold}, Scores: scores(10, 10, 1, 0), KeepScores: true}, assessments.SourceComputed)
	if err != nil || !bytes.Contains(kept.Inputs, []byte(`"scores"`)) {
		t.Errorf("scores not kept when asked: %s %v", kept.Inputs, err)
	}
	credible, _, err := MIAEvidence(MIATest{Design: leak.MIADesign{Attack: leak.AttackLiRA, ReferenceModels: 16, Selection: "random 50% split before training", HeldOut: true},
		Scores: scores(1000, 1000, 0.5, 0.5)}, assessments.SourceComputed)
	if err != nil || credible.Figures["credible"] != 1 || len(credible.NotCredible) != 0 {
		t.Errorf("credible design: %v %v %v", credible.Figures, credible.NotCredible, err)
	}
	_, _, err = MIAEvidence(MIATest{Design: leak.MIADesign{Attack: leak.AttackLossThreshold}, Scores: scores(2000, 2000, 1, 0), KeepScores: true}, assessments.SourceComputed)
	var v *ValidationError
	if !errors.As(err, &v) || v.Fields["keep_scores"] == "" {
		t.Errorf("too many scores to keep: err = %v", err)
	}
	_, _, err = MIAEvidence(MIATest{Design: leak.MIADesign{Attack: "guess"}, Scores: scores(1, 1, 1, 0)}, assessments.SourceComputed)
	if !errors.As(err, &v) || v.Fields["attack"] == "" {
		t.Errorf("unknown attack: err = %v", err)
	}
}

func TestCanaryEvidence(t *testing.T) {
	// 1,024 references with losses 1..1024: a canary with loss 0.5 beats them all, exposure
	// log2(1024) - log2(1) = 10 bits; one with loss 511.75 has rank 512, exposure 10 - 9 = 1 bit ("The Secret Sharer", section 4.1).
	set := leak.CanarySet{InsertedCopies: 4, SpaceSize: 1e9, Canaries: []leak.Canary{{ID: "c1", Loss: 0.5}, {ID: "c2", Loss: 511.75}}}
	for i := 1; i <= 1024; i++ {
		set.References = append(set.References, float64(i))
	}
	in, res, err := CanaryEvidence(set, assessments.SourceComputed)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxExposure != 10 || in.Figures["exposure_margin"] != 0 || in.Figures["max_possible_exposure"] != 10 {
		t.Errorf("figures = %v", in.Figures)
	}
	kept, ok := CanariesOf(&assessments.Evidence{Inputs: in.Inputs})
	if !ok || len(kept.Canaries) != 2 || kept.Canaries[0].ID != "c1" || kept.Canaries[1].Exposure != 1 {
		t.Errorf("kept = %+v", kept)
	}
	if bytes.Contains(in.Inputs, []byte("511.75")) {
		t.Errorf("losses kept: %s", in.Inputs)
	}
}

func TestExtractionEvidenceCountsPIIInGenerations(t *testing.T) {
	x := leak.Extraction{Prompts: 100, Generations: 100, Decoding: leak.Decoding{Strategy: "greedy"}, MatchingRule: "50-token exact suffix"}
	gen := "the model said ada@example.com\nnothing here\n"
	sum, sha, err := ScanPIISample(context.Background(), strings.NewReader(gen), PIISample{Stage: StageAfter, Options: pii.Options{Format: "text"}})
	if err != nil {
		t.Fatal(err)
	}
	in, err := ExtractionEvidence(x, &sum, sha, assessments.SourceComputed)
	if err != nil {
		t.Fatal(err)
	}
	if in.Figures["pii_emitted"] != 1 || in.FileSHA256 != sha || bytes.Contains(in.Inputs, []byte("ada@")) {
		t.Errorf("record = %+v", in)
	}
	x.MatchingRule = ""
	_, err = ExtractionEvidence(x, nil, "", assessments.SourceComputed)
	var v *ValidationError
	if !errors.As(err, &v) || v.Fields["matching_rule"] == "" {
		t.Errorf("err = %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{200 << 20: "200 MB", 1 << 30: "1 GB", 1536 << 10: "1.5 MB", 999: "999 bytes", 4 << 10: "4 KB"} {
		if got := ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func hexOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
