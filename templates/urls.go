package templates

import (
	"net/url"
	"strconv"

	"github.com/a-h/templ"
)

func projectURL(id int64) templ.SafeURL {
	return templ.SafeURL("/projects/" + strconv.FormatInt(id, 10))
}

func projectPath(id int64, rest string) templ.SafeURL {
	return templ.SafeURL("/projects/" + strconv.FormatInt(id, 10) + rest)
}

func pageURL(v ProjectListView, page int) string {
	q := url.Values{}
	if v.Search != "" {
		q.Set("q", v.Search)
	}
	if v.Archived {
		q.Set("archived", "1")
	}
	q.Set("page", strconv.Itoa(page))
	return "/projects?" + q.Encode()
}
