-- Named boundary sets per agency (issue 8): police districts, beats, wards
-- and the like, drawn on the analytics map. One row per boundary; a set is
-- the rows of one agency and kind. Public geography, not personal data:
-- kept in the clear. geometry is a GeoJSON Polygon or MultiPolygon (WGS84),
-- validated by the store before it is written.

CREATE TABLE boundaries (
    id          TEXT PRIMARY KEY,
    agency_id   TEXT NOT NULL REFERENCES agencies (id),
    kind        TEXT NOT NULL,                 -- district, beat, ward, …
    name        TEXT NOT NULL,                 -- the boundary's name in the set ("17")
    geometry    TEXT NOT NULL,                 -- GeoJSON geometry object
    updated_at  $TIME NOT NULL,
    updated_by  TEXT NOT NULL,                 -- the user's id or the system process's name
    UNIQUE (agency_id, kind, name)
);
