-- Referrals (issue 5): how a family reaches a panel. Each row holds the domain's state machine
-- as it stands (`status` for lists and queues, `state` with that state's data as JSON); every
-- change is kept in `referral_history`, never rewritten. Kept in step with
-- ../sqlite/0006_referrals.sql.
CREATE TABLE referrals (
    id                       UUID PRIMARY KEY,
    family_id                UUID NOT NULL REFERENCES families (id),
    route                    TEXT NOT NULL CHECK (route IN ('mash_decision', 'step_down', 'step_up', 'stuck')),
    locality_id              UUID NOT NULL REFERENCES localities (id),
    urgent                   BOOLEAN NOT NULL,
    re_referral              BOOLEAN NOT NULL,
    status                   TEXT NOT NULL,
    state                    TEXT NOT NULL,
    reason                   TEXT NOT NULL,
    referred_by              UUID NOT NULL REFERENCES users (id),
    referrer_organisation_id UUID NOT NULL REFERENCES organisations (id),
    sign_off_by              UUID REFERENCES users (id),
    checklist                TEXT NOT NULL DEFAULT '',
    panel_id                 UUID REFERENCES panels (id),
    meeting_date             DATE,
    redirected_to            TEXT,
    escalated_at             TIMESTAMPTZ,
    closed_on                DATE,
    version                  BIGINT NOT NULL DEFAULT 1,
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_family ON referrals (family_id, created_at);
CREATE INDEX referrals_queue ON referrals (status, locality_id);
CREATE INDEX referrals_referrer ON referrals (referred_by, status);
CREATE INDEX referrals_signer ON referrals (sign_off_by, status);

CREATE TABLE referral_history (
    referral_id UUID NOT NULL REFERENCES referrals (id),
    seq         BIGINT NOT NULL,
    event       TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    by_user_id  UUID REFERENCES users (id),
    note        TEXT,
    PRIMARY KEY (referral_id, seq)
);
