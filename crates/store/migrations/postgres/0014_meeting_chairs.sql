-- Who chairs each meeting (issue 6, panel configuration). A panel with alternating chairs
-- (seed 004: a locality lead and a children's social care manager as co-chair) takes turns in
-- the order of panel_chairs.turn; business support may swap the chair of one meeting. NULL for
-- a panel with no chairs. Kept in step with ../sqlite/0014_meeting_chairs.sql.

ALTER TABLE meetings ADD COLUMN chair_id UUID REFERENCES users (id);

-- Existing meetings get their chair by turn, as domain::panel_config::chair_by_turn counts:
-- the nth meeting of the panel not cancelled, in date order, is chaired by the (n mod k)th
-- chair. A cancelled meeting takes the turn of the one before it. NULLIF keeps a panel with no
-- chairs NULL rather than dividing by zero.
UPDATE meetings SET chair_id = (
    SELECT pc.user_id FROM panel_chairs pc
    WHERE pc.panel_id = meetings.panel_id
      AND (SELECT COUNT(*) FROM panel_chairs pc2 WHERE pc2.panel_id = pc.panel_id AND pc2.turn < pc.turn)
        = (SELECT COUNT(*) FROM meetings m2
           WHERE m2.panel_id = meetings.panel_id AND m2.status <> 'cancelled'
             AND (m2.meeting_date < meetings.meeting_date OR (m2.meeting_date = meetings.meeting_date AND m2.id < meetings.id)))
          % NULLIF((SELECT COUNT(*) FROM panel_chairs pc3 WHERE pc3.panel_id = meetings.panel_id), 0)
);
