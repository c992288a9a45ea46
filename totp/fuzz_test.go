package totp

import (
	"strings"
	"testing"
	"time"
)

// FuzzValidate feeds any string as a code (and any last-used step): Validate
// must never panic, and may say yes only to six ASCII digits, once spaces are
// gone, that are the code of a step within the window after lastUsed.
func FuzzValidate(f *testing.F) {
	f.Add("", int64(0))
	f.Add("123456", int64(0))
	f.Add(" 123 456 ", int64(0))
	f.Add("12345", int64(0))
	f.Add("1234567", int64(-1))
	f.Add("abcdef", int64(1<<62))
	f.Add("١٢٣٤٥٦", int64(0))
	f.Add("\x00\xff\xfe12", int64(-1<<63))
	// Valid codes for the fixed time below (RFC 6238's vectors): current
	// step, previous step with spaces, and a replay.
	f.Add("050471", int64(0))
	f.Add(" 081 804", int64(0))
	f.Add("050471", int64(37037037))
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	now := time.Unix(1111111111, 0)
	f.Fuzz(func(t *testing.T, code string, lastUsed int64) {
		step, ok := Validate(secret, code, now, lastUsed)
		if !ok {
			if step != 0 {
				t.Fatalf("refused but step %d", step)
			}
			return
		}
		cur := now.Unix() / Period
		if step < cur-Skew || step > cur+Skew || step <= lastUsed {
			t.Fatalf("accepted %q at step %d (now %d, last used %d)", code, step, cur, lastUsed)
		}
		want := codeAt(rfcKey, uint64(step), Digits)
		stripped := strings.NewReplacer(" ", "", "\t", "", "\u00a0", "").Replace(code)
		if stripped != want {
			t.Fatalf("accepted %q for step %d whose code is %s", code, step, want)
		}
	})
}
