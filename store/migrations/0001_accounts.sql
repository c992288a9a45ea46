-- Agencies, users, sessions, API tokens and login attempts.
-- Type tokens ($TIME, $BOOL, $BYTES) are expanded per database (dialect.go).

CREATE TABLE agencies (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at $TIME NOT NULL,
    updated_at $TIME NOT NULL
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    agency_id            TEXT NOT NULL REFERENCES agencies (id),
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password $BOOL NOT NULL DEFAULT FALSE,
    disabled_at          $TIME,
    last_login_at        $TIME,
    created_at           $TIME NOT NULL,
    updated_at           $TIME NOT NULL
);
CREATE INDEX users_agency ON users (agency_id);

-- The session token is never stored: id is its SHA-256.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    created_at   $TIME NOT NULL,
    last_seen_at $TIME NOT NULL,
    expires_at   $TIME NOT NULL,
    revoked_at   $TIME
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   $TIME NOT NULL,
    expires_at   $TIME,
    revoked_at   $TIME,
    last_used_at $TIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Login attempts drive rate limits and lockout; they live in the database
-- so that every process behind a load balancer sees the same counts.
CREATE TABLE login_attempts (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    client_ip  TEXT NOT NULL,
    success    $BOOL NOT NULL,
    at         $TIME NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (client_ip, at);
