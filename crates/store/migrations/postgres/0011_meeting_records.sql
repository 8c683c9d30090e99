-- What happens at a meeting (issue 6): the confidentiality declarations signed before the
-- closed part, attendance, the panel's decision on each case with its reasons, and the actions
-- agreed with their owners, due dates and updates. Kept in step with ../sqlite/0011_meeting_records.sql.

CREATE TABLE declarations (
    meeting_id UUID NOT NULL REFERENCES meetings (id),
    user_id    UUID NOT NULL REFERENCES users (id),
    statement  TEXT NOT NULL,
    signed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);

-- One row per member organisation's seat at one meeting.
CREATE TABLE attendance (
    meeting_id      UUID NOT NULL REFERENCES meetings (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('present', 'apologies', 'absent', 'deputy')),
    attendee        TEXT,
    recorded_by     UUID NOT NULL REFERENCES users (id),
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (meeting_id, organisation_id)
);

CREATE TABLE decisions (
    id                   UUID PRIMARY KEY,
    meeting_id           UUID NOT NULL REFERENCES meetings (id),
    agenda_item_id       UUID NOT NULL UNIQUE REFERENCES agenda_items (id),
    family_id            UUID NOT NULL REFERENCES families (id),
    referral_id          UUID REFERENCES referrals (id),
    outcome              TEXT NOT NULL,
    reasons              TEXT NOT NULL,
    lead_organisation_id UUID REFERENCES organisations (id),
    lead_professional_id UUID REFERENCES users (id),
    first_taf_by         DATE,
    service              TEXT,
    review_meeting_id    UUID REFERENCES meetings (id),
    decided_by           UUID NOT NULL REFERENCES users (id),
    decided_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX decisions_family ON decisions (family_id, decided_at);
CREATE INDEX decisions_meeting ON decisions (meeting_id);

CREATE TABLE actions (
    id              UUID PRIMARY KEY,
    meeting_id      UUID NOT NULL REFERENCES meetings (id),
    agenda_item_id  UUID REFERENCES agenda_items (id),
    family_id       UUID REFERENCES families (id),
    description     TEXT NOT NULL,
    owner_user_id   UUID NOT NULL REFERENCES users (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    due_on          DATE NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    reminded_on     DATE,
    created_by      UUID NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX actions_meeting ON actions (meeting_id);
CREATE INDEX actions_owner ON actions (owner_user_id, status, due_on);
CREATE INDEX actions_due ON actions (status, due_on);

CREATE TABLE action_updates (
    action_id UUID NOT NULL REFERENCES actions (id),
    seq       BIGINT NOT NULL,
    note      TEXT NOT NULL,
    status    TEXT NOT NULL,
    by_user   UUID NOT NULL REFERENCES users (id),
    at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (action_id, seq)
);
