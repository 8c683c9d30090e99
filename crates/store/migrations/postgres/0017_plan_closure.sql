-- Closing a family's plan (issue 10): why it closed, where each need stood, the family's last
-- words on it, and the check months later that the improvement held, which is the evidence a
-- Supporting Families claim rests on.

ALTER TABLE plans ADD COLUMN closed_on DATE;
ALTER TABLE plans ADD COLUMN closed_reason TEXT
    CHECK (closed_reason IN ('needs_met', 'stepped_up', 'stepped_down', 'disengaged', 'moved_away'));
ALTER TABLE plans ADD COLUMN closed_by UUID REFERENCES users (id);
ALTER TABLE plans ADD COLUMN closing_summary TEXT;
ALTER TABLE plans ADD COLUMN closing_parents_words TEXT;
ALTER TABLE plans ADD COLUMN closing_child_words TEXT;
-- When the team goes back to confirm progress held; NULL when the ending calls for no check.
ALTER TABLE plans ADD COLUMN sustain_due_on DATE;

-- Where each need stood when the plan closed.
ALTER TABLE plan_needs ADD COLUMN status_at_close TEXT
    CHECK (status_at_close IN ('worse', 'no_change', 'some', 'significant', 'met'));

-- The sustained-progress check: one per closed plan, with the evidence, and per need whether
-- the improvement held.
CREATE TABLE sustain_checks (
    plan_id     UUID PRIMARY KEY REFERENCES plans (id),
    checked_on  DATE NOT NULL,
    evidence    TEXT NOT NULL,
    recorded_by UUID NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE need_sustained (
    plan_id UUID NOT NULL REFERENCES sustain_checks (plan_id),
    need_id UUID NOT NULL REFERENCES plan_needs (id),
    held    BOOLEAN NOT NULL,
    PRIMARY KEY (plan_id, need_id)
);

-- The checks falling due, for the lead professional's home page.
CREATE INDEX plans_sustain_due ON plans (lead_professional_id, sustain_due_on) WHERE sustain_due_on IS NOT NULL;
