package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/manifest"
	"github.com/piaf-dev/piaf/store"
)

// Reason codes of a refused gate. They are part of the API: pipelines may branch on them.
const (
	GateNoApproval        = "no_approved_assessment"
	GateReviewOverdue     = "review_overdue"
	GateReassessment      = "reassessment_required"
	GateOpenHighRisk      = "open_high_residual_risk"
	GateEvidenceBeyond    = "evidence_beyond_policy"
	GateManifestUncovered = "manifest_not_covered"
)

// GateInput is what a pipeline asks the gate about: nothing (is the project approved and
// current?), a manifest it posted, or the digest of a manifest piaf keeps.
type GateInput struct {
	Manifest *manifest.Manifest
	Digest   string // "sha256:<hex>", from ?manifest=
}

// GateVerdict is the gate's answer.
type GateVerdict struct {
	Allowed          bool
	Reasons          []assessments.GateReason
	Assessment       *assessments.Assessment // the latest approved cycle; nil when there is none
	ApprovedRevision int
	StateHash        string
	NextReviewAt     string // YYYY-MM-DD
	ReportURL        string // the signed PDF of the approved revision
	ManifestDigest   string
	// NewFiles are the manifest's entries the approval does not cover.
	NewFiles []manifest.Entry
	CheckID  int64 // the recorded decision
}

// maxListed bounds how many findings or files one reason names; the rest are counted.
const maxListed = 10

// Gate answers whether a training run of the project may go ahead, records the decision, and
// acts on a refusal: a manifest with new data, model or adapter files marks the project as
// needing re-assessment (its owners are told which files), and the project's webhooks hear
// gate.refused.
func (s *Service) Gate(ctx context.Context, who Actor, projectID int64, in GateInput) (*GateVerdict, error) {
	acc, err := s.Access(ctx, who, projectID, ActView)
	if err != nil {
		return nil, err
	}
	v := &GateVerdict{}
	run, err := s.gateManifest(ctx, in)
	if err != nil {
		return nil, err
	}
	if run != nil {
		v.ManifestDigest = run.Digest()
	} else if in.Digest != "" {
		v.ManifestDigest = in.Digest
	}
	refuse := func(code, msg string) {
		v.Reasons = append(v.Reasons, assessments.GateReason{Code: code, Message: msg})
	}

	a, err := s.latestApproved(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if a == nil {
		refuse(GateNoApproval, "The project has no approved privacy impact assessment.")
	} else {
		v.Assessment, v.ApprovedRevision, v.StateHash, v.NextReviewAt = a, a.Revision, a.StateHash, a.NextReviewAt
		v.ReportURL = s.absURL(AssessmentPath(a.ID) + "/report.pdf")
		today := s.now().UTC().Format(time.DateOnly)
		if a.NextReviewAt != "" && a.NextReviewAt < today {
			refuse(GateReviewOverdue, "The approved assessment was due for review on "+a.NextReviewAt+".")
		}
		if a.ReassessmentReason != "" {
			refuse(GateReassessment, "The project needs re-assessment: "+a.ReassessmentReason)
		}
		if titles := openHighRisks(a.State, today); len(titles) > 0 {
			refuse(GateOpenHighRisk, "Open significant or maximum residual risk: "+listSome(titles)+".")
		}
		policy, err := s.Policy(ctx)
		if err != nil {
			return nil, err
		}
		if beyond := evidenceBeyond(assessments.EvidenceFigures(a.State), policy); len(beyond) > 0 {
			refuse(GateEvidenceBeyond, "Evidence beyond the policy limits: "+strings.Join(beyond, "; ")+".")
		}
		if in.Digest != "" || run != nil {
			approved, err := s.approvedManifests(ctx, a.State)
			if err != nil {
				return nil, err
			}
			switch {
			case run != nil:
				v.NewFiles = manifest.Covers(approved, *run)
				if len(v.NewFiles) > 0 {
					refuse(GateManifestUncovered, "Not covered by the approved assessment: "+describeEntries(v.NewFiles)+".")
				}
			case !slices.ContainsFunc(approved, func(m manifest.Manifest) bool { return m.Digest() == in.Digest }):
				refuse(GateManifestUncovered, "The manifest "+in.Digest+" is not attached to the approved assessment; post the manifest itself to have its files checked.")
			}
		}
	}
	v.Allowed = len(v.Reasons) == 0

	check := &assessments.GateCheck{ProjectID: projectID, ManifestDigest: v.ManifestDigest, Allowed: v.Allowed, Reasons: v.Reasons, UserID: who.id()}
	if a != nil {
		check.AssessmentID = a.ID
	}
	if who.Token != nil {
		check.TokenID, check.TokenName = who.Token.ID, who.Token.Name
	}
	if err := s.store.RecordGateCheck(ctx, check); err != nil {
		return nil, err
	}
	v.CheckID = check.ID
	if v.Allowed {
		return v, nil
	}
	if material := materialEntries(v.NewFiles); len(material) > 0 && a != nil {
		reason := "A pipeline run"
		if who.Token != nil {
			reason += " (token " + strconv.Quote(who.Token.Name) + ")"
		}
		reason += " used files the approved assessment does not cover: " + describeEntries(material)
		if err := s.projectChanged(ctx, who, acc.Project, reason); err != nil {
			return nil, err
		}
	}
	if err := s.queueGateRefused(ctx, check, v); err != nil {
		return nil, err
	}
	return v, nil
}

// gateManifest reads the run's manifest: the one posted, or a kept one named by digest (nil when
// piaf does not keep it: only its digest can then be compared).
func (s *Service) gateManifest(ctx context.Context, in GateInput) (*manifest.Manifest, error) {
	if in.Manifest != nil {
		if err := in.Manifest.Validate(); err != nil {
			return nil, Invalid("manifest", err.Error())
		}
		return in.Manifest, nil
	}
	if in.Digest == "" {
		return nil, nil
	}
	if !digestPattern(in.Digest) {
		return nil, Invalid("manifest", "Give the manifest's digest as sha256: and 64 lowercase hexadecimal digits.")
	}
	doc, err := s.store.Manifest(ctx, in.Digest)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("workflow: kept manifest %s: %w", in.Digest, err)
	}
	return &m, nil
}

func digestPattern(d string) bool {
	hex, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(hex) != 64 {
		return false
	}
	for _, r := range hex {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// latestApproved is the project's most recent approved cycle, nil when none was approved.
func (s *Service) latestApproved(ctx context.Context, projectID int64) (*assessments.Assessment, error) {
	list, err := s.store.Assessments(ctx, projectID)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.Status == assessments.Approved {
			return a, nil
		}
	}
	return nil, nil
}

// openHighRisks lists, by title, the live findings whose residual risk, as the evidence
// supports it, is significant or maximum and that no decision closed: open, mitigated on a
// projection only, or accepted with an acceptance that has expired.
func openHighRisks(st assessments.State, today string) []string {
	var out []string
	for _, f := range st.Findings {
		if !f.Live() || !assessments.EffectiveResidual(st, f).Level.High() {
			continue
		}
		expired := f.Status == assessments.FindingAccepted && f.Acceptance != nil && f.Acceptance.Expires != "" && f.Acceptance.Expires < today
		if assessments.OpenForSubmission(st, f) || expired {
			out = append(out, f.Title)
		}
	}
	slices.Sort(out)
	return out
}

// evidenceBeyond compares the approved state's evidence figures with the policy, as the
// built-in questionnaire's evidence rules do, and says which figures exceed it.
func evidenceBeyond(figs map[string]map[string]float64, p assessments.Policy) []string {
	var out []string
	check := func(kind, name string, bad bool, limit string) {
		if bad {
			out = append(out, fmt.Sprintf("%s %s (%s)", figures.Label(kind, name), figures.Format(kind, name, figs[kind][name]), limit))
		}
	}
	has := func(kind, name string) bool { _, ok := figs[kind][name]; return ok }
	num := figures.Number
	if has(figures.DP, "epsilon") {
		check(figures.DP, "epsilon", figs[figures.DP]["epsilon"] > p.MaxEpsilon, "policy: at most "+num(p.MaxEpsilon))
	}
	if has(figures.DP, "delta_times_n") {
		check(figures.DP, "delta_times_n", figs[figures.DP]["delta_times_n"] > p.MaxDeltaTimesN, "policy: at most "+num(p.MaxDeltaTimesN))
	}
	if has(figures.MIA, "auc") {
		check(figures.MIA, "auc", figs[figures.MIA]["auc"] > p.MaxMIAAUC, "policy: at most "+num(p.MaxMIAAUC))
	}
	if has(figures.MIA, "tpr_at_fpr_0_1pct") {
		limit := 0.001 * p.MaxTPRRatioAt01Pct
		check(figures.MIA, "tpr_at_fpr_0_1pct", figs[figures.MIA]["tpr_at_fpr_0_1pct"] > limit, "policy: at most "+num(limit*100)+" %")
	}
	if has(figures.Canary, "exposure_margin") {
		check(figures.Canary, "exposure_margin", figs[figures.Canary]["exposure_margin"] <= p.CanaryMarginBits,
			"policy: more than "+num(p.CanaryMarginBits)+" bits")
	}
	return out
}

// ManifestDigestOf is the digest a manifest evidence record names: its file SHA-256 is the
// SHA-256 of the manifest's canonical bytes.
func ManifestDigestOf(e *assessments.Evidence) string {
	if e.Kind != figures.Manifest || e.FileSHA256 == "" {
		return ""
	}
	return "sha256:" + e.FileSHA256
}

// approvedManifests loads the manifests attached as evidence to a state.
func (s *Service) approvedManifests(ctx context.Context, st assessments.State) ([]manifest.Manifest, error) {
	var out []manifest.Manifest
	for _, e := range assessments.SortedEvidence(st) {
		d := ManifestDigestOf(e)
		if d == "" {
			continue
		}
		doc, err := s.store.Manifest(ctx, d)
		if errors.Is(err, store.ErrNotFound) {
			s.log.Warn("gate: a manifest evidence record names a manifest piaf does not keep", "evidence", e.ID, "digest", d)
			continue
		}
		if err != nil {
			return nil, err
		}
		m, err := manifest.Parse(doc)
		if err != nil {
			return nil, fmt.Errorf("workflow: kept manifest %s: %w", d, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// ManifestEvidence turns a run manifest into an evidence input (kind manifest, its digest as
// the file SHA-256) and keeps the manifest itself, which the digest covers, for the gate and the
// report.
func (s *Service) ManifestEvidence(ctx context.Context, m manifest.Manifest) (assessments.EvidenceInput, error) {
	if err := m.Validate(); err != nil {
		return assessments.EvidenceInput{}, Invalid("manifest", err.Error())
	}
	digest := m.Digest()
	if err := s.store.SaveManifest(ctx, digest, m.Canonical(), len(m.Entries)); err != nil {
		return assessments.EvidenceInput{}, err
	}
	inputs, err := json.Marshal(map[string]any{"digest": digest, "commit": m.Commit, "entries": len(m.Entries)})
	if err != nil {
		return assessments.EvidenceInput{}, err
	}
	return assessments.EvidenceInput{Kind: figures.Manifest, Source: assessments.SourcePipeline, Tool: "piaf manifest",
		FileSHA256: strings.TrimPrefix(digest, "sha256:"), Inputs: inputs, Figures: m.Figures()}, nil
}

// materialEntries are the uncovered entries that change what the model learns from or is:
// data, model and adapter files (a new training config alone refuses the run but does not
// reopen the assessment).
func materialEntries(list []manifest.Entry) []manifest.Entry {
	var out []manifest.Entry
	for _, e := range list {
		if e.Role != manifest.RoleConfig {
			out = append(out, e)
		}
	}
	return out
}

func describeEntries(list []manifest.Entry) string {
	names := make([]string, len(list))
	for i, e := range list {
		if e.Ref != "" {
			names[i] = e.Role + " " + e.Ref
		} else {
			names[i] = e.Role + " " + e.Path + " (sha256:" + e.SHA256[:12] + "…)"
		}
	}
	return listSome(names)
}

func listSome(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + " and " + strconv.Itoa(len(names)-maxListed) + " more"
}

// queueGateRefused puts a gate.refused event for each of the project's (and the instance's)
// webhooks in the outbox; the scheduler's next pass delivers it, with retries.
func (s *Service) queueGateRefused(ctx context.Context, check *assessments.GateCheck, v *GateVerdict) error {
	hooks, err := s.webhooksFor(ctx, check.ProjectID)
	if err != nil || len(hooks) == 0 {
		return err
	}
	payload := map[string]any{"project_id": check.ProjectID, "check_id": check.ID, "allowed": false, "reasons": v.Reasons,
		"manifest_digest": v.ManifestDigest, "token": check.TokenName, "at": check.At.UTC().Format(time.RFC3339)}
	if v.Assessment != nil {
		payload["assessment"], payload["approved_revision"] = v.Assessment.ID, v.ApprovedRevision
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	subject := "Gate refused a training run of project " + strconv.FormatInt(check.ProjectID, 10)
	link := s.absURL("/projects/" + strconv.FormatInt(check.ProjectID, 10) + "#pipeline-checks")
	queue := make([]store.OutboxItem, 0, len(hooks))
	for _, h := range hooks {
		queue = append(queue, store.OutboxItem{Key: "gate|" + strconv.FormatInt(check.ID, 10) + "|webhook:" + strconv.FormatInt(h.ID, 10),
			Channel: "webhook", WebhookID: h.ID, Kind: "gate.refused", Subject: subject, Body: subject, Link: link, Payload: string(body)})
	}
	_, err = s.store.Enqueue(ctx, queue)
	return err
}

// GateChecks lists a project's recorded gate decisions, newest first, a page at a time.
func (s *Service) GateChecks(ctx context.Context, who Actor, projectID int64, page, perPage int) ([]*assessments.GateCheck, int, error) {
	if _, err := s.Access(ctx, who, projectID, ActView); err != nil {
		return nil, 0, err
	}
	if page < 1 || page > MaxPage {
		page = 1
	}
	if perPage < 1 || perPage > MaxPerPage {
		perPage = DefaultPerPage
	}
	return s.store.GateChecks(ctx, projectID, perPage, (page-1)*perPage)
}
