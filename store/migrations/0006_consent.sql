-- Consent: a survivor's recorded, time-limited permission for named
-- agencies to see named scopes of their data. The access policy uses a
-- grant that is valid now (started, not expired, not revoked) as the basis
-- for another agency's reads.
--
-- What is counted and looked up stays in the clear: the person, the
-- recording and recipient agencies, the scopes, the method, who recorded
-- and revoked it and when. What tells the survivor's story is sealed like
-- person data, bound to the table, column and row: the purpose, the
-- witness of verbal consent and the reason it was revoked.

-- How many days a consent lasts unless the form says otherwise.
ALTER TABLE agencies ADD COLUMN consent_days INTEGER NOT NULL DEFAULT 90;

CREATE TABLE consents (
    id           TEXT PRIMARY KEY,
    agency_id    TEXT NOT NULL REFERENCES agencies (id),  -- the recording agency, which owns the person
    person_id    TEXT NOT NULL REFERENCES persons (id),
    scopes       TEXT NOT NULL,                           -- JSON array, in haven.ConsentScopes order
    method       TEXT NOT NULL,                           -- written, verbal, electronic
    sealed       $BYTES NOT NULL,                         -- sealed JSON: purpose, witness, revoke reason
    key_id       TEXT NOT NULL,
    recorded_by  TEXT NOT NULL,                           -- user id, or system:<name>
    starts_at    $TIME NOT NULL,
    expires_at   $TIME NOT NULL,
    revoked_at   $TIME,
    revoked_by   TEXT NOT NULL DEFAULT '',
    created_at   $TIME NOT NULL
);
CREATE INDEX consents_person ON consents (person_id, created_at);
CREATE INDEX consents_agency ON consents (agency_id, created_at);
CREATE INDEX consents_key ON consents (key_id);

-- The agencies a grant names. Looked up by the recipient on every read of
-- another agency's record, so indexed that way.
CREATE TABLE consent_recipients (
    consent_id  TEXT NOT NULL REFERENCES consents (id),
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (consent_id, agency_id)
);
CREATE INDEX consent_recipients_agency ON consent_recipients (agency_id, consent_id);
