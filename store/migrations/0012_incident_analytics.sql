-- Analytics columns (issue 8). Dashboards count incidents by local day,
-- hour and weekday, offence and arrest over a million rows; reading those
-- out of the facts JSON or converting UTC times to the agency's zone in SQL
-- would differ between SQLite and PostgreSQL and be slow in both. So each
-- row carries them, written with the row (store/incident_analytics.go):
--   offense     the first offence's NIBRS code ('' when none)
--   arrested    an arrest was recorded, or the source's arrest flag was true
--   event_day   event_at's date in the agency's time zone, YYYY-MM-DD
--   event_hour  its hour, 0–23, in the agency's time zone
--   event_dow   its weekday, 0 = Sunday … 6 = Saturday
-- Rows from before this migration are filled in by a Go step that runs
-- with it (migrationSteps in migrate.go).
ALTER TABLE incidents ADD COLUMN offense TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN arrested $BOOL NOT NULL DEFAULT FALSE;
ALTER TABLE incidents ADD COLUMN event_day TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN event_hour INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN event_dow INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_agency_day ON incidents (agency_id, event_day);
