package web

import (
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

// FuzzParseCaseTime: any form input gives a time or an invalid-input
// error naming the field, never a panic or another kind of error.
func FuzzParseCaseTime(f *testing.F) {
	for _, s := range []string{"", "2026-03-01T14:30", "2026-03-01T14:30:05", "2026-03-01", "2026-03-01T14:30:00-06:00", "next week", "9999-99-99T99:99", "\x00"} {
		f.Add(s)
	}
	loc, _ := time.LoadLocation("America/Chicago")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseCaseTime("due_at", s, loc)
		if err != nil {
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != "due_at" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if strings.TrimSpace(s) == "" && !tm.IsZero() {
			t.Fatalf("blank %q gave %v", s, tm)
		}
	})
}

// FuzzParseCaseMinutes: whole numbers come back as themselves (up to a
// bound), anything else is invalid input naming minutes.
func FuzzParseCaseMinutes(f *testing.F) {
	for _, s := range []string{"", "0", "45", "1440", "1441", "forty", "-5", "99999999999999999999", " 30 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCaseMinutes(s)
		if err != nil {
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != "minutes" {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if n < 0 || n > 1_000_000 {
			t.Fatalf("%q gave %d", s, n)
		}
	})
}
