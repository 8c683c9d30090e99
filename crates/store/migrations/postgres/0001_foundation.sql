-- Foundation schema (PostgreSQL). Kept in step with ../sqlite/0001_foundation.sql: the test
-- `both_engines_end_with_the_same_tables_and_columns` fails if they drift.
-- Ids are UUIDv7; instants are timestamptz in UTC; dates are dates.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE localities (
    id   UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE postcode_areas (
    prefix      TEXT PRIMARY KEY,
    locality_id UUID NOT NULL REFERENCES localities (id)
);

CREATE TABLE organisations (
    id                  UUID PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    secure_email_domain TEXT NOT NULL,
    address             TEXT NOT NULL,
    isa_state           TEXT NOT NULL CHECK (isa_state IN ('applied', 'signed', 'withdrawn')),
    isa_applied_on      DATE,
    isa_signed_on       DATE,
    isa_signatory       TEXT,
    isa_review_due      DATE,
    isa_withdrawn_on    DATE,
    mfa_required        BOOLEAN NOT NULL DEFAULT FALSE,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                    UUID PRIMARY KEY,
    organisation_id       UUID NOT NULL REFERENCES organisations (id),
    email                 TEXT NOT NULL UNIQUE,
    given_name            TEXT NOT NULL,
    family_name           TEXT NOT NULL,
    job_title             TEXT NOT NULL,
    password_hash         TEXT,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    mfa_secret            TEXT,
    mfa_pending_secret    TEXT,
    mfa_enabled_at        TIMESTAMPTZ,
    mfa_last_step         BIGINT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE user_roles (
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE recovery_codes (
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    token_hash     TEXT PRIMARY KEY,
    user_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    mfa_passed     BOOLEAN NOT NULL,
    client_address TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    subject      TEXT NOT NULL,
    failed_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, failed_at);

CREATE TABLE api_tokens (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE panels (
    id                             UUID PRIMARY KEY,
    name                           TEXT NOT NULL UNIQUE,
    kind                           TEXT NOT NULL,
    locality_id                    UUID NOT NULL REFERENCES localities (id),
    cadence                        TEXT NOT NULL,
    starts_at                      TIME NOT NULL,
    ends_at                        TIME NOT NULL,
    venue                          TEXT NOT NULL,
    business_support_user_id       UUID NOT NULL REFERENCES users (id),
    conflict_of_interest_statement TEXT NOT NULL,
    version                        BIGINT NOT NULL DEFAULT 1,
    created_at                     TIMESTAMPTZ NOT NULL
);

CREATE TABLE panel_chairs (
    panel_id UUID NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id),
    turn     BIGINT NOT NULL,
    PRIMARY KEY (panel_id, user_id)
);

CREATE TABLE panel_members (
    panel_id        UUID NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    user_id         UUID REFERENCES users (id),
    membership      TEXT NOT NULL CHECK (membership IN ('core', 'extended'))
);
CREATE INDEX panel_members_panel ON panel_members (panel_id);

CREATE TABLE families (
    id           UUID PRIMARY KEY,
    locality_id  UUID NOT NULL REFERENCES localities (id),
    address_line TEXT NOT NULL,
    postcode     TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX families_locality ON families (locality_id);

CREATE TABLE people (
    id             UUID PRIMARY KEY,
    family_id      UUID NOT NULL REFERENCES families (id),
    given_name     TEXT NOT NULL,
    family_name    TEXT NOT NULL,
    date_of_birth  DATE NOT NULL,
    sex            TEXT NOT NULL,
    household_role TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_family ON people (family_id);

-- The audit chain. Each entry's hash covers the previous entry's hash, so altering,
-- inserting, removing or reordering entries breaks the chain at that point.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   UUID,
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

-- Background work, written in the same transaction as the change that causes it.
CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    last_error   TEXT,
    done_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);
