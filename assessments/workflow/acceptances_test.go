package workflow

import (
	"errors"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

func TestAcceptRisk(t *testing.T) {
	f := newRegisterFixture(t)
	ctx, id := t.Context(), f.assessment.ID
	f.wf.SetClock(func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) })
	fid := f.addFinding(t, "Prompts kept in logs")
	rev := f.current(t).Revision
	good := AcceptanceInput{Finding: fid, Justification: "Canary tests show no exposure; accepted for this cycle.", Expires: "2027-06-30"}
	for _, who := range []Actor{f.owner, f.assessor, f.viewer, f.admin} {
		if _, _, err := f.wf.AcceptRisk(ctx, who, id, rev, good); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s accepted a risk: %v, want ErrForbidden", who.User.Email, err)
		}
	}
	if _, _, err := f.wf.AcceptRisk(ctx, f.outside, id, rev, good); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider: %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		name, justification, expires, field string
	}{
		{"short justification", "fine", "2027-06-30", "justification"},
		{"justification with NUL", "Accepted for this cycle\x00 after tests.", "2027-06-30", "justification"},
		{"no expiry", good.Justification, "", "expires"},
		{"expiry in the past", good.Justification, "2026-01-01", "expires"},
		{"expiry past three years", good.Justification, "2099-01-01", "expires"},
		{"expiry not a date", good.Justification, "2027-02-30", "expires"},
	} {
		_, _, err := f.wf.AcceptRisk(ctx, f.reviewer, id, rev, AcceptanceInput{Finding: fid, Justification: tc.justification, Expires: tc.expires})
		wantField(t, tc.name, err, tc.field)
	}
	if _, _, err := f.wf.AcceptRisk(ctx, f.reviewer, id, rev, AcceptanceInput{Finding: "f404", Justification: good.Justification, Expires: good.Expires}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown finding: %v, want ErrNotFound", err)
	}
	_, _, err := f.wf.AcceptRisk(ctx, f.reviewer, id, rev-1, good)
	wantConflict(t, "stale revision", err, rev)
	entries := func() int {
		list, _, err := f.wf.Store().AuditEntries(ctx, store.AuditQuery{Action: store.AuditRiskAccept})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	if entries() != 0 {
		t.Fatal("a refused acceptance was audited")
	}
	saved, fd, err := f.wf.AcceptRisk(ctx, f.reviewer, id, rev, good)
	if err != nil {
		t.Fatal(err)
	}
	if fd.Status != assessments.FindingAccepted || fd.Acceptance == nil || fd.Acceptance.By != f.reviewer.User.ID ||
		fd.Acceptance.At != "2026-11-30T09:00:00Z" || saved.Revision != rev+1 {
		t.Fatalf("accepted finding %+v at revision %d", fd, saved.Revision)
	}
	list, _, _ := f.wf.Store().AuditEntries(ctx, store.AuditQuery{Action: store.AuditRiskAccept})
	if len(list) != 1 || list[0].Target != store.AuditTarget("assessment", id) {
		t.Fatalf("audit entries %+v, want one risk.accept on the assessment", list)
	}

	_, fd, err = f.wf.WithdrawAcceptance(ctx, f.reviewer, id, saved.Revision, fid)
	if err != nil || fd.Status != assessments.FindingOpen || fd.Acceptance != nil {
		t.Fatalf("withdrawn: %v %+v", err, fd)
	}
	if _, _, err := f.wf.WithdrawAcceptance(ctx, f.assessor, id, saved.Revision+1, fid); !errors.Is(err, ErrForbidden) {
		t.Errorf("assessor withdrew: %v, want ErrForbidden", err)
	}
	if list, _, _ := f.wf.Store().AuditEntries(ctx, store.AuditQuery{Action: store.AuditRiskWithdraw}); len(list) != 1 {
		t.Errorf("%d risk.withdraw entries, want 1", len(list))
	}

	// Reviewers accept during review; after approval the decision is frozen.
	f.decide(t, assessments.ReviewSubmit, assessments.InReview)
	if _, _, err := f.wf.AcceptRisk(ctx, f.reviewer, id, f.current(t).Revision, good); err != nil {
		t.Errorf("accept in review: %v", err)
	}
	f.decide(t, assessments.ReviewApprove, assessments.Approved)
	_, _, err = f.wf.WithdrawAcceptance(ctx, f.reviewer, id, f.current(t).Revision, fid)
	var frozen *FrozenError
	if !errors.As(err, &frozen) {
		t.Errorf("withdraw after approval: %v, want a FrozenError", err)
	}
}
