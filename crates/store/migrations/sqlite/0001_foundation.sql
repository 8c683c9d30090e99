-- Foundation schema (SQLite). Kept in step with ../postgres/0001_foundation.sql: the test
-- `both_engines_end_with_the_same_tables_and_columns` fails if they drift.
-- Ids are UUIDv7 stored as 16-byte BLOBs; instants are UTC text; dates are YYYY-MM-DD text.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE localities (
    id   BLOB PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE postcode_areas (
    prefix      TEXT PRIMARY KEY,
    locality_id BLOB NOT NULL REFERENCES localities (id)
);

CREATE TABLE organisations (
    id                  BLOB PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    secure_email_domain TEXT NOT NULL,
    address             TEXT NOT NULL,
    isa_state           TEXT NOT NULL CHECK (isa_state IN ('applied', 'signed', 'withdrawn')),
    isa_applied_on      TEXT,
    isa_signed_on       TEXT,
    isa_signatory       TEXT,
    isa_review_due      TEXT,
    isa_withdrawn_on    TEXT,
    mfa_required        BOOLEAN NOT NULL DEFAULT FALSE,
    version             BIGINT NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL
);

CREATE TABLE users (
    id                    BLOB PRIMARY KEY,
    organisation_id       BLOB NOT NULL REFERENCES organisations (id),
    email                 TEXT NOT NULL UNIQUE,
    given_name            TEXT NOT NULL,
    family_name           TEXT NOT NULL,
    job_title             TEXT NOT NULL,
    password_hash         TEXT,
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    mfa_secret            TEXT,
    mfa_pending_secret    TEXT,
    mfa_enabled_at        TEXT,
    mfa_last_step         BIGINT,
    version               BIGINT NOT NULL DEFAULT 1,
    created_at            TEXT NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);

CREATE TABLE user_roles (
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE recovery_codes (
    user_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE sessions (
    token_hash     TEXT PRIMARY KEY,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    mfa_passed     BOOLEAN NOT NULL,
    client_address TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    subject      TEXT NOT NULL,
    failed_at    TEXT NOT NULL
);
CREATE INDEX sign_in_failures_subject ON sign_in_failures (subject, failed_at);

CREATE TABLE api_tokens (
    id           BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE panels (
    id                             BLOB PRIMARY KEY,
    name                           TEXT NOT NULL UNIQUE,
    kind                           TEXT NOT NULL,
    locality_id                    BLOB NOT NULL REFERENCES localities (id),
    cadence                        TEXT NOT NULL,
    starts_at                      TEXT NOT NULL,
    ends_at                        TEXT NOT NULL,
    venue                          TEXT NOT NULL,
    business_support_user_id       BLOB NOT NULL REFERENCES users (id),
    conflict_of_interest_statement TEXT NOT NULL,
    version                        BIGINT NOT NULL DEFAULT 1,
    created_at                     TEXT NOT NULL
);

CREATE TABLE panel_chairs (
    panel_id BLOB NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users (id),
    turn     BIGINT NOT NULL,
    PRIMARY KEY (panel_id, user_id)
);

CREATE TABLE panel_members (
    panel_id        BLOB NOT NULL REFERENCES panels (id) ON DELETE CASCADE,
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    user_id         BLOB REFERENCES users (id),
    membership      TEXT NOT NULL CHECK (membership IN ('core', 'extended'))
);
CREATE INDEX panel_members_panel ON panel_members (panel_id);

CREATE TABLE families (
    id           BLOB PRIMARY KEY,
    locality_id  BLOB NOT NULL REFERENCES localities (id),
    address_line TEXT NOT NULL,
    postcode     TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);
CREATE INDEX families_locality ON families (locality_id);

CREATE TABLE people (
    id             BLOB PRIMARY KEY,
    family_id      BLOB NOT NULL REFERENCES families (id),
    given_name     TEXT NOT NULL,
    family_name    TEXT NOT NULL,
    date_of_birth  TEXT NOT NULL,
    sex            TEXT NOT NULL,
    household_role TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);
CREATE INDEX people_family ON people (family_id);

-- The audit chain. Each entry's hash covers the previous entry's hash, so altering,
-- inserting, removing or reordering entries breaks the chain at that point.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
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

-- Background work, written in the same transaction as the change that causes it.
CREATE TABLE jobs (
    id           BLOB PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_error   TEXT,
    done_at      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);
