-- Family plans (issue 10): the outcomes framework needs are recorded against, one open plan per
-- family, opened from the panel's decision to initiate an Early Help Assessment, and its needs.

CREATE TABLE outcome_areas (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- What the area covers, one descriptor per line.
    descriptors TEXT NOT NULL,
    position    INTEGER NOT NULL
);

-- The Supporting Families headline outcomes, which the product ships with; a council adds its own.
INSERT INTO outcome_areas (code, name, descriptors, position) VALUES
 ('education', 'Getting a good education', 'Good attendance at school or college
Receiving a suitable education, with special educational needs met
Fewer suspensions and exclusions', 1),
 ('early_years', 'Good early years development', 'Healthy development in the early years
Ready to start school
Parents supported to help their child learn', 2),
 ('health', 'Improved mental and physical health', 'Mental health needs met
Physical health needs met
Healthy lifestyle and access to health services', 3),
 ('substance_use', 'Promoting recovery and reducing harm from substance use', 'Drug or alcohol use that harms the family reduced
Engaged with treatment or recovery support', 4),
 ('relationships', 'Improved family relationships', 'Less conflict between parents or carers
Positive relationships between parents and children
Parenting that meets the children''s needs', 5),
 ('children_safe', 'Children safe from abuse and exploitation', 'Children safe at home and in the community
Safe from criminal and sexual exploitation
Not missing from home or education', 6),
 ('crime', 'Crime prevention and tackling crime', 'Less offending and anti-social behaviour
Not involved in serious violence', 7),
 ('domestic_abuse', 'Safe from domestic abuse', 'Family members safe from domestic abuse
Those who harm engaged with support to change', 8),
 ('housing', 'Secure housing', 'Suitable, stable housing
At less risk of eviction or homelessness', 9),
 ('financial_stability', 'Financial stability', 'Adults in or moving towards work
Debt managed and income maximised', 10);

CREATE TABLE plans (
    id                   BLOB PRIMARY KEY,
    family_id            BLOB NOT NULL REFERENCES families (id),
    -- The panel's decision it was opened from.
    decision_id          BLOB NOT NULL UNIQUE REFERENCES decisions (id),
    lead_professional_id BLOB REFERENCES users (id),
    lead_organisation_id BLOB REFERENCES organisations (id),
    first_taf_on         TEXT NOT NULL,
    review_weeks         INTEGER NOT NULL CHECK (review_weeks BETWEEN 1 AND 26),
    opened_at            TEXT NOT NULL,
    opened_by            BLOB NOT NULL REFERENCES users (id),
    closed_at            TEXT,
    version              INTEGER NOT NULL DEFAULT 1
);
-- One plan for the family: a second opens only once the first is closed.
CREATE UNIQUE INDEX plans_one_open_per_family ON plans (family_id) WHERE closed_at IS NULL;

CREATE TABLE plan_needs (
    id         BLOB PRIMARY KEY,
    plan_id    BLOB NOT NULL REFERENCES plans (id),
    area       TEXT NOT NULL REFERENCES outcome_areas (code),
    -- The family member it concerns; NULL for the whole family.
    person_id  BLOB REFERENCES people (id),
    baseline   TEXT NOT NULL,
    goal       TEXT NOT NULL,
    added_by   BLOB NOT NULL REFERENCES users (id),
    added_at   TEXT NOT NULL
);
CREATE INDEX plan_needs_plan ON plan_needs (plan_id);

-- Team Around the Family reviews: when the team met, the family's own words, the changes it
-- agreed and when it meets next; and the progress it judged on each need.
CREATE TABLE plan_reviews (
    id            BLOB PRIMARY KEY,
    plan_id       BLOB NOT NULL REFERENCES plans (id),
    held_on       TEXT NOT NULL,
    parents_words TEXT,
    child_words   TEXT,
    changes       TEXT,
    next_on       TEXT NOT NULL,
    recorded_by   BLOB NOT NULL REFERENCES users (id),
    recorded_at   TEXT NOT NULL,
    UNIQUE (plan_id, held_on)
);

CREATE TABLE need_progress (
    review_id BLOB NOT NULL REFERENCES plan_reviews (id),
    need_id   BLOB NOT NULL REFERENCES plan_needs (id),
    progress  TEXT NOT NULL CHECK (progress IN ('worse', 'no_change', 'some', 'significant', 'met')),
    PRIMARY KEY (review_id, need_id)
);
CREATE INDEX need_progress_need ON need_progress (need_id);
