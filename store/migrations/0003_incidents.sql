-- Incident reports, their parties, the immediate-actions protocol,
-- supplements and history, and the per-agency, per-year number counters.
-- What analytics count and map (codes, times, coordinates, beat, flags) is
-- stored in the clear; what identifies or tells a person's story (the
-- address, the narrative, statements, review comments, protocol notes and
-- skip reasons, supplements) is sealed like person data, bound by its
-- additional data to table, column and row.

CREATE TABLE incident_counters (
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    year         INTEGER NOT NULL,
    last_number  BIGINT NOT NULL,        -- the last number given out
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE incidents (
    id             TEXT PRIMARY KEY,
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    number         TEXT NOT NULL,        -- PD-2026-000123
    status         TEXT NOT NULL,        -- draft, submitted, returned, approved, closed
    reported_at    $TIME NOT NULL,
    occurred_at    $TIME,
    event_at       $TIME NOT NULL,       -- occurred_at, or reported_at when unknown: what lists filter and sort by
    latitude       DOUBLE PRECISION,
    longitude      DOUBLE PRECISION,
    beat           TEXT NOT NULL DEFAULT '',
    district       TEXT NOT NULL DEFAULT '',
    location_type  TEXT NOT NULL DEFAULT '',
    domestic       $BOOL NOT NULL DEFAULT FALSE,
    source         TEXT NOT NULL DEFAULT '', -- '' for reports made in Haven
    source_id      TEXT NOT NULL DEFAULT '',
    -- source || ':' || source_id for imported records, NULL for reports
    -- made in Haven: NULLs never collide, so only imports are kept unique.
    source_key     TEXT,
    facts          TEXT NOT NULL,        -- JSON: offences, injuries, weapons, arrests, flags, source codes
    sealed         $BYTES NOT NULL,      -- sealed JSON: address, narrative, statements, review comment
    key_id         TEXT NOT NULL,
    version        INTEGER NOT NULL,
    created_by     TEXT NOT NULL,        -- user id, or system:<name>
    created_at     $TIME NOT NULL,
    updated_at     $TIME NOT NULL,
    submitted_at   $TIME,
    UNIQUE (agency_id, number),
    -- source_key first: an import looks up a batch's keys with
    -- source_key IN (…), which this index answers key by key.
    UNIQUE (source_key, agency_id)
);
CREATE INDEX incidents_agency_event ON incidents (agency_id, event_at);
CREATE INDEX incidents_agency_status ON incidents (agency_id, status, event_at);
CREATE INDEX incidents_agency_author ON incidents (agency_id, created_by, event_at);
CREATE INDEX incidents_key ON incidents (key_id);

-- Who was involved, as person records of the same agency.
CREATE TABLE incident_parties (
    incident_id        TEXT NOT NULL REFERENCES incidents (id),
    seq                INTEGER NOT NULL,
    person_id          TEXT NOT NULL REFERENCES persons (id),
    role               TEXT NOT NULL,    -- victim, suspect, witness, child
    relationship       TEXT NOT NULL DEFAULT '', -- NIBRS victim-to-offender code
    suspect_person_id  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, seq)
);
CREATE INDEX incident_parties_person ON incident_parties (person_id, incident_id);

-- The immediate-actions protocol, one row per step.
CREATE TABLE incident_protocol (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incidents (id),
    seq           INTEGER NOT NULL,
    step          TEXT NOT NULL,
    state         TEXT NOT NULL,         -- open, done, skipped
    sealed        $BYTES,                -- sealed JSON: note, skip reason
    key_id        TEXT,
    completed_at  $TIME,
    completed_by  TEXT NOT NULL DEFAULT '',
    UNIQUE (incident_id, step)
);
CREATE INDEX incident_protocol_key ON incident_protocol (key_id);

-- Text added after submission; the report itself is not edited.
CREATE TABLE incident_supplements (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    created_by   TEXT NOT NULL,
    created_at   $TIME NOT NULL,
    text         $BYTES NOT NULL,        -- sealed
    key_id       TEXT NOT NULL
);
CREATE INDEX incident_supplements_incident ON incident_supplements (incident_id, created_at);
CREATE INDEX incident_supplements_key ON incident_supplements (key_id);

-- A report's history: who changed what (field names, never values).
CREATE TABLE incident_changes (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    at           $TIME NOT NULL,
    changed_by   TEXT NOT NULL,
    action       TEXT NOT NULL,          -- created, imported, updated, submitted, returned, approved, closed, supplement, protocol
    fields       TEXT NOT NULL,          -- JSON array of field names
    comment      $BYTES,                 -- sealed review comment
    key_id       TEXT
);
CREATE INDEX incident_changes_incident ON incident_changes (incident_id, at);
CREATE INDEX incident_changes_key ON incident_changes (key_id);
