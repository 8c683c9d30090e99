-- What happens at a meeting (issue 6): the confidentiality declarations signed before the
-- closed part, attendance, the panel's decision on each case with its reasons, and the actions
-- agreed with their owners, due dates and updates. Kept in step with ../postgres/0011_meeting_records.sql.

CREATE TABLE declarations (
    meeting_id BLOB NOT NULL REFERENCES meetings (id),
    user_id    BLOB NOT NULL REFERENCES users (id),
    statement  TEXT NOT NULL,
    signed_at  TEXT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- One row per member organisation's seat at one meeting.
CREATE TABLE attendance (
    meeting_id      BLOB NOT NULL REFERENCES meetings (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('present', 'apologies', 'absent', 'deputy')),
    attendee        TEXT,
    recorded_by     BLOB NOT NULL REFERENCES users (id),
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (meeting_id, organisation_id)
);

CREATE TABLE decisions (
    id                   BLOB PRIMARY KEY,
    meeting_id           BLOB NOT NULL REFERENCES meetings (id),
    agenda_item_id       BLOB NOT NULL UNIQUE REFERENCES agenda_items (id),
    family_id            BLOB NOT NULL REFERENCES families (id),
    referral_id          BLOB REFERENCES referrals (id),
    outcome              TEXT NOT NULL,
    reasons              TEXT NOT NULL,
    lead_organisation_id BLOB REFERENCES organisations (id),
    lead_professional_id BLOB REFERENCES users (id),
    first_taf_by         TEXT,
    service              TEXT,
    review_meeting_id    BLOB REFERENCES meetings (id),
    decided_by           BLOB NOT NULL REFERENCES users (id),
    decided_at           TEXT NOT NULL
);
CREATE INDEX decisions_family ON decisions (family_id, decided_at);
CREATE INDEX decisions_meeting ON decisions (meeting_id);

CREATE TABLE actions (
    id              BLOB PRIMARY KEY,
    meeting_id      BLOB NOT NULL REFERENCES meetings (id),
    agenda_item_id  BLOB REFERENCES agenda_items (id),
    family_id       BLOB REFERENCES families (id),
    description     TEXT NOT NULL,
    owner_user_id   BLOB NOT NULL REFERENCES users (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    due_on          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    reminded_on     TEXT,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX actions_meeting ON actions (meeting_id);
CREATE INDEX actions_owner ON actions (owner_user_id, status, due_on);
CREATE INDEX actions_due ON actions (status, due_on);

CREATE TABLE action_updates (
    action_id BLOB NOT NULL REFERENCES actions (id),
    seq       BIGINT NOT NULL,
    note      TEXT NOT NULL,
    status    TEXT NOT NULL,
    by_user   BLOB NOT NULL REFERENCES users (id),
    at        TEXT NOT NULL,
    PRIMARY KEY (action_id, seq)
);
