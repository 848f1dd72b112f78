package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// pipelineRoutes are the only routes a pipeline token reaches: the gate, manifests and evidence.
// Which project's is the workflow's check (Actor.Token): another project's answers 404.
var pipelineRoutes = map[string]bool{
	"GET /api/v1/projects/:id/gate":                  true,
	"POST /api/v1/projects/:id/gate":                 true,
	"POST /api/v1/assessments/:assessment/manifests": true,
	"POST /api/v1/assessments/:assessment/evidence":  true,
}

// pipelineScope is the one place that keeps pipeline tokens to their routes. It runs in
// authenticate, so every route that knows users (HTML pages included) is covered, and it runs
// after routing, so it compares the route's pattern rather than a path a client can dress up.
func pipelineScope(c echo.Context, t *assessments.APIToken) error {
	if t.Scope == store.ScopePersonal {
		return nil
	}
	if pipelineRoutes[c.Request().Method+" "+c.Path()] {
		return nil
	}
	return apiErr(http.StatusForbidden, "a pipeline token may only read its project's gate and post manifests and evidence", "")
}
