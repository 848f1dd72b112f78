package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// SettingEvidencePolicy is the settings key of the policy limits (assessments.Policy as JSON).
const SettingEvidencePolicy = "evidence_policy"

// MaxEvidenceRequest bounds the body of a request to compute evidence (the params of every kind).
const MaxEvidenceRequest = 256 << 10

// EvidenceRequest asks piaf to compute an evidence record and attach it: the body of
// POST /api/v1/assessments/{id}/evidence. Params are the kind's inputs; piaf computes the figures
// from them, so a record's figures are never typed in by hand.
type EvidenceRequest struct {
	Kind   string          `json:"kind"`
	Params json.RawMessage `json:"params"`
	// Questions the record supports; empty: the kind's default questions.
	Questions []string `json:"questions,omitempty"`
	Label     string   `json:"label,omitempty"`
}

// EvidenceBuilder turns a request of one kind into the record to add: it decodes req.Params
// strictly (DecodeParams), computes the figures and fills Kind, Source, Tool, Inputs, Figures,
// Warnings and Notes. Who and when are filled by AttachEvidence.
type EvidenceBuilder func(ctx context.Context, s *Service, req EvidenceRequest) (assessments.EvidenceInput, error)

// evidenceBuilders is the extension point: one builder per kind of computed evidence. Each kind
// registers itself from its own file (evidence_dp.go, and the PII, leak-test and manifest
// files), so that adding a kind touches no shared line.
var evidenceBuilders = map[string]EvidenceBuilder{}

// RegisterEvidence makes piaf compute evidence of kind with b. It is called from init functions
// of this package, once per kind.
func RegisterEvidence(kind string, b EvidenceBuilder) {
	if !figures.KnownKind(kind) {
		panic("workflow: unknown evidence kind " + kind)
	}
	if evidenceBuilders[kind] != nil {
		panic("workflow: evidence kind registered twice: " + kind)
	}
	evidenceBuilders[kind] = b
}

// ComputedKinds lists the kinds piaf computes evidence for, in figures.Kinds order.
func ComputedKinds() []string {
	var out []string
	for _, k := range figures.Kinds {
		if evidenceBuilders[k] != nil {
			out = append(out, k)
		}
	}
	return out
}

// DecodeParams decodes params strictly into v: unknown fields and trailing data are refused as a
// validation error on "params".
func DecodeParams(params json.RawMessage, v any) error {
	if len(bytes.TrimSpace(params)) == 0 {
		return Invalid("params", "Give the parameters as a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Invalid("params."+typeErr.Field, typeErr.Field+" has the wrong type")
		}
		return Invalid("params", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Invalid("params", "must be a single JSON object")
	}
	return nil
}

// ComputeEvidence computes a record of req.Kind from its params and attaches it (see
// AttachEvidence). A kind piaf does not compute is a validation error on "kind".
func (s *Service) ComputeEvidence(ctx context.Context, who Actor, assessmentID int64, req EvidenceRequest) (*assessments.Evidence, error) {
	// Rights first, so that an outsider learns nothing from validation messages.
	if _, _, err := s.editableAssessment(ctx, who, assessmentID); err != nil {
		return nil, err
	}
	build := evidenceBuilders[req.Kind]
	if build == nil {
		return nil, Invalid("kind", "piaf computes evidence of kind "+strings.Join(ComputedKinds(), ", ")+"; figures are computed, not typed in")
	}
	in, err := build(ctx, s, req)
	if err != nil {
		return nil, err
	}
	in.Kind = req.Kind
	if len(req.Questions) > 0 {
		in.Questions = req.Questions
	}
	if req.Label != "" {
		in.Label = req.Label
	}
	return s.AttachEvidence(ctx, who, assessmentID, in)
}

// editableAssessment loads an assessment the actor may add evidence to: owners and assessors of
// its project (ErrNotFound for non-members, ErrForbidden for viewers), in an editable status
// (a FrozenError otherwise).
func (s *Service) editableAssessment(ctx context.Context, who Actor, assessmentID int64) (*assessments.Assessment, *questionnaire.Definition, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActEdit)
	if err != nil {
		return nil, nil, err
	}
	if err := frozen(a); err != nil {
		return nil, nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, err
	}
	return a, def, nil
}

// viewAssessment loads an assessment and checks the actor may do act in its project.
func (s *Service) viewAssessment(ctx context.Context, who Actor, assessmentID int64, act Action) (*assessments.Assessment, error) {
	if who.User == nil {
		return nil, ErrNotFound
	}
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	if _, err := s.Access(ctx, who, a.ProjectID, act); err != nil {
		return nil, err
	}
	return a, nil
}

// frozen refuses changes to an assessment that is not being edited.
func frozen(a *assessments.Assessment) error {
	switch {
	case a.Status == assessments.Approved:
		return &FrozenError{Reason: "This assessment is approved: evidence waits for the next cycle."}
	case a.Status == assessments.InReview:
		return &FrozenError{Reason: "This assessment is in review: a reviewer must ask for changes before evidence is added or removed."}
	case !a.Status.Editable():
		return &FrozenError{Reason: "This assessment cannot be edited in its current state."}
	}
	return nil
}

// AttachEvidence adds an evidence record to an assessment as a new revision: the record goes
// through assessments.AddEvidence with the assessment's cycle, the actor and the service's clock,
// and the findings are reconciled with the instance policy. Owners and assessors of the project
// may do it (ErrNotFound for non-members); an assessment in review or approved is refused with a
// FrozenError. It is audited, and returns the stored record.
func (s *Service) AttachEvidence(ctx context.Context, who Actor, assessmentID int64, in assessments.EvidenceInput) (*assessments.Evidence, error) {
	var id string
	var kind, source string
	audit := func() (string, map[string]any) {
		return "evidence.add", map[string]any{"evidence": id, "kind": kind, "source": source}
	}
	a, err := s.changeAssessment(ctx, who, assessmentID, audit, func(a *assessments.Assessment, def *questionnaire.Definition) (assessments.State, string, error) {
		in.Cycle = a.Cycle
		in.AddedBy, in.AddedByName = who.id(), displayName(who.User)
		in.AddedAt = s.now()
		next, newID, err := assessments.AddEvidence(a.State, def, in)
		if err != nil {
			return a.State, "", validation(err)
		}
		id, kind, source = newID, next.Evidence[newID].Kind, string(next.Evidence[newID].Source)
		return next, fmt.Sprintf("Evidence %s added: %s", newID, figures.KindLabel(in.Kind)), nil
	})
	if err != nil {
		return nil, err
	}
	return a.State.Evidence[id], nil
}

// RemoveEvidence removes a record from an assessment as a new revision, with the same rights and
// states as AttachEvidence. An unknown record is ErrNotFound.
func (s *Service) RemoveEvidence(ctx context.Context, who Actor, assessmentID int64, evidenceID string) error {
	var kind string
	audit := func() (string, map[string]any) {
		return "evidence.remove", map[string]any{"evidence": evidenceID, "kind": kind}
	}
	_, err := s.changeAssessment(ctx, who, assessmentID, audit, func(a *assessments.Assessment, def *questionnaire.Definition) (assessments.State, string, error) {
		e, ok := a.State.Evidence[evidenceID]
		if !ok {
			return a.State, "", ErrNotFound
		}
		kind = e.Kind
		next, err := assessments.RemoveEvidence(a.State, evidenceID)
		if err != nil {
			return a.State, "", err
		}
		return next, fmt.Sprintf("Evidence %s removed: %s", evidenceID, figures.KindLabel(e.Kind)), nil
	})
	return err
}

// ListEvidence lists an assessment's records in the order they were added; any member may.
func (s *Service) ListEvidence(ctx context.Context, who Actor, assessmentID int64) ([]*assessments.Evidence, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, err
	}
	return assessments.SortedEvidence(a.State), nil
}

// Evidence loads one record of an assessment the actor may view.
func (s *Service) Evidence(ctx context.Context, who Actor, assessmentID int64, evidenceID string) (*assessments.Assessment, *assessments.Evidence, error) {
	a, err := s.viewAssessment(ctx, who, assessmentID, ActView)
	if err != nil {
		return nil, nil, err
	}
	e, ok := a.State.Evidence[evidenceID]
	if !ok {
		return nil, nil, ErrNotFound
	}
	return a, e, nil
}

// changeAssessment applies change to the current state of an editable assessment and appends the
// difference as one revision, with the findings reconciled under the instance policy. It is not
// based on a revision the actor read (evidence is added to whatever the state is now), so a
// concurrent save is retried on the new state a few times rather than refused.
//
// The revision and its audit entry (audit names the action and details, read after change ran)
// commit in one transaction.
func (s *Service) changeAssessment(ctx context.Context, who Actor, assessmentID int64, audit func() (string, map[string]any),
	change func(*assessments.Assessment, *questionnaire.Definition) (assessments.State, string, error)) (*assessments.Assessment, error) {
	policy, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		a, def, err := s.editableAssessment(ctx, who, assessmentID)
		if err != nil {
			return nil, err
		}
		next, summary, err := change(a, def)
		if err != nil {
			return nil, err
		}
		next = assessments.ReconcilePolicy(def, next, policy)
		if next.Status == assessments.ChangesRequested {
			next.Status = assessments.Draft // the requested changes are being made
		}
		action, details := audit()
		var out *assessments.Assessment
		err = s.audited(ctx, who, action, AssessmentPath(a.ID), details, func(st *store.Store) (err error) {
			out, err = st.ApplyChange(ctx, a.ID, a.Revision, who.id(), assessments.Diff(a.State, next), summary)
			return err
		})
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue
		}
		return out, err
	}
}

// validation turns the domain's field error into the workflow's.
func validation(err error) error {
	var fe *assessments.FieldError
	if errors.As(err, &fe) {
		return Invalid(fe.Field, fe.Msg)
	}
	return err
}

// displayName is how a user is shown: their name, else their address.
func displayName(u *assessments.User) string {
	if u == nil {
		return "piaf"
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}
