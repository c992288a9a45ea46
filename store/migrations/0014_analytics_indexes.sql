-- Analytics (issue 8): one covering index for the dashboards and the
-- incident positions. Every dashboard query reads the agency's incidents in
-- an event-time range, filtered by district, beat, offence and the domestic
-- flag, and groups by local day, hour and weekday, district and beat; the
-- lethality counts pick the reports made in Haven (source = ''); the
-- point query reads latitude and longitude. With all of them in the index
-- neither database reads the table rows (which carry the sealed JSON and
-- are several times wider), so a dashboard over a million incidents scans
-- the index only.
CREATE INDEX incidents_analytics ON incidents (agency_id, event_at, domestic, source, district, beat, offense, arrested,
    event_day, event_hour, event_dow, latitude, longitude);
