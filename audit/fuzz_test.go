package audit

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// FuzzCanonical checks that the encoding is injective where it matters: two
// entries whose fields differ never share canonical bytes, however the
// fuzzer places separators, lengths or bytes at the boundary between two
// adjacent fields (Reason/RequestID, a Details key/value, ID/ActorUserID,
// the last string field and the Details count). It also must never panic.
func FuzzCanonical(f *testing.F) {
	f.Add("", "", "", "")
	f.Add("a", "b", "a", "b")
	f.Add("ab", "", "a", "b")
	f.Add("1:a,", "", "1:a", ",")
	f.Add("x,1:y", "z", "x", "1:y,1:z")
	f.Add("\xff\xfe", "\x00", "\ufffd", "")
	f.Add("0:", "", "", "0:,")
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		differ := a != c || b != d
		pairs := []struct {
			name   string
			set    func(e *Entry, x, y string)
			always bool // the pair can only be equal when (a,b) == (c,d)
		}{
			{"Reason/RequestID", func(e *Entry, x, y string) { e.Reason, e.RequestID = x, y }, true},
			{"ID/ActorUserID", func(e *Entry, x, y string) { e.ID, e.ActorUserID = x, y }, true},
			{"ClientIP/Details key", func(e *Entry, x, y string) {
				e.ClientIP, e.Details = x, map[string]string{y: ""}
			}, true},
			{"Details key/value", func(e *Entry, x, y string) { e.Details = map[string]string{x: y} }, true},
			{"two Details keys", func(e *Entry, x, y string) { e.Details = map[string]string{x: "1", y: "2"} }, false},
			{"PrevHash/Details value", func(e *Entry, x, y string) {
				e.PrevHash, e.Details = x, map[string]string{"k": y}
			}, true},
		}
		for _, p := range pairs {
			var e1, e2 Entry
			p.set(&e1, a, b)
			p.set(&e2, c, d)
			c1, c2 := Canonical(e1), Canonical(e2)
			if !bytes.Equal(c1, Canonical(e1)) {
				t.Fatalf("%s: encoding is not deterministic", p.name)
			}
			if p.always && differ && bytes.Equal(c1, c2) {
				t.Fatalf("%s: (%q,%q) and (%q,%q) encode alike: %q", p.name, a, b, c, d, c1)
			}
			// For two Details keys the maps decide: equal maps, equal bytes.
			if !p.always && bytes.Equal(c1, c2) != mapsEqual(e1.Details, e2.Details) {
				t.Fatalf("%s: maps %v and %v, encodings equal=%v", p.name, e1.Details, e2.Details, bytes.Equal(c1, c2))
			}
		}
		e := Entry{Reason: a, RequestID: b, Basis: c, Details: map[string]string{c: d}}
		if h, err := hex.DecodeString(ComputeHash(e)); err != nil || len(h) != 32 {
			t.Fatalf("hash %q", ComputeHash(e))
		}
	})
}

func mapsEqual(x, y map[string]string) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		if w, ok := y[k]; !ok || w != v {
			return false
		}
	}
	return true
}
