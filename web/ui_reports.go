package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/markdown"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/report"
	"github.com/piaf-dev/piaf/assessments/signing"
	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

// reportFor gathers one revision of an assessment into a report. Everything it shows is as of
// that revision, so downloading the Markdown and then its signature gives matching bytes.
func (s *Server) reportFor(c echo.Context, acc *access, a *assessments.Assessment, def *questionnaire.Definition, number int) (*report.Report, *assessments.Revision, error) {
	ctx := c.Request().Context()
	if number == 0 {
		number = a.Revision
	}
	if number < 1 || number > a.Revision {
		return nil, nil, apiErr(http.StatusNotFound, "there is no revision "+strconv.Itoa(number), "revision")
	}
	rev, err := s.store.Revision(ctx, a.ID, number)
	if err != nil {
		return nil, nil, err
	}
	byNumber, err := s.statesAt(c, a, number)
	if err != nil {
		return nil, nil, err
	}
	policy, err := s.wf.Policy(ctx)
	if err != nil {
		return nil, nil, err
	}
	state := byNumber[number]
	r := &report.Report{Policy: &policy, GeneratedAt: rev.CreatedAt, Instance: s.cfg.BaseURL, Questionnaire: def, State: state, Owners: map[int64]string{},
		Assessment: report.Assessment{ID: a.ID, Cycle: a.Cycle, Revision: number, StateHash: rev.StateHash, Status: state.Status, UpdatedAt: rev.CreatedAt}}
	// The project as recorded with the revision's last submission or decision, which its hash
	// covers; a revision never submitted shows the project as it is now.
	snap := state.Project
	if snap == nil {
		if snap, err = s.projectSnapshot(ctx, acc.project); err != nil {
			return nil, nil, err
		}
	}
	r.Project = report.Project{ID: acc.project.ID, Name: snap.Name, Purpose: snap.Purpose, BaseModel: snap.BaseModel, Deployment: snap.Deployment}
	for _, m := range snap.Members {
		r.Project.Members = append(r.Project.Members, report.Member{Name: m.Name, Email: m.Email, Role: m.Role})
	}
	r.Datasets = append(r.Datasets, snap.Datasets...)
	members, err := s.store.Members(ctx, acc.project.ID) // mitigation owners by id, for names
	if err != nil {
		return nil, nil, err
	}
	for _, m := range members {
		name := m.Name
		if name == "" {
			name = m.Email
		}
		r.Owners[m.UserID] = name
	}
	events, err := s.store.ReviewEvents(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range events {
		if e.Revision > number {
			continue
		}
		r.Reviews = append(r.Reviews, report.Review{Kind: string(e.Kind), By: displayName(e.UserName, e.UserEmail), At: e.CreatedAt, Revision: e.Revision, StateHash: e.StateHash, Comment: e.Comment})
		if e.Kind == assessments.ReviewApprove && e.Revision == number {
			r.Assessment.Approved = true
		}
	}
	comments, err := s.store.Comments(ctx, a.ID, true)
	if err != nil {
		return nil, nil, err
	}
	for _, cm := range comments {
		if cm.Revision > number || cm.CreatedAt.After(rev.CreatedAt) && number < a.Revision {
			continue // a report of an earlier revision shows the comments as they were then
		}
		target := cm.TargetKey
		if cm.TargetKind == "question" {
			if q, ok := def.Question(cm.TargetKey); ok {
				target = q.Label
			}
		} else if f, ok := state.Findings[cm.TargetKey]; ok {
			target = f.Title
		}
		rc := report.Comment{Target: target, By: displayName(cm.AuthorName, cm.AuthorEmail), At: cm.CreatedAt, Body: cm.Body}
		if cm.ResolvedAt != nil && (number == a.Revision || !cm.ResolvedAt.After(rev.CreatedAt)) {
			rc.ResolvedBy = displayName(cm.ResolvedName, cm.ResolvedEmail)
		}
		r.Comments = append(r.Comments, rc)
	}
	if r.Assessment.Approved && a.NextReviewAt != "" {
		r.NextReview, _ = time.Parse(time.DateOnly, a.NextReviewAt)
	}
	return r, rev, nil
}

// exportFile is a report file ready to download.
type exportFile struct {
	name, contentType string
	body              []byte
}

// export renders one format of a revision's report, signs it where the format is signed, and
// records the export (who, when, revision, format, SHA-256) with an audit entry.
func (s *Server) export(c echo.Context, format string) (*exportFile, error) {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return nil, err
	}
	number := 0
	if v := c.QueryParam("revision"); v != "" {
		if number, err = strconv.Atoi(v); err != nil || number < 1 {
			return nil, apiErr(http.StatusBadRequest, "revision must be a revision number", "revision")
		}
	}
	r, rev, err := s.reportFor(c, acc, a, def, number)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("piaf-%s-cycle%d-rev%d", slug(acc.project.Name), a.Cycle, r.Assessment.Revision)
	f := &exportFile{}
	switch format {
	case "md":
		f.name, f.contentType, f.body = base+".md", "text/markdown; charset=utf-8", report.Markdown(r)
	case "md.sig":
		keys, err := s.wf.Keys()
		if err != nil {
			return nil, err
		}
		sig, err := keys.SignSSH(report.Markdown(r), signing.Namespace)
		if err != nil {
			return nil, err
		}
		f.name, f.contentType, f.body = base+".md.sig", "text/plain; charset=utf-8", sig
	case "pdf":
		keys, err := s.wf.Keys()
		if err != nil {
			return nil, err
		}
		pdf, err := report.PDF(r)
		if err != nil {
			return nil, err
		}
		signed, err := keys.SignPDF(pdf, signing.PDFInfo{Name: "piaf", Location: s.cfg.BaseURL, Date: s.now(),
			Reason: fmt.Sprintf("piaf report: assessment %d, cycle %d, revision %d, SHA-256 %s", a.ID, a.Cycle, r.Assessment.Revision, rev.StateHash)})
		if err != nil {
			return nil, err
		}
		f.name, f.contentType, f.body = base+".pdf", "application/pdf", signed
	case "json":
		body, err := json.MarshalIndent(map[string]any{"assessment": a.ID, "project": acc.project.ID, "cycle": a.Cycle,
			"revision": r.Assessment.Revision, "state_hash": rev.StateHash, "approved": r.Assessment.Approved, "state": r.State}, "", "  ")
		if err != nil {
			return nil, err
		}
		f.name, f.contentType, f.body = base+".json", "application/json", body
	default:
		return nil, errNotFound
	}
	sum := sha256.Sum256(f.body)
	u := authFrom(c).user
	e := assessments.Export{AssessmentID: a.ID, Revision: r.Assessment.Revision, StateHash: rev.StateHash, Format: format,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(f.body)), UserEmail: u.Email}
	audit := store.AuditEvent{ActorID: u.ID, ActorEmail: u.Email, ClientAddr: c.RealIP(), Action: store.AuditReportExport,
		Target: store.AuditTarget("assessment", a.ID), Details: map[string]any{"revision": e.Revision, "format": format, "sha256": e.SHA256}}
	if err := s.store.RecordExport(c.Request().Context(), e, u.ID, audit); err != nil {
		return nil, err
	}
	return f, nil
}

func slug(name string) string {
	var b bytes.Buffer
	dash := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 40 {
			break
		}
	}
	out := bytes.TrimRight(b.Bytes(), "-")
	if len(out) == 0 {
		return "report"
	}
	return string(out)
}

// download serves a report format as a file.
func (s *Server) download(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, err := s.export(c, format)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.name+`"`)
		return c.Blob(http.StatusOK, f.contentType, f.body)
	}
}

// exportsPerPage is how many exports the report page lists; older ones are a link away.
const exportsPerPage = 20

// reportPreview shows the Markdown report rendered as HTML, with the downloads.
func (s *Server) reportPreview(c echo.Context) error {
	acc, a, def, err := s.assessmentAccess(c, actView)
	if err != nil {
		return err
	}
	number, _ := strconv.Atoi(c.QueryParam("revision"))
	r, _, err := s.reportFor(c, acc, a, def, number)
	if err != nil {
		return err
	}
	exportsBefore, _ := strconv.ParseInt(c.QueryParam("exports_before"), 10, 64) // anything else: the newest
	exports, older, err := s.store.ExportPage(c.Request().Context(), a.ID, exportsBefore, exportsPerPage)
	if err != nil {
		return err
	}
	v := templates.ReportView{AssessmentView: s.assessmentView(acc, a, def), Revision: r.Assessment.Revision, Approved: r.Assessment.Approved,
		Draft: r.Draft(), HTML: markdown.HTML(string(report.Markdown(r))), Exports: exports, OlderExports: older,
		ExportsPaged: exportsBefore > 0, Identity: s.wf.SignerIdentity()}
	if a.Status == assessments.Approved {
		v.ApprovedRevision = a.Revision
	}
	return s.render(c, http.StatusOK, templates.ReportPreview(s.page(c, "Report · "+def.Title, "projects"), v))
}

// Public keys, for anyone verifying a report.

func (s *Server) allowedSigners(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", keys.AllowedSigners(s.wf.SignerIdentity()))
}

func (s *Server) signingCertificate(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/x-pem-file", keys.CertificatePEM())
}

func (s *Server) signingSSHKey(c echo.Context) error {
	keys, err := s.wf.Keys()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", keys.AuthorizedKey())
}
