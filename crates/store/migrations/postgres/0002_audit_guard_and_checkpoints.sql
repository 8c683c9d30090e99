-- The audit trail cannot be changed through the application's connections: entries are only
-- ever appended. The one change allowed is a retention purge blanking `personal_fields` (the
-- chain covers their digest, not the fields, so it still verifies). A superuser can disable
-- these triggers; `earlyhelp audit verify` and the signed checkpoints catch that.

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.personal_fields IS NULL
       AND NEW.seq = OLD.seq
       AND NEW.at = OLD.at
       AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
       AND NEW.client_address IS NOT DISTINCT FROM OLD.client_address
       AND NEW.action = OLD.action
       AND NEW.record_type = OLD.record_type
       AND NEW.record_id IS NOT DISTINCT FROM OLD.record_id
       AND NEW.outcome = OLD.outcome
       AND NEW.personal_digest = OLD.personal_digest
       AND NEW.prev_hash = OLD.prev_hash
       AND NEW.hash = OLD.hash THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed or removed (only their personal fields purged)';
END;
$$;

CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Signed checkpoints of the chain head: the hash at `seq`, signed with the service's Ed25519
-- key. Exported to an outside witness, they prove the chain up to `seq` was not rewritten
-- afterwards, even by someone able to recompute every hash.
CREATE TABLE audit_checkpoints (
    seq        BIGINT PRIMARY KEY,
    hash       TEXT NOT NULL,
    signed_at  TIMESTAMPTZ NOT NULL,
    public_key TEXT NOT NULL,
    signature  TEXT NOT NULL
);

CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints cannot be changed or removed';
END;
$$;

CREATE TRIGGER audit_checkpoints_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only();
