-- Evidence items of incidents, their sealed files and thumbnails, and the
-- chain of custody. Files live in the database, not on disk, so that every
-- process sharing a PostgreSQL sees them, backups include them and key
-- rotation can re-seal them (docs/SECURITY.md, "Evidence files").

CREATE TABLE evidence (
    id             TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents (id),
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    kind           TEXT NOT NULL,             -- photo, document, audio, video, physical
    state          TEXT NOT NULL,             -- uploading (invisible), stored
    data           $BYTES NOT NULL,           -- sealed JSON: description, file name
    key_id         TEXT NOT NULL,
    collected_by   TEXT NOT NULL,
    collected_at   $TIME NOT NULL,
    content_type   TEXT NOT NULL DEFAULT '',
    size           BIGINT NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL DEFAULT '',  -- hex SHA-256 of the plaintext, recorded at upload
    chunks         INTEGER NOT NULL DEFAULT 0,
    has_thumbnail  $BOOL NOT NULL DEFAULT FALSE,
    released_at    $TIME,
    created_by     TEXT NOT NULL,
    created_at     $TIME NOT NULL
);
CREATE INDEX evidence_incident ON evidence (incident_id, created_at);
CREATE INDEX evidence_state ON evidence (state, created_at);
CREATE INDEX evidence_key ON evidence (key_id);

-- The file: 1 MiB plaintext chunks, each sealed with AES-256-GCM under the
-- data key key_id, bound to "evidence/chunk/<evidence_id>/<n>".
CREATE TABLE evidence_chunks (
    evidence_id  TEXT NOT NULL REFERENCES evidence (id),
    n            INTEGER NOT NULL,
    data         $BYTES NOT NULL,
    key_id       TEXT NOT NULL,
    PRIMARY KEY (evidence_id, n)
);
CREATE INDEX evidence_chunks_key ON evidence_chunks (key_id);

-- A photo's JPEG thumbnail (fits 320 px), sealed: "evidence/thumb/<id>".
CREATE TABLE evidence_thumbs (
    evidence_id  TEXT PRIMARY KEY REFERENCES evidence (id),
    data         $BYTES NOT NULL,
    key_id       TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL
);
CREATE INDEX evidence_thumbs_key ON evidence_thumbs (key_id);

-- Chain of custody: every collection, upload, access, transfer and
-- release, in time order (ids are time-ordered UUIDs). From, to and note
-- are sealed: "evidence/custody/<evidence_id>/<id>". Each event is also in
-- the hash-chained audit log.
CREATE TABLE evidence_custody (
    id           TEXT PRIMARY KEY,
    evidence_id  TEXT NOT NULL REFERENCES evidence (id),
    at           $TIME NOT NULL,
    by_actor     TEXT NOT NULL,             -- user id, or system:<name>
    by_name      TEXT NOT NULL,             -- username at the time
    action       TEXT NOT NULL,
    data         $BYTES NOT NULL,
    key_id       TEXT NOT NULL
);
CREATE INDEX evidence_custody_item ON evidence_custody (evidence_id, at, id);
CREATE INDEX evidence_custody_key ON evidence_custody (key_id);
