package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/crypt"
)

// These tests are inside the package, to write the same rows through both
// PostgreSQL paths of insertIncidents; storetest imports this package, so
// they open their PostgreSQL schema themselves, as storetest.PostgresDSN does.

// openPGBulk returns a migrated store in a fresh schema of HAVEN_TEST_POSTGRES,
// with one agency in America/Chicago, or skips the test without PostgreSQL.
func openPGBulk(t *testing.T) (*DB, *haven.Agency) {
	t.Helper()
	base := os.Getenv("HAVEN_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("HAVEN_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("HAVEN_TEST_REQUIRE_POSTGRES=1 but HAVEN_TEST_POSTGRES is empty")
		}
		t.Skip("PostgreSQL not configured: set HAVEN_TEST_POSTGRES=postgres://… to test the PostgreSQL incident insert (scripts/test sets it)")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(ctx, Config{DSN: u.String(), PasswordParams: auth.TestParams, MasterKey: crypt.GenerateMasterKey()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := &haven.Agency{Slug: "metro-pd", Name: "Metro PD", Kind: haven.KindPolice, TimeZone: "America/Chicago"}
	if err := db.CreateAgency(pgBulkSystem(), a); err != nil {
		t.Fatal(err)
	}
	return db, a
}

func pgBulkSystem() context.Context {
	return haven.NewContextWithActor(context.Background(), haven.SystemActor("test"))
}

// pgBulkRows are rows with the awkward values: sub-microsecond and
// pre-1970 times, times in other zones, no occurrence or submission time,
// no coordinates, empty strings, non-ASCII text, bytes that are not UTF-8
// in the sealed column, a report made in Haven (no import key).
func pgBulkRows(t *testing.T, agencyID string) []incidentInsert {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	ptr := func(v time.Time) *time.Time { return &v }
	f := func(v float64) *float64 { return &v }
	ns := time.Date(2024, 3, 10, 7, 59, 59, 123456789, time.UTC) // Chicago's switch to summer time, nanoseconds
	plus5 := time.FixedZone("UTC+5", 5*3600)
	ins := []*haven.Incident{
		{ReportedAt: ns, OccurredAt: ptr(ns.Add(-time.Hour + 999)), SubmittedAt: ptr(ns.Add(1)),
			Location: haven.Location{Latitude: f(41.87811), Longitude: f(-87.6298), Beat: "0825", District: "008", LocationType: "APARTMENT"},
			Domestic: true, Source: "chicago", SourceID: "1", Offenses: []haven.Offense{{Code: "13B"}}},
		{ReportedAt: time.Date(2016, 1, 2, 3, 4, 5, 0, plus5), // no occurrence, submission or coordinates; empty strings
			Source: "chicago", SourceID: "2", SourceCodes: map[string]string{"arrest": "true"}},
		{ReportedAt: time.Date(1969, 12, 31, 23, 59, 59, 999999500, time.UTC), OccurredAt: ptr(time.Date(1969, 12, 31, 18, 0, 0, 1, chicago)),
			Location: haven.Location{Latitude: f(0), Longitude: f(-0.000001), Beat: "Ünïcødé 🚓", District: "北区", LocationType: "STRAẞE"},
			Source:   "portal ü", SourceID: "ß-3"},
		{ReportedAt: ns.Add(24 * time.Hour), Status: haven.StatusDraft}, // made in Haven: source_key NULL
		{ReportedAt: ns.Add(48 * time.Hour), Status: haven.StatusDraft},
	}
	rows := make([]incidentInsert, len(ins))
	for i, in := range ins {
		in.ID, in.AgencyID, in.Number = newID(), agencyID, fmt.Sprintf("PD-2024-%06d", i+1)
		if in.Status == "" {
			in.Status = haven.StatusClosed
		}
		in.Version, in.CreatedBy = i+1, "system:test"
		in.CreatedAt, in.UpdatedAt = ns.Add(time.Duration(i)*time.Nanosecond), ns.Add(time.Duration(i)*time.Second+7)
		rows[i] = incidentInsert{in: in, facts: fmt.Sprintf(`{"n":%d,"text":"Grüße, 東京"}`, i),
			sealed: []byte{0, 0xff, 0xfe, byte(i), 0}, keyID: "key-" + fmt.Sprint(i), loc: chicago}
	}
	rows[1].facts, rows[1].in.Location.Beat = "", "" // empty strings
	return rows
}

// errRollback ends a transaction that only looked at what it wrote.
var errRollback = errors.New("rollback")

// storedIncidents returns the agency's incident rows as PostgreSQL prints
// them (every column, times to the microsecond, bytea in hex), by id.
func storedIncidents(ctx context.Context, t *tx, agencyID string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT i::text FROM incidents i WHERE agency_id = ? ORDER BY id`, agencyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TestInsertIncidentsPGStoresWhatValuesStores writes the same rows through
// the unnest path (in several chunks and in one) and through the multi-row
// INSERT path it replaced, and compares every stored column.
func TestInsertIncidentsPGStoresWhatValuesStores(t *testing.T) {
	db, ag := openPGBulk(t)
	ctx := context.Background()
	rows := pgBulkRows(t, ag.ID)
	write := func(insert func(context.Context, *tx, []incidentInsert) error, raw bool) []string {
		t.Helper()
		var got []string
		begin := func(fn func(*tx) error) error { return db.inTx(ctx, true, fn) }
		if raw {
			begin = func(fn func(*tx) error) error { return db.inRawTx(ctx, fn) }
		}
		err := begin(func(t *tx) error {
			if err := insert(ctx, t, rows); err != nil {
				return err
			}
			var err error
			if got, err = storedIncidents(ctx, t, ag.ID); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("insert: %v", err)
		}
		return got
	}
	want := write(insertIncidentsValues, false)
	if len(want) != len(rows) {
		t.Fatalf("multi-row path stored %d rows, want %d", len(want), len(rows))
	}
	for _, tc := range []struct {
		name   string
		insert func(context.Context, *tx, []incidentInsert) error
		raw    bool
	}{
		{"chunks of 2", func(ctx context.Context, t *tx, r []incidentInsert) error { return insertIncidentsPG(ctx, t, r, 2) }, false},
		{"one chunk", func(ctx context.Context, t *tx, r []incidentInsert) error {
			return insertIncidentsPG(ctx, t, r, len(r))
		}, false},
		{"insertIncidents", insertIncidents, false},
		{"COPY", copyIncidentsPG, true},
		{"insertIncidents in a raw transaction (COPY)", insertIncidents, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := write(tc.insert, tc.raw)
			if !slices.Equal(got, want) {
				t.Errorf("stored rows differ from the multi-row path's:\n got %q\nwant %q", got, want)
			}
		})
	}

	// The comparison proves sameness; these prove the reference itself
	// stores what it should, so that both cannot be wrong the same way.
	if err := db.inTx(ctx, true, func(t *tx) error { return insertIncidents(ctx, t, rows) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id, query string
		want      string
	}{
		{rows[0].in.ID, `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' ' || to_char(submitted_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') || ' ' || latitude || ' ' || domestic || ' ' || source_key || ' ' || event_day || ' ' || event_hour || ' ' || offense FROM incidents WHERE id = ?`,
			"2024-03-10 06:59:59.123457 07:59:59.123456 41.87811 true chicago:1 2024-03-10 0 13B"},
		{rows[1].in.ID, `SELECT (occurred_at IS NULL) || ' ' || (submitted_at IS NULL) || ' ' || (latitude IS NULL) || ' ' || (longitude IS NULL) || ' [' || facts || '] [' || beat || '] ' || arrested || ' ' || to_char(event_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM incidents WHERE id = ?`,
			"true true true true [] [] true 2016-01-01 22:04:05"},
		{rows[2].in.ID, `SELECT to_char(reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' ' || beat || ' ' || district || ' ' || source_key || ' ' || encode(sealed, 'hex') || ' ' || longitude FROM incidents WHERE id = ?`,
			"1969-12-31 23:59:59.999999 Ünïcødé 🚓 北区 portal ü:ß-3 00fffe0200 -1e-06"},
		{rows[3].in.ID, `SELECT (source_key IS NULL) || ' ' || status || ' ' || version FROM incidents WHERE id = ?`, "true draft 4"},
	} {
		var got string
		if err := db.read.QueryRowContext(ctx, db.dialect.rebind(tc.query), tc.id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("stored %q, want %q", got, tc.want)
		}
	}
}

// TestInsertIncidentsPGErrors checks that what PostgreSQL refuses still
// reaches the caller as the same Haven error, with nothing stored.
func TestInsertIncidentsPGErrors(t *testing.T) {
	db, ag := openPGBulk(t)
	ctx := context.Background()
	existing := pgBulkRows(t, ag.ID)[:1]
	if err := db.inTx(ctx, true, func(t *tx) error { return insertIncidents(ctx, t, existing) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(rows []incidentInsert)
		code   string
	}{
		{"import key repeated in the batch", func(r []incidentInsert) { r[2].in.Source, r[2].in.SourceID = "chicago", "2" }, haven.ECONFLICT},
		{"import key stored before", func(r []incidentInsert) {
			r[2].in.Source, r[2].in.SourceID = existing[0].in.Source, existing[0].in.SourceID
		}, haven.ECONFLICT},
		{"number repeated", func(r []incidentInsert) { r[3].in.Number = r[0].in.Number }, haven.ECONFLICT},
		{"NUL byte in text", func(r []incidentInsert) { r[3].in.Location.Beat = "08\x0025" }, haven.EBADREQUEST},
		{"invalid UTF-8 in text", func(r []incidentInsert) { r[1].facts = "{\"x\":\"\xff\"}" }, haven.EBADREQUEST},
	} {
		for _, path := range []struct {
			name  string
			chunk int // 0: COPY
		}{{"one chunk", pgIncidentChunk}, {"chunks of 2", 2}, {"COPY", 0}} {
			t.Run(tc.name+"/"+path.name, func(t *testing.T) {
				rows := pgBulkRows(t, ag.ID)[1:]
				tc.change(rows)
				var err error
				if path.chunk == 0 {
					err = db.inRawTx(ctx, func(t *tx) error { return copyIncidentsPG(ctx, t, rows) })
				} else {
					err = db.inTx(ctx, true, func(t *tx) error { return insertIncidentsPG(ctx, t, rows, path.chunk) })
				}
				if got := haven.ErrorCode(err); got != tc.code {
					t.Fatalf("error code = %q (%v), want %q", got, err, tc.code)
				}
				var n int
				if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents`).Scan(&n); err != nil || n != 1 {
					t.Fatalf("%d incidents stored after the failed insert (%v), want the 1 from before", n, err)
				}
			})
		}
	}
}

// TestImportIncidentsPGAwkwardRecords runs ImportIncidents, which uses the
// unnest path on PostgreSQL, over records with missing values, non-ASCII
// text and a repeated key, and again over the same batch.
func TestImportIncidentsPGAwkwardRecords(t *testing.T) {
	db, ag := openPGBulk(t)
	ctx := haven.NewContextWithActor(context.Background(), haven.SystemActor("import"))
	reported := time.Date(2016, 1, 2, 12, 0, 0, 0, time.UTC)
	batch := func() []*haven.Incident {
		return []*haven.Incident{
			{Source: "chicago", SourceID: "1", ReportedAt: reported, Offenses: []haven.Offense{{Code: "13B"}}},
			{Source: "chicago", SourceID: "2", ReportedAt: reported.Add(time.Minute), OccurredAt: &reported,
				Location: haven.Location{Latitude: new(41.779), Longitude: new(-87.679), Beat: "Ünïcødé", LocationType: ""}},
			{Source: "chicago", SourceID: "1", ReportedAt: reported.Add(2 * time.Minute)}, // repeats the first
		}
	}
	res, err := db.ImportIncidents(ctx, ag.ID, batch())
	if err != nil || res != (haven.ImportResult{Imported: 2, Duplicates: 1}) {
		t.Fatalf("import = %+v, %v", res, err)
	}
	res, err = db.ImportIncidents(ctx, ag.ID, batch())
	if err != nil || res != (haven.ImportResult{Imported: 0, Duplicates: 3}) {
		t.Fatalf("import again = %+v, %v", res, err)
	}
	var got []string
	rows, err := db.read.QueryContext(ctx, `SELECT source_key || ' ' || (occurred_at IS NULL) || ' ' || COALESCE(latitude::text, 'null') || ' ' || beat
		FROM incidents WHERE agency_id = $1 ORDER BY source_key`, ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if want := []string{"chicago:1 true null ", "chicago:2 false 41.779 Ünïcødé"}; !slices.Equal(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
}
