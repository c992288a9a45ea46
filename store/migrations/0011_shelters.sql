-- Shelter availability (issue 7 item 4): beds per category at a directory
-- location, total and available. Every update is a new row (the history
-- is kept for occupancy analytics); the latest row per location and
-- category is current. Counts, not personal data: kept in the clear.

CREATE TABLE shelter_availability (
    id           TEXT PRIMARY KEY,
    location_id  TEXT NOT NULL,                          -- directory_locations.id
    agency_id    TEXT NOT NULL REFERENCES agencies (id), -- the location's owning agency
    category     TEXT NOT NULL,                          -- single_women, single_men, families, accessible, pets_allowed
    total        INTEGER NOT NULL,
    available    INTEGER NOT NULL,
    updated_at   $TIME NOT NULL,
    updated_by   TEXT NOT NULL                           -- the user's id (or the system process's name)
);
CREATE INDEX shelter_availability_current ON shelter_availability (location_id, category, updated_at);
CREATE INDEX shelter_availability_agency ON shelter_availability (agency_id);
