-- Organisation scale, part 4: the audit page verifies only the entries written since the last
-- verification. One row: the last entry found intact (its seq and hash), and the first bad entry
-- a verification found, if any, which the page shows until a full verification finds the chain
-- intact again.
CREATE TABLE audit_verified (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    bad_seq    INTEGER,
    bad_reason TEXT    NOT NULL DEFAULT '',
    checked_at TEXT    NOT NULL
);
