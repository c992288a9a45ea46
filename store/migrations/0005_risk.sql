-- Risk assessment: recorded results of risk instruments (the Lethality
-- Screen, the Danger Assessment, DASH, ODARA), what each result set in
-- motion, the hotline call after a screen-in, the partner advocacy
-- agency's queue, and who is flagged high-risk.
--
-- What is counted stays in the clear: the instrument, the score and band,
-- whether the band is high, how many items were answered, the facts
-- Haven supplied (call-out counts, no personal data) and the actions. What
-- tells a person's story is sealed like person data, bound to its table,
-- column and row: the answers, the judgement note and the reasons (they
-- name the items answered yes), the hotline note and a declined task's
-- reason.

-- The hotline officers call after a screen-in, and the partner advocacy
-- agency whose queue receives high-risk results.
ALTER TABLE agencies ADD COLUMN hotline_name TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN hotline_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE agencies ADD COLUMN partner_agency_id TEXT NOT NULL DEFAULT '';

-- Assessments are immutable: a correction is a new row whose supersedes
-- names the one it corrects (of the same person and agency, and only once).
CREATE TABLE risk_assessments (
    id                 TEXT PRIMARY KEY,
    agency_id          TEXT NOT NULL REFERENCES agencies (id),
    person_id          TEXT NOT NULL REFERENCES persons (id),
    incident_id        TEXT NOT NULL DEFAULT '',  -- '' when none
    case_id            TEXT NOT NULL DEFAULT '',
    suspect_person_id  TEXT NOT NULL DEFAULT '',
    instrument         TEXT NOT NULL,
    version            TEXT NOT NULL,
    score              DOUBLE PRECISION NOT NULL,
    raw_score          DOUBLE PRECISION NOT NULL,
    band               TEXT NOT NULL,
    band_label         TEXT NOT NULL,
    band_note          TEXT NOT NULL DEFAULT '',
    high               $BOOL NOT NULL,
    answered           INTEGER NOT NULL,
    missing            INTEGER NOT NULL,
    prorated           $BOOL NOT NULL DEFAULT FALSE,
    judgement          $BOOL NOT NULL,
    sealed             $BYTES NOT NULL,           -- sealed JSON: answers, judgement note, reasons
    key_id             TEXT NOT NULL,
    facts              TEXT NOT NULL,             -- JSON: haven.RiskFacts
    actions            TEXT NOT NULL,             -- JSON array of action ids
    supersedes         TEXT NOT NULL DEFAULT '',
    assessed_by        TEXT NOT NULL,             -- user id, or system:<name>
    assessed_at        $TIME NOT NULL,
    created_at         $TIME NOT NULL
);
CREATE INDEX risk_assessments_person ON risk_assessments (person_id, assessed_at);
CREATE INDEX risk_assessments_incident ON risk_assessments (incident_id);
CREATE INDEX risk_assessments_agency ON risk_assessments (agency_id, assessed_at);
CREATE INDEX risk_assessments_key ON risk_assessments (key_id);
CREATE UNIQUE INDEX risk_assessments_supersedes ON risk_assessments (supersedes) WHERE supersedes <> '';

-- One row per action a result set in motion. The rule that fired is the
-- assessment's (sealed) reasons, not repeated here in the clear.
CREATE TABLE risk_triggers (
    id             TEXT PRIMARY KEY,
    assessment_id  TEXT NOT NULL REFERENCES risk_assessments (id),
    agency_id      TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    action         TEXT NOT NULL,
    task_id        TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',             -- Haven's own words, e.g. "no partner advocacy agency is set"
    created_at     $TIME NOT NULL
);
CREATE INDEX risk_triggers_assessment ON risk_triggers (assessment_id);
CREATE INDEX risk_triggers_person ON risk_triggers (person_id, action);

-- The hotline call after a screen-in, recorded once per assessment.
CREATE TABLE risk_hotline (
    assessment_id        TEXT PRIMARY KEY REFERENCES risk_assessments (id),
    outcome              TEXT NOT NULL,        -- spoke, declined, unreachable
    at                   $TIME NOT NULL,
    by_actor             TEXT NOT NULL,
    information_offered  $BOOL NOT NULL,
    hotline_name         TEXT NOT NULL DEFAULT '',
    hotline_phone        TEXT NOT NULL DEFAULT '',
    note                 $BYTES,               -- sealed
    key_id               TEXT,
    created_at           $TIME NOT NULL
);
CREATE INDEX risk_hotline_key ON risk_hotline (key_id);

-- The partner advocacy agency's queue.
CREATE TABLE risk_tasks (
    id              TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL REFERENCES agencies (id),  -- whose queue
    from_agency_id  TEXT NOT NULL REFERENCES agencies (id),
    person_id       TEXT NOT NULL,
    assessment_id   TEXT NOT NULL REFERENCES risk_assessments (id),
    trigger_id      TEXT NOT NULL,
    status          TEXT NOT NULL,            -- open, accepted, declined
    hotline         TEXT NOT NULL DEFAULT '', -- the hotline outcome, once recorded
    created_at      $TIME NOT NULL,
    decided_at      $TIME,
    decided_by      TEXT NOT NULL DEFAULT '',
    reason          $BYTES,                   -- sealed: staff's free text
    key_id          TEXT
);
CREATE INDEX risk_tasks_queue ON risk_tasks (agency_id, status, created_at);
CREATE INDEX risk_tasks_assessment ON risk_tasks (assessment_id);
CREATE INDEX risk_tasks_key ON risk_tasks (key_id);

-- Persons flagged high-risk. One active flag per person: a newer one
-- clears the older (cleared_at), which stays as history.
CREATE TABLE risk_flags (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES persons (id),
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    assessment_id  TEXT NOT NULL REFERENCES risk_assessments (id),
    flagged_at     $TIME NOT NULL,
    proposed       $BOOL NOT NULL DEFAULT FALSE,  -- proposed for the next high-risk conference
    cleared_at     $TIME
);
CREATE UNIQUE INDEX risk_flags_active ON risk_flags (person_id) WHERE cleared_at IS NULL;
CREATE INDEX risk_flags_agency ON risk_flags (agency_id, cleared_at);
