-- The audit log: who did what, when and from where, for every security-relevant event.
-- Entries are appended, never changed: the triggers below refuse UPDATE and DELETE through the
-- app. Someone holding the file can drop them, so each entry also carries the SHA-256 of its
-- content and of the entry before it, and `piaf audit verify` walks that chain.

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY CHECK (seq > 0),
    at          TEXT    NOT NULL,
    -- No foreign key: entries must outlive the accounts they name, so the email is kept too.
    actor_id    INTEGER,
    actor_email TEXT    NOT NULL DEFAULT '',
    client_addr TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL CHECK (action <> ''),
    target      TEXT    NOT NULL DEFAULT '',
    details     TEXT    NOT NULL DEFAULT '{}',
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_target ON audit_log (target);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
