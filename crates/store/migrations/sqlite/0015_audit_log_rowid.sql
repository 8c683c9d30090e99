-- The audit chain's sequence number becomes the table's rowid. `BIGINT PRIMARY KEY` is not a
-- rowid alias in SQLite, so every entry also went into a separate index, and reading the chain
-- in order looked each row up through it; `INTEGER PRIMARY KEY` stores entries in chain order
-- in the table itself. Same columns, same append-only triggers.

DROP TRIGGER audit_log_append_only_update;
DROP TRIGGER audit_log_append_only_delete;

CREATE TABLE audit_log_by_seq (
    seq             INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor_user_id   BLOB,
    client_address  TEXT,
    action          TEXT NOT NULL,
    record_type     TEXT NOT NULL,
    record_id       TEXT,
    outcome         TEXT NOT NULL,
    personal_fields TEXT,
    personal_digest TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL
);

INSERT INTO audit_log_by_seq (seq, at, actor_user_id, client_address, action, record_type, record_id, outcome,
                              personal_fields, personal_digest, prev_hash, hash)
SELECT seq, at, actor_user_id, client_address, action, record_type, record_id, outcome,
       personal_fields, personal_digest, prev_hash, hash
FROM audit_log ORDER BY seq;

DROP TABLE audit_log;
ALTER TABLE audit_log_by_seq RENAME TO audit_log;

CREATE TRIGGER audit_log_append_only_update
BEFORE UPDATE ON audit_log
WHEN NOT (
    NEW.personal_fields IS NULL
    AND NEW.seq = OLD.seq
    AND NEW.at = OLD.at
    AND NEW.actor_user_id IS OLD.actor_user_id
    AND NEW.client_address IS OLD.client_address
    AND NEW.action = OLD.action
    AND NEW.record_type = OLD.record_type
    AND NEW.record_id IS OLD.record_id
    AND NEW.outcome = OLD.outcome
    AND NEW.personal_digest = OLD.personal_digest
    AND NEW.prev_hash = OLD.prev_hash
    AND NEW.hash = OLD.hash
)
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be changed (only their personal fields purged)');
END;

CREATE TRIGGER audit_log_append_only_delete
BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be removed');
END;
