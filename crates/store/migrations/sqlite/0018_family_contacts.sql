-- When each agency working with a family last saw it (issue 10, "who is involved"): the
-- Team Around the Family records its contacts; a Team Around the Family review counts too.

CREATE TABLE family_contacts (
    id              BLOB PRIMARY KEY,
    family_id       BLOB NOT NULL REFERENCES families (id),
    user_id         BLOB NOT NULL REFERENCES users (id),
    organisation_id BLOB NOT NULL REFERENCES organisations (id),
    seen_on         TEXT NOT NULL,
    how             TEXT NOT NULL CHECK (how IN ('home_visit', 'school', 'clinic', 'call', 'meeting')),
    recorded_at     TEXT NOT NULL
);
CREATE INDEX family_contacts_family ON family_contacts (family_id, organisation_id, seen_on);
