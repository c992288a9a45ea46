-- The resource directory (issue 7): each agency's records in the shape of
-- Open Referral HSDS 3.0. Public directory data, not personal data: kept in
-- the clear. One row per HSDS object, its JSON as package hsds marshals it;
-- beside each location the confidentiality flag and the area label shown in
-- its place when it is confidential.

CREATE TABLE directory_records (
    kind         TEXT NOT NULL,                         -- the HSDS resource name: service, location, …
    id           TEXT NOT NULL,                         -- the HSDS id (a UUID)
    agency_id    TEXT NOT NULL REFERENCES agencies (id),-- the owning agency
    data         TEXT NOT NULL,                         -- the record's JSON (tabular form)
    modified_at  $TIME NOT NULL,                        -- when its data last changed here
    PRIMARY KEY (kind, id)
);
CREATE INDEX directory_records_agency ON directory_records (agency_id, kind);

CREATE TABLE directory_locations (
    id            TEXT PRIMARY KEY,                     -- the location's HSDS id
    agency_id     TEXT NOT NULL REFERENCES agencies (id),
    confidential  $BOOL NOT NULL,                       -- address and coordinates never leave the owning agency
    marked        $BOOL NOT NULL,                       -- marked confidential by an import (not only by its services' terms)
    area_label    TEXT NOT NULL DEFAULT ''              -- shown instead of a confidential location's name
);
CREATE INDEX directory_locations_agency ON directory_locations (agency_id);
