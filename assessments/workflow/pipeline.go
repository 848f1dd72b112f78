package workflow

import (
	"context"
	"strings"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/store"
)

// Pipeline tokens: a CI job holds one instead of a person's token. It is bound to one project
// and may only read the gate, post manifests and post evidence; the web layer refuses every
// other route in one place (web/api_scope.go), and Access refuses every other project here.

// Lifetimes of a pipeline token, in days.
const (
	DefaultPipelineTokenDays = 90
	MaxPipelineTokenDays     = 366
)

// Pipeline tells whether the actor holds a pipeline token.
func (a Actor) Pipeline() bool { return a.Token != nil && a.Token.Scope == store.ScopePipeline }

// mayReach tells whether the actor's token lets it reach a project at all.
func (a Actor) mayReach(projectID int64) bool {
	return !a.Pipeline() || a.Token.ProjectID == projectID
}

// PipelineTokenInput is what an owner gives to create a pipeline token.
type PipelineTokenInput struct {
	Name string
	Days int // zero: DefaultPipelineTokenDays
}

// CreatePipelineToken makes a token for the project's pipeline; the secret is returned once and
// never stored. Owners only; pipeline tokens cannot make tokens.
func (s *Service) CreatePipelineToken(ctx context.Context, who Actor, projectID int64, in PipelineTokenInput) (*assessments.APIToken, string, error) {
	if who.Pipeline() {
		return nil, "", ErrForbidden
	}
	a, err := s.Access(ctx, who, projectID, ActManage)
	if err != nil {
		return nil, "", err
	}
	if a.Project.Archived() {
		return nil, "", &FrozenError{Reason: "The project is archived: its pipeline cannot train any more."}
	}
	p := Problems{}
	in.Name = strings.TrimSpace(in.Name)
	p.Require("name", in.Name, "Name the token after the pipeline that will hold it, e.g. \"GitHub Actions: train.yml\".")
	p.CheckText("name", in.Name, 100)
	if strings.ContainsAny(in.Name, "\r\n") {
		p.Add("name", "Use one line.")
	}
	if in.Days == 0 {
		in.Days = DefaultPipelineTokenDays
	}
	if in.Days < 1 || in.Days > MaxPipelineTokenDays {
		p.Add("days", "Choose between 1 and 366 days.")
	}
	if err := p.Err(); err != nil {
		return nil, "", err
	}
	expires := s.now().UTC().Add(time.Duration(in.Days) * 24 * time.Hour).Truncate(time.Second)
	var t *assessments.APIToken
	var secret string
	e := event(who, "token.pipeline_created", store.AuditTarget("project", projectID), map[string]any{"name": in.Name, "expires": expires.Format(time.RFC3339)})
	err = s.Audited(ctx, &e, func(st *store.Store) (err error) {
		if t, secret, err = st.CreatePipelineToken(ctx, who.id(), projectID, in.Name, expires); err == nil {
			e.Details["token"], e.Details["prefix"] = t.ID, t.Prefix
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	t.UserName = who.User.Name
	return t, secret, nil
}

// PipelineTokens lists the project's pipeline tokens, for its owners.
func (s *Service) PipelineTokens(ctx context.Context, who Actor, projectID int64) ([]*assessments.APIToken, error) {
	if _, err := s.Access(ctx, who, projectID, ActManage); err != nil {
		return nil, err
	}
	return s.store.PipelineTokens(ctx, projectID)
}

// RevokePipelineToken stops one of the project's pipeline tokens. Owners only.
func (s *Service) RevokePipelineToken(ctx context.Context, who Actor, projectID, tokenID int64) error {
	if who.Pipeline() {
		return ErrForbidden
	}
	if _, err := s.Access(ctx, who, projectID, ActManage); err != nil {
		return err
	}
	e := event(who, "token.pipeline_revoked", store.AuditTarget("project", projectID), map[string]any{"token": tokenID})
	return s.Audited(ctx, &e, func(st *store.Store) error {
		t, err := st.RevokePipelineToken(ctx, projectID, tokenID)
		if err == nil {
			e.Details["name"], e.Details["prefix"] = t.Name, t.Prefix
		}
		return err
	})
}

// TokenExpired tells whether a token's expiry has passed, by the service's clock.
func (s *Service) TokenExpired(t *assessments.APIToken) bool {
	return t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt)
}
