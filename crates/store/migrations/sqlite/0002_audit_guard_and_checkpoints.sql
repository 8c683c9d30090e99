-- The audit trail cannot be changed through the application's connections: entries are only
-- ever appended. The one change allowed is a retention purge blanking `personal_fields` (the
-- chain covers their digest, not the fields, so it still verifies). Someone with the database
-- file can drop these triggers; `earlyhelp audit verify` and the signed checkpoints catch that.

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

-- Signed checkpoints of the chain head: the hash at `seq`, signed with the service's Ed25519
-- key. Exported to an outside witness, they prove the chain up to `seq` was not rewritten
-- afterwards, even by someone able to recompute every hash.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       TEXT NOT NULL,
    signed_at  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);

CREATE TRIGGER audit_checkpoints_append_only_update
BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints cannot be changed');
END;

CREATE TRIGGER audit_checkpoints_append_only_delete
BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints cannot be removed');
END;
