package templates

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/catalogue"
)

// CategorySummary counts one category's findings.
type CategorySummary struct {
	Key, Title        string
	Live, Open, High  int
	Mitigated, Accept int
}

// RiskRegisterView is the risk register page of an assessment.
type RiskRegisterView struct {
	AssessmentView
	Findings   []*assessments.Finding // after the filter
	Total      int                    // all findings
	Filter     assessments.FindingFilter
	Inherent   Heatmap
	Residual   Heatmap
	Categories []CategorySummary
	Blockers   []*assessments.Finding
	NewForm    Form // the manual finding form
}

// FindingView is one finding's page.
type FindingView struct {
	AssessmentView
	Finding     *assessments.Finding
	Mitigations []*assessments.Mitigation // linked, in link order
	Unlinked    []*assessments.Mitigation // of the assessment, not linked to this finding
	Members     []*assessments.Member
	Suggested   []*catalogue.Mitigation // the rule's catalogue mitigations first, then the rest
	Catalogue   *catalogue.Catalogue
	CanAccept   bool
	Today       string
	// One form per form on the page, so a failed one is shown again with what was typed.
	FindingForm    Form
	AcceptForm     Form
	MitigationForm Form
	EditForms      map[string]Form // per linked mitigation
	// On an approved assessment: each mitigation as approved beside its current tracking, and
	// whether the viewer may record tracking on it (Mitigations then hold the current values).
	Tracking map[string]*assessments.Tracked
	CanTrack map[string]bool
}

// CatalogueView is the mitigation catalogue.
type CatalogueView struct {
	Entries  []*catalogue.Mitigation
	Sections map[string]string // section key to title, for the category names
}

func (v AssessmentView) base() string {
	return "/assessments/" + strconv.FormatInt(v.Assessment.ID, 10)
}

func (v AssessmentView) findingURL(id string) string {
	return v.base() + "/findings/" + url.PathEscape(id)
}

func (v RiskRegisterView) filterURL(status, category, level string) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if category != "" {
		q.Set("category", category)
	}
	if level != "" {
		q.Set("level", level)
	}
	return v.base() + "/risks?" + q.Encode() + "#register"
}

func levelClass(l assessments.Level) string { return "level-" + strconv.Itoa(int(l)) }

func scaleOptions() []Option {
	out := []Option{}
	for i := 1; i <= 4; i++ {
		out = append(out, Option{Value: strconv.Itoa(i), Label: strconv.Itoa(i) + " " + assessments.ScaleNames[i]})
	}
	return out
}

func residualOptions() []Option {
	return append([]Option{{Value: "", Label: "not set"}}, scaleOptions()...)
}

func findingStatusOptions() []Option {
	return []Option{{"open", "Open"}, {"mitigated", "Mitigated"}, {"not_applicable", "Not applicable"}}
}

func mitigationStatusOptions() []Option {
	var out []Option
	for _, s := range assessments.MitigationStatuses {
		out = append(out, Option{Value: string(s), Label: s.Label()})
	}
	return out
}

func (v AssessmentView) categoryOptions() []Option {
	var out []Option
	for _, s := range v.Def.Sections {
		out = append(out, Option{Value: s.Key, Label: s.Title})
	}
	return out
}

func (v FindingView) memberOptions() []Option {
	out := []Option{{Value: "", Label: "nobody yet"}}
	for _, m := range v.Members {
		label := m.Email
		if m.Name != "" {
			label = m.Name + " (" + m.Email + ")"
		}
		out = append(out, Option{Value: strconv.FormatInt(m.UserID, 10), Label: label})
	}
	return out
}

func (v FindingView) memberName(id int64) string {
	for _, m := range v.Members {
		if m.UserID == id {
			if m.Name != "" {
				return m.Name
			}
			return m.Email
		}
	}
	if id == 0 {
		return "nobody yet"
	}
	return "a former member"
}

func (v FindingView) catalogueEntry(key string) *catalogue.Mitigation {
	if v.Catalogue == nil || key == "" {
		return nil
	}
	m, _ := v.Catalogue.Get(key)
	return m
}

func (v FindingView) suggestedOptions() []Option {
	out := []Option{{Value: "", Label: "Choose from the catalogue…"}}
	for _, m := range v.Suggested {
		out = append(out, Option{Value: m.Key, Label: m.Title})
	}
	return out
}

func (v FindingView) unlinkedOptions() []Option {
	out := []Option{{Value: "", Label: "Choose a mitigation…"}}
	for _, m := range v.Unlinked {
		out = append(out, Option{Value: m.ID, Label: m.Title})
	}
	return out
}

func overdue(m *assessments.Mitigation, today string) bool {
	return m.Due != "" && m.Due < today && m.Status != assessments.MitigationImplemented && m.Status != assessments.MitigationVerified
}

// catalogueGroup is the catalogue entries of one area.
type catalogueGroup struct {
	Title   string
	Entries []*catalogue.Mitigation
}

// groups orders the catalogue by area, in the order areas first appear.
func (v CatalogueView) groups() []catalogueGroup {
	var out []catalogueGroup
	index := map[string]int{}
	for _, m := range v.Entries {
		i, ok := index[m.Category]
		if !ok {
			title := v.Sections[m.Category]
			if title == "" {
				title = m.Category
			}
			i = len(out)
			index[m.Category] = i
			out = append(out, catalogueGroup{Title: title})
		}
		out[i].Entries = append(out[i].Entries, m)
	}
	return out
}

// trackingSummary says in words what one tracking record changed.
func trackingSummary(v FindingView, c assessments.TrackingChange) string {
	var parts []string
	if c.Status != nil {
		parts = append(parts, "status "+c.Status.Label())
	}
	if c.Owner != nil {
		parts = append(parts, "owner "+v.memberName(*c.Owner))
	}
	if c.Due != nil {
		parts = append(parts, "due "+orDash(*c.Due))
	}
	if c.Evidence != nil {
		parts = append(parts, "evidence updated")
	}
	return strings.Join(parts, ", ")
}

// projectedTitle is the hover text of a projected residual level.
func projectedTitle(f *assessments.Finding) string {
	return "Counts as " + f.InherentLevel().Name() + " (the inherent level) until a linked mitigation is implemented or verified."
}

// riskClass colours a finding of the overview by the level that counts: a projected lower
// residual level counts at the inherent one.
func riskClass(s assessments.State, f *assessments.Finding) string {
	return "risk-" + levelWord(assessments.EffectiveResidual(s, f).Level)
}
