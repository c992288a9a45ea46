package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// BenchmarkImportIncidents imports 10,000 Chicago-style records per
// iteration in batches of 500 and of 5,000 (`haven import incidents`'
// default): validation, sealing, numbering, inserts and one audit entry
// per batch. "reimport" sends the same records again: every one is a
// duplicate, which is what a second run over a file costs. Each batch
// size gets a database of its own.
func BenchmarkImportIncidents(b *testing.B) {
	for _, size := range []int{500, 5000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) { benchImport(b, size) })
	}
}

func benchImport(b *testing.B, size int) {
	const total = 10_000
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		ctx := haven.NewContextWithActor(context.Background(), haven.SystemActor("import"))
		next := 0
		batches := func(from int) [][]*haven.Incident {
			var out [][]*haven.Incident
			for i := 0; i < total; i += size {
				batch := make([]*haven.Incident, size)
				for j := range batch {
					batch[j] = chicagoRecord(from + i + j)
				}
				out = append(out, batch)
			}
			return out
		}
		run := func(b *testing.B, bs [][]*haven.Incident, wantImported int) {
			for _, batch := range bs {
				res, err := db.ImportIncidents(ctx, pd.ID, batch)
				if err != nil {
					b.Fatal(err)
				}
				if res.Imported != wantImported {
					b.Fatalf("imported %d of %d", res.Imported, len(batch))
				}
			}
		}
		b.Run("new", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bs := batches(next)
				next += total
				b.StartTimer()
				run(b, bs, size)
			}
			b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run("reimport", func(b *testing.B) {
			if next == 0 {
				b.Skip("nothing imported")
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bs := batches(next - total)
				b.StartTimer()
				run(b, bs, 0)
			}
			b.ReportMetric(float64(b.N*total)/b.Elapsed().Seconds(), "records/s")
		})
	})
}

// BenchmarkCreateIncident is one report made in Haven: validation of its
// parties against the registry, sealing, the number, eight protocol rows,
// history and audit in one transaction.
func BenchmarkCreateIncident(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		ctx := storetest.As(u)
		var parties []haven.Party
		for i, role := range []haven.PartyRole{haven.PartyVictim, haven.PartySuspect} {
			p := &haven.Person{GivenName: "Bench", FamilyName: fmt.Sprint(i)}
			if _, err := db.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
			parties = append(parties, haven.Party{PersonID: p.ID, Role: role})
		}
		parties[0].RelationshipToSuspect = "SE"
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			in := &haven.Incident{Domestic: true, Parties: parties, Offenses: []haven.Offense{{Code: "13B"}},
				Narrative: "A narrative of a few words.", Location: haven.Location{Address: "1 Main St"}}
			if err := db.CreateIncident(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
