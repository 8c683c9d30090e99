-- Panel meetings (issue 6): generated from each panel's cadence a year ahead, their agendas in
-- the standard order, the copy of the list of families each member organisation received (never
-- a family that excluded it), and what each agency's check of its own systems found. Local
-- closure days join the working-day calendar every deadline is counted with. Kept in step with
-- ../sqlite/0009_meetings.sql.

-- A panel's deadline rules (defaults from the seeds; see domain::meeting::DeadlineRules).
ALTER TABLE panels ADD COLUMN list_to_members_working_days BIGINT NOT NULL DEFAULT 5;
ALTER TABLE panels ADD COLUMN notes_to_business_support_working_days BIGINT NOT NULL DEFAULT 3;
ALTER TABLE panels ADD COLUMN notes_to_members_days BIGINT NOT NULL DEFAULT 7;
ALTER TABLE panels ADD COLUMN step_up_hours BIGINT NOT NULL DEFAULT 24;

-- A member organisation with no staff accounts receives the list at this secure mailbox.
ALTER TABLE panel_members ADD COLUMN secure_email TEXT;

-- Days the council is closed, added by an administrator: not working days for any deadline.
CREATE TABLE closure_days (
    day      DATE PRIMARY KEY,
    reason   TEXT NOT NULL,
    added_by UUID REFERENCES users (id),
    added_at TIMESTAMPTZ NOT NULL
);

-- One meeting. `scheduled_for` is the cadence date it was generated for (so a moved or cancelled
-- meeting is never generated again); `meeting_date` is when it takes place.
CREATE TABLE meetings (
    id             UUID PRIMARY KEY,
    panel_id       UUID NOT NULL REFERENCES panels (id),
    scheduled_for  DATE NOT NULL,
    meeting_date   DATE NOT NULL,
    starts_at      TIME NOT NULL,
    ends_at        TIME NOT NULL,
    venue          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('planned', 'circulated', 'cancelled')),
    circulate_by   DATE NOT NULL,
    circulated_at  TIMESTAMPTZ,
    circulated_by  UUID REFERENCES users (id),
    cancelled_at   TIMESTAMPTZ,
    cancelled_by   UUID REFERENCES users (id),
    cancel_reason  TEXT,
    moved_from     DATE,
    version        BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (panel_id, scheduled_for)
);
CREATE INDEX meetings_panel_date ON meetings (panel_id, meeting_date);
CREATE INDEX meetings_due ON meetings (status, circulate_by);

-- One line of an agenda: a case (a family, usually brought by a referral) or a community issue
-- or item of other business (a title; no family named).
CREATE TABLE agenda_items (
    id          UUID PRIMARY KEY,
    meeting_id  UUID NOT NULL REFERENCES meetings (id),
    section     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    family_id   UUID REFERENCES families (id),
    referral_id UUID REFERENCES referrals (id),
    title       TEXT,
    minutes     BIGINT NOT NULL,
    late        BOOLEAN NOT NULL DEFAULT FALSE,
    added_by    UUID REFERENCES users (id),
    added_at    TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ,
    removed_by  UUID REFERENCES users (id),
    CHECK ((family_id IS NULL) <> (title IS NULL))
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, section, position);
CREATE INDEX agenda_items_family ON agenda_items (family_id);

-- The copy of a meeting's list each member organisation received, and how.
CREATE TABLE agenda_copies (
    meeting_id      UUID NOT NULL REFERENCES meetings (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    sent_at         TIMESTAMPTZ NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('in_app', 'secure_email')),
    sent_to         TEXT,
    PRIMARY KEY (meeting_id, organisation_id)
);

-- Exactly which cases each organisation's copy held (each also in the sharing log).
CREATE TABLE agenda_copy_items (
    meeting_id      UUID NOT NULL REFERENCES meetings (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    agenda_item_id  UUID NOT NULL REFERENCES agenda_items (id),
    PRIMARY KEY (meeting_id, organisation_id, agenda_item_id)
);
CREATE INDEX agenda_copy_items_item ON agenda_copy_items (agenda_item_id);

-- What an agency found when it checked its own systems for a family on its copy.
CREATE TABLE agency_checks (
    agenda_item_id  UUID NOT NULL REFERENCES agenda_items (id),
    organisation_id UUID NOT NULL REFERENCES organisations (id),
    outcome         TEXT NOT NULL CHECK (outcome IN ('not_known', 'known_nothing_to_add', 'information_to_bring')),
    note            TEXT,
    recorded_by     UUID NOT NULL REFERENCES users (id),
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agenda_item_id, organisation_id)
);

-- The meeting an accepted referral is on (its date stays in meeting_date for history).
ALTER TABLE referrals ADD COLUMN meeting_id UUID REFERENCES meetings (id);
CREATE INDEX referrals_meeting ON referrals (meeting_id);
