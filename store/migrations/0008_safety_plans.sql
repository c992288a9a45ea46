-- Safety plans: one plan per person, kept by the agency that holds the
-- person's record, built with the advocate. Every save is a new version;
-- versions are never changed or deleted, so the history is kept.
--
-- The whole plan (sections with their checklist items and notes,
-- emergency contacts, the code word, safe places, documents to keep
-- ready) is sealed as one JSON value per version, bound to its table,
-- column and row (safety_plans/sealed/<id>). What stays in the clear says
-- only that a version exists: whose plan, which version, the case it was
-- written on, who saved it and when.
CREATE TABLE safety_plans (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    person_id   TEXT NOT NULL REFERENCES persons (id),
    version     INTEGER NOT NULL,             -- 1, 2, 3, … per person
    case_id     TEXT NOT NULL DEFAULT '',     -- a case of the same agency and person, '' when none
    sealed      $BYTES NOT NULL,              -- sealed JSON: the plan's content
    key_id      TEXT NOT NULL,
    created_by  TEXT NOT NULL,                -- user id, or system:<name>
    created_at  $TIME NOT NULL,
    -- Two saves from the same version: the second is refused.
    UNIQUE (person_id, version)
);
CREATE INDEX safety_plans_agency ON safety_plans (agency_id, created_at);
CREATE INDEX safety_plans_key ON safety_plans (key_id);
