package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/assessments/report"
	"github.com/piaf-dev/piaf/assessments/signing"
	"github.com/piaf-dev/piaf/store"
)

// ReportFormats are the formats ExportReport renders.
var ReportFormats = []string{"md", "md.sig", "pdf", "json"}

// ReportFile is one format of a report, ready to download.
type ReportFile struct {
	Name        string
	ContentType string
	Body        []byte
	Revision    int
}

// Report gathers one revision of an assessment (0: the current one) into a report, for an actor
// who may view the project. Everything it shows is as of that revision, so downloading the
// Markdown and then its signature gives matching bytes.
func (s *Service) Report(ctx context.Context, who Actor, assessmentID int64, revision int) (*report.Report, *assessments.Revision, error) {
	a, acc, def, err := s.assessmentFor(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, nil, err
	}
	return s.reportFor(ctx, acc.Project, a, def, revision)
}

func (s *Service) reportFor(ctx context.Context, project *assessments.Project, a *assessments.Assessment, def *questionnaire.Definition, number int) (*report.Report, *assessments.Revision, error) {
	if number == 0 {
		number = a.Revision
	}
	if number < 1 || number > a.Revision {
		return nil, nil, ErrNotFound // there is no such revision
	}
	rev, err := s.store.Revision(ctx, a.ID, number)
	if err != nil {
		return nil, nil, err
	}
	byNumber, err := s.store.StatesAt(ctx, a.ID, number)
	if err != nil {
		return nil, nil, err
	}
	policy, err := s.Policy(ctx)
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
		if snap, err = s.ProjectSnapshot(ctx, project); err != nil {
			return nil, nil, err
		}
	}
	r.Project = report.Project{ID: project.ID, Name: snap.Name, Purpose: snap.Purpose, BaseModel: snap.BaseModel, Deployment: snap.Deployment}
	for _, m := range snap.Members {
		r.Project.Members = append(r.Project.Members, report.Member{Name: m.Name, Email: m.Email, Role: m.Role})
	}
	r.Datasets = append(r.Datasets, snap.Datasets...)
	members, err := s.store.Members(ctx, project.ID) // mitigation owners by id, for names
	if err != nil {
		return nil, nil, err
	}
	for _, m := range members {
		r.Owners[m.UserID] = personName(m.Name, m.Email)
	}
	events, err := s.store.ReviewEvents(ctx, a.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range events {
		if e.Revision > number {
			continue
		}
		r.Reviews = append(r.Reviews, report.Review{Kind: string(e.Kind), By: personName(e.UserName, e.UserEmail), At: e.CreatedAt, Revision: e.Revision, StateHash: e.StateHash, Comment: e.Comment})
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
		rc := report.Comment{Target: target, By: personName(cm.AuthorName, cm.AuthorEmail), At: cm.CreatedAt, Body: cm.Body}
		if cm.ResolvedAt != nil && (number == a.Revision || !cm.ResolvedAt.After(rev.CreatedAt)) {
			rc.ResolvedBy = personName(cm.ResolvedName, cm.ResolvedEmail)
		}
		r.Comments = append(r.Comments, rc)
	}
	if r.Assessment.Approved && a.NextReviewAt != "" {
		// The one next review date: the policy's, or the earlier one an owner chose.
		if r.NextReview, err = time.Parse(time.DateOnly, a.NextReviewAt); err != nil {
			return nil, nil, fmt.Errorf("workflow: assessment %d next review %q: %w", a.ID, a.NextReviewAt, err)
		}
	}
	if r.Assessment.Approved {
		if r.Tracking, err = s.reportTracking(ctx, a.ID, number, state); err != nil {
			return nil, nil, err
		}
	}
	return r, rev, nil
}

// reportTracking is how the approved revision's mitigations moved on since approval, as recorded
// now: the report shows it apart from the approved content, which it does not change.
func (s *Service) reportTracking(ctx context.Context, assessmentID int64, approved int, state assessments.State) (*report.Tracking, error) {
	all, err := s.store.MitigationTracking(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	var records []assessments.TrackingRecord
	for _, rec := range all {
		if rec.Revision == approved {
			records = append(records, rec)
		}
	}
	t := &report.Tracking{}
	if n := len(records); n > 0 {
		t.Through, t.At = records[n-1].Seq, records[n-1].At
	}
	for _, tm := range assessments.ViewTracking(state, records).Sorted() {
		if !tm.Moved() {
			continue
		}
		last := tm.Changes[len(tm.Changes)-1]
		t.Moved = append(t.Moved, report.TrackedMitigation{AsApproved: tm.AsApproved, Current: tm.Current,
			Changes: len(tm.Changes), ChangedBy: last.ByName, ChangedAt: last.At})
	}
	return t, nil
}

func personName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

// ExportReport renders one format (see ReportFormats) of one revision (0: the current one) of
// an assessment's report, signs it where the format is signed, and records the export (who,
// when, revision, format, SHA-256, and for the approved revision the last mitigation tracking
// record it showed) with its audit entry. An unknown format or revision is
// ErrNotFound.
func (s *Service) ExportReport(ctx context.Context, who Actor, assessmentID int64, format string, revision int) (*ReportFile, error) {
	if who.User == nil {
		return nil, ErrNotFound
	}
	a, acc, def, err := s.assessmentFor(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	known := false
	for _, f := range ReportFormats {
		known = known || f == format
	}
	if !known {
		return nil, ErrNotFound
	}
	if revision < 0 {
		return nil, Invalid("revision", "revision must be a revision number")
	}
	r, rev, err := s.reportFor(ctx, acc.Project, a, def, revision)
	if err != nil {
		return nil, err
	}
	base := fmt.Sprintf("piaf-%s-cycle%d-rev%d", slug(acc.Project.Name), a.Cycle, r.Assessment.Revision)
	f := &ReportFile{Revision: r.Assessment.Revision}
	switch format {
	case "md":
		f.Name, f.ContentType, f.Body = base+".md", "text/markdown; charset=utf-8", report.Markdown(r)
	case "md.sig":
		keys, err := s.Keys()
		if err != nil {
			return nil, err
		}
		sig, err := keys.SignSSH(report.Markdown(r), signing.Namespace)
		if err != nil {
			return nil, err
		}
		f.Name, f.ContentType, f.Body = base+".md.sig", "text/plain; charset=utf-8", sig
	case "pdf":
		keys, err := s.Keys()
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
		f.Name, f.ContentType, f.Body = base+".pdf", "application/pdf", signed
	case "json":
		doc := map[string]any{"assessment": a.ID, "project": acc.Project.ID, "cycle": a.Cycle,
			"revision": r.Assessment.Revision, "state_hash": rev.StateHash, "approved": r.Assessment.Approved, "state": r.State}
		if r.Tracking != nil {
			doc["tracking"] = r.Tracking // beside the approved state, which it does not change
		}
		body, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, err
		}
		f.Name, f.ContentType, f.Body = base+".json", "application/json", body
	}
	sum := sha256.Sum256(f.Body)
	e := assessments.Export{AssessmentID: a.ID, Revision: r.Assessment.Revision, StateHash: rev.StateHash, Format: format,
		SHA256: hex.EncodeToString(sum[:]), Size: int64(len(f.Body)), UserEmail: who.User.Email}
	details := map[string]any{"revision": e.Revision, "format": format, "sha256": e.SHA256}
	if r.Tracking != nil {
		// The report showed the mitigations' tracking up to this record beside the approved content.
		e.Tracking = r.Tracking.Through
		details["tracking_seq"] = e.Tracking
	}
	audit := event(who, store.AuditReportExport, store.AuditTarget("assessment", a.ID), details)
	s.log.Info("audit", "action", audit.Action, "target", audit.Target, "actor", audit.ActorEmail, "addr", audit.ClientAddr)
	if err := s.store.RecordExport(ctx, e, who.User.ID, audit); err != nil {
		return nil, err
	}
	return f, nil
}

// slug makes a file name part of a project name.
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
