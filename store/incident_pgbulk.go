package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgIncidentChunk bounds the rows of one unnest INSERT on PostgreSQL: big
// enough that the per-statement round trip and planning vanish, small
// enough that one statement's arrays (the sealed column dominates) stay a
// few megabytes. 1,000, 5,000 and 20,000 timed the same within noise on the
// 100k Chicago import.
const pgIncidentChunk = 5000

// pgIncidentInsert is the INSERT behind insertIncidentsPG: one array
// parameter per column, zipped into rows by unnest. Its text never changes
// with the number of rows, so pgx prepares it once per connection, and the
// 29 parameters stay far below PostgreSQL's limit of 65,535 whatever the
// chunk size. The casts give each array its column's type; the column
// list and types follow migrations 0003 and 0012 ($TIME is timestamptz,
// $BYTES bytea, $BOOL boolean).
const pgIncidentInsert = `INSERT INTO incidents (id, agency_id, number, status, reported_at, occurred_at, event_at,
	latitude, longitude, beat, district, location_type, domestic, source, source_id, source_key, facts, sealed, key_id,
	version, created_by, created_at, updated_at, submitted_at, offense, arrested, event_day, event_hour, event_dow)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[],
	$8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::text[], $15::text[], $16::text[],
	$17::text[], $18::bytea[], $19::text[], $20::int4[], $21::text[], $22::timestamptz[], $23::timestamptz[],
	$24::timestamptz[], $25::text[], $26::bool[], $27::text[], $28::int4[], $29::int4[])`

// pgIncidentColumns holds one chunk's rows column by column. Nullable
// columns are slices of pointers: pgx sends a nil element as NULL.
type pgIncidentColumns struct {
	id, agency, number, status        []string
	reported, event, created, updated []time.Time
	occurred, submitted               []*time.Time
	lat, lon                          []*float64
	beat, district, locType           []string
	domestic, arrested                []bool
	source, sourceID                  []string
	sourceKey                         []*string
	facts, keyID, createdBy, offense  []string
	day                               []string
	sealed                            [][]byte
	version, hour, dow                []int // int, not int32: pgx refuses, not wraps, a value out of int4's range
}

// insertIncidentsPG writes incident rows on PostgreSQL with one
// INSERT … SELECT FROM unnest(…) per chunk of at most chunk rows. Values go
// in exactly as insertIncidentsValues sends them (the same pgx encodings:
// times truncated to the microsecond, NULL for a missing occurrence or
// submission time, coordinates and import key), so the stored rows are the
// same; only the number of statements and parameters changes. Errors come
// back unwrapped, for the transaction's dbErr as before.
func insertIncidentsPG(ctx context.Context, t *tx, rows []incidentInsert, chunk int) error {
	var c pgIncidentColumns
	for start := 0; start < len(rows); start += chunk {
		c.fill(rows[start:min(start+chunk, len(rows))])
		if _, err := t.ExecContext(ctx, pgIncidentInsert,
			c.id, c.agency, c.number, c.status, c.reported, c.occurred, c.event,
			c.lat, c.lon, c.beat, c.district, c.locType, c.domestic, c.source, c.sourceID, c.sourceKey,
			c.facts, c.sealed, c.keyID, c.version, c.createdBy, c.created, c.updated,
			c.submitted, c.offense, c.arrested, c.day, c.hour, c.dow); err != nil {
			return err
		}
	}
	return nil
}

// fill replaces c's contents with rows, reusing its slices.
func (c *pgIncidentColumns) fill(rows []incidentInsert) {
	*c = pgIncidentColumns{
		id: c.id[:0], agency: c.agency[:0], number: c.number[:0], status: c.status[:0],
		reported: c.reported[:0], event: c.event[:0], created: c.created[:0], updated: c.updated[:0],
		occurred: c.occurred[:0], submitted: c.submitted[:0], lat: c.lat[:0], lon: c.lon[:0],
		beat: c.beat[:0], district: c.district[:0], locType: c.locType[:0],
		domestic: c.domestic[:0], arrested: c.arrested[:0], source: c.source[:0], sourceID: c.sourceID[:0],
		sourceKey: c.sourceKey[:0], facts: c.facts[:0], keyID: c.keyID[:0], createdBy: c.createdBy[:0],
		offense: c.offense[:0], day: c.day[:0], sealed: c.sealed[:0],
		version: c.version[:0], hour: c.hour[:0], dow: c.dow[:0],
	}
	for _, r := range rows {
		in := r.in
		var lat, lon *float64
		if in.Location.Latitude != nil {
			// As the multi-row path: both or neither, by the latitude.
			lat, lon = in.Location.Latitude, in.Location.Longitude
		}
		var key *string
		if k, ok := incidentSourceKey(in.Source, in.SourceID).(string); ok {
			key = &k
		}
		a := analyticsOf(in, r.loc)
		c.id = append(c.id, in.ID)
		c.agency = append(c.agency, in.AgencyID)
		c.number = append(c.number, in.Number)
		c.status = append(c.status, string(in.Status))
		c.reported = append(c.reported, in.ReportedAt)
		c.occurred = append(c.occurred, in.OccurredAt)
		c.event = append(c.event, incidentEventAt(in))
		c.lat = append(c.lat, lat)
		c.lon = append(c.lon, lon)
		c.beat = append(c.beat, in.Location.Beat)
		c.district = append(c.district, in.Location.District)
		c.locType = append(c.locType, in.Location.LocationType)
		c.domestic = append(c.domestic, in.Domestic)
		c.source = append(c.source, in.Source)
		c.sourceID = append(c.sourceID, in.SourceID)
		c.sourceKey = append(c.sourceKey, key)
		c.facts = append(c.facts, r.facts)
		c.sealed = append(c.sealed, r.sealed)
		c.keyID = append(c.keyID, r.keyID)
		c.version = append(c.version, in.Version)
		c.createdBy = append(c.createdBy, in.CreatedBy)
		c.created = append(c.created, in.CreatedAt)
		c.updated = append(c.updated, in.UpdatedAt)
		c.submitted = append(c.submitted, in.SubmittedAt)
		c.offense = append(c.offense, a.offense)
		c.arrested = append(c.arrested, a.arrested)
		c.day = append(c.day, a.day)
		c.hour = append(c.hour, a.hour)
		c.dow = append(c.dow, a.dow)
	}
}

// incidentCopyColumns are the columns copyIncidentsPG fills, in the order
// of pgIncidentInsert's.
var incidentCopyColumns = []string{"id", "agency_id", "number", "status", "reported_at", "occurred_at", "event_at",
	"latitude", "longitude", "beat", "district", "location_type", "domestic", "source", "source_id", "source_key",
	"facts", "sealed", "key_id", "version", "created_by", "created_at", "updated_at", "submitted_at", "offense",
	"arrested", "event_day", "event_hour", "event_dow"}

// copyIncidentsPG writes incident rows with COPY incidents FROM STDIN
// (pgx's binary copy) on the pgx connection under t, which must come from
// inRawTx: the copy is part of the transaction, undone with it. The values
// are insertIncidentsPG's, column by column, so the stored rows are the
// same; a refused row (a repeated key, a NUL byte in text) fails the whole
// copy with the server's error, which dbErr maps as for an INSERT. On the
// 100k Chicago rows alone: 1.8 s against 2.7 s for unnest, a third of its
// CPU on Haven's side.
func copyIncidentsPG(ctx context.Context, t *tx, rows []incidentInsert) error {
	var c pgIncidentColumns
	c.fill(rows)
	return t.raw(func(dc any) error {
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return fmt.Errorf("store: COPY needs pgx's connection, not %T", dc)
		}
		n, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{"incidents"}, incidentCopyColumns,
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				return []any{c.id[i], c.agency[i], c.number[i], c.status[i], c.reported[i], c.occurred[i], c.event[i],
					c.lat[i], c.lon[i], c.beat[i], c.district[i], c.locType[i], c.domestic[i], c.source[i], c.sourceID[i],
					c.sourceKey[i], c.facts[i], c.sealed[i], c.keyID[i], c.version[i], c.createdBy[i], c.created[i],
					c.updated[i], c.submitted[i], c.offense[i], c.arrested[i], c.day[i], c.hour[i], c.dow[i]}, nil
			}))
		if err == nil && n != int64(len(rows)) {
			err = fmt.Errorf("store: COPY stored %d of %d incidents", n, len(rows))
		}
		return err
	})
}
