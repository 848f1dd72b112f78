package workflow

import (
	"errors"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

func TestLinkMitigation(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	first, second := f.addFinding(t, "Prompts kept in logs"), f.addFinding(t, "Checkpoints copied to laptops")
	rev := f.current(t).Revision
	title, empty, stranger := "Purge logs after 30 days", "", f.outside.User.ID
	badDue := "next week"
	for _, tc := range []struct {
		name  string
		in    MitigationLink
		field string
	}{
		{"nothing chosen", MitigationLink{Finding: first}, "catalogue"},
		{"unknown catalogue measure", MitigationLink{Finding: first, Catalogue: "no-such-measure"}, "catalogue"},
		{"unknown existing mitigation", MitigationLink{Finding: first, Existing: "m404"}, "existing"},
		{"empty custom title", MitigationLink{Finding: first, Title: &empty}, "title"},
		{"owner not a member", MitigationLink{Finding: first, Title: &title, Owner: &stranger}, "owner"},
		{"due not a date", MitigationLink{Finding: first, Title: &title, Due: &badDue}, "due"},
	} {
		_, _, err := f.wf.LinkMitigation(ctx, f.assessor, id, rev, tc.in)
		wantField(t, tc.name, err, tc.field)
	}
	if _, _, err := f.wf.LinkMitigation(ctx, f.assessor, id, rev, MitigationLink{Finding: "f404", Title: &title}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown finding: %v, want ErrNotFound", err)
	}
	if _, _, err := f.wf.LinkMitigation(ctx, f.viewer, id, rev, MitigationLink{Finding: first, Title: &title}); !errors.Is(err, ErrForbidden) {
		t.Errorf("viewer: %v, want ErrForbidden", err)
	}
	_, _, err := f.wf.LinkMitigation(ctx, f.assessor, id, rev-1, MitigationLink{Finding: first, Title: &title})
	wantConflict(t, "stale revision", err, rev)

	// One catalogue measure linked to two findings is one mitigation linked to both.
	cat, err := f.wf.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	measure := cat.All()[0]
	owner := f.assessor.User.ID
	_, m1, err := f.wf.LinkMitigation(ctx, f.assessor, id, rev, MitigationLink{Finding: first, Catalogue: measure.Key, Owner: &owner})
	if err != nil {
		t.Fatal(err)
	}
	if m1.Title != measure.Title || m1.Catalogue != measure.Key || m1.Owner != owner || m1.Status != assessments.MitigationPlanned {
		t.Fatalf("catalogue mitigation %+v", m1)
	}
	saved, m2, err := f.wf.LinkMitigation(ctx, f.assessor, id, rev+1, MitigationLink{Finding: second, Catalogue: measure.Key})
	if err != nil {
		t.Fatal(err)
	}
	if m2.ID != m1.ID || len(saved.State.Mitigations) != 1 {
		t.Fatalf("second link made mitigation %s beside %s (%d in all), want one linked to both", m2.ID, m1.ID, len(saved.State.Mitigations))
	}
	if got := assessments.FindingsOf(saved.State, m1.ID); len(got) != 2 {
		t.Fatalf("the mitigation is linked to %d findings, want 2", len(got))
	}

	// Unlink from one finding: it stays on the other; from both: it is gone.
	rev = saved.Revision
	if _, _, err := f.wf.UnlinkMitigation(ctx, f.assessor, id, rev, first, "m404"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unlink unknown mitigation: %v, want ErrNotFound", err)
	}
	saved, fd, err := f.wf.UnlinkMitigation(ctx, f.assessor, id, rev, first, m1.ID)
	if err != nil || len(fd.Mitigations) != 0 || saved.State.Mitigations[m1.ID] == nil {
		t.Fatalf("unlink from the first: %v, finding %+v", err, fd)
	}
	saved, _, err = f.wf.UnlinkMitigation(ctx, f.assessor, id, saved.Revision, second, m1.ID)
	if err != nil || len(saved.State.Mitigations) != 0 {
		t.Fatalf("unlink from both: %v, %d mitigations left", err, len(saved.State.Mitigations))
	}
}

func TestUpdateMitigation(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	fid := f.addFinding(t, "Prompts kept in logs")
	title := "Purge logs after 30 days"
	saved, m, err := f.wf.LinkMitigation(ctx, f.assessor, id, f.current(t).Revision, MitigationLink{Finding: fid, Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	rev := saved.Revision
	verified, bogus := assessments.MitigationVerified, assessments.MitigationStatus("done")
	nul, stranger := "x\x00", f.outside.User.ID
	for _, tc := range []struct {
		name  string
		in    MitigationChange
		field string
	}{
		{"verified without evidence", MitigationChange{Mitigation: m.ID, Status: &verified}, "evidence"},
		{"unknown status", MitigationChange{Mitigation: m.ID, Status: &bogus}, "status"},
		{"evidence with NUL", MitigationChange{Mitigation: m.ID, Evidence: &nul}, "evidence"},
		{"owner not a member", MitigationChange{Mitigation: m.ID, Owner: &stranger}, "owner"},
	} {
		_, _, err := f.wf.UpdateMitigation(ctx, f.assessor, id, rev, tc.in)
		wantField(t, tc.name, err, tc.field)
	}
	implemented := assessments.MitigationImplemented
	if _, _, err := f.wf.UpdateMitigation(ctx, f.assessor, id, rev, MitigationChange{Mitigation: "m404", Status: &implemented}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown mitigation: %v, want ErrNotFound", err)
	}
	if _, _, err := f.wf.UpdateMitigation(ctx, f.reviewer, id, rev, MitigationChange{Mitigation: m.ID, Status: &implemented}); !errors.Is(err, ErrForbidden) {
		t.Errorf("reviewer: %v, want ErrForbidden", err)
	}
	_, _, err = f.wf.UpdateMitigation(ctx, f.assessor, id, rev-1, MitigationChange{Mitigation: m.ID, Status: &implemented})
	wantConflict(t, "stale revision", err, rev)
	saved, m, err = f.wf.UpdateMitigation(ctx, f.assessor, id, rev, MitigationChange{Mitigation: m.ID, Status: &implemented})
	if err != nil || m.Status != implemented || saved.Revision != rev+1 {
		t.Fatalf("update: %v %+v", err, m)
	}
	// Approved: the register is frozen; tracking takes over and keeps working.
	f.decide(t, assessments.ReviewSubmit, assessments.InReview)
	f.decide(t, assessments.ReviewApprove, assessments.Approved)
	_, _, err = f.wf.UpdateMitigation(ctx, f.assessor, id, f.current(t).Revision, MitigationChange{Mitigation: m.ID, Status: &verified})
	var frozen *FrozenError
	if !errors.As(err, &frozen) {
		t.Errorf("update after approval: %v, want a FrozenError", err)
	}
	evidence := "Log store retention set to 30 days; checked on 2026-12-01."
	if _, cur, err := f.wf.TrackMitigation(ctx, f.assessor, id, assessments.TrackingChange{Mitigation: m.ID, Status: &verified, Evidence: &evidence}); err != nil || cur.Status != verified {
		t.Errorf("tracking after approval: %v %+v", err, cur)
	}
}
