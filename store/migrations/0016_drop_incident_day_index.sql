-- incidents_agency_day (0012) is used by no query: the dashboard selects by
-- event time and reads event_day from the covering incidents_analytics
-- index (0014). Dropping it spares every import and write one more random
-- B-tree insert.
DROP INDEX incidents_agency_day;
