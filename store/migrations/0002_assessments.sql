-- Questionnaires and assessments. Every questionnaire version an assessment may refer to is kept
-- here as its YAML source, built-ins included, so an upgrade of the binary never changes the
-- questions of an assessment already started.

CREATE TABLE questionnaires (
    key         TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    title       TEXT    NOT NULL,
    source      BLOB    NOT NULL,
    builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    imported_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    imported_at TEXT    NOT NULL,
    PRIMARY KEY (key, version)
);

CREATE TABLE assessments (
    id                    INTEGER PRIMARY KEY,
    project_id            INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cycle                 INTEGER NOT NULL CHECK (cycle > 0),
    questionnaire_key     TEXT    NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    status                TEXT    NOT NULL DEFAULT 'draft'
                          CHECK (status IN ('draft', 'in_review', 'changes_requested', 'approved')),
    -- The current state (assessments.State as JSON), a projection of the revisions below,
    -- rebuilt in the same transaction as each revision.
    revision              INTEGER NOT NULL,
    state                 TEXT    NOT NULL,
    state_hash            TEXT    NOT NULL,
    created_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    UNIQUE (project_id, cycle),
    FOREIGN KEY (questionnaire_key, questionnaire_version) REFERENCES questionnaires (key, version)
);
CREATE INDEX assessments_project ON assessments (project_id);

-- Revisions are appended, never changed. Each holds what changed (so storage grows with the
-- change, not with the assessment) and the SHA-256 of the whole state after it.
CREATE TABLE revisions (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number > 0),
    parent        INTEGER CHECK (parent IS NULL OR parent = number - 1),
    author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    changes       TEXT    NOT NULL,
    state_hash    TEXT    NOT NULL,
    PRIMARY KEY (assessment_id, number)
);

CREATE TRIGGER revisions_are_immutable BEFORE UPDATE ON revisions
BEGIN
    SELECT RAISE(ABORT, 'revisions are append-only');
END;
