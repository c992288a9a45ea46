package store_test

import (
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// Reading the audit log is itself in the log: an administrator's view
// (with its filters and the number of entries shown) and a refused
// attempt; a system process reading it to find its own work is not.
func TestAuditViewsAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		admin := storetest.MustUser(t, db, pd, "pdadmin", haven.RoleAgencyAdmin)
		officer := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		views := func(outcome string) []audit.Entry {
			t.Helper()
			all, err := db.FindAudit(storetest.System(), audit.Filter{Action: "audit.view", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []audit.Entry
			for _, e := range all {
				if e.Outcome == outcome {
					out = append(out, e)
				}
			}
			return out
		}
		if n := len(views(audit.Allowed)) + len(views(audit.Denied)); n != 0 {
			t.Fatalf("system reads were audited: %d entries", n)
		}
		if _, err := db.FindAudit(storetest.As(admin), audit.Filter{RecordID: officer.ID, Limit: 5}); err != nil {
			t.Fatal(err)
		}
		got := views(audit.Allowed)
		if len(got) != 1 || got[0].ActorUserID != admin.ID || got[0].Details["record"] != officer.ID || got[0].Details["results"] == "" {
			t.Fatalf("the administrator's view = %+v", got)
		}
		if _, err := db.FindAudit(storetest.As(officer), audit.Filter{}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("an officer reads the log: %v", err)
		}
		if d := views(audit.Denied); len(d) != 1 || d[0].ActorUserID != officer.ID {
			t.Fatalf("the refused view = %+v", d)
		}
	})
}
