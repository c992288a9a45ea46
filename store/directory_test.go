package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/hsds/hsdstest"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func leaks(s string) []string {
	var out []string
	for _, secret := range hsdstest.Secrets {
		if strings.Contains(s, secret) {
			out = append(out, secret)
		}
	}
	return out
}

func TestDirectoryImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hh := storetest.MustAgency(t, db, "harbor-house", haven.KindShelter)
		pd := storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
		hhAdmin := storetest.MustUser(t, db, hh, "hh-admin", haven.RoleAgencyAdmin)
		hhStaff := storetest.MustUser(t, db, hh, "hh-staff", haven.RoleShelterStaff)
		pdAdmin := storetest.MustUser(t, db, pd, "pd-admin", haven.RoleAgencyAdmin)
		sys := storetest.System()
		doc := hsdstest.Fixture()

		c, err := db.ImportDirectory(sys, hh.ID, doc)
		if err != nil {
			t.Fatal(err)
		}
		if c.Created != doc.Len() || c.Updated != 0 || c.Confidential != 1 {
			t.Fatalf("first import: %+v, want %d created, 1 confidential", c, doc.Len())
		}
		// Idempotent: the same data again changes nothing.
		c, err = db.ImportDirectory(storetest.As(hhAdmin), hh.ID, hsdstest.Fixture())
		if err != nil {
			t.Fatal(err)
		}
		if c.Changed() || c.Unchanged != doc.Len() {
			t.Fatalf("second import: %+v", c)
		}

		locs, err := db.DirectoryLocations(sys, hh.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]store.DirectoryLocation{
			hsdstest.ShelterLocID: {ID: hsdstest.ShelterLocID, AgencyID: hh.ID, Confidential: true, AreaLabel: hsdstest.ShelterArea},
			hsdstest.OfficeLocID:  {ID: hsdstest.OfficeLocID, AgencyID: hh.ID, Confidential: false, AreaLabel: "Northgate"},
		}
		for _, l := range locs {
			if l != want[l.ID] {
				t.Errorf("location %s: %+v, want %+v", l.ID, l, want[l.ID])
			}
		}

		tests := []struct {
			name    string
			run     func() error
			code    string
			changed bool
		}{
			{"another agency's ids", func() error {
				_, err := db.ImportDirectory(storetest.As(pdAdmin), pd.ID, hsdstest.Fixture())
				return err
			}, haven.ECONFLICT, false},
			{"a shared taxonomy", func() error { _, err := db.ImportDirectory(sys, pd.ID, hsds.DVDocument()); return err }, "", false},
			{"staff may not import", func() error {
				_, err := db.ImportDirectory(storetest.As(hhStaff), hh.ID, hsdstest.Fixture())
				return err
			}, haven.EFORBIDDEN, false},
			{"admin of another agency", func() error {
				_, err := db.ImportDirectory(storetest.As(pdAdmin), hh.ID, hsdstest.Fixture())
				return err
			}, haven.EFORBIDDEN, false},
			{"no such agency", func() error { _, err := db.ImportDirectory(sys, "nope", hsdstest.Fixture()); return err }, haven.ENOTFOUND, false},
			{"nil document", func() error { _, err := db.ImportDirectory(sys, hh.ID, nil); return err }, haven.EINVALID, false},
			{"export in full by another agency", func() error { _, err := db.ExportDirectory(storetest.As(pdAdmin), hh.ID, true); return err }, haven.EFORBIDDEN, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := haven.ErrorCode(tt.run()); got != tt.code {
					t.Fatalf("code %q, want %q", got, tt.code)
				}
			})
		}

		// An update: one record changed, and a location marked by the import.
		d2 := hsdstest.Fixture()
		d2.Services[2].Name = "Legal advice clinic (Tuesdays)"
		c, err = db.ImportDirectoryOptions(sys, hh.ID, d2, store.DirectoryImportOptions{Confidential: []string{hsdstest.OfficeLocID},
			AreaLabels: map[string]string{hsdstest.OfficeLocID: "Town centre"}})
		if err != nil {
			t.Fatal(err)
		}
		if c.Updated != 1 || c.Created != 0 || c.Confidential != 2 {
			t.Fatalf("update: %+v", c)
		}

		// The public directory and a plain export are redacted; the owner's
		// export with confidential data is not.
		pub, _, err := db.PublicDirectory(sys)
		if err != nil {
			t.Fatal(err)
		}
		js := mustJSON(t, pub)
		if l := leaks(js); len(l) > 0 || strings.Contains(js, hsdstest.OfficeStreet) {
			t.Errorf("public directory leaks %v", l)
		}
		if !strings.Contains(js, hsdstest.ShelterArea+store.ConfidentialSuffix) || !strings.Contains(js, "Town centre"+store.ConfidentialSuffix) {
			t.Errorf("no area label in %s", js)
		}
		if !strings.Contains(js, "0800 000 5678") {
			t.Error("the intake phone was dropped")
		}
		exp, err := db.ExportDirectory(storetest.As(pdAdmin), hh.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if l := leaks(mustJSON(t, exp)); len(l) > 0 {
			t.Errorf("export leaks %v", l)
		}
		full, err := db.ExportDirectory(storetest.As(hhAdmin), hh.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if l := leaks(mustJSON(t, full)); len(l) != len(hsdstest.Secrets) {
			t.Errorf("the owner's full export lacks data: has %v", l)
		}
		if err := full.Validate(); err != nil {
			t.Errorf("full export does not validate: %v", err)
		}
		// A redacted export is refused on import (it would overwrite the
		// shelter with its stand-in); the full one changes nothing.
		if _, err := db.ImportDirectory(sys, hh.ID, exp); haven.ErrorCode(err) != haven.EINVALID {
			t.Errorf("importing a redacted export: %v", err)
		}
		if c, err := db.ImportDirectory(sys, hh.ID, full); err != nil || c.Changed() {
			t.Errorf("importing the full export: %+v, %v", c, err)
		}
	})
}
