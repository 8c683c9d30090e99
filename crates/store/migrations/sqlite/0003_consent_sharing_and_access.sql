-- Consent, who works with each family, which panel holds its case, the sharing log and
-- break-glass access: the facts access decisions are made from (issue 4) and the records
-- golden rule 7 asks for.

ALTER TABLE people ADD COLUMN nhs_number TEXT;
ALTER TABLE people ADD COLUMN upn TEXT;
ALTER TABLE people ADD COLUMN national_insurance_number TEXT;
CREATE INDEX people_nhs_number ON people (nhs_number);

-- A consent record as MASH (usually) took it. Withdrawal keeps the record and stops sharing.
CREATE TABLE consents (
    id                   BLOB PRIMARY KEY,
    family_id            BLOB NOT NULL REFERENCES families (id),
    given_by             TEXT NOT NULL,
    given_by_person_id   BLOB REFERENCES people (id),
    given_on             TEXT NOT NULL,
    method               TEXT NOT NULL CHECK (method IN ('written', 'verbal')),
    scopes               TEXT NOT NULL,
    review_due           TEXT,
    recorded_by          BLOB REFERENCES users (id),
    recorded_at          TEXT NOT NULL,
    withdrawn_on         TEXT,
    withdrawal_recorded_by BLOB REFERENCES users (id),
    withdrawal_reason    TEXT,
    version              BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX consents_family ON consents (family_id);

-- Organisations a record excludes, or (readmitted) lets back in after an earlier exclusion.
CREATE TABLE consent_exclusions (
    consent_id      BLOB NOT NULL REFERENCES consents (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    readmitted      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (consent_id, organisation_id)
);

-- The family's current standing, kept in step with its consent records in the same
-- transaction, so every list and count can exclude in one indexed lookup.
CREATE TABLE family_exclusions (
    family_id       BLOB NOT NULL REFERENCES families (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (family_id, organisation_id)
);
CREATE INDEX family_exclusions_organisation ON family_exclusions (organisation_id);

-- Professionals who work with the family: the lead professional and the Team Around the Family.
CREATE TABLE family_workers (
    family_id BLOB NOT NULL REFERENCES families (id),
    user_id   BLOB NOT NULL REFERENCES users (id),
    role      TEXT NOT NULL CHECK (role IN ('lead_professional', 'team_around_the_family')),
    since     TEXT NOT NULL,
    until     TEXT,
    PRIMARY KEY (family_id, user_id, since)
);
CREATE INDEX family_workers_user ON family_workers (user_id);

-- Which panel holds the family's case (closed-session material is its members').
CREATE TABLE family_panels (
    family_id BLOB NOT NULL REFERENCES families (id),
    panel_id  BLOB NOT NULL REFERENCES panels (id),
    since     TEXT NOT NULL,
    until     TEXT,
    PRIMARY KEY (family_id, panel_id, since)
);
CREATE INDEX family_panels_panel ON family_panels (panel_id);

-- Extended members invited to one case.
CREATE TABLE case_invitations (
    family_id       BLOB NOT NULL REFERENCES families (id),
    panel_id        BLOB NOT NULL REFERENCES panels (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    invited_by      BLOB REFERENCES users (id),
    invited_at      TEXT NOT NULL,
    PRIMARY KEY (family_id, panel_id, organisation_id)
);

-- Golden rule 7: every decision to share or not to share, with what, with whom, why and who
-- decided. The system writes entries when it shares; practitioners add sharing done elsewhere.
CREATE TABLE sharing_log (
    id                   BLOB PRIMARY KEY,
    family_id            BLOB REFERENCES families (id),
    decision             TEXT NOT NULL CHECK (decision IN ('shared', 'not_shared')),
    data_categories      TEXT NOT NULL,
    recipient_organisation_id BLOB REFERENCES organisations (id),
    recipient_user_id    BLOB REFERENCES users (id),
    recipient_description TEXT NOT NULL,
    purpose              TEXT NOT NULL,
    lawful_basis         TEXT NOT NULL,
    method               TEXT NOT NULL,
    decided_by           BLOB REFERENCES users (id),
    decided_on           TEXT NOT NULL,
    consent_override     BOOLEAN NOT NULL DEFAULT FALSE,
    override_justification TEXT,
    override_authorised_by BLOB REFERENCES users (id),
    recorded_by          BLOB REFERENCES users (id),
    recorded_at          TEXT NOT NULL
);
CREATE INDEX sharing_log_family ON sharing_log (family_id, recorded_at);
CREATE INDEX sharing_log_organisation ON sharing_log (recipient_organisation_id, recorded_at);

-- Break-glass: an administrator's time-limited access to one family, with a stated reason,
-- listed for information governance to review.
CREATE TABLE break_glass (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users (id),
    family_id   BLOB NOT NULL REFERENCES families (id),
    reason      TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    reviewed_by BLOB REFERENCES users (id),
    reviewed_at TEXT,
    review_note TEXT
);
CREATE INDEX break_glass_user ON break_glass (user_id, family_id, expires_at);
CREATE INDEX break_glass_unreviewed ON break_glass (reviewed_at);
