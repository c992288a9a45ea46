package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// BenchmarkPersonRead is an audited read: the policy decision, opening the
// sealed record and appending to the hash-chained log. RunParallel shows
// whether appends serialise readers.
func BenchmarkPersonRead(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		var ids []string
		for i := 0; i < 100; i++ {
			p := &haven.Person{GivenName: "Bench", FamilyName: fmt.Sprintf("Person%03d", i), DateOfBirth: "1980-01-01"}
			if _, err := db.CreatePerson(storetest.As(u), p); err != nil {
				b.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		ctx := storetest.As(u)
		var n atomic.Int64
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.Person(ctx, ids[n.Add(1)%int64(len(ids))]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// benchNames gives the i-th of 2,500 realistic name pairs: 50 given names
// by 50 surnames, so a common word matches about 2% of records, as in real
// registries, rather than all of them.
func benchName(i int) (string, string) {
	given := []string{"Maria", "James", "Aisha", "Wei", "Olga", "Jose", "Fatima", "John", "Priya", "Kwame",
		"Anna", "Luis", "Sofia", "Omar", "Elena", "David", "Mei", "Ivan", "Grace", "Ahmed",
		"Laura", "Carlos", "Nadia", "Peter", "Yuki", "Samuel", "Leila", "Tomas", "Rosa", "Daniel",
		"Hana", "Marco", "Zainab", "Erik", "Lucia", "Kofi", "Irina", "Paul", "Amara", "Jorge",
		"Chloe", "Ali", "Nina", "Victor", "Sara", "Andre", "Lena", "Hugo", "Rita", "Felix"}
	family := []string{"Smith", "Johnson", "Garcia", "Nguyen", "Okafor", "Kowalski", "Haddad", "Schmidt", "Rossi", "Tanaka",
		"Brown", "Martinez", "Lee", "Ivanova", "Mensah", "Novak", "Khan", "Muller", "Romano", "Sato",
		"Wilson", "Lopez", "Kim", "Petrova", "Owusu", "Horvat", "Ahmed", "Fischer", "Ricci", "Suzuki",
		"Taylor", "Gonzalez", "Park", "Smirnova", "Boateng", "Dvorak", "Ali", "Weber", "Greco", "Ito",
		"Moore", "Hernandez", "Choi", "Popova", "Asante", "Kral", "Hussain", "Wagner", "Bruno", "Kato"}
	return given[i%50], family[(i/50)%50]
}

// BenchmarkPersonCreate seals, indexes, checks for duplicates and audits a
// new person, into a registry that grows with b.N.
func BenchmarkPersonCreate(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		ctx := storetest.As(u)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			g, f := benchName(i)
			p := &haven.Person{GivenName: g, FamilyName: f, DateOfBirth: fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28),
				Phones: []haven.Phone{{Number: "312-555-0100"}}}
			if _, err := db.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPersonSearch searches 2,500 persons by a full name, misspelt
// ("Smyth"), through the blind indexes.
func BenchmarkPersonSearch(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		ctx := storetest.As(u)
		for i := 0; i < 2500; i++ {
			g, f := benchName(i)
			p := &haven.Person{GivenName: g, FamilyName: f}
			if _, err := db.CreatePerson(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.Analyze(ctx); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ms, err := db.SearchPersons(ctx, haven.PersonQuery{Name: "Maria Smyth"})
			if err != nil || len(ms) == 0 {
				b.Fatal(err)
			}
		}
	})
}
