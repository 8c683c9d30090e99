-- Agreed actions linked to the needs of a family's plan (issue 10: "each need … the actions
-- (owner, agency, due date — the same actions as the meetings issue)"). An action the panel
-- agreed for the family is linked by the plan's keepers to the need it serves; none while it
-- serves no particular need. Kept in step with ../postgres/0020_need_actions.sql.
ALTER TABLE actions ADD COLUMN need_id BLOB REFERENCES plan_needs (id);
CREATE INDEX actions_family ON actions (family_id, created_at);
