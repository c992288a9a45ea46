package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// chicagoCSV writes n rows in the 100k sample's layout, one of them bad.
func chicagoCSV(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,y,ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "-87.65336282,41.945412776,%d,HL%06d,11/22/2019 11:%02d:00 PM,009XX W CORNELIA AVE,0486,BATTERY,DOMESTIC BATTERY SIMPLE,APARTMENT,false,%v,2331,019,44,6,08B,1169233,1923432,2019,02/10/2020 03:50:01 PM\n",
			100+i, i, i%60, i%3 == 0)
	}
	p := filepath.Join(t.TempDir(), "chicago.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func waitChicago(t *testing.T) demo.ImportStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := demo.WaitChicago(ctx); err != nil {
		t.Fatal(err)
	}
	return demo.ChicagoStatus()
}

// The demo imports the real-data file into metro-pd in the background, and
// a second start finds it done without importing again.
func TestDemoChicago(t *testing.T) {
	file := chicagoCSV(t, 1234)
	t.Setenv(demo.IncidentsEnv, file)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, _, err := demo.Ensure(ctx, db, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		st := waitChicago(t)
		if st.State != "done" || st.Imported != 1234 || st.Rejected != 0 || st.Error != "" || st.File != file {
			t.Fatalf("first start: %+v", st)
		}
		batches := func() int {
			es, err := db.FindAudit(storetest.System(), audit.Filter{Action: "incident.import", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range es {
				if e.Details["sources"] == "chicago" {
					n++
				}
			}
			return n
		}
		before := batches()
		if want := (1234 + demo.ChicagoBatch - 1) / demo.ChicagoBatch; before != want {
			t.Errorf("audited batches = %d, want %d", before, want)
		}
		if _, created, err := demo.Ensure(ctx, db, t.TempDir()); err != nil || created {
			t.Fatalf("second start: created=%v, %v", created, err)
		}
		st = waitChicago(t)
		if st.State != "done" || st.Imported != 0 || st.Already != 1234 {
			t.Errorf("second start: %+v", st)
		}
		if after := batches(); after != before {
			t.Errorf("second start imported again: %d batches, then %d", before, after)
		}
	})
}

// Without the file the step is skipped and says so.
func TestDemoChicagoAbsent(t *testing.T) {
	t.Setenv(demo.IncidentsEnv, "off")
	db := storetest.Open(t, "sqlite", storetest.Config())
	if _, _, err := demo.Ensure(context.Background(), db, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if st := demo.ChicagoStatus(); st.State != "absent" || st.Importing() {
		t.Errorf("status = %+v", st)
	}
}

func TestFindChicago(t *testing.T) {
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) { return v, k == demo.IncidentsEnv && v != "" }
	}
	if got := demo.FindChicago(env("/some/file.csv")); got != "/some/file.csv" {
		t.Errorf("from the environment: %q", got)
	}
	if got := demo.FindChicago(env("off")); got != "" {
		t.Errorf("off: %q", got)
	}
	// From this package's directory there is no ../shared (the project's
	// shared folder sits beside the repository, not inside it), unless the
	// test binary happens to run where there is one.
	if got := demo.FindChicago(env("")); got != "" {
		if _, err := os.Stat(got); err != nil {
			t.Errorf("found %q, which does not exist", got)
		}
	}
}
