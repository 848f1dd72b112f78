package web

import (
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/manifest"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/static"
)

// routes lists every route, grouped by resource.
func (s *Server) routes() {
	e := s.echo
	e.Use(s.measure, securityHeaders, s.strictTransport, s.boundBodyReads)
	e.GET("/static/*", s.handleStatic)
	e.GET("/healthz", s.handleHealth)
	e.GET("/metrics", s.handleMetrics)
	// The calendar feed is fetched by calendar apps: the secret in the URL is its only key.
	e.GET("/calendar/:token", s.calendarFeed)

	app := e.Group("", s.limitBody(s.cfg.MaxBody), s.authenticate, s.csrf)
	// Questionnaire uploads may be larger than other requests.
	uploads := e.Group("", s.limitBody(questionnaire.MaxFileSize+64<<10), s.authenticate, s.csrf, requireUser)
	verifyUploads := e.Group("", s.limitBody(maxVerifyUpload+(128<<10)), s.authenticate, s.csrf)
	// PII samples and leak-test files are streamed: their CSRF token is checked as the body is read.
	streams := e.Group("", s.limitBody(s.uploadLimit()+(1<<20)), s.authenticate, requireUser, s.streamCSRF)

	// Accounts and sessions.
	app.GET("/login", s.loginForm)
	app.POST("/login", s.login)
	app.POST("/logout", s.logout)
	app.GET("/setup/:token", s.passwordLinkForm)
	app.POST("/setup/:token", s.passwordLink)
	app.GET("/password/:token", s.passwordLinkForm)
	app.POST("/password/:token", s.passwordLink)

	ui := app.Group("", requireUser)
	ui.GET("/", s.dashboard)

	// The signed-in user's own account.
	ui.GET("/account", s.account)
	ui.POST("/account/password", s.changePassword)
	ui.POST("/account/tokens", s.createToken)
	ui.POST("/account/tokens/:token/revoke", s.revokeToken)
	ui.POST("/account/notifications", s.saveNotificationPrefs)
	ui.POST("/account/calendar", s.newCalendarFeed)

	// Projects, their datasets and members.
	ui.GET("/projects", s.projectList)
	ui.GET("/projects/new", s.newProjectForm)
	ui.POST("/projects/new", s.createProject)
	ui.GET("/projects/:id", s.showProject)
	ui.GET("/projects/:id/edit", s.editProjectForm)
	ui.POST("/projects/:id/edit", s.editProject)
	ui.POST("/projects/:id/archive", s.archiveProject)
	ui.GET("/projects/:id/datasets/new", s.newDatasetForm)
	ui.POST("/projects/:id/datasets/new", s.addDataset)
	ui.GET("/projects/:id/datasets/:dataset/edit", s.editDatasetForm)
	ui.POST("/projects/:id/datasets/:dataset/edit", s.editDataset)
	ui.POST("/projects/:id/datasets/:dataset/delete", s.deleteDataset)
	ui.POST("/projects/:id/members", s.addMember)
	ui.POST("/projects/:id/members/:user", s.changeMember)
	ui.POST("/projects/:id/members/:user/remove", s.removeMember)
	ui.GET("/projects/:id/webhooks", s.projectWebhooks)
	ui.POST("/projects/:id/webhooks", s.addProjectWebhook)
	ui.POST("/projects/:id/webhooks/:webhook/delete", s.deleteProjectWebhook)
	ui.GET("/projects/:id/webhooks/:webhook/deliveries", s.webhookDeliveries)
	ui.GET("/projects/:id/pipeline", s.pipelineTokens)
	ui.POST("/projects/:id/pipeline/tokens", s.createPipelineToken)
	ui.POST("/projects/:id/pipeline/tokens/:token/revoke", s.revokePipelineToken)

	// Assessments: the questionnaire filled in section by section.
	ui.POST("/projects/:id/assessments", s.startAssessment)
	ui.GET("/assessments/:assessment", s.showAssessment)
	ui.GET("/assessments/:assessment/sections/:section", s.showSection)
	ui.POST("/assessments/:assessment/sections/:section", s.saveSection)

	// The risk register: findings, their mitigations and acceptances.
	ui.GET("/assessments/:assessment/risks", s.riskRegister)
	ui.POST("/assessments/:assessment/findings", s.addFinding)
	ui.GET("/assessments/:assessment/findings/:finding", s.showFinding)
	ui.POST("/assessments/:assessment/findings/:finding", s.updateFinding)
	ui.POST("/assessments/:assessment/findings/:finding/accept", s.acceptFinding)
	ui.POST("/assessments/:assessment/findings/:finding/withdraw", s.withdrawAcceptance)
	ui.POST("/assessments/:assessment/findings/:finding/mitigations", s.linkMitigation)
	ui.POST("/assessments/:assessment/findings/:finding/mitigations/:mitigation/unlink", s.unlinkMitigation)
	ui.POST("/assessments/:assessment/mitigations/:mitigation", s.updateMitigation)
	ui.POST("/assessments/:assessment/mitigations/:mitigation/track", s.trackMitigation)
	ui.GET("/catalogue", s.catalogue)
	ui.GET("/mitigations", s.mitigationRegister)
	ui.GET("/work", s.myWork)

	// Evidence and the DP budget tool.
	ui.GET("/tools/dp", s.dpTool)
	ui.POST("/assessments/:assessment/evidence/dp", s.attachDPEvidence)
	ui.GET("/assessments/:assessment/evidence/:evidence", s.showEvidence)
	ui.POST("/assessments/:assessment/evidence/:evidence/remove", s.removeEvidence)

	// Evidence from PII scans and leak tests, uploaded as streams.
	ui.GET("/assessments/:assessment/evidence/pii", s.piiEvidencePage)
	streams.POST("/assessments/:assessment/evidence/pii", s.uploadPIISamples)
	ui.GET("/assessments/:assessment/evidence/leak", s.leakEvidencePage)
	streams.POST("/assessments/:assessment/evidence/mia", s.leakUpload(figures.MIA))
	streams.POST("/assessments/:assessment/evidence/canary", s.leakUpload(figures.Canary))
	streams.POST("/assessments/:assessment/evidence/extraction", s.leakUpload(figures.Extraction))

	// Review, history and comments.
	ui.POST("/assessments/:assessment/submit", s.reviewForm(assessments.ReviewSubmit, "note"))
	ui.POST("/assessments/:assessment/approve", s.reviewForm(assessments.ReviewApprove, "comment"))
	ui.POST("/assessments/:assessment/request-changes", s.reviewForm(assessments.ReviewRequestChanges, "comment"))
	ui.POST("/assessments/:assessment/reassess", s.reassessForm)
	ui.POST("/assessments/:assessment/consultation", s.saveConsultation)
	ui.POST("/assessments/:assessment/comments", s.addComment)
	ui.POST("/assessments/:assessment/comments/:comment/resolve", s.resolveComment)
	ui.GET("/assessments/:assessment/history", s.showHistory)
	ui.POST("/assessments/:assessment/restore", s.restoreForm)
	ui.POST("/assessments/:assessment/next-review", s.nextReviewForm)

	// Reports, their signatures and verification.
	ui.GET("/assessments/:assessment/report", s.reportPreview)
	ui.GET("/assessments/:assessment/report.md", s.download("md"))
	ui.GET("/assessments/:assessment/report.md.sig", s.download("md.sig"))
	ui.GET("/assessments/:assessment/report.pdf", s.download("pdf"))
	ui.GET("/assessments/:assessment/report.json", s.download("json"))
	app.GET("/verify", s.verifyForm)
	verifyUploads.POST("/verify", s.verifyUpload, newLimiter(20, time.Minute).middleware)
	e.GET("/signing/allowed_signers", s.allowedSigners)
	e.GET("/signing/certificate.pem", s.signingCertificate)
	e.GET("/signing/ssh.pub", s.signingSSHKey)

	// Notifications.
	ui.GET("/notifications", s.notificationList)
	ui.POST("/notifications/read", s.readAllNotifications)
	ui.POST("/notifications/:notification", s.readNotification)

	// Administration.
	admin := ui.Group("/admin", s.requireAdmin)
	admin.GET("/users", s.adminUsers)
	admin.POST("/users", s.adminAddUser)
	admin.GET("/users/:user", s.adminUser)
	admin.POST("/users/:user", s.adminEditUser)
	admin.POST("/users/:user/reset", s.adminResetLink)
	admin.POST("/users/:user/disable", s.adminDisableUser)
	admin.GET("/questionnaires", s.adminQuestionnaires)
	admin.GET("/settings", s.adminSettings)
	admin.POST("/settings", s.adminSaveSettings)
	admin.POST("/settings/policy", s.adminSavePolicy)
	admin.POST("/settings/evidence-policy", s.adminSaveEvidencePolicy)
	admin.POST("/settings/smtp", s.adminSaveSMTP)
	admin.POST("/settings/smtp/test", s.adminTestEmail)
	admin.POST("/settings/webhooks", s.addInstanceWebhook)
	admin.POST("/settings/webhooks/:webhook/delete", s.deleteInstanceWebhook)
	admin.POST("/settings/keys/rotate", s.adminRotateKeys)
	admin.GET("/audit", s.adminAudit)
	uploads.POST("/admin/questionnaires", s.adminImportQuestionnaire, s.requireAdmin)

	// The JSON API.
	e.GET("/api/v1/openapi.json", s.openAPI)
	api := app.Group("/api/v1", requireUser)
	api.GET("/me", s.apiMe)
	api.GET("/projects", s.apiProjects)
	api.POST("/projects", s.apiCreateProject)
	api.GET("/projects/:id", s.apiProject)
	api.PATCH("/projects/:id", s.apiUpdateProject)
	api.GET("/projects/:id/members", s.apiMembers)
	api.POST("/projects/:id/members", s.apiAddMember)
	api.GET("/projects/:id/assessments", s.apiProjectAssessments)
	api.POST("/projects/:id/assessments", s.apiCreateAssessment)
	api.GET("/assessments/:assessment", s.apiAssessment)
	api.PATCH("/assessments/:assessment/answers", s.apiPatchAnswers)
	api.GET("/assessments/:assessment/findings", s.apiFindings)
	api.POST("/assessments/:assessment/findings", s.apiAddFinding)
	api.PATCH("/assessments/:assessment/findings/:finding", s.apiUpdateFinding)
	api.POST("/assessments/:assessment/findings/:finding/acceptance", s.apiAccept)
	api.DELETE("/assessments/:assessment/findings/:finding/acceptance", s.apiWithdraw)
	api.POST("/assessments/:assessment/findings/:finding/mitigations", s.apiLinkMitigation)
	api.DELETE("/assessments/:assessment/findings/:finding/mitigations/:mitigation", s.apiUnlinkMitigation)
	api.PATCH("/assessments/:assessment/mitigations/:mitigation", s.apiUpdateMitigation)
	api.GET("/mitigations/catalogue", s.apiCatalogue)
	api.GET("/mitigations", s.apiMitigationRegister)
	api.GET("/me/work", s.apiMyWork)
	api.POST("/assessments/:assessment/submit", s.apiReview(assessments.ReviewSubmit))
	api.POST("/assessments/:assessment/approve", s.apiReview(assessments.ReviewApprove))
	api.POST("/assessments/:assessment/request-changes", s.apiReview(assessments.ReviewRequestChanges))
	api.POST("/assessments/:assessment/reassess", s.apiReassess)
	api.PUT("/assessments/:assessment/consultation", s.apiConsultation)
	api.POST("/assessments/:assessment/restore", s.apiRestore)
	api.GET("/assessments/:assessment/revisions", s.apiRevisions)
	api.GET("/assessments/:assessment/revisions/:number", s.apiRevision)
	api.GET("/assessments/:assessment/diff", s.apiDiff)
	api.PUT("/assessments/:assessment/next-review", s.apiNextReview)
	api.GET("/assessments/:assessment/report.md", s.download("md"))
	api.GET("/assessments/:assessment/report.md.sig", s.download("md.sig"))
	api.GET("/assessments/:assessment/report.pdf", s.download("pdf"))
	api.GET("/signing/allowed_signers", s.allowedSigners)
	api.GET("/signing/certificate.pem", s.signingCertificate)
	api.GET("/assessments/:assessment/evidence", s.apiListEvidence)
	api.POST("/assessments/:assessment/evidence", s.apiAddEvidence, s.limitBody(workflow.MaxEvidenceRequest))
	api.DELETE("/assessments/:assessment/evidence/:evidence", s.apiRemoveEvidence)
	api.POST("/dp/epsilon", s.apiDPEpsilon, s.limitBody(dpBodyLimit))
	api.POST("/dp/sigma", s.apiDPSigma, s.limitBody(dpBodyLimit))
	api.GET("/questionnaires", s.apiQuestionnaires)
	api.GET("/questionnaires/:key", s.apiQuestionnaire)
	uploads.POST("/api/v1/questionnaires", s.apiImportQuestionnaire)
	streams.POST("/api/v1/assessments/:assessment/evidence/pii", s.apiUploadPIISample)

	// Pipelines: the gate, run manifests and pipeline tokens (see api_scope.go for what a
	// pipeline token may reach).
	manifests := e.Group("/api/v1", s.limitBody(manifest.MaxBytes+(64<<10)), s.authenticate, s.csrf, requireUser)
	api.GET("/projects/:id/gate", s.apiGate)
	manifests.POST("/projects/:id/gate", s.apiGate)
	manifests.POST("/assessments/:assessment/manifests", s.apiAttachManifest)
	api.GET("/projects/:id/tokens", s.apiPipelineTokens)
	api.POST("/projects/:id/tokens", s.apiCreatePipelineToken)
	api.DELETE("/projects/:id/tokens/:token", s.apiRevokePipelineToken)
}

func (s *Server) handleStatic(c echo.Context) error {
	name, current := static.Lookup(c.Param("*"))
	if name == "" {
		return errNotFound
	}
	if current {
		c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Response().Header().Set("Cache-Control", "no-cache")
	}
	b, err := fs.ReadFile(static.FS, name)
	if err != nil {
		return errNotFound
	}
	return c.Blob(http.StatusOK, contentType(name), b)
}

func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".css"):
		return "text/css; charset=utf-8"
	case strings.HasSuffix(name, ".js"):
		return "text/javascript; charset=utf-8"
	case strings.HasSuffix(name, ".svg"):
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// Routes lists every route as "METHOD /path/{param}", the form OpenAPI uses.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	return out
}
