package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments"
)

// who is one of the kinds of visitor the authorization matrix checks.
type who string

const (
	owner     who = "owner"
	assessor  who = "assessor"
	reviewer  who = "reviewer"
	viewer    who = "viewer"
	nonMember who = "non-member"
	anonymous who = "anonymous"
	admin     who = "admin"
)

var everyone = []who{owner, assessor, reviewer, viewer, nonMember, anonymous, admin}

// matrixFixture is a project with one member of each role, plus an outsider and an admin.
type matrixFixture struct {
	app     *app
	project *assessments.Project
	dataset int64
	users   map[who]*assessments.User
	target  *assessments.User // a member the member routes act on
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	a := newApp(t)
	f := &matrixFixture{app: a, users: map[who]*assessments.User{}}
	f.users[owner] = a.user("owner@example.org", false)
	f.project = a.project(f.users[owner], "Support bot")
	for _, w := range []who{assessor, reviewer, viewer} {
		f.users[w] = a.user(string(w)+"@example.org", false)
		a.member(f.project, f.users[w], assessments.Role(w))
	}
	f.users[nonMember] = a.user("outsider@example.org", false)
	f.users[admin] = a.user("admin@example.org", true)
	f.target = a.user("target@example.org", false)
	a.member(f.project, f.target, assessments.RoleViewer)
	ds, err := a.store.Datasets(t.Context(), f.project.ID)
	if err != nil || len(ds) == 0 {
		t.Fatal("fixture has no dataset")
	}
	f.dataset = ds[0].ID
	return f
}

func (f *matrixFixture) client(w who) *client {
	if w == anonymous {
		return f.app.anonymous()
	}
	return f.app.signedIn(f.users[w])
}

// TestProjectRouteAuthorization runs every project route for every kind of visitor on a fresh
// database and checks the status: members may do what their role allows, get 403 for the rest,
// and everyone else gets 404, as if the project did not exist.
func TestProjectRouteAuthorization(t *testing.T) {
	const (
		ok       = http.StatusOK
		redirect = http.StatusSeeOther
		denied   = http.StatusForbidden
		hidden   = http.StatusNotFound
	)
	view := map[who]int{owner: ok, assessor: ok, reviewer: ok, viewer: ok, nonMember: hidden, anonymous: redirect, admin: ok}
	editPage := map[who]int{owner: ok, assessor: ok, reviewer: denied, viewer: denied, nonMember: hidden, anonymous: redirect, admin: ok}
	editPost := map[who]int{owner: redirect, assessor: redirect, reviewer: denied, viewer: denied, nonMember: hidden, anonymous: redirect, admin: redirect}
	manage := map[who]int{owner: redirect, assessor: denied, reviewer: denied, viewer: denied, nonMember: hidden, anonymous: redirect, admin: redirect}

	routes := []struct {
		method, path string
		form         url.Values
		want         map[who]int
	}{
		{"GET", "/projects/{p}", nil, view},
		{"GET", "/projects/{p}/edit", nil, editPage},
		{"POST", "/projects/{p}/edit", url.Values{"name": {"Renamed"}, "version": {"1"}}, editPost},
		{"POST", "/projects/{p}/archive", url.Values{"archived": {"1"}}, manage},
		{"GET", "/projects/{p}/datasets/new", nil, editPage},
		{"POST", "/projects/{p}/datasets/new", url.Values{"ds_name": {"emails"}}, editPost},
		{"GET", "/projects/{p}/datasets/{d}/edit", nil, editPage},
		{"POST", "/projects/{p}/datasets/{d}/edit", url.Values{"ds_name": {"emails"}}, editPost},
		{"POST", "/projects/{p}/datasets/{d}/delete", nil, editPost},
		{"POST", "/projects/{p}/members", url.Values{"member_email": {"outsider@example.org"}, "member_role": {"viewer"}}, manage},
		{"POST", "/projects/{p}/members/{u}", url.Values{"role": {"reviewer"}}, manage},
		{"POST", "/projects/{p}/members/{u}/remove", nil, manage},
	}
	for _, r := range routes {
		for _, w := range everyone {
			t.Run(fmt.Sprintf("%s %s as %s", r.method, r.path, w), func(t *testing.T) {
				f := newMatrixFixture(t)
				path := strings.NewReplacer("{p}", fmt.Sprint(f.project.ID), "{d}", fmt.Sprint(f.dataset), "{u}", fmt.Sprint(f.target.ID)).Replace(r.path)
				c := f.client(w)
				var res response
				if r.method == "GET" {
					res = c.get(path)
				} else {
					form := url.Values{}
					for k, v := range r.form {
						form[k] = v
					}
					res = c.post(path, form)
				}
				if res.status != r.want[w] {
					t.Fatalf("status %d, want %d\n%s", res.status, r.want[w], res.body)
				}
				if w == anonymous && !strings.HasPrefix(res.header.Get("Location"), "/login") {
					t.Errorf("anonymous visitor sent to %q, want the sign-in page", res.header.Get("Location"))
				}
				if res.status == hidden && strings.Contains(res.body, "Support bot") {
					t.Error("the 404 page names the project")
				}
			})
		}
	}
}

func TestProjectListShowsOnlyVisibleProjects(t *testing.T) {
	a := newApp(t)
	alice := a.user("alice@example.org", false)
	bob := a.user("bob@example.org", false)
	root := a.user("root@example.org", true)
	a.project(alice, "Alice's assistant")
	a.project(bob, "Bob's classifier")
	for _, tc := range []struct {
		user        *assessments.User
		see, notSee []string
	}{
		{alice, []string{"Alice&#39;s assistant"}, []string{"Bob&#39;s classifier"}},
		{bob, []string{"Bob&#39;s classifier"}, []string{"Alice&#39;s assistant"}},
		{root, []string{"Alice&#39;s assistant", "Bob&#39;s classifier"}, nil},
	} {
		res := a.signedIn(tc.user).get("/projects")
		for _, s := range tc.see {
			if !strings.Contains(res.body, s) {
				t.Errorf("%s does not see %s", tc.user.Email, s)
			}
		}
		for _, s := range tc.notSee {
			if strings.Contains(res.body, s) {
				t.Errorf("%s sees %s", tc.user.Email, s)
			}
		}
	}
}

func TestProjectListSearchAndPages(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	for i := 0; i < 25; i++ {
		a.project(u, fmt.Sprintf("Project %02d", i))
	}
	a.project(u, "Radiology notes summariser")
	c := a.signedIn(u)
	first := c.get("/projects")
	if n := strings.Count(first.body, `data-testid="project-row"`); n != 20 {
		t.Errorf("first page has %d rows, want 20", n)
	}
	if !first.has("next-page") {
		t.Error("no link to the next page")
	}
	second := c.get("/projects?page=2")
	if n := strings.Count(second.body, `data-testid="project-row"`); n != 6 {
		t.Errorf("second page has %d rows, want 6", n)
	}
	found := c.get("/projects?q=radiology")
	if n := strings.Count(found.body, `data-testid="project-row"`); n != 1 || !strings.Contains(found.body, "Radiology notes summariser") {
		t.Errorf("search found %d rows", n)
	}
	// LIKE wildcards in the search are literal.
	if n := strings.Count(c.get("/projects?q=%25").body, `data-testid="project-row"`); n != 0 {
		t.Errorf("searching for %% matched %d projects", n)
	}
}

func TestArchivedProjectIsReadOnly(t *testing.T) {
	f := newMatrixFixture(t)
	c := f.client(owner)
	path := fmt.Sprintf("/projects/%d", f.project.ID)
	if r := c.post(path+"/archive", url.Values{"archived": {"1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("archive: %d", r.status)
	}
	page := c.get(path)
	if page.has("edit-project") || page.has("add-dataset") {
		t.Error("archived project still offers edit controls")
	}
	if r := c.post(path+"/datasets/new", url.Values{"ds_name": {"more"}}); r.status != http.StatusForbidden {
		t.Errorf("adding a dataset to an archived project: %d, want 403", r.status)
	}
	if !strings.Contains(c.get("/projects?archived=1").body, "Support bot") {
		t.Error("archived project missing from the archived list")
	}
	if r := c.post(path+"/archive", url.Values{"archived": {"0"}}); r.status != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.status)
	}
	if !c.get(path).has("edit-project") {
		t.Error("restored project is still read-only")
	}
}

func TestDatasetEditDetectsConflicts(t *testing.T) {
	f := newMatrixFixture(t)
	c := f.client(owner)
	path := fmt.Sprintf("/projects/%d/datasets/%d/edit", f.project.ID, f.dataset)
	page := c.get(path)
	was := between(page.body, `name="ds_was" value="`, `"`)
	if was == "" {
		t.Fatal("the edit form does not carry the dataset's fingerprint")
	}
	// Someone else renames it meanwhile.
	f.client(assessor).post(path, url.Values{"ds_name": {"tickets (2024)"}})
	res := c.post(path, url.Values{"ds_name": {"my rename"}, "ds_source": {"typed source"}, "ds_was": {was}})
	if res.status != http.StatusConflict || !strings.Contains(res.body, "typed source") {
		t.Fatalf("stale dataset edit: %d", res.status)
	}
	ds, _ := f.app.store.Dataset(t.Context(), f.project.ID, f.dataset)
	if ds.Name != "tickets (2024)" {
		t.Errorf("the stale edit overwrote the other: %q", ds.Name)
	}
}
