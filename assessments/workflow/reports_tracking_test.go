package workflow

import (
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// Issue 11: the report of an approved assessment shows the approved content, unchanged, and
// beside it the mitigations' tracking since approval; the export record says up to which
// tracking change it showed.
func TestReportShowsTrackingSinceApproval(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	fid := f.addFinding(t, "Prompts kept in logs")
	title := "Purge logs after 30 days"
	if _, _, err := f.wf.LinkMitigation(ctx, f.assessor, id, f.current(t).Revision, MitigationLink{Finding: fid, Title: &title}); err != nil {
		t.Fatal(err)
	}
	draft, _, err := f.wf.Report(ctx, f.assessor, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if draft.Tracking != nil {
		t.Errorf("a report before approval has tracking: %+v", draft.Tracking)
	}
	f.decide(t, assessments.ReviewSubmit, assessments.InReview)
	f.decide(t, assessments.ReviewApprove, assessments.Approved)
	approved, _, err := f.wf.Report(ctx, f.assessor, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !approved.Assessment.Approved || approved.Tracking == nil || len(approved.Tracking.Moved) != 0 {
		t.Fatalf("approved report without changes: approved %v, tracking %+v", approved.Assessment.Approved, approved.Tracking)
	}
	hash := approved.Assessment.StateHash

	a := f.current(t)
	var mid string
	for id := range a.State.Mitigations {
		mid = id
	}
	verified, evidence := assessments.MitigationVerified, "Retention set to 30 days; <script>checked</script>."
	if _, _, err := f.wf.TrackMitigation(ctx, f.assessor, id, assessments.TrackingChange{Mitigation: mid, Status: &verified, Evidence: &evidence}); err != nil {
		t.Fatal(err)
	}
	tracked, _, err := f.wf.Report(ctx, f.assessor, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tracked.Assessment.StateHash != hash || tracked.State.Hash() != hash {
		t.Errorf("tracking changed the approved hash: %s, want %s", tracked.Assessment.StateHash, hash)
	}
	if tracked.State.Mitigations[mid].Status == verified {
		t.Error("the report's approved state took the tracked status")
	}
	tr := tracked.Tracking
	if tr == nil || tr.Through != 1 || len(tr.Moved) != 1 || tr.Moved[0].Current.Status != verified || tr.Moved[0].ChangedBy == "" {
		t.Fatalf("tracking in the report: %+v", tr)
	}

	file, err := f.wf.ExportReport(ctx, f.assessor, id, "md", 0)
	if err != nil {
		t.Fatal(err)
	}
	md := string(file.Body)
	for _, want := range []string{"## Mitigation tracking since approval", "Planned → Verified", tr.Moved[0].ChangedBy, "`" + hash + "`"} {
		if !strings.Contains(md, want) {
			t.Errorf("exported Markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "<script>") {
		t.Error("tracking evidence reached the Markdown as raw HTML")
	}
	exports, err := f.wf.Store().Exports(ctx, id)
	if err != nil || len(exports) != 1 || exports[0].Tracking != 1 || exports[0].StateHash != hash {
		t.Errorf("export record: %v %+v", err, exports)
	}
	// An earlier revision's report is a draft without tracking.
	if old, _, err := f.wf.Report(ctx, f.assessor, id, a.Revision-1); err != nil || old.Tracking != nil {
		t.Errorf("report of revision %d: %v, tracking %+v", a.Revision-1, err, old.Tracking)
	}
}
