package workflow_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// workFixture: two projects on a real database. "Support bot" (Ana owns, Rita reviews) is in
// review with Ana's mitigation overdue; "Search ranker" (Bob owns) has changes requested and a
// mitigation of Bob's. Vic is a viewer of nothing; Ada is an admin of nothing.
type workFixture struct {
	wf                   *workflow.Service
	ana, rita, bob, ada  *assessments.User
	vic                  *assessments.User
	support, ranker      *assessments.Project
	supportID, rankerAID int64
}

func newWorkFixture(t *testing.T) *workFixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.New(t)
	now := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	st.SetClock(func() time.Time { return now })
	wf := workflow.New(st, slog.New(slog.NewTextHandler(io.Discard, nil)), workflow.Config{})
	wf.SetClock(func() time.Time { return now })
	f := &workFixture{wf: wf}
	user := func(email, name string, admin bool) *assessments.User {
		u, err := st.CreateUser(ctx, store.NewUser{Email: email, Name: name, IsAdmin: admin})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.ana, f.rita, f.bob = user("ana@example.org", "Ana Assessor", false), user("rita@example.org", "Rita Reviewer", false), user("bob@example.org", "", false)
	f.vic, f.ada = user("vic@example.org", "Vic", false), user("ada@example.org", "Ada Admin", true)
	var err error
	if f.support, err = st.CreateProject(ctx, f.ana.ID, assessments.ProjectFields{Name: "Support bot"}, nil); err != nil {
		t.Fatal(err)
	}
	if f.ranker, err = st.CreateProject(ctx, f.bob.ID, assessments.ProjectFields{Name: "Search ranker"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.SetMember(ctx, f.support.ID, f.rita.ID, assessments.RoleReviewer); err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	state := func(owner int64, title, due string) assessments.State {
		return assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Seq: 2,
			Findings: map[string]*assessments.Finding{"f1": {ID: "f1", Title: "Risk of " + title, Category: "c", Likelihood: 3, Severity: 3,
				Status: assessments.FindingOpen, Mitigations: []string{"m1"}, Residual: assessments.Residual{Likelihood: 1, Severity: 3}}},
			Mitigations: map[string]*assessments.Mitigation{"m1": {ID: "m1", Title: title, Owner: owner, Due: due, Status: assessments.MitigationPlanned}}}
	}
	decide := func(a *assessments.Assessment, u *assessments.User, kind assessments.ReviewKind, status assessments.Status) *assessments.Assessment {
		a, err := st.Decide(ctx, store.Decision{AssessmentID: a.ID, Base: a.Revision, UserID: u.ID, UserEmail: u.Email, Kind: kind, Status: status, Summary: string(kind)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a, err := st.CreateAssessment(ctx, store.NewAssessment{ProjectID: f.support.ID, State: state(f.ana.ID, "Zero-retention contract", "2026-12-01"), Author: f.ana.ID, Summary: "start"})
	if err != nil {
		t.Fatal(err)
	}
	decide(a, f.ana, assessments.ReviewSubmit, assessments.InReview)
	f.supportID = a.ID
	b, err := st.CreateAssessment(ctx, store.NewAssessment{ProjectID: f.ranker.ID, State: state(f.bob.ID, "Query log retention", "2027-03-01"), Author: f.bob.ID, Summary: "start"})
	if err != nil {
		t.Fatal(err)
	}
	b = decide(b, f.bob, assessments.ReviewSubmit, assessments.InReview)
	decide(b, f.ada, assessments.ReviewRequestChanges, assessments.ChangesRequested)
	f.rankerAID = b.ID
	return f
}

func as(u *assessments.User) workflow.Actor { return workflow.Actor{User: u} }

func TestMyWorkByRole(t *testing.T) {
	ctx := context.Background()
	f := newWorkFixture(t)
	counts := func(u *assessments.User, filter workflow.WorkFilter) map[string]int {
		t.Helper()
		w, err := f.wf.MyWork(ctx, as(u), filter)
		if err != nil {
			t.Fatalf("%s: %v", u.Email, err)
		}
		out := map[string]int{}
		for _, l := range w.Lists {
			if l.Count != len(l.Items) {
				t.Errorf("%s %s: count %d for %d items", u.Email, l.Kind, l.Count, len(l.Items))
			}
			if l.Count > 0 {
				out[l.Kind] = l.Count
			}
		}
		return out
	}
	same := func(who string, got, want map[string]int) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", who, got, want)
			return
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: got %v, want %v", who, got, want)
			}
		}
	}
	same("reviewer", counts(f.rita, workflow.WorkFilter{}), map[string]int{"review": 1})
	same("assessor with a mitigation", counts(f.ana, workflow.WorkFilter{}), map[string]int{"mitigation": 1})
	same("owner with changes requested", counts(f.bob, workflow.WorkFilter{}), map[string]int{"mitigation": 1, "changes_requested": 1})
	same("member of nothing", counts(f.vic, workflow.WorkFilter{}), map[string]int{})
	// An admin sees every project but has work only where they are a member.
	same("admin", counts(f.ada, workflow.WorkFilter{}), map[string]int{})

	w, err := f.wf.MyWork(ctx, as(f.ana), workflow.WorkFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := w.List("mitigation").Items[0]
	if !m.Overdue || m.Due != "2026-12-01" || m.ProjectName != "Support bot" || w.Today != "2026-12-10" || w.Horizon != "2027-01-09" {
		t.Errorf("Ana's mitigation: %+v in %+v", m, w)
	}
	// Filters: kind, project, due within (which then leaves out mitigations due later).
	same("kind filter", counts(f.bob, workflow.WorkFilter{Kind: "changes_requested"}), map[string]int{"changes_requested": 1})
	same("within 30 days", counts(f.bob, workflow.WorkFilter{Within: 30}), map[string]int{"changes_requested": 1})
	same("within 90 days", counts(f.bob, workflow.WorkFilter{Within: 90}), map[string]int{"mitigation": 1, "changes_requested": 1})
	same("own project", counts(f.bob, workflow.WorkFilter{ProjectID: f.ranker.ID}), map[string]int{"mitigation": 1, "changes_requested": 1})
	if _, err := f.wf.MyWork(ctx, as(f.bob), workflow.WorkFilter{ProjectID: f.support.ID}); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("filtering on another team's project: %v", err)
	}
	if _, err := f.wf.MyWork(ctx, workflow.System, workflow.WorkFilter{}); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("work without a user: %v", err)
	}
}

func TestParseWorkFilter(t *testing.T) {
	for _, c := range []struct {
		kind, project, within string
		field                 string // the field refused, "" when accepted
	}{
		{"", "", "", ""},
		{"review", "12", "90", ""},
		{"reviews", "", "", "kind"},
		{"", "-1", "", "project"},
		{"", "1e3", "", "project"},
		{"", "99999999999999999999", "", "project"},
		{"", "", "0", "within"},
		{"", "", "3661", "within"},
		{"", "", "1,000", "within"},
	} {
		f, err := workflow.ParseWorkFilter(c.kind, c.project, c.within)
		var ve *workflow.ValidationError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v refused: %v", c, err)
		case c.field != "" && (!errors.As(err, &ve) || ve.Fields[c.field] == ""):
			t.Errorf("%+v: want %s refused, got %v (%+v)", c, c.field, err, f)
		}
	}
}

func TestMitigationRegisterScope(t *testing.T) {
	ctx := context.Background()
	f := newWorkFixture(t)
	list := func(u *assessments.User, in workflow.RegisterFilter) *workflow.RegisterPage {
		t.Helper()
		p, err := f.wf.MitigationRegister(ctx, as(u), in, "", "")
		if err != nil {
			t.Fatalf("%s %+v: %v", u.Email, in, err)
		}
		return p
	}
	if p := list(f.rita, workflow.RegisterFilter{}); p.Total != 1 || p.Items[0].ProjectName != "Support bot" {
		t.Errorf("a reviewer sees other projects' mitigations: %+v", p.Items)
	}
	if p := list(f.vic, workflow.RegisterFilter{}); p.Total != 0 || len(p.Owners) != 0 {
		t.Errorf("a member of nothing sees mitigations or owners: %+v", p)
	}
	p := list(f.ada, workflow.RegisterFilter{})
	if p.Total != 2 || len(p.Owners) != 2 {
		t.Fatalf("an admin sees every project: %+v", p)
	}
	first := p.Items[0]
	if first.Title != "Zero-retention contract" || !first.Overdue || first.OwnerName != "Ana Assessor" || first.OwnerEmail != "ana@example.org" {
		t.Errorf("soonest due first, overdue, owner by name with email: %+v", first)
	}
	if p.Items[1].OwnerName != "bob@example.org" || p.Items[1].Overdue {
		t.Errorf("an owner without a name, not overdue: %+v", p.Items[1])
	}
	for _, c := range []struct {
		name string
		in   workflow.RegisterFilter
		want int
	}{
		{"project", workflow.RegisterFilter{Project: itoa(f.ranker.ID)}, 1},
		{"owner me", workflow.RegisterFilter{Owner: "me"}, 0},
		{"owner", workflow.RegisterFilter{Owner: itoa(f.ana.ID)}, 1},
		{"open", workflow.RegisterFilter{Status: "open"}, 2},
		{"verified", workflow.RegisterFilter{Status: "verified"}, 0},
		{"overdue", workflow.RegisterFilter{Due: "overdue"}, 1},
		{"due within 30 days", workflow.RegisterFilter{Due: "30"}, 1},
		{"due within 81 days: the last day counts", workflow.RegisterFilter{Due: "81"}, 2},
	} {
		if p := list(f.ada, c.in); p.Total != c.want || len(p.Items) != c.want {
			t.Errorf("%s: %d of %d listed, want %d", c.name, len(p.Items), p.Total, c.want)
		}
	}
	if _, err := f.wf.MitigationRegister(ctx, as(f.rita), workflow.RegisterFilter{Project: itoa(f.ranker.ID)}, "", ""); !errors.Is(err, workflow.ErrNotFound) {
		t.Errorf("a project the reviewer is not in: %v", err)
	}
	// Pages are bounded and typed; bad filters name their field.
	if p, err := f.wf.MitigationRegister(ctx, as(f.ada), workflow.RegisterFilter{}, "2", "1"); err != nil || p.Total != 2 || len(p.Items) != 1 ||
		p.Items[0].Title != "Query log retention" || p.Pages() != 2 {
		t.Errorf("second page of one: %v %+v", err, p)
	}
	for _, c := range []struct {
		in            workflow.RegisterFilter
		page, perPage string
		field         string
	}{
		{workflow.RegisterFilter{}, "0", "", "page"},
		{workflow.RegisterFilter{}, "100001", "", "page"},
		{workflow.RegisterFilter{}, "9223372036854775807", "", "page"},
		{workflow.RegisterFilter{}, "", "101", "per_page"},
		{workflow.RegisterFilter{Project: "x"}, "", "", "project"},
		{workflow.RegisterFilter{Owner: "you"}, "", "", "owner"},
		{workflow.RegisterFilter{Status: "done"}, "", "", "status"},
		{workflow.RegisterFilter{Due: "-3"}, "", "", "due"},
		{workflow.RegisterFilter{Due: "4000"}, "", "", "due"},
	} {
		_, err := f.wf.MitigationRegister(ctx, as(f.ada), c.in, c.page, c.perPage)
		var ve *workflow.ValidationError
		if !errors.As(err, &ve) || ve.Fields[c.field] == "" {
			t.Errorf("%+v page %q per %q: want %s refused, got %v", c.in, c.page, c.perPage, c.field, err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
