package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/piaf-dev/piaf/store"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/figures"
)

// Policy is the instance's evidence policy: the limits rules compare evidence with, as an admin
// set them, each limit not set taking its default.
func (s *Service) Policy(ctx context.Context) (assessments.Policy, error) {
	p := assessments.DefaultPolicy()
	raw, err := s.store.Setting(ctx, SettingEvidencePolicy, "")
	if err != nil || raw == "" {
		return p, err
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return assessments.Policy{}, fmt.Errorf("stored evidence policy: %w", err)
	}
	return p, nil
}

// SetPolicy stores the evidence policy (admins only), audited with the old and new limits, and
// re-reconciles every open assessment (draft, in review, changes requested) so that the new
// limits take effect at once: one whose findings change gets a revision "Policy changed: ...".
// Approved assessments keep the findings they were approved with. The audit entry lists the
// assessments that got a revision.
func (s *Service) SetPolicy(ctx context.Context, who Actor, p assessments.Policy) error {
	if who.User == nil || !who.User.IsAdmin {
		return ErrForbidden
	}
	if err := p.Validate(); err != nil {
		return validation(err)
	}
	old, err := s.Policy(ctx)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	changed := map[string]any{}
	oldL, newL := old.Limits(), p.Limits()
	for _, l := range figures.Limits {
		if oldL[l.Name] != newL[l.Name] {
			changed[l.Name] = map[string]float64{"from": oldL[l.Name], "to": newL[l.Name]}
		}
	}
	// The setting and its audit entry commit together; the open assessments are then
	// re-reconciled, each in its own revision.
	if err := s.audited(ctx, who, "settings.evidence_policy", "/admin/settings", map[string]any{"changed": changed}, func(st *store.Store) error {
		return st.SetSetting(ctx, SettingEvidencePolicy, string(raw), who.id())
	}); err != nil {
		return err
	}
	if len(changed) == 0 {
		return nil
	}
	_, err = s.reconcileOpen(ctx, who, p, policySummary(oldL, newL))
	return err
}

func policySummary(oldL, newL map[string]float64) string {
	out := "Policy changed:"
	sep := " "
	for _, l := range figures.Limits {
		if oldL[l.Name] != newL[l.Name] {
			out += fmt.Sprintf("%s%s %g → %g", sep, l.Name, oldL[l.Name], newL[l.Name])
			sep = ", "
		}
	}
	return out
}

// reconcileOpen re-reconciles the open assessments under p, appending a revision to each whose
// findings change. A concurrent save on one of them is retried, then left for its next save.
func (s *Service) reconcileOpen(ctx context.Context, who Actor, p assessments.Policy, summary string) ([]int64, error) {
	var out []int64
	open, err := s.store.OpenAssessments(ctx)
	if err != nil {
		return out, err
	}
	for _, a := range open {
		for attempt := 0; attempt < 3; attempt++ {
			def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
			if err != nil {
				return out, err
			}
			change := assessments.Diff(a.State, assessments.ReconcilePolicy(def, a.State, p))
			if change.Empty() {
				break
			}
			_, err = s.store.ApplyChange(ctx, a.ID, a.Revision, who.id(), change, summary)
			if err == nil {
				out = append(out, a.ID)
				break
			}
			if a, err = s.store.Assessment(ctx, a.ID); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}
