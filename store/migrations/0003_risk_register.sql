-- Projections of the current state of each assessment, rebuilt with every revision, so that
-- dashboards can ask across projects for open high risks and overdue mitigations in SQL.

CREATE TABLE findings (
    assessment_id     INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    finding_id        TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    inherent_level    INTEGER NOT NULL,
    residual_level    INTEGER NOT NULL,
    status            TEXT    NOT NULL,
    live              INTEGER NOT NULL CHECK (live IN (0, 1)),
    acceptance_expires TEXT,
    PRIMARY KEY (assessment_id, finding_id)
);
CREATE INDEX findings_open_high ON findings (live, status, residual_level);

CREATE TABLE mitigations (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    mitigation_id TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    owner_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due           TEXT,
    status        TEXT    NOT NULL,
    findings      INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, mitigation_id)
);
CREATE INDEX mitigations_due ON mitigations (status, due);
