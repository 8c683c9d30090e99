-- After the meeting (issue 6): when business support marked the action notes as sent to
-- members, and who did. The notes themselves are generated from what was recorded (decisions,
-- actions, attendance), so nothing else is stored. Kept in step with ../postgres/0012_action_notes.sql.

ALTER TABLE meetings ADD COLUMN notes_sent_at TEXT;
ALTER TABLE meetings ADD COLUMN notes_sent_by BLOB REFERENCES users (id);

