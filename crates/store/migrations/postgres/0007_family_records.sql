-- Families and people recorded by hand (issue 5): who recorded a family (they see what they
-- entered), and people merged into another record when a duplicate is found, with the history
-- kept rather than deleted. Kept in step with ../sqlite/0007_family_records.sql.
ALTER TABLE families ADD COLUMN created_by UUID REFERENCES users (id);
CREATE INDEX families_created_by ON families (created_by);
ALTER TABLE people ADD COLUMN merged_into UUID REFERENCES people (id);
ALTER TABLE people ADD COLUMN merged_at TIMESTAMPTZ;
ALTER TABLE people ADD COLUMN merged_by UUID REFERENCES users (id);
ALTER TABLE people ADD COLUMN created_by UUID REFERENCES users (id);
CREATE INDEX people_date_of_birth ON people (date_of_birth);
CREATE INDEX people_family_name_lower ON people (LOWER(family_name));
