-- Re-assessment dates and triggers, reminder delivery, webhooks, calendar feeds and exports.

ALTER TABLE assessments ADD COLUMN approved_at TEXT;
ALTER TABLE assessments ADD COLUMN next_review_at TEXT;       -- YYYY-MM-DD
ALTER TABLE assessments ADD COLUMN reassessment_reason TEXT;  -- set when the project changed materially
ALTER TABLE assessments ADD COLUMN reassessment_since TEXT;

-- The outbox: one row per reminder and channel, keyed so that the same reminder is never queued
-- twice, whoever computes it and however often. A row is claimed before it is sent, so two
-- passes never send it both; a claim that a crash left behind expires and is retried.
CREATE TABLE outbox (
    key             TEXT    PRIMARY KEY,
    channel         TEXT    NOT NULL CHECK (channel IN ('inapp', 'email', 'webhook')),
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    webhook_id      INTEGER REFERENCES webhooks (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    link            TEXT    NOT NULL,
    payload         TEXT    NOT NULL DEFAULT '{}',
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    claimed_at      TEXT,
    claimed_by      TEXT,
    sent_at         TEXT,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      TEXT    NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER REFERENCES projects (id) ON DELETE CASCADE, -- NULL: the whole instance
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    outbox_key  TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    duration_ms INTEGER NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- What each user wants to receive, per channel; no row means yes.
CREATE TABLE user_channels (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel TEXT    NOT NULL CHECK (channel IN ('inapp', 'email')),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    PRIMARY KEY (user_id, channel)
);

-- A personal calendar feed at a secret URL; only a hash of the secret is kept.
CREATE TABLE calendar_feeds (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL
);

-- Every report export: who took which revision in which format, and the file's SHA-256.
CREATE TABLE exports (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    revision      INTEGER NOT NULL,
    state_hash    TEXT    NOT NULL,
    format        TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_email    TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);
CREATE INDEX exports_sha ON exports (sha256);
CREATE INDEX exports_assessment ON exports (assessment_id, id);
