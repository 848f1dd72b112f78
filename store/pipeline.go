package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/piaf-dev/piaf/assessments"
)

// Token scopes.
const (
	ScopePersonal = "personal" // the user's full rights
	ScopePipeline = "pipeline" // one project's gate, manifests and evidence, nothing else
)

// CreatePipelineToken makes a token bound to one project that expires at expires, and returns it
// with its secret (shown once).
func (s *Store) CreatePipelineToken(ctx context.Context, userID, projectID int64, name string, expires time.Time) (*assessments.APIToken, string, error) {
	secret := TokenPrefix + newSecret()
	exp := expires.UTC()
	t := &assessments.APIToken{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: s.now(), Scope: ScopePipeline,
		ProjectID: projectID, ExpiresAt: &exp}
	err := s.write.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, scope, project_id, expires_at)
		VALUES (?, ?, ?, ?, ?, 'pipeline', ?, ?) RETURNING id`, userID, name, hashSecret(secret), t.Prefix, formatTime(t.CreatedAt),
		projectID, formatTime(exp)).Scan(&t.ID)
	if err != nil {
		return nil, "", fmt.Errorf("store: create pipeline token: %w", err)
	}
	return t, secret, nil
}

// PipelineTokens lists a project's pipeline tokens, newest first, revoked and expired ones
// included, with the name of who created each.
func (s *Store) PipelineTokens(ctx context.Context, projectID int64) ([]*assessments.APIToken, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at,
		t.expires_at, coalesce(nullif(u.name, ''), u.email, '')
		FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id
		WHERE t.project_id = ? AND t.scope = 'pipeline' ORDER BY t.id DESC LIMIT 200`, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: pipeline tokens: %w", err)
	}
	defer rows.Close()
	var out []*assessments.APIToken
	for rows.Next() {
		t := assessments.APIToken{Scope: ScopePipeline, ProjectID: projectID}
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt},
			nullTimeCol{&t.ExpiresAt}, &t.UserName); err != nil {
			return nil, fmt.Errorf("store: scan pipeline token: %w", err)
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// RevokePipelineToken stops one of a project's pipeline tokens; ErrNotFound when the project
// has no such live token.
func (s *Store) RevokePipelineToken(ctx context.Context, projectID, tokenID int64) (*assessments.APIToken, error) {
	var t assessments.APIToken
	err := s.write.QueryRowContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND project_id = ? AND scope = 'pipeline'
		AND revoked_at IS NULL RETURNING id, name, prefix`, s.stamp(), tokenID, projectID).Scan(&t.ID, &t.Name, &t.Prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: revoke pipeline token: %w", err)
	}
	return &t, nil
}

// SaveManifest keeps a run manifest's canonical JSON under its digest; saving the same one
// again changes nothing.
func (s *Store) SaveManifest(ctx context.Context, digest string, canonical []byte, entries int) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO manifests (digest, document, entries, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (digest) DO NOTHING`, digest, string(canonical), entries, s.stamp())
	if err != nil {
		return fmt.Errorf("store: save manifest: %w", err)
	}
	return nil
}

// Manifest returns a kept manifest's canonical JSON.
func (s *Store) Manifest(ctx context.Context, digest string) ([]byte, error) {
	var doc string
	err := s.read.QueryRowContext(ctx, "SELECT document FROM manifests WHERE digest = ?", digest).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: manifest: %w", err)
	}
	return []byte(doc), nil
}

// gateChecksKept is how many decisions a project keeps; older ones are dropped as new ones come,
// so a pipeline that asks on every commit cannot grow the table without bound.
var gateChecksKept = 5000

// RecordGateCheck stores a decision, dropping the project's oldest beyond the newest 5,000.
func (s *Store) RecordGateCheck(ctx context.Context, g *assessments.GateCheck) error {
	reasons, err := json.Marshal(g.Reasons)
	if err != nil {
		return err
	}
	if g.Reasons == nil {
		reasons = []byte("[]")
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		g.At = s.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO gate_checks (project_id, assessment_id, manifest_digest, allowed, reasons,
			token_id, token_name, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			g.ProjectID, nullID(g.AssessmentID), g.ManifestDigest, boolInt(g.Allowed), string(reasons), nullID(g.TokenID), g.TokenName,
			nullID(g.UserID), formatTime(g.At)).Scan(&g.ID); err != nil {
			return fmt.Errorf("store: record gate check: %w", err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM gate_checks WHERE project_id = ? AND id < (SELECT id FROM gate_checks
			WHERE project_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, g.ProjectID, g.ProjectID, gateChecksKept-1)
		if err != nil {
			return fmt.Errorf("store: prune gate checks: %w", err)
		}
		return nil
	})
}

// GateChecks lists a project's decisions, newest first, one page at a time, with the total.
func (s *Store) GateChecks(ctx context.Context, projectID int64, limit, offset int) ([]*assessments.GateCheck, int, error) {
	var total int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM gate_checks WHERE project_id = ?", projectID).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("store: count gate checks: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT g.id, g.project_id, coalesce(g.assessment_id, 0), g.manifest_digest, g.allowed, g.reasons,
		coalesce(g.token_id, 0), g.token_name, coalesce(g.user_id, 0), coalesce(nullif(u.name, ''), u.email, ''), g.at
		FROM gate_checks g LEFT JOIN users u ON u.id = g.user_id
		WHERE g.project_id = ? ORDER BY g.id DESC LIMIT ? OFFSET ?`, projectID, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("store: gate checks: %w", err)
	}
	defer rows.Close()
	var out []*assessments.GateCheck
	for rows.Next() {
		var g assessments.GateCheck
		var reasons string
		if err := rows.Scan(&g.ID, &g.ProjectID, &g.AssessmentID, &g.ManifestDigest, &g.Allowed, &reasons, &g.TokenID, &g.TokenName,
			&g.UserID, &g.UserName, timeCol{&g.At}); err != nil {
			return nil, 0, fmt.Errorf("store: scan gate check: %w", err)
		}
		if err := json.Unmarshal([]byte(reasons), &g.Reasons); err != nil {
			return nil, 0, fmt.Errorf("store: gate check %d reasons: %w", g.ID, err)
		}
		out = append(out, &g)
	}
	return out, total, rows.Err()
}
