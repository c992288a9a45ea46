-- Closed-loop referrals of a person from one agency to another agency (or
-- to a service in the directory), with their life cycle and service-level
-- targets.
--
-- What is counted and filtered stays in the clear: the agencies, the
-- person, the consent, the need, the urgency, the status, the times and
-- the targets. What tells the survivor's story is sealed like person data,
-- bound to its table, column and row: the referral's notes and the reason
-- a step was taken (a decline, a close).

CREATE TABLE referrals (
    id              TEXT PRIMARY KEY,
    from_agency_id  TEXT NOT NULL REFERENCES agencies (id),
    from_user       TEXT NOT NULL,                     -- user id, or system:<name>
    person_id       TEXT NOT NULL REFERENCES persons (id),
    to_agency_id    TEXT REFERENCES agencies (id),     -- NULL for a directory service
    to_service      TEXT NOT NULL DEFAULT '',          -- a directory service id; '' for an agency
    consent_id      TEXT NOT NULL DEFAULT '',          -- the grant the receiving agency sees under
    need            TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    notes           $BYTES,                            -- sealed; NULL when none
    key_id          TEXT,
    status          TEXT NOT NULL,
    case_id         TEXT NOT NULL DEFAULT '',          -- the case the receiving agency opened from it
    created_at      $TIME NOT NULL,
    updated_at      $TIME NOT NULL,
    acknowledge_by  $TIME NOT NULL,                    -- the target for accepting or declining
    accepted_at     $TIME,
    start_by        $TIME,                             -- the target for starting, once accepted
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX referrals_from ON referrals (from_agency_id, created_at);
CREATE INDEX referrals_to ON referrals (to_agency_id, created_at);
CREATE INDEX referrals_person ON referrals (person_id, created_at);
CREATE INDEX referrals_key ON referrals (key_id);

-- Every step of a referral's life, visible to the sender: the status it
-- reached, when and by whom, and why (decline and close; sealed).
CREATE TABLE referral_transitions (
    id           TEXT PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals (id),
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    at           $TIME NOT NULL,
    by_actor     TEXT NOT NULL,                        -- user id, or system:<name>
    reason       $BYTES,                               -- sealed
    key_id       TEXT
);
CREATE UNIQUE INDEX referral_transitions_seq ON referral_transitions (referral_id, seq);
CREATE INDEX referral_transitions_key ON referral_transitions (key_id);
