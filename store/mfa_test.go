package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/totp"
)

func TestSecondFactor(t *testing.T) {
	eachWithClock(t, func(t *testing.T, db *store.DB, c *clock) {
		ctx := context.Background()
		pd := &haven.Agency{Slug: "metro-pd", Name: "Metro PD", Kind: haven.KindPolice, TimeZone: "UTC", RequireMFA: true}
		if err := db.CreateAgency(storetest.System(), pd); err != nil {
			t.Fatal(err)
		}
		officer := storetest.MustUser(t, db, pd, "officer", haven.RoleOfficer)
		storetest.MustUser(t, db, pd, "analyst", haven.RoleAnalyst)

		// A password-only session of a person-data role in such an agency
		// is marked as needing the factor, and cannot read people.
		token, sess, err := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		actor, _, _ := db.SessionActor(ctx, token)
		if !actor.MFARequired || actor.MFA || actor.MFAEnrolled {
			t.Fatalf("actor = %+v", actor)
		}
		if a, _ := loginActor(t, db, "analyst"); a.MFARequired {
			t.Fatal("an analyst sees no person data, so needs no factor for it")
		}
		me := haven.NewContextWithActor(ctx, actor)
		if _, err := db.SearchPersons(me, haven.PersonQuery{Name: "x"}); haven.ErrorCode(err) != haven.EFORBIDDEN {
			t.Fatalf("search without second factor: %v", err)
		}

		secret, uri, err := db.BeginTOTP(me)
		if err != nil || len(secret) != 32 || uri == "" {
			t.Fatalf("BeginTOTP = %q %q %v", secret, uri, err)
		}
		if _, err := db.ConfirmTOTP(me, sess.ID, "000000"); haven.ErrorField(err) != "code" {
			t.Fatalf("wrong confirmation code: %v", err)
		}
		code, _ := totp.Code(secret, c.Now())
		recovery, err := db.ConfirmTOTP(me, sess.ID, code)
		if err != nil || len(recovery) != 10 {
			t.Fatalf("ConfirmTOTP = %d codes, %v", len(recovery), err)
		}
		if actor, _, _ = db.SessionActor(ctx, token); !actor.MFA || !actor.MFAEnrolled {
			t.Fatalf("after enrolment the session is completed: %+v", actor)
		}
		me = haven.NewContextWithActor(ctx, actor)
		if _, err := db.SearchPersons(me, haven.PersonQuery{Name: "x"}); err != nil {
			t.Fatalf("search with second factor: %v", err)
		}
		if _, _, err := db.BeginTOTP(me); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("second enrolment: %v", err)
		}
		// The secret is sealed, never stored as text.
		if n, _ := db.CountAllTables(ctx, secret); n != 0 {
			t.Fatal("TOTP secret stored in plaintext")
		}

		// A new sign-in needs the factor; the enrolment's step cannot be replayed.
		token2, _, _ := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if a, _, _ := db.SessionActor(ctx, token2); a.MFA || !a.MFAEnrolled {
			t.Fatalf("new session = %+v", a)
		}
		if _, err := db.VerifySecondFactor(ctx, token2, code, "10.0.0.1"); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Fatalf("replayed code: %v", err)
		}
		c.Add(30 * time.Second)
		next, _ := totp.Code(secret, c.Now())
		completed, err := db.VerifySecondFactor(ctx, token2, next, "10.0.0.1")
		if err != nil {
			t.Fatalf("fresh code: %v", err)
		}
		// The completed session has a new token; the password-only one is gone.
		if completed == token2 {
			t.Fatal("the session token was not replaced after the second factor")
		}
		if a, _, err := db.SessionActor(ctx, completed); err != nil || !a.MFA {
			t.Fatalf("completed session = %+v, %v", a, err)
		}
		if _, _, err := db.SessionActor(ctx, token2); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Fatalf("the pre-factor token still works: %v", err)
		}
		token2 = completed

		// A recovery code works once.
		token3, _, _ := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if _, err := db.VerifySecondFactor(ctx, token3, recovery[0], "10.0.0.1"); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		token4, _, _ := db.Login(ctx, "officer", storetest.Password, "10.0.0.1")
		if _, err := db.VerifySecondFactor(ctx, token4, recovery[0], "10.0.0.1"); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Fatalf("reused recovery code: %v", err)
		}
		// Wrong codes lock like wrong passwords (one failure above already).
		for i := 0; i < 4; i++ {
			db.VerifySecondFactor(ctx, token4, "123456", "10.0.0.1")
		}
		if _, err := db.VerifySecondFactor(ctx, token4, "123456", "10.0.0.1"); haven.ErrorCode(err) != haven.ERATELIMIT {
			t.Fatalf("after five wrong codes: %v", err)
		}

		// An administrator's reset removes the factor and ends sessions.
		if err := db.ResetSecondFactor(storetest.System(), officer.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionActor(ctx, token2); haven.ErrorCode(err) != haven.EUNAUTHORIZED {
			t.Fatalf("session survived the reset: %v", err)
		}
		if u, _ := db.UserByID(storetest.System(), officer.ID); u.MFAEnrolled {
			t.Fatal("still enrolled after reset")
		}
		// Tokens record whether they came from a completed session.
		if _, tok, err := db.CreateToken(storetest.System(), officer.ID, "cli", nil); err != nil || tok == nil {
			t.Fatal(err)
		}
	})
}

func loginActor(t *testing.T, db *store.DB, username string) (haven.Actor, string) {
	t.Helper()
	token, _, err := db.Login(context.Background(), username, storetest.Password, "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := db.SessionActor(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a, token
}
