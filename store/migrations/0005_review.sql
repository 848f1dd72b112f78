-- Review: decisions bound to the exact revision they were made on, comments on questions and
-- findings, in-app notifications, and instance settings.

CREATE TABLE review_events (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('submit', 'approve', 'request_changes')),
    user_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_email    TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    state_hash    TEXT    NOT NULL,
    comment       TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL
);
CREATE INDEX review_events_assessment ON review_events (assessment_id, id);

CREATE TABLE comments (
    id             INTEGER PRIMARY KEY,
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    target_kind    TEXT    NOT NULL CHECK (target_kind IN ('question', 'finding')),
    target_key     TEXT    NOT NULL,
    author_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_email   TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    created_at     TEXT    NOT NULL,
    resolved_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    resolved_email TEXT,
    resolved_at    TEXT
);
CREATE INDEX comments_assessment ON comments (assessment_id, target_kind, target_key);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    read_at    TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
);
