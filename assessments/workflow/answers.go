package workflow

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// FormValues is an answer as a form posts it (one string per checked box or typed field). An
// answer given as FormValues is read as form input; any other value as a JSON value.
type FormValues []string

// LatestDefinition is the newest stored version of the questionnaire key, built-ins included.
// A key no version has is a validation error on "questionnaire".
func (s *Service) LatestDefinition(ctx context.Context, key string) (*questionnaire.Definition, error) {
	if err := s.ensureBuiltins(ctx); err != nil {
		return nil, err
	}
	stored, err := s.store.Questionnaires(ctx)
	if err != nil {
		return nil, err
	}
	version := 0
	for _, q := range stored {
		if q.Key == key && q.Version > version {
			version = q.Version
		}
	}
	if version == 0 {
		return nil, Invalid("questionnaire", fmt.Sprintf("there is no questionnaire %q", key))
	}
	return s.Definition(ctx, key, version)
}

// ensureBuiltins stores the questionnaires embedded in the binary, once it succeeds.
func (s *Service) ensureBuiltins(ctx context.Context) error {
	s.defsMu.Lock()
	done := s.builtinsStored
	s.defsMu.Unlock()
	if done {
		return nil
	}
	builtins, err := questionnaire.Builtin()
	if err != nil {
		return fmt.Errorf("built-in questionnaires: %w", err)
	}
	for _, d := range builtins {
		if _, err := s.store.EnsureQuestionnaire(ctx, d.Key, d.Version, d.Title, d.Source()); err != nil {
			return err
		}
	}
	s.defsMu.Lock()
	s.builtinsStored = true
	s.defsMu.Unlock()
	return nil
}

// StartAssessment begins the project's next cycle on the newest version of the questionnaire
// key. The previous cycle's work is carried (see createAssessment), and the questions that ask
// what the project records are prefilled from it.
func (s *Service) StartAssessment(ctx context.Context, who Actor, projectID int64, key string) (*assessments.Assessment, error) {
	acc, err := s.Access(ctx, who, projectID, ActEdit)
	if err != nil {
		return nil, err
	}
	p := Problems{}
	p.Require("questionnaire", key, `Choose a questionnaire, e.g. "llm-finetuning".`)
	p.CheckText("questionnaire", key, MaxName)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.createAssessment(ctx, who, acc.Project, key, nil)
}

// createAssessment opens the project's next cycle on the newest version of key. After an
// approved cycle the risk work goes on (findings, mitigations with their tracking, evidence,
// acceptances still valid, open comments: see CarryFrom); after one that was never approved the
// answers that still fit and the evidence are carried. Unanswered questions that ask what the
// project records are prefilled from it. from, when set, is the approved assessment a reviewer
// or owner re-assesses: the creation is then audited as a re-assessment of it.
func (s *Service) createAssessment(ctx context.Context, who Actor, project *assessments.Project, key string, from *assessments.Assessment) (*assessments.Assessment, error) {
	if who.User == nil {
		return nil, ErrForbidden
	}
	def, err := s.LatestDefinition(ctx, key)
	if err != nil {
		return nil, err
	}
	previous, err := s.store.Assessments(ctx, project.ID)
	if err != nil {
		return nil, err
	}
	cycle := len(previous) + 1
	summary := fmt.Sprintf("Started cycle %d on %s version %d", cycle, def.Title, def.Version)
	state := assessments.State{Questionnaire: def.Key, QuestionnaireVersion: def.Version}
	var carried *CarriedCycle
	switch {
	case len(previous) > 0 && previous[0].Status == assessments.Approved:
		cc, err := s.CarryFrom(ctx, def, previous[0], s.now())
		if err != nil {
			return nil, err
		}
		carried, state = &cc, cc.State
		summary = fmt.Sprintf("Started cycle %d on %s version %d. %s", cycle, def.Title, def.Version, cc.Summary.Text())
	case len(previous) > 0:
		state.Answers = CarryAnswers(def, previous[0].Answers())
		summary += fmt.Sprintf(", %d answers carried over from cycle %d", len(state.Answers), previous[0].Cycle)
		// Evidence goes along, each record marked with the cycle it came from.
		state = assessments.CarryEvidence(def, previous[0].State, state)
		if n := len(state.Evidence); n > 0 {
			summary += fmt.Sprintf(", %d evidence %s", n, pick(n, "record", "records"))
		}
	}
	facts, err := s.checkFacts(ctx, def, project, state.Answers)
	if err != nil {
		return nil, err
	}
	if n := len(facts.Prefill); n > 0 {
		state.Answers = prefilled(state.Answers, facts.Prefill)
		summary += fmt.Sprintf(", %d %s prefilled from the project", n, pick(n, "answer", "answers"))
	}
	policy, err := s.Policy(ctx)
	if err != nil {
		return nil, err
	}
	n := store.NewAssessment{ProjectID: project.ID, State: assessments.ReconcilePolicy(def, state, policy), Author: who.User.ID, Summary: summary}
	var a *assessments.Assessment
	if from != nil {
		e := event(who, store.AuditAssessmentReassess, "", map[string]any{"from": from.ID})
		err = s.Audited(ctx, &e, func(st *store.Store) (err error) {
			if a, err = st.CreateAssessment(ctx, n); err == nil {
				e.Target = store.AuditTarget("assessment", a.ID)
				e.Details["cycle"] = a.Cycle
			}
			return err
		})
	} else {
		a, err = s.store.CreateAssessment(ctx, n)
	}
	if errors.Is(err, store.ErrOpenAssessment) {
		return nil, &ConflictError{What: "This project already has an assessment in progress: finish it before starting another."}
	}
	if err != nil || carried == nil {
		return a, err
	}
	moved, listed, err := s.CarryComments(ctx, def, previous[0], a)
	if err != nil {
		return nil, err
	}
	err = s.audited(ctx, who, "assessment.carry", store.AuditTarget("assessment", a.ID), map[string]any{"from": previous[0].ID,
		"carried": carried.Summary, "comments_carried": len(moved), "comments_left": len(listed)}, func(*store.Store) error { return nil })
	return a, err
}

// CarryAnswers keeps the earlier answers whose question def still has and that it accepts.
func CarryAnswers(def *questionnaire.Definition, old map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range old {
		q, ok := def.Question(k)
		if !ok {
			continue
		}
		if nv, err := q.FromJSON(v); err == nil && nv != nil {
			out[k] = nv
		}
	}
	return out
}

// editable loads an assessment the actor may change, with its questionnaire: ErrNotFound for
// outsiders, ErrForbidden for members who may not edit, a FrozenError when its status freezes
// it.
func (s *Service) editable(ctx context.Context, who Actor, assessmentID int64) (*assessments.Assessment, *questionnaire.Definition, error) {
	a, _, def, err := s.assessmentFor(ctx, who, assessmentID, ActEdit)
	if err != nil {
		return nil, nil, err
	}
	if err := Editable(a); err != nil {
		return nil, nil, err
	}
	return a, def, nil
}

// assessmentFor loads an assessment, checks that the actor may do act in its project, and
// loads its questionnaire version.
func (s *Service) assessmentFor(ctx context.Context, who Actor, assessmentID int64, act Action) (*assessments.Assessment, *Access, *questionnaire.Definition, error) {
	a, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return nil, nil, nil, err
	}
	acc, err := s.Access(ctx, who, a.ProjectID, act)
	if err != nil {
		return nil, nil, nil, err
	}
	def, err := s.Definition(ctx, a.QuestionnaireKey, a.QuestionnaireVersion)
	if err != nil {
		return nil, nil, nil, err
	}
	return a, acc, def, nil
}

// SaveAnswers changes answers of an assessment opened at revision base. With section set (a
// form), every question of that section is set from answers (FormValues; a question absent
// from answers is cleared, as a form leaves out a group with nothing ticked) and a form opened at
// an older revision is merged with what others saved since: answers only the user changed, or
// only the others changed, both survive; questions both changed to different answers are a
// ConflictError naming them, with the merged answers for the form to show. Without section (the
// API) only the given questions change, and base must be the current revision.
//
// Validation errors name the question key (form) or "answers.<key>" (API). An edit of an
// assessment whose changes were requested moves it back to draft.
func (s *Service) SaveAnswers(ctx context.Context, who Actor, assessmentID int64, base int, section string, answers map[string]any) (*assessments.Assessment, error) {
	a, def, err := s.editable(ctx, who, assessmentID)
	if err != nil {
		return nil, err
	}
	proposed, err := readAnswers(def, section, answers)
	if err != nil {
		return nil, err
	}
	if section != "" && base != a.Revision {
		sec, _ := def.Section(section)
		merged, conflicts, err := s.mergeSection(ctx, a, sec, base, proposed)
		if err != nil {
			return nil, err
		}
		if len(conflicts) > 0 {
			return nil, &ConflictError{What: "Someone else changed the same answers since you opened the page.",
				Current: int64(a.Revision), Questions: conflicts, Merged: merged}
		}
		proposed, base = merged, a.Revision
	}
	saved, err := s.commit(ctx, who, a, def, base, a.State.Apply(assessments.Change{Answers: proposed}), "", nil)
	if errors.Is(err, ErrConflict) {
		return nil, s.staleError(ctx, a.ID, base)
	}
	return saved, err
}

// staleError is the ConflictError for a change made on revision base, with the revision that
// is current now.
func (s *Service) staleError(ctx context.Context, assessmentID int64, base int) error {
	current, err := s.store.Assessment(ctx, assessmentID)
	if err != nil {
		return err
	}
	return &ConflictError{Current: int64(current.Revision),
		What: fmt.Sprintf("the assessment changed since revision %d; fetch it, merge, and retry with If-Match: %d", base, current.Revision)}
}

// readAnswers checks every answer against its question and returns them parsed.
func readAnswers(def *questionnaire.Definition, section string, answers map[string]any) (map[string]any, error) {
	proposed := map[string]any{}
	p := Problems{}
	parse := func(q *questionnaire.Question, v any) (any, error) {
		if fv, ok := v.(FormValues); ok {
			return q.FromForm(fv)
		}
		return q.FromJSON(v)
	}
	if section != "" {
		sec, ok := def.Section(section)
		if !ok {
			return nil, ErrNotFound
		}
		for _, q := range sec.Questions {
			v, given := answers[q.Key]
			if !given {
				v = FormValues(nil)
			}
			val, err := parse(q, v)
			if err != nil {
				p.Add(q.Key, capitalise(err.Error())+".")
				continue
			}
			proposed[q.Key] = val
		}
		return proposed, p.Err()
	}
	if answers == nil {
		return nil, Invalid("answers", "answers is required: an object of question keys and values")
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q, ok := def.Question(k)
		if !ok {
			p.Add("answers."+k, fmt.Sprintf("answers.%s: no such question in %s version %d", k, def.Key, def.Version))
			continue
		}
		val, err := parse(q, answers[k])
		if err != nil {
			p.Add("answers."+k, fmt.Sprintf("answers.%s: %v", k, err))
			continue
		}
		proposed[k] = val
	}
	return proposed, p.Err()
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mergeSection merges the answers a user posted for a section, from a form opened at revision
// base, with the current answers. It returns the answers to save and the questions where both
// sides changed the answer differently.
func (s *Service) mergeSection(ctx context.Context, a *assessments.Assessment, sec *questionnaire.Section, base int, posted map[string]any) (map[string]any, []string, error) {
	var conflicts []string
	if base < 1 || base > a.Revision {
		for _, q := range sec.Questions {
			if !assessments.SameAnswer(posted[q.Key], a.Answers()[q.Key]) {
				conflicts = append(conflicts, q.Key)
			}
		}
		return posted, conflicts, nil
	}
	states, err := s.store.StatesAt(ctx, a.ID, base)
	if err != nil {
		return nil, nil, err
	}
	was := states[base].Answers
	merged := map[string]any{}
	for _, q := range sec.Questions {
		mine, theirs, before := posted[q.Key], a.Answers()[q.Key], was[q.Key]
		switch {
		case assessments.SameAnswer(mine, before): // the user left it: keep the others' answer
			merged[q.Key] = theirs
		case assessments.SameAnswer(theirs, before), assessments.SameAnswer(mine, theirs):
			merged[q.Key] = mine
		default:
			merged[q.Key] = mine
			conflicts = append(conflicts, q.Key)
		}
	}
	return merged, conflicts, nil
}
