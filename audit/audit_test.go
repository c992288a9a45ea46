package audit

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

var base = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// makeChain builds a chain of n varied, made-up entries.
func makeChain(n int) []Entry {
	actions := []string{"person.read", "person.create", "login.failed", "access.denied", "breakglass.open"}
	out := make([]Entry, 0, n)
	var prev *Entry
	for i := range n {
		e := Entry{
			ID:             fmt.Sprintf("0190f3a2-0000-7000-8000-%012d", i),
			At:             base.Add(time.Duration(i)*time.Minute + time.Duration(i)*time.Microsecond),
			ActorUserID:    fmt.Sprintf("user-%d", i%7),
			ActorName:      fmt.Sprintf("officer%d", i%7),
			ActorAgencyID:  fmt.Sprintf("agency-%d", i%3),
			Role:           "officer",
			Via:            "session",
			Action:         actions[i%len(actions)],
			Outcome:        Allowed,
			RecordType:     "person",
			RecordID:       fmt.Sprintf("person-%d", i%11),
			RecordAgencyID: fmt.Sprintf("agency-%d", i%2),
			Basis:          "own_agency",
			RequestID:      fmt.Sprintf("req-%d", i),
			ClientIP:       "192.0.2.10",
		}
		switch i % 4 {
		case 0: // Details stays nil
		case 1:
			e.Details = map[string]string{}
		case 2:
			e.Details = map[string]string{"fields": "name,dob", "count": "1"}
		case 3:
			e.Outcome, e.Basis, e.Reason = Denied, "break_glass:bg-1", "child at immediate risk"
			e.Details = map[string]string{"policy": "no_basis"}
		}
		e = Chain(prev, e)
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

// wantErrAt checks that err is a *VerifyError naming exactly entry e.
func wantErrAt(t *testing.T, err error, e Entry, problem string) {
	t.Helper()
	var ve *VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *VerifyError naming entry %d, got %v", e.Seq, err)
	}
	if ve.Seq != e.Seq || ve.ID != e.ID {
		t.Fatalf("error names entry %d (%s), want %d (%s): %v", ve.Seq, ve.ID, e.Seq, e.ID, err)
	}
	if !strings.Contains(ve.Problem, problem) {
		t.Fatalf("problem %q does not mention %q", ve.Problem, problem)
	}
}

func TestUntouchedChainVerifies(t *testing.T) {
	chain := makeChain(50)
	v := NewVerifier()
	for _, e := range chain {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	if v.Count() != 50 {
		t.Fatalf("Count = %d", v.Count())
	}
	if seq, hash := v.Head(); seq != 50 || hash != chain[49].Hash {
		t.Fatalf("Head = %d %s", seq, hash)
	}
	if chain[0].PrevHash != Genesis || chain[0].Seq != 1 {
		t.Fatalf("first entry: seq %d prev %s", chain[0].Seq, chain[0].PrevHash)
	}
	if err := VerifyAll(chain, Anchor{50, chain[49].Hash}, Anchor{20, chain[19].Hash}, Anchor{0, Genesis}); err != nil {
		t.Fatal(err)
	}
	if err := VerifyAll(nil); err != nil {
		t.Fatalf("empty log: %v", err)
	}
	if seq, hash := NewVerifier().Head(); seq != 0 || hash != Genesis {
		t.Fatalf("empty Head = %d %s", seq, hash)
	}
}

// TestCanonicalGolden pins the encoding: if it changes, every stored hash
// stops verifying, so a change here must be deliberate (a new FormatVersion).
func TestCanonicalGolden(t *testing.T) {
	e := Entry{
		Seq: 7, ID: "id-7", At: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("X", 3600)),
		ActorUserID: "u1", ActorName: "amy", ActorAgencyID: "a1", Role: "advocate", Via: "session",
		Action: "person.read", Outcome: Allowed, RecordType: "person", RecordID: "p1", RecordAgencyID: "a2",
		Basis: "consent:c1", Reason: "", RequestID: "r1", ClientIP: "::1",
		Details:  map[string]string{"b": "2", "a": "1,:"},
		PrevHash: Genesis, Hash: "ignored",
	}
	want := "14:haven-audit-v1,1:7,4:id-7,30:2026-01-02T02:04:05.000006000Z,2:u1,3:amy,2:a1,8:advocate,7:session," +
		"11:person.read,7:allowed,6:person,2:p1,2:a2,10:consent:c1,0:,2:r1,3:::1," +
		"1:2,1:a,3:1,:,1:b,1:2,64:" + Genesis + ","
	if got := string(Canonical(e)); got != want {
		t.Fatalf("Canonical =\n%s\nwant\n%s", got, want)
	}
	const wantHash = "0484c9da505c29f9db0ad199329f84885aa7a1c68721159aa9bbb20c05d372b7"
	if got := ComputeHash(e); got != wantHash {
		t.Fatalf("ComputeHash = %s, want %s", got, wantHash)
	}
}

func TestCanonicalIgnoresWhatItShould(t *testing.T) {
	e := makeChain(3)[2]
	same := []struct {
		name string
		edit func(*Entry)
	}{
		{"Hash", func(e *Entry) { e.Hash = "x" }},
		{"time zone of At", func(e *Entry) { e.At = e.At.In(time.FixedZone("Y", -5*3600)) }},
		{"Details insertion order", func(e *Entry) {
			d := map[string]string{}
			keys := make([]string, 0, len(e.Details))
			for k := range e.Details {
				keys = append(keys, k)
			}
			slices.Reverse(keys)
			for _, k := range keys {
				d[k] = e.Details[k]
			}
			e.Details = d
		}},
	}
	nilDetails := makeChain(1)[0]
	if nilDetails.Details != nil {
		t.Fatal("makeChain changed")
	}
	empty := nilDetails
	empty.Details = map[string]string{}
	if string(Canonical(nilDetails)) != string(Canonical(empty)) {
		t.Fatal("nil and empty Details encode differently")
	}
	for _, tc := range same {
		t.Run(tc.name, func(t *testing.T) {
			e2 := e
			tc.edit(&e2)
			if string(Canonical(e)) != string(Canonical(e2)) {
				t.Fatal("canonical encoding changed")
			}
		})
	}
	// Maps built again and again iterate in different orders; the encoding
	// must not.
	build := func() Entry {
		d := map[string]string{}
		for i := range 20 {
			d[fmt.Sprint("k", i)] = fmt.Sprint("v", i)
		}
		e.Details = d
		return e
	}
	first := string(Canonical(build()))
	for range 100 {
		if string(Canonical(build())) != first {
			t.Fatal("Details order leaked into the encoding")
		}
	}
}

// editField changes field f of e to a different value of its type.
func editField(t *testing.T, e *Entry, f int) {
	t.Helper()
	v := reflect.ValueOf(e).Elem().Field(f)
	switch x := v.Addr().Interface().(type) {
	case *string:
		*x += "x"
	case *int64:
		*x += 1000
	case *time.Time:
		*x = x.Add(time.Nanosecond) // even a nanosecond is covered
	case *map[string]string:
		d := map[string]string{"added": "1"}
		for k, val := range *x {
			d[k] = val
		}
		*x = d
	default:
		t.Fatalf("field %s: add a case for %T", reflect.TypeFor[Entry]().Field(f).Name, x)
	}
}

// TestEditAnyField changes each field of each entry, one at a time; the
// error must name that entry. Fields are found by reflection, so a field
// added to Entry but forgotten in Canonical fails here.
func TestEditAnyField(t *testing.T) {
	chain := makeChain(50)
	typ := reflect.TypeFor[Entry]()
	for f := range typ.NumField() {
		t.Run(typ.Field(f).Name, func(t *testing.T) {
			for i := range chain {
				bad := slices.Clone(chain)
				editField(t, &bad[i], f)
				err := VerifyAll(bad)
				var ve *VerifyError
				if !errors.As(err, &ve) {
					t.Fatalf("entry %d edited: want a *VerifyError, got %v", i+1, err)
				}
				if ve.Seq != bad[i].Seq || ve.ID != bad[i].ID {
					t.Fatalf("entry %d edited: error names %d (%s): %v", i+1, ve.Seq, ve.ID, err)
				}
			}
		})
	}
}

func TestEditedDetails(t *testing.T) {
	chain := makeChain(50)
	edits := []struct {
		name string
		edit func(d map[string]string) map[string]string
	}{
		{"value changed", func(d map[string]string) map[string]string { d["fields"] = "name"; return d }},
		{"key removed", func(d map[string]string) map[string]string { delete(d, "count"); return d }},
		{"key renamed", func(d map[string]string) map[string]string { d["Count"] = d["count"]; delete(d, "count"); return d }},
		{"emptied", func(d map[string]string) map[string]string { return nil }},
	}
	for _, tc := range edits {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Clone(chain)
			e := &bad[10] // i%4 == 2: has two details
			e.Details = tc.edit(map[string]string{"fields": "name,dob", "count": "1"})
			wantErrAt(t, VerifyAll(bad), *e, "content was changed (hash mismatch)")
		})
	}
}

func TestRemovedEntries(t *testing.T) {
	chain := makeChain(50)
	for _, tc := range []struct {
		name    string
		from    int // remove chain[from:to]
		to      int
		problem string
	}{
		{"first", 0, 1, "starts at sequence 2, not 1"},
		{"first three", 0, 3, "starts at sequence 4, not 1"},
		{"second", 1, 2, "sequence gap: expected 2, found 3"},
		{"middle", 24, 25, "sequence gap: expected 25, found 26"},
		{"middle run", 20, 30, "sequence gap: expected 21, found 31"},
		{"last but one", 48, 49, "sequence gap: expected 49, found 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Delete(slices.Clone(chain), tc.from, tc.to)
			wantErrAt(t, VerifyAll(bad), chain[tc.to], tc.problem)
		})
	}
	// Every single position, for good measure.
	for i := range 49 {
		bad := slices.Delete(slices.Clone(chain), i, i+1)
		var ve *VerifyError
		if err := VerifyAll(bad); !errors.As(err, &ve) || ve.ID != chain[i+1].ID {
			t.Fatalf("removing entry %d: got %v", i+1, err)
		}
	}
}

// TestRemovedAndRenumbered covers a careful forger who deletes an entry and
// renumbers what follows without recomputing hashes: the link breaks.
func TestRemovedAndRenumbered(t *testing.T) {
	chain := makeChain(50)
	bad := slices.Delete(slices.Clone(chain), 30, 31)
	for i := 30; i < len(bad); i++ {
		bad[i].Seq--
	}
	want := bad[30]
	wantErrAt(t, VerifyAll(bad), want, "previous-hash link broken")
}

// TestTruncatedTail shows the limitation: removing the last entries leaves a
// valid chain, and only an anchor notices.
func TestTruncatedTail(t *testing.T) {
	chain := makeChain(50)
	anchor := Anchor{Seq: 50, Hash: chain[49].Hash}
	for _, cut := range []int{1, 2, 10, 50} {
		t.Run(fmt.Sprint("last ", cut), func(t *testing.T) {
			short := chain[:50-cut]
			if err := VerifyAll(short); err != nil {
				t.Fatalf("the chain alone cannot tell, but it said %v", err)
			}
			err := VerifyAll(short, anchor)
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Seq != 50 || !strings.Contains(ve.Problem, "entries at the end were removed") {
				t.Fatalf("anchor check: %v", err)
			}
			if !strings.Contains(ve.Problem, fmt.Sprintf("ends at sequence %d", 50-cut)) {
				t.Fatalf("problem %q", ve.Problem)
			}
		})
	}
}

func TestSwappedEntries(t *testing.T) {
	chain := makeChain(50)
	for _, tc := range []struct {
		name string
		i, j int
	}{
		{"first two", 0, 1},
		{"adjacent middle", 20, 21},
		{"last two", 48, 49},
		{"distant", 5, 40},
		{"first and last", 0, 49},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Clone(chain)
			bad[tc.i], bad[tc.j] = bad[tc.j], bad[tc.i]
			// The first swapped position now holds chain[j].
			wantErrAt(t, VerifyAll(bad), chain[tc.j], "")
		})
	}
	// Swapped with their Seq numbers left in place (rows' contents
	// exchanged): both the link and the hash are wrong at the first.
	bad := slices.Clone(chain)
	bad[10], bad[11] = bad[11], bad[10]
	bad[10].Seq, bad[11].Seq = 11, 12
	wantErrAt(t, VerifyAll(bad), bad[10], "previous-hash link broken")
}

func TestInsertedEntries(t *testing.T) {
	chain := makeChain(50)
	forged := Entry{ID: "forged", At: base, ActorName: "mallory", Action: "person.read", Outcome: Allowed}

	insert := func(at int, e Entry) []Entry {
		return slices.Insert(slices.Clone(chain), at, e)
	}

	t.Run("naive", func(t *testing.T) {
		f := forged
		f.Seq = 21
		bad := insert(20, f)
		wantErrAt(t, VerifyAll(bad), f, "")
	})
	t.Run("own hash correct, wrong link", func(t *testing.T) {
		f := forged
		f.Seq, f.PrevHash = 21, chain[10].Hash
		f.Hash = ComputeHash(f)
		bad := insert(20, f)
		wantErrAt(t, VerifyAll(bad), f, "previous-hash link broken")
	})
	t.Run("properly chained after its predecessor", func(t *testing.T) {
		// The forged entry itself is consistent; the entry it displaced
		// now repeats a sequence number.
		f := Chain(&chain[19], forged)
		bad := insert(20, f)
		wantErrAt(t, VerifyAll(bad), chain[20], "sequence out of order: expected 22, found 21")
	})
	t.Run("chained and the rest renumbered", func(t *testing.T) {
		f := Chain(&chain[19], forged)
		bad := insert(20, f)
		for i := 21; i < len(bad); i++ {
			bad[i].Seq++
		}
		wantErrAt(t, VerifyAll(bad), bad[21], "previous-hash link broken")
	})
	t.Run("at the start", func(t *testing.T) {
		f := Chain(nil, forged)
		bad := insert(0, f)
		wantErrAt(t, VerifyAll(bad), chain[0], "sequence out of order: expected 2, found 1")
	})
}

// TestRewrittenWithRecomputedHashes: someone who knows the format rewrites
// the log from an entry on. The chain is consistent again; an anchor saved
// before the rewrite names the first anchored entry that differs.
func TestRewrittenWithRecomputedHashes(t *testing.T) {
	chain := makeChain(50)
	bad := slices.Clone(chain[:20])
	for _, e := range chain[20:] {
		if e.Seq == 25 {
			e.Reason = "rewritten"
		}
		bad = append(bad, Chain(&bad[len(bad)-1], e))
	}
	if err := VerifyAll(bad); err != nil {
		t.Fatalf("a recomputed chain is consistent: %v", err)
	}
	// An anchor before the rewrite still matches.
	if err := VerifyAll(bad, Anchor{20, chain[19].Hash}); err != nil {
		t.Fatal(err)
	}
	anchors := []Anchor{{20, chain[19].Hash}, {30, chain[29].Hash}, {50, chain[49].Hash}}
	wantErrAt(t, VerifyAll(bad, anchors...), bad[29], "differs from the anchor")

	// The head alone, checked after streaming.
	v := NewVerifier()
	for _, e := range bad {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	var ve *VerifyError
	if err := v.VerifyAgainstAnchor(Anchor{50, chain[49].Hash}); !errors.As(err, &ve) || ve.Seq != 50 {
		t.Fatalf("head anchor: %v", err)
	}
}

func TestAnchorsMisused(t *testing.T) {
	chain := makeChain(10)
	v := NewVerifier()
	for _, e := range chain {
		if err := v.Next(e); err != nil {
			t.Fatal(err)
		}
	}
	var ve *VerifyError
	if err := v.VerifyAgainstAnchor(Anchor{5, chain[4].Hash}); err == nil || errors.As(err, &ve) {
		t.Fatalf("an unregistered earlier anchor cannot be checked: %v", err)
	}
	if err := v.VerifyAgainstAnchor(Anchor{-1, Genesis}); err == nil || errors.As(err, &ve) {
		t.Fatalf("negative anchor: %v", err)
	}
	if err := v.VerifyAgainstAnchor(Anchor{0, "bad"}); !errors.As(err, &ve) {
		t.Fatalf("empty-log anchor with a wrong hash: %v", err)
	}
	if err := v.VerifyAgainstAnchor(Anchor{10, chain[9].Hash}); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateEntries(t *testing.T) {
	chain := makeChain(50)
	for _, i := range []int{0, 24, 49} {
		bad := slices.Insert(slices.Clone(chain), i+1, chain[i])
		want := fmt.Sprintf("sequence out of order: expected %d, found %d", i+2, i+1)
		wantErrAt(t, VerifyAll(bad), chain[i], want)
	}
}

func TestFirstEntry(t *testing.T) {
	chain := makeChain(3)
	bad := slices.Clone(chain)
	bad[0].PrevHash = chain[2].Hash
	bad[0].Hash = ComputeHash(bad[0])
	wantErrAt(t, VerifyAll(bad), bad[0], "genesis")
}

func TestVerifierStaysFailed(t *testing.T) {
	chain := makeChain(10)
	bad := slices.Clone(chain)
	bad[3].Action = "person.update"
	v := NewVerifier()
	var first error
	for _, e := range bad {
		if err := v.Next(e); err != nil && first == nil {
			first = err
		}
	}
	if first == nil || v.Err() != first || v.Next(chain[4]) != first {
		t.Fatalf("first %v, Err %v", first, v.Err())
	}
	if v.Count() != 3 {
		t.Fatalf("Count = %d, want 3 good entries", v.Count())
	}
	if err := v.VerifyAgainstAnchor(Anchor{10, chain[9].Hash}); err != first {
		t.Fatalf("VerifyAgainstAnchor after failure: %v", err)
	}
	wantText := fmt.Sprintf("audit: entry 4 (id %s): content was changed (hash mismatch)", bad[3].ID)
	if first.Error() != wantText {
		t.Fatalf("Error() = %q", first.Error())
	}
}

// TestChainSurvivesStorage: times come back from the database in UTC with
// microseconds; Chain has already cut them to that.
func TestChainSurvivesStorage(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600))
	e := Chain(nil, Entry{ID: "x", At: at})
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Fatalf("At = %v", e.At)
	}
	stored := e.At.Format("2006-01-02 15:04:05.000000") // the SQLite layout
	back, err := time.Parse("2006-01-02 15:04:05.000000", stored)
	if err != nil {
		t.Fatal(err)
	}
	e.At = back
	if err := VerifyAll([]Entry{e}); err != nil {
		t.Fatal(err)
	}
}

func TestSetActor(t *testing.T) {
	var e Entry
	e.SetActor(haven.Actor{UserID: "u", Username: "amy", AgencyID: "a", Role: haven.RoleAdvocate, Via: "session"})
	if e.ActorUserID != "u" || e.ActorName != "amy" || e.ActorAgencyID != "a" || e.Role != "advocate" || e.Via != "session" {
		t.Fatalf("%+v", e)
	}
	e.SetActor(haven.SystemActor("cli"))
	if e.ActorUserID != "" || e.ActorName != "cli" || e.Role != "system_admin" || e.Via != "system" {
		t.Fatalf("%+v", e)
	}
}
