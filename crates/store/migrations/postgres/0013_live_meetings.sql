-- The meeting in progress (issue 6). Kept in step with ../sqlite/0013_live_meetings.sql.

-- The case the chair has opened in the live view and when (its slot timer counts from then),
-- and a counter that moves on every change attendees following the meeting should see: their
-- pages poll it and get "not modified" until it moves.
ALTER TABLE meetings ADD COLUMN live_item_id UUID REFERENCES agenda_items (id);
ALTER TABLE meetings ADD COLUMN live_started_at TIMESTAMPTZ;
ALTER TABLE meetings ADD COLUMN live_seq BIGINT NOT NULL DEFAULT 0;

-- A case discussed anonymously goes by this name ("Family A") at its meeting: in the room, in
-- the action notes, and on agency copies made while it was marked (a copy keeps the name it
-- was made with, so a later change does not make names appear on it).
ALTER TABLE agenda_items ADD COLUMN anonymous_label TEXT;
ALTER TABLE agenda_copy_items ADD COLUMN anonymous_label TEXT;

-- When MASH must have responded to an escalated referral: 24 hours by default, or the hours of
-- the step-up rule of the panel that escalated it.
ALTER TABLE referrals ADD COLUMN mash_due_at TIMESTAMPTZ;
