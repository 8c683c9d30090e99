-- The rest of issue 5: families moving house (each move kept, with the locality it left and the
-- one it joined), the disability that keeps a young person of 20 to 25 in early help's range,
-- and referrals made without consent on a recorded override (the override itself is a
-- sharing-log entry; its ground is kept apart from the justification so governance can count
-- by ground). Kept in step with ../sqlite/0008_moves_disability_and_overrides.sql.
CREATE TABLE family_moves (
    family_id             UUID NOT NULL REFERENCES families (id),
    seq                   BIGINT NOT NULL,
    moved_on              DATE NOT NULL,
    from_address_line     TEXT NOT NULL,
    from_postcode         TEXT NOT NULL,
    from_locality_id      UUID NOT NULL REFERENCES localities (id),
    to_address_line       TEXT NOT NULL,
    to_postcode           TEXT NOT NULL,
    to_locality_id        UUID NOT NULL REFERENCES localities (id),
    recorded_by           UUID REFERENCES users (id),
    recorded_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (family_id, seq)
);
ALTER TABLE people ADD COLUMN has_disability BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sharing_log ADD COLUMN override_ground TEXT;
CREATE INDEX sharing_log_overrides ON sharing_log (consent_override, recorded_at);
ALTER TABLE referrals ADD COLUMN consent_override_entry UUID REFERENCES sharing_log (id);
