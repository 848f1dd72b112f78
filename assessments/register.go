package assessments

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/piaf-dev/piaf/assessments/field"
)

// FieldError says which input of a risk register change is wrong and why, in words for a user.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// ErrNoFinding and ErrNoMitigation name ids the state does not hold.
var (
	ErrNoFinding    = fmt.Errorf("assessments: no such finding")
	ErrNoMitigation = fmt.Errorf("assessments: no such mitigation")
)

// Limits on what people type into the register.
const (
	maxTitle = 200
	maxProse = 20000
)

// FindingInput is what a person gives for a manual finding.
type FindingInput struct {
	Title       string
	Description string
	Category    string
	Likelihood  Scale
	Severity    Scale
}

func (in FindingInput) check(categories []string) error {
	switch {
	case strings.TrimSpace(in.Title) == "":
		return fieldErr("title", "give the finding a title")
	case !field.IsText(in.Title):
		return fieldErr("title", field.NotTextMessage)
	case !field.IsText(in.Description):
		return fieldErr("description", field.NotTextMessage)
	case utf8.RuneCountInString(in.Title) > maxTitle:
		return fieldErr("title", "use at most %d characters", maxTitle)
	case utf8.RuneCountInString(in.Description) > maxProse:
		return fieldErr("description", "use at most %d characters", maxProse)
	case !slices.Contains(categories, in.Category):
		return fieldErr("category", "choose one of the questionnaire's areas")
	case !in.Likelihood.Valid():
		return fieldErr("likelihood", "choose a likelihood from 1 (negligible) to 4 (maximum)")
	case !in.Severity.Valid():
		return fieldErr("severity", "choose a severity from 1 (negligible) to 4 (maximum)")
	}
	return nil
}

// AddFinding adds a manual finding; categories are the questionnaire's section keys.
func AddFinding(s State, in FindingInput, categories []string) (State, string, error) {
	if err := in.check(categories); err != nil {
		return s, "", err
	}
	id, next := s.NextID("f")
	next.Findings[id] = &Finding{ID: id, Title: strings.TrimSpace(in.Title), Description: in.Description, Category: in.Category,
		Likelihood: in.Likelihood, Severity: in.Severity, Status: FindingOpen}
	return next, id, nil
}

// FindingUpdate changes an existing finding; nil fields stay as they are. Title, description,
// category and inherent risk change only on manual findings: a rule's are the questionnaire's.
type FindingUpdate struct {
	Title       *string
	Description *string
	Category    *string
	Likelihood  *Scale
	Severity    *Scale
	Residual    *Residual // zero pair clears it
	Status      *FindingStatus
}

// UpdateFinding applies an update. Setting the status to accepted goes through Accept instead.
func UpdateFinding(s State, id string, u FindingUpdate, categories []string) (State, error) {
	f, ok := s.Findings[id]
	if !ok {
		return s, ErrNoFinding
	}
	g := *f
	if u.Title != nil || u.Description != nil || u.Category != nil || u.Likelihood != nil || u.Severity != nil {
		if !f.Manual() {
			return s, fieldErr("title", "a rule's finding keeps the rule's title, description and inherent risk; set the residual risk instead")
		}
		in := FindingInput{Title: g.Title, Description: g.Description, Category: g.Category, Likelihood: g.Likelihood, Severity: g.Severity}
		set(&in.Title, u.Title)
		set(&in.Description, u.Description)
		set(&in.Category, u.Category)
		set(&in.Likelihood, u.Likelihood)
		set(&in.Severity, u.Severity)
		if err := in.check(categories); err != nil {
			return s, err
		}
		changed := strings.TrimSpace(in.Title) != g.Title || in.Description != g.Description || in.Category != g.Category ||
			in.Likelihood != g.Likelihood || in.Severity != g.Severity
		g.Title, g.Description, g.Category, g.Likelihood, g.Severity = strings.TrimSpace(in.Title), in.Description, in.Category, in.Likelihood, in.Severity
		if changed && g.Acceptance != nil {
			// The reviewer accepted the risk as it was described; a new description needs a new decision.
			g.Acceptance = nil
			if g.Status == FindingAccepted {
				g.Status = FindingOpen
			}
		}
	}
	if u.Residual != nil {
		r := *u.Residual
		if r != (Residual{}) && !r.Set() {
			return s, fieldErr("residual", "give both residual likelihood and severity from 1 to 4, or neither")
		}
		if r.Set() && (r.Likelihood > g.Likelihood || r.Severity > g.Severity) {
			return s, fieldErr("residual", "the residual risk cannot be higher than the inherent risk (likelihood %d, severity %d)", g.Likelihood, g.Severity)
		}
		if g.Acceptance != nil && r.Set() && RiskLevel(r.Likelihood, r.Severity) > g.ResidualLevel() {
			g.Acceptance = nil // accepted at a lower level
			if g.Status == FindingAccepted {
				g.Status = FindingOpen
			}
		}
		g.Residual = r
	}
	if u.Status != nil {
		switch *u.Status {
		case FindingOpen, FindingMitigated, FindingNotApplicable:
		case FindingAccepted:
			return s, fieldErr("status", "accepting a risk is a reviewer's decision with a justification; use the acceptance form")
		default:
			return s, fieldErr("status", "choose open, mitigated or not applicable")
		}
		if *u.Status == FindingMitigated && len(g.Mitigations) == 0 {
			return s, fieldErr("status", "link at least one mitigation before marking the finding mitigated")
		}
		g.Status = *u.Status
		g.Acceptance = nil
	}
	next := s.clone()
	next.Findings[id] = &g
	return next, nil
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// Accept records a reviewer's acceptance of a finding's residual risk until expires (YYYY-MM-DD,
// after today).
func Accept(s State, id string, a Acceptance, today time.Time) (State, error) {
	f, ok := s.Findings[id]
	if !ok {
		return s, ErrNoFinding
	}
	a.Justification = strings.TrimSpace(a.Justification)
	if utf8.RuneCountInString(a.Justification) < 20 {
		return s, fieldErr("justification", "explain in at least 20 characters why the remaining risk is acceptable")
	}
	if utf8.RuneCountInString(a.Justification) > maxProse {
		return s, fieldErr("justification", "use at most %d characters", maxProse)
	}
	if !field.IsText(a.Justification) {
		return s, fieldErr("justification", field.NotTextMessage)
	}
	exp, ok := field.Date(a.Expires)
	if !ok {
		return s, fieldErr("expires", "give the date the acceptance ends, as YYYY-MM-DD")
	}
	if !exp.After(today) {
		return s, fieldErr("expires", "the acceptance must end after today")
	}
	if exp.After(today.AddDate(3, 0, 0)) {
		return s, fieldErr("expires", "accept a risk for at most three years; review it again then")
	}
	g := *f
	g.Acceptance = &a
	g.Status = FindingAccepted
	next := s.clone()
	next.Findings[id] = &g
	return next, nil
}

// Withdraw takes an acceptance back; the finding is open again.
func Withdraw(s State, id string) (State, error) {
	f, ok := s.Findings[id]
	if !ok {
		return s, ErrNoFinding
	}
	g := *f
	g.Acceptance = nil
	if g.Status == FindingAccepted {
		g.Status = FindingOpen
	}
	next := s.clone()
	next.Findings[id] = &g
	return next, nil
}

// MitigationInput describes a mitigation to add or change; nil fields stay as they are.
type MitigationInput struct {
	Catalogue *string
	Title     *string
	Owner     *int64
	Due       *string
	Status    *MitigationStatus
	Evidence  *string
}

// checkMitigation validates m; members are the user ids that may own a mitigation.
func checkMitigation(m *Mitigation, members []int64) error {
	switch {
	case strings.TrimSpace(m.Title) == "":
		return fieldErr("title", "give the mitigation a title")
	case !field.IsText(m.Title):
		return fieldErr("title", field.NotTextMessage)
	case !field.IsText(m.Evidence):
		return fieldErr("evidence", field.NotTextMessage)
	case utf8.RuneCountInString(m.Title) > maxTitle:
		return fieldErr("title", "use at most %d characters", maxTitle)
	case utf8.RuneCountInString(m.Evidence) > maxProse:
		return fieldErr("evidence", "use at most %d characters", maxProse)
	case m.Owner != 0 && !slices.Contains(members, m.Owner):
		return fieldErr("owner", "the owner must be a member of the project")
	case !slices.Contains(MitigationStatuses, m.Status):
		return fieldErr("status", "choose planned, in progress, implemented or verified")
	case m.Status == MitigationVerified && strings.TrimSpace(m.Evidence) == "":
		return fieldErr("evidence", "describe the evidence that shows the mitigation works before marking it verified")
	}
	if m.Due != "" {
		if _, ok := field.Date(m.Due); !ok {
			return fieldErr("due", "give the due date as YYYY-MM-DD")
		}
	}
	return nil
}

func (in MitigationInput) applyTo(m *Mitigation) {
	set(&m.Catalogue, in.Catalogue)
	set(&m.Title, in.Title)
	set(&m.Owner, in.Owner)
	set(&m.Due, in.Due)
	set(&m.Status, in.Status)
	set(&m.Evidence, in.Evidence)
	m.Title = strings.TrimSpace(m.Title)
}

// LinkNewMitigation creates a mitigation and links it to the finding. A catalogue title is
// filled in by the caller (the catalogue is not part of the domain state). A catalogue measure the
// state already holds is not created a second time: the finding is linked to that mitigation, so
// one measure linked to two findings is one mitigation with one owner, due date and status.
func LinkNewMitigation(s State, findingID string, in MitigationInput, members []int64) (State, string, error) {
	f, ok := s.Findings[findingID]
	if !ok {
		return s, "", ErrNoFinding
	}
	if in.Catalogue != nil {
		if id := catalogueMitigation(s, *in.Catalogue); id != "" {
			next, err := Link(s, findingID, id)
			return next, id, err
		}
	}
	m := &Mitigation{Status: MitigationPlanned}
	in.applyTo(m)
	if err := checkMitigation(m, members); err != nil {
		return s, "", err
	}
	id, next := s.NextID("m")
	m.ID = id
	next.Mitigations[id] = m
	g := *f
	g.Mitigations = append(slices.Clone(f.Mitigations), id)
	next.Findings[findingID] = &g
	return next, id, nil
}

// catalogueMitigation is the mitigation made from this catalogue entry, "" when there is none
// (or the key is empty). Of several (made before measures were shared), the first by id.
func catalogueMitigation(s State, key string) string {
	found := ""
	if key == "" {
		return found
	}
	for id, m := range s.Mitigations {
		if m.Catalogue == key && (found == "" || id < found) {
			found = id
		}
	}
	return found
}

// Link links an existing mitigation to another finding (many to many).
func Link(s State, findingID, mitigationID string) (State, error) {
	f, ok := s.Findings[findingID]
	if !ok {
		return s, ErrNoFinding
	}
	if _, ok := s.Mitigations[mitigationID]; !ok {
		return s, ErrNoMitigation
	}
	if slices.Contains(f.Mitigations, mitigationID) {
		return s, nil
	}
	g := *f
	g.Mitigations = append(slices.Clone(f.Mitigations), mitigationID)
	next := s.clone()
	next.Findings[findingID] = &g
	return next, nil
}

// Unlink removes a mitigation from a finding; a mitigation linked to no finding any more is
// deleted, and a finding left without mitigations is no longer "mitigated".
func Unlink(s State, findingID, mitigationID string) (State, error) {
	f, ok := s.Findings[findingID]
	if !ok {
		return s, ErrNoFinding
	}
	if !slices.Contains(f.Mitigations, mitigationID) {
		return s, ErrNoMitigation
	}
	next := s.clone()
	g := *f
	g.Mitigations = slices.DeleteFunc(slices.Clone(f.Mitigations), func(id string) bool { return id == mitigationID })
	if len(g.Mitigations) == 0 && g.Status == FindingMitigated {
		g.Status = FindingOpen
	}
	next.Findings[findingID] = &g
	for _, other := range next.Findings {
		if slices.Contains(other.Mitigations, mitigationID) {
			return next, nil
		}
	}
	delete(next.Mitigations, mitigationID)
	return next, nil
}

// UpdateMitigation changes a mitigation.
func UpdateMitigation(s State, id string, in MitigationInput, members []int64) (State, error) {
	m, ok := s.Mitigations[id]
	if !ok {
		return s, ErrNoMitigation
	}
	n := *m
	in.applyTo(&n)
	if err := checkMitigation(&n, members); err != nil {
		return s, err
	}
	next := s.clone()
	next.Mitigations[id] = &n
	return next, nil
}

// FindingsOf lists the findings a mitigation is linked to.
func FindingsOf(s State, mitigationID string) []*Finding {
	var out []*Finding
	for _, f := range s.Findings {
		if slices.Contains(f.Mitigations, mitigationID) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b *Finding) int { return strings.Compare(a.Title, b.Title) })
	return out
}

// Heat counts live findings per likelihood and severity, before and after mitigation.
type Heat struct {
	Inherent [4][4]int
	Residual [4][4]int
	// Projected counts the findings placed on the residual map at their inherent pair because
	// their lower residual risk is only projected (see EffectiveResidual).
	Projected int
}

// HeatOf counts the live findings of a state. A finding whose lower residual risk rests only on
// planned or in-progress mitigations stays at its inherent pair on the residual map: the map
// shows risk as the evidence supports it.
func HeatOf(s State) Heat {
	var h Heat
	for _, f := range s.Findings {
		if !f.Live() || !f.Likelihood.Valid() || !f.Severity.Valid() {
			continue
		}
		h.Inherent[f.Likelihood-1][f.Severity-1]++
		l, sv := f.Likelihood, f.Severity
		if EffectiveResidual(s, f).Projected {
			h.Projected++
		} else if f.Residual.Set() {
			l, sv = f.Residual.Likelihood, f.Residual.Severity
		}
		h.Residual[l-1][sv-1]++
	}
	return h
}

// ProjectedNote marks a residual level that rests only on planned or in-progress mitigations.
const ProjectedNote = "(projected: mitigations not yet in place)"
