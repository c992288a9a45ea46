-- Safety core: sealed person records and their blind indexes, data keys,
-- the hash-chained audit log, break-glass openings, second factor.

-- Data keys, wrapped by the master key. Person values name the key that
-- sealed them (key_id), so rotation can find what is left to re-seal.
CREATE TABLE data_keys (
    id          TEXT PRIMARY KEY,
    wrapped     $BYTES NOT NULL,
    created_at  $TIME NOT NULL,
    retired_at  $TIME
);

CREATE TABLE persons (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    data        $BYTES NOT NULL,          -- sealed JSON of every identifying field
    key_id      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  $TIME NOT NULL,
    updated_at  $TIME NOT NULL
);
CREATE INDEX persons_agency ON persons (agency_id);
CREATE INDEX persons_key ON persons (key_id);

-- Keyed blind indexes: HMACs under a per-agency key, never plaintext.
CREATE TABLE person_index (
    person_id   TEXT NOT NULL REFERENCES persons (id),
    agency_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- name, word, phonetic, dob, phone, email
    value       TEXT NOT NULL,
    PRIMARY KEY (person_id, kind, value)
);
CREATE INDEX person_index_lookup ON person_index (agency_id, kind, value);

-- The audit log: append-only for the application, each entry chained to
-- the one before by hash. audit_head holds the last (seq, hash): the lock
-- appenders take, and an anchor that reveals a truncated tail.
CREATE TABLE audit_log (
    seq              BIGINT PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    at               $TIME NOT NULL,
    actor_user_id    TEXT NOT NULL,
    actor_name       TEXT NOT NULL,
    actor_agency_id  TEXT NOT NULL,
    role             TEXT NOT NULL,
    via              TEXT NOT NULL,
    action           TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    record_type      TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    record_agency_id TEXT NOT NULL,
    basis            TEXT NOT NULL,
    reason           TEXT NOT NULL,
    request_id       TEXT NOT NULL,
    client_ip        TEXT NOT NULL,
    details          TEXT NOT NULL,       -- JSON object of strings
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor_user_id, seq);
CREATE INDEX audit_record ON audit_log (record_id, seq);
CREATE INDEX audit_actor_agency ON audit_log (actor_agency_id, seq);
CREATE INDEX audit_record_agency ON audit_log (record_agency_id, seq);
CREATE INDEX audit_at ON audit_log (at);

CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE break_glass (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    record_type  TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    opened_at    $TIME NOT NULL,
    expires_at   $TIME NOT NULL,
    reviewed_by  TEXT,
    reviewed_at  $TIME,
    review_note  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX break_glass_user_record ON break_glass (user_id, record_type, record_id);
CREATE INDEX break_glass_pending ON break_glass (agency_id, reviewed_at);

-- Second factor. The TOTP secret is sealed like person data.
ALTER TABLE agencies ADD COLUMN require_mfa $BOOL NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN totp_secret $BYTES;
ALTER TABLE users ADD COLUMN totp_enabled_at $TIME;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN mfa_at $TIME;
ALTER TABLE api_tokens ADD COLUMN mfa $BOOL NOT NULL DEFAULT FALSE;

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    used_at    $TIME,
    PRIMARY KEY (user_id, code_hash)
);
