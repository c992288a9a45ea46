package store_test

import (
	"context"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// benchEach runs a benchmark on both databases.
func benchEach(b *testing.B, cfg store.Config, fn func(b *testing.B, db *store.DB)) {
	for _, d := range storetest.Drivers {
		b.Run(d, func(b *testing.B) { fn(b, storetest.Open(b, d, cfg)) })
	}
}

// BenchmarkSessionActor is the cost every signed-in page pays to find who
// is asking.
func BenchmarkSessionActor(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		token, _, err := db.Login(context.Background(), "officer", storetest.Password, "10.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := db.SessionActor(context.Background(), token); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkTokenActor is the cost every API call pays.
func BenchmarkTokenActor(b *testing.B) {
	benchEach(b, storetest.Config(), func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		u := storetest.MustUser(b, db, pd, "analyst", haven.RoleAnalyst)
		secret, _, err := db.CreateToken(storetest.System(), u.ID, "bench", nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := db.TokenActor(context.Background(), secret); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkLogin measures a sign-in with the production argon2id cost: the
// hash dominates, which is the point of it.
func BenchmarkLogin(b *testing.B) {
	cfg := storetest.Config()
	cfg.PasswordParams = auth.DefaultParams
	cfg.LoginIPLimit = 1 << 30
	benchEach(b, cfg, func(b *testing.B, db *store.DB) {
		pd := storetest.MustAgency(b, db, "metro-pd", haven.KindPolice)
		storetest.MustUser(b, db, pd, "officer", haven.RoleOfficer)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, _, err := db.Login(context.Background(), "officer", storetest.Password, "10.0.0.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
