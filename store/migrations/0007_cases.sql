-- Survivor cases at an (advocacy) agency: the case itself with its lead
-- advocate, status and needs; the services delivered (the basis of grant
-- reporting), sealed case notes, tasks with due dates and reminders, court
-- dates with accompaniment, and documents.
--
-- What is counted or scheduled stays in the clear: statuses, needs codes,
-- service types, dates, minutes, due and reminder times, who did what.
-- What tells a survivor's story is sealed like person data, bound to its
-- table, column and row: the reason a case was closed, service notes, case
-- notes, task titles, the court, purpose and outcome of a hearing, and a
-- document's name and bytes. Every row with sealed values names its data
-- key in key_id, so key rotation finds it.

-- Case numbers per agency and year (SAF-2026-000012), a series of their
-- own, apart from incident numbers.
CREATE TABLE case_counters (
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    year         INTEGER NOT NULL,
    last_number  BIGINT NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    agency_id         TEXT NOT NULL REFERENCES agencies (id),
    number            TEXT NOT NULL,
    person_id         TEXT NOT NULL REFERENCES persons (id),   -- a record of the case's own agency
    source_person_id  TEXT NOT NULL DEFAULT '',                -- another agency's record of the same person
    lead_advocate     TEXT NOT NULL REFERENCES users (id),
    status            TEXT NOT NULL,                           -- open, active, inactive, closed
    needs             TEXT NOT NULL DEFAULT '[]',              -- JSON array of need codes
    closed_reason     $BYTES,                                  -- sealed
    key_id            TEXT,
    referral_id       TEXT NOT NULL DEFAULT '',                -- the latest referral linked
    risk_task_id      TEXT NOT NULL DEFAULT '',                -- the latest high-risk task linked
    opened_at         $TIME NOT NULL,
    closed_at         $TIME,
    updated_at        $TIME NOT NULL,
    version           INTEGER NOT NULL,
    created_by        TEXT NOT NULL
);
CREATE UNIQUE INDEX cases_number ON cases (agency_id, number);
CREATE INDEX cases_lead ON cases (agency_id, lead_advocate, status);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_source ON cases (agency_id, source_person_id);
CREATE INDEX cases_key ON cases (key_id);

-- Every referral and high-risk task that opened or updated a case.
CREATE TABLE case_links (
    case_id    TEXT NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL,            -- referral, risk_task
    link_id    TEXT NOT NULL,
    linked_at  $TIME NOT NULL,
    linked_by  TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, link_id)
);

CREATE TABLE case_services (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    agency_id    TEXT NOT NULL,
    type         TEXT NOT NULL,
    date         TEXT NOT NULL,          -- YYYY-MM-DD
    minutes      INTEGER NOT NULL,
    by_user      TEXT NOT NULL,
    note         $BYTES,                 -- sealed
    key_id       TEXT,
    recorded_at  $TIME NOT NULL
);
CREATE INDEX case_services_case ON case_services (case_id, date);
CREATE INDEX case_services_agency ON case_services (agency_id, date);
CREATE INDEX case_services_key ON case_services (key_id);

-- Case notes are append-only.
CREATE TABLE case_notes (
    id         TEXT PRIMARY KEY,
    case_id    TEXT NOT NULL REFERENCES cases (id),
    agency_id  TEXT NOT NULL,
    by_user    TEXT NOT NULL,
    at         $TIME NOT NULL,
    text       $BYTES NOT NULL,          -- sealed
    key_id     TEXT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, at);
CREATE INDEX case_notes_key ON case_notes (key_id);

CREATE TABLE case_tasks (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    agency_id    TEXT NOT NULL,
    title        $BYTES NOT NULL,        -- sealed
    key_id       TEXT NOT NULL,
    due_at       $TIME NOT NULL,
    remind_at    $TIME,
    assigned_to  TEXT NOT NULL,
    done_at      $TIME,
    done_by      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   $TIME NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, due_at);
CREATE INDEX case_tasks_assigned ON case_tasks (assigned_to, done_at, due_at);
CREATE INDEX case_tasks_agency ON case_tasks (agency_id, done_at, due_at);
CREATE INDEX case_tasks_key ON case_tasks (key_id);

CREATE TABLE case_court_dates (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    agency_id      TEXT NOT NULL,
    at             $TIME NOT NULL,
    sealed         $BYTES NOT NULL,      -- sealed JSON: court, purpose, outcome
    key_id         TEXT NOT NULL,
    accompaniment  $BOOL NOT NULL,
    accompanier    TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     $TIME NOT NULL,
    updated_at     $TIME NOT NULL
);
CREATE INDEX case_court_dates_case ON case_court_dates (case_id, at);
CREATE INDEX case_court_dates_agency ON case_court_dates (agency_id, at);
CREATE INDEX case_court_dates_key ON case_court_dates (key_id);

-- Documents: the name and the bytes sealed under the same key.
CREATE TABLE case_documents (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    agency_id     TEXT NOT NULL,
    name          $BYTES NOT NULL,       -- sealed
    body          $BYTES NOT NULL,       -- sealed
    key_id        TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    by_user       TEXT NOT NULL,
    at            $TIME NOT NULL
);
CREATE INDEX case_documents_case ON case_documents (case_id, at);
CREATE INDEX case_documents_key ON case_documents (key_id);
