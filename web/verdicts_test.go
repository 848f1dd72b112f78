package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/workflow/workflowtest"
)

// TestSameVerdictEverywhere sends every input of workflowtest.Inputs through the HTML form and
// the JSON API and expects the table's verdict from both: the API refuses with 400 or 422 and
// names the field, the form re-renders with 422 and a message beside the field. (The CLI's half
// is in cmd/piaf.)
func TestSameVerdictEverywhere(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", true)
	tok := a.token(u)
	c := a.signedIn(u)
	p := a.project(u, "Support bot")
	id := startAssessment(t, a, tok, p)
	sectionOf := map[string]string{"record_count": "data_inventory", "dataset_deletion_date": "data_inventory", "purpose_description": "purpose"}
	datasetForm := map[string]string{"name": "ds_name", "source": "ds_source", "categories": "ds_categories", "data_subjects": "ds_subjects",
		"approx_records": "ds_records", "retention": "ds_retention"}
	revision := func() string {
		return strings.Trim(a.api("GET", fmt.Sprintf("/api/v1/assessments/%d", id), tok, "").header.Get("ETag"), `"`)
	}
	refusedAPI := func(r response) bool {
		return r.status == http.StatusBadRequest || r.status == http.StatusUnprocessableEntity
	}
	for _, in := range workflowtest.Inputs {
		t.Run(in.Name, func(t *testing.T) {
			var form, api response
			hasForm, hasAPI := true, true
			switch in.Entity {
			case "project":
				v := url.Values{"name": {"Form project"}}
				v.Set(in.Field, in.Value)
				form = c.post("/projects/new", v)
				body := `{"name":"API project",` + strconv.Quote(in.Field) + `:` + in.JSONValue() + `}`
				if in.Field == "name" {
					body = `{"name":` + in.JSONValue() + `}`
				}
				api = a.api("POST", "/api/v1/projects", tok, body)
			case "dataset":
				v := url.Values{"ds_name": {"tickets"}}
				v.Set(datasetForm[in.Field], in.Value)
				form = c.post(fmt.Sprintf("/projects/%d/datasets/new", p.ID), v)
				ds := `{"name":"tickets",` + strconv.Quote(in.Field) + `:` + in.JSONValue() + `}`
				if in.Field == "name" {
					ds = `{"name":` + in.JSONValue() + `}`
				}
				api = a.api("POST", "/api/v1/projects", tok, `{"name":"API project","datasets":[`+ds+`]}`)
			case "answer":
				form = c.post(fmt.Sprintf("/assessments/%d/sections/%s", id, sectionOf[in.Field]), url.Values{"revision": {revision()}, "q." + in.Field: {in.Value}})
				api = a.api("PATCH", fmt.Sprintf("/api/v1/assessments/%d/answers", id), tok, `{"answers":{`+strconv.Quote(in.Field)+`:`+in.JSONValue()+`}}`, "If-Match", revision())
			case "finding":
				v := url.Values{"title": {"Prompts kept"}, "category": {"access_storage"}, "likelihood": {"2"}, "severity": {"2"}, "revision": {revision()}}
				v.Set(in.Field, in.Value)
				form = c.post(fmt.Sprintf("/assessments/%d/findings", id), v)
				body := map[string]string{"title": `"Prompts kept"`, "category": `"access_storage"`, "likelihood": "2", "severity": "2"}
				body[in.Field] = in.JSONValue()
				api = a.api("POST", fmt.Sprintf("/api/v1/assessments/%d/findings", id), tok,
					`{"title":`+body["title"]+`,"category":`+body["category"]+`,"likelihood":`+body["likelihood"]+`,"severity":`+body["severity"]+`}`, "If-Match", revision())
			case "user":
				form = c.post("/admin/users", url.Values{"email": {in.Value}, "name": {"Ann"}})
				hasAPI = false // accounts are made by admins in the UI and on the command line only
			case "page":
				form = c.get("/projects?page=" + url.QueryEscape(in.Value))
				api = a.api("GET", "/api/v1/projects?page="+url.QueryEscape(in.Value), tok, "")
			default:
				t.Fatalf("unknown entity %q", in.Entity)
			}
			if hasForm {
				refused := form.status == http.StatusUnprocessableEntity
				if refused != in.Refused || (!refused && form.status >= 400) {
					t.Errorf("form: status %d, want refused=%v\n%s", form.status, in.Refused, errorsIn(form.body))
				}
			}
			if hasAPI {
				if refusedAPI(api) != in.Refused || (!in.Refused && api.status >= 400) {
					t.Errorf("API: status %d, want refused=%v: %.300s", api.status, in.Refused, api.body)
				}
				if in.Refused && !strings.Contains(api.body, in.Field) {
					t.Errorf("API: the error does not name %s: %.300s", in.Field, api.body)
				}
			}
		})
	}
}

// TestAPIStrictBodies covers what only the API can be sent: duplicate keys, unknown fields,
// more datasets than a project may have, a body over the limit.
func TestAPIStrictBodies(t *testing.T) {
	a := newApp(t)
	u := a.user("alice@example.org", false)
	tok := a.token(u)
	many := strings.Repeat(`{"name":"d"},`, 10000)
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"duplicate key", `{"name":"a","name":"b"}`, 400, "name"},
		{"duplicate nested key", `{"name":"a","datasets":[{"name":"d","name":"e"}]}`, 400, "datasets[0].name"},
		{"unknown field", `{"name":"a","nmae":"b"}`, 400, "nmae"},
		{"10,000 datasets", `{"name":"a","datasets":[` + strings.TrimSuffix(many, ",") + `]}`, 422, "datasets"},
		{"101 datasets", `{"name":"a","datasets":[` + strings.TrimSuffix(strings.Repeat(`{"name":"d"},`, 101), ",") + `]}`, 422, "datasets"},
		{"1 MB of categories", `{"name":"a","datasets":[{"name":"d","categories":"` + strings.Repeat("x", 1<<20) + `"}]}`, 413, ""},
		{"100 datasets", `{"name":"a","datasets":[` + strings.TrimSuffix(strings.Repeat(`{"name":"d"},`, 100), ",") + `]}`, 201, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.api("POST", "/api/v1/projects", tok, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if tc.field != "" && !strings.Contains(r.body, `"field":"`+tc.field+`"`) {
				t.Errorf("error does not name %s: %.300s", tc.field, r.body)
			}
		})
	}
}

// errorsIn picks the field messages out of a page, for failure output.
func errorsIn(page string) string {
	var out []string
	for _, part := range strings.Split(page, `role="alert"`)[1:] {
		if end := strings.Index(part, "</"); end > 0 {
			out = append(out, part[:end])
		}
	}
	return strings.Join(out, " | ")
}
