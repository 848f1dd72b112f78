-- Pipeline integration (issue 15): scoped API tokens, run manifests kept by digest, and the
-- record of every gate decision.

-- A token's scope: 'personal' acts with its user's full rights (every token made before this
-- migration); 'pipeline' is bound to one project, may only read the gate and post manifests and
-- evidence, and expires.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'personal' CHECK (scope IN ('personal', 'pipeline'));
ALTER TABLE api_tokens ADD COLUMN project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
CREATE INDEX api_tokens_project ON api_tokens (project_id) WHERE project_id IS NOT NULL;

-- Run manifests by their digest. An evidence record of kind 'manifest' names the digest (in the
-- assessment state, so the approved revision's hash covers it); the digest covers these bytes.
CREATE TABLE manifests (
    digest     TEXT    PRIMARY KEY,
    document   TEXT    NOT NULL, -- canonical JSON (RFC 8785)
    entries    INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);

-- Every gate decision: which project and approval it was asked about, with which manifest, the
-- verdict and its reasons (JSON list of {code, message}), and who asked.
CREATE TABLE gate_checks (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    assessment_id   INTEGER REFERENCES assessments (id) ON DELETE SET NULL,
    manifest_digest TEXT    NOT NULL DEFAULT '',
    allowed         INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    reasons         TEXT    NOT NULL DEFAULT '[]',
    token_id        INTEGER REFERENCES api_tokens (id) ON DELETE SET NULL,
    token_name      TEXT    NOT NULL DEFAULT '',
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at              TEXT    NOT NULL
);
CREATE INDEX gate_checks_project ON gate_checks (project_id, id);
