-- incidents_analytics (0014) leads with (agency_id, event_at), so it answers
-- every query incidents_agency_event (0003) did; the narrower index only
-- cost every import and write another B-tree insert (measured with
-- haven bench import: docs/BENCHMARKS.md).
DROP INDEX incidents_agency_event;
