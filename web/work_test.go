package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// workApp: "Support bot" (Alice owns, Rita reviews) is in review, with Alice's mitigation overdue;
// "Search ranker" (Bob owns) has changes requested. Vera is a member of nothing.
type workApp struct {
	*app
	alice, rita, bob, vera *assessments.User
	support, ranker        *assessments.Project
	supportAID             int64
}

func newWorkApp(t *testing.T) *workApp {
	t.Helper()
	a := newApp(t)
	now := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	a.web.SetClock(func() time.Time { return now })
	a.store.SetClock(func() time.Time { return now })
	ctx := context.Background()
	w := &workApp{app: a}
	named := func(email, name string) *assessments.User {
		u := a.user(email, false)
		if err := a.store.UpdateUser(ctx, u.ID, name, false); err != nil {
			t.Fatal(err)
		}
		u.Name = name
		return u
	}
	w.alice, w.rita, w.bob, w.vera = named("alice@example.org", "Alice Martin"), named("rita@example.org", "Rita Costa"),
		named("bob@example.org", "Bob Lee"), named("vera@example.org", "Vera Outsider")
	w.support, w.ranker = a.project(w.alice, "Support bot"), a.project(w.bob, "Search ranker")
	a.member(w.support, w.rita, assessments.RoleReviewer)
	if _, err := a.store.EnsureQuestionnaire(ctx, "q", 1, "Q", []byte("key: q")); err != nil {
		t.Fatal(err)
	}
	start := func(p *assessments.Project, owner *assessments.User, title, due string) *assessments.Assessment {
		st := assessments.State{Questionnaire: "q", QuestionnaireVersion: 1, Seq: 2,
			Findings: map[string]*assessments.Finding{"f1": {ID: "f1", Title: "Risk of " + title, Category: "c", Likelihood: 3, Severity: 3,
				Status: assessments.FindingOpen, Mitigations: []string{"m1"}, Residual: assessments.Residual{Likelihood: 1, Severity: 3}}},
			Mitigations: map[string]*assessments.Mitigation{"m1": {ID: "m1", Title: title, Owner: owner.ID, Due: due, Status: assessments.MitigationPlanned}}}
		as, err := a.store.CreateAssessment(ctx, store.NewAssessment{ProjectID: p.ID, State: st, Author: owner.ID, Summary: "start"})
		if err != nil {
			t.Fatal(err)
		}
		as, err = a.store.Decide(ctx, store.Decision{AssessmentID: as.ID, Base: as.Revision, UserID: owner.ID, UserEmail: owner.Email,
			Kind: assessments.ReviewSubmit, Status: assessments.InReview, Summary: "Submitted"})
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	w.supportAID = start(w.support, w.alice, "Zero-retention contract", "2026-12-01").ID
	ranker := start(w.ranker, w.bob, "Query log retention", "2027-03-01")
	if _, err := a.store.Decide(ctx, store.Decision{AssessmentID: ranker.ID, Base: ranker.Revision, UserID: w.rita.ID, UserEmail: w.rita.Email,
		Kind: assessments.ReviewRequestChanges, Status: assessments.ChangesRequested, Summary: "Changes requested"}); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWorkPages(t *testing.T) {
	w := newWorkApp(t)
	id := func(p *assessments.Project) string { return strconv.FormatInt(p.ID, 10) }
	for _, c := range []struct {
		name     string
		who      *assessments.User
		path     string
		status   int
		has      []string // data-testids present
		hasNot   []string
		contains []string
		lacks    []string
	}{
		{"reviewer's dashboard", w.rita, "/", 200, []string{"waiting", "waiting-review", "my-work-link"}, []string{"waiting-mitigation"},
			[]string{"Support bot · cycle 1", "submitted 2026-12-10"}, []string{"Search ranker"}},
		{"assessor's dashboard", w.alice, "/", 200, []string{"waiting-mitigation", "overdue"}, []string{"waiting-review"},
			[]string{"Zero-retention contract", "due 2026-12-01, 9 days ago", "Overdue", `<span class="person" title="alice@example.org">Alice Martin</span>`},
			[]string{">alice@example.org<"}},
		{"owner's dashboard", w.bob, "/", 200, []string{"waiting-changes_requested", "waiting-mitigation"}, []string{"overdue"}, nil, []string{"Support bot"}},
		{"reviewer's work", w.rita, "/work", 200, []string{"work-review", "work-row"}, []string{"work-empty"}, []string{"Awaiting your review"}, []string{"Zero-retention"}},
		{"assessor's work", w.alice, "/work", 200, []string{"work-mitigation", "overdue"}, nil, []string{"Zero-retention contract", "Overdue"}, []string{"Search ranker"}},
		{"work filtered by kind", w.bob, "/work?kind=changes_requested", 200, []string{"work-changes_requested"}, []string{"work-mitigation"}, nil, nil},
		{"work within 30 days leaves later mitigations out", w.bob, "/work?within=30&kind=mitigation", 200, []string{"work-mitigation"}, []string{"work-row"}, nil, nil},
		{"work of nobody", w.vera, "/work", 200, []string{"work-empty"}, []string{"work-row"}, nil, nil},
		{"work filter refused beside its field", w.bob, "/work?within=abc", 422, []string{"work-filter"}, []string{"work-row"},
			[]string{"Give a number of days", `value="abc"`}, nil},
		{"work on another team's project", w.bob, "/work?project=" + id(w.support), 404, nil, nil, nil, nil},
		{"register of a reviewer", w.rita, "/mitigations", 200, []string{"register", "register-row", "mitigation-tabs", "overdue"}, nil,
			[]string{`title="alice@example.org"`, "Alice Martin", "Not approved yet"}, []string{"Query log retention"}},
		{"register of a non-member", w.vera, "/mitigations", 200, []string{"register-empty"}, []string{"register-row"}, nil, []string{"Alice Martin"}},
		{"register filtered overdue", w.bob, "/mitigations?due=overdue", 200, []string{"register-empty"}, nil, nil, nil},
		{"register filtered by owner", w.bob, "/mitigations?owner=me&status=open", 200, []string{"register-row"}, nil, []string{"Query log retention", "Bob Lee"}, nil},
		{"register of another team's project", w.rita, "/mitigations?project=" + id(w.ranker), 404, nil, nil, nil, []string{"Query log retention"}},
		{"register filter refused", w.bob, "/mitigations?status=done&page=0", 422, []string{"register-filter"}, []string{"register"},
			[]string{"Choose one of open", "Give a page number"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := w.signedIn(c.who).get(c.path)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%.2000s", r.status, c.status, r.body)
			}
			for _, tid := range c.has {
				if !r.has(tid) {
					t.Errorf("no %s", tid)
				}
			}
			for _, tid := range c.hasNot {
				if r.has(tid) {
					t.Errorf("has %s", tid)
				}
			}
			for _, s := range c.contains {
				if !strings.Contains(r.body, s) {
					t.Errorf("does not say %q", s)
				}
			}
			for _, s := range c.lacks {
				if strings.Contains(r.body, s) {
					t.Errorf("says %q", s)
				}
			}
		})
	}
	// The catalogue sits beside the register (on an app whose questionnaires all load).
	a := newApp(t)
	if r := a.signedIn(a.user("cat@example.org", false)).get("/catalogue"); r.status != 200 || !r.has("mitigation-tabs") {
		t.Errorf("catalogue: %d, tabs %v", r.status, r.has("mitigation-tabs"))
	}
	if r := w.anonymous().get("/work"); r.status != http.StatusSeeOther {
		t.Errorf("/work signed out: %d", r.status)
	}
}

func TestWorkAPI(t *testing.T) {
	w := newWorkApp(t)
	type work struct {
		Today string `json:"today"`
		Lists []struct {
			Kind  string `json:"kind"`
			Count int    `json:"count"`
			Items []struct {
				AssessmentID int64  `json:"assessment_id"`
				ProjectName  string `json:"project_name"`
				Due          string `json:"due"`
				Overdue      bool   `json:"overdue"`
			} `json:"items"`
		} `json:"lists"`
	}
	get := func(u *assessments.User, path string, status int) response {
		t.Helper()
		r := w.api("GET", path, w.token(u), "")
		if r.status != status {
			t.Fatalf("%s %s: %d, want %d\n%s", u.Email, path, r.status, status, r.body)
		}
		return r
	}
	var got work
	get(w.rita, "/api/v1/me/work", 200).json(t, &got)
	if got.Today != "2026-12-10" || len(got.Lists) != 5 || got.Lists[0].Kind != "review" || got.Lists[0].Count != 1 ||
		got.Lists[0].Items[0].AssessmentID != w.supportAID || got.Lists[1].Count != 0 {
		t.Errorf("reviewer's work: %+v", got)
	}
	get(w.alice, "/api/v1/me/work?kind=mitigation", 200).json(t, &got)
	if len(got.Lists) != 1 || got.Lists[0].Count != 1 || !got.Lists[0].Items[0].Overdue || got.Lists[0].Items[0].Due != "2026-12-01" {
		t.Errorf("assessor's mitigations: %+v", got)
	}
	get(w.vera, "/api/v1/me/work", 200).json(t, &got)
	for _, l := range got.Lists {
		if l.Count != 0 {
			t.Errorf("a member of nothing has work: %+v", l)
		}
	}
	get(w.vera, "/api/v1/me/work?project="+strconv.FormatInt(w.support.ID, 10), 404)
	var bad struct {
		Fields map[string]string `json:"fields"`
	}
	get(w.bob, "/api/v1/me/work?kind=all&within=0", 422).json(t, &bad)
	if bad.Fields["kind"] == "" || bad.Fields["within"] == "" {
		t.Errorf("422 without the fields: %+v", bad)
	}

	var reg struct {
		Total       int `json:"total"`
		PerPage     int `json:"per_page"`
		Mitigations []struct {
			Title      string `json:"title"`
			OwnerName  string `json:"owner_name"`
			OwnerEmail string `json:"owner_email"`
			Status     string `json:"status"`
			Approved   bool   `json:"approved"`
			Overdue    bool   `json:"overdue"`
		} `json:"mitigations"`
		Owners []store.Person `json:"owners"`
	}
	get(w.rita, "/api/v1/mitigations", 200).json(t, &reg)
	if reg.Total != 1 || reg.Mitigations[0].Title != "Zero-retention contract" || reg.Mitigations[0].OwnerName != "Alice Martin" ||
		reg.Mitigations[0].OwnerEmail != "alice@example.org" || !reg.Mitigations[0].Overdue || len(reg.Owners) != 1 {
		t.Errorf("reviewer's register: %+v", reg)
	}
	get(w.vera, "/api/v1/mitigations", 200).json(t, &reg)
	if reg.Total != 0 || len(reg.Mitigations) != 0 || len(reg.Owners) != 0 {
		t.Errorf("a non-member's register: %+v", reg)
	}
	get(w.vera, "/api/v1/mitigations?project="+strconv.FormatInt(w.ranker.ID, 10), 404)
	get(w.bob, "/api/v1/mitigations?per_page=1000", 422)
	get(w.bob, "/api/v1/mitigations?page=18446744073709551617", 422)
	get(w.bob, "/api/v1/mitigations?due=soon", 422)
	if r := w.api("GET", "/api/v1/me/work", "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("work without a token: %d", r.status)
	}
}
