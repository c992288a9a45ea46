package audit

import (
	"fmt"
)

// VerifyError names the first entry at which a chain is broken and what is
// wrong with it. Seq and ID are as stored in that entry (for a log cut short
// of an anchor, Seq is the anchor's and ID is empty).
type VerifyError struct {
	Seq     int64
	ID      string
	Problem string
}

func (e *VerifyError) Error() string {
	if e.ID == "" {
		return fmt.Sprintf("audit: entry %d: %s", e.Seq, e.Problem)
	}
	return fmt.Sprintf("audit: entry %d (id %s): %s", e.Seq, e.ID, e.Problem)
}

// Anchor is a chain head saved earlier: the Seq and Hash of what was then the
// last entry. Anchors are what detect a log whose end was cut off or that
// was rewritten with recomputed hashes; see the package documentation.
type Anchor struct {
	Seq  int64
	Hash string
}

// Verifier checks a chain one entry at a time, so that the store can stream
// a table of any length through it in ascending Seq order. The zero value is
// not ready: use NewVerifier.
type Verifier struct {
	count   int64
	seq     int64  // Seq of the last good entry; 0 before the first
	hash    string // Hash of the last good entry; Genesis before the first
	err     *VerifyError
	anchors map[int64][]string // saved hashes by Seq
	seen    map[int64]string   // the hash found at each anchored Seq
}

// NewVerifier returns a Verifier for a chain starting at Seq 1. Anchors given
// here are checked as the stream passes them, so that Next names the first
// entry that differs from one; VerifyAgainstAnchor then tells whether the
// chain reached each of them.
func NewVerifier(anchors ...Anchor) *Verifier {
	v := &Verifier{hash: Genesis, anchors: map[int64][]string{}, seen: map[int64]string{}}
	for _, a := range anchors {
		v.anchors[a.Seq] = append(v.anchors[a.Seq], a.Hash)
	}
	return v
}

// Next checks e, which must be the entry following the previous call's (or
// the first entry, on the first call). It returns nil or a *VerifyError.
// After an error the Verifier stays failed: every later call returns the
// same error, which names the first bad entry.
func (v *Verifier) Next(e Entry) error {
	if v.err != nil {
		return v.err
	}
	fail := func(format string, args ...any) error {
		v.err = &VerifyError{Seq: e.Seq, ID: e.ID, Problem: fmt.Sprintf(format, args...)}
		return v.err
	}
	// Sequence and link first: when entries are missing or out of order
	// that says more than a hash mismatch would.
	want := v.seq + 1
	switch {
	case v.count == 0 && e.Seq != 1:
		return fail("the log starts at sequence %d, not 1: its first entries were removed", e.Seq)
	case v.count == 0 && e.PrevHash != Genesis:
		return fail("the first entry's previous hash is not the genesis value: an entry before it was removed or the entry was altered")
	case e.Seq > want:
		return fail("sequence gap: expected %d, found %d: entries were removed or reordered", want, e.Seq)
	case e.Seq < want:
		return fail("sequence out of order: expected %d, found %d: the entry is a duplicate or was moved", want, e.Seq)
	case e.PrevHash != v.hash:
		return fail("previous-hash link broken: an entry before it was removed, inserted, reordered or rewritten")
	case e.Hash != ComputeHash(e):
		return fail("content was changed (hash mismatch)")
	}
	if saved, ok := v.anchors[e.Seq]; ok {
		v.seen[e.Seq] = e.Hash
		for _, h := range saved {
			if h != e.Hash {
				return fail("differs from the anchor saved for this sequence: the log was rewritten at or before this entry")
			}
		}
	}
	v.count++
	v.seq, v.hash = e.Seq, e.Hash
	return nil
}

// Count returns how many entries have been verified good.
func (v *Verifier) Count() int64 { return v.count }

// Head returns the Seq and Hash of the last good entry, (0, Genesis) before
// the first. Saved somewhere safe, it is an Anchor for later verifications.
func (v *Verifier) Head() (seq int64, hash string) { return v.seq, v.hash }

// Err returns the error Next reported, if any.
func (v *Verifier) Err() error {
	if v.err == nil {
		return nil
	}
	return v.err
}

// VerifyAgainstAnchor is called after the last entry has been passed to Next.
// It returns Next's error if there was one; otherwise a *VerifyError when the
// chain ends before a.Seq (entries at the end were removed) or its entry at
// a.Seq has another hash (the log was rewritten). An anchor at or before the
// head can be checked only if it was given to NewVerifier, or is the head
// itself: the Verifier keeps no other hashes.
func (v *Verifier) VerifyAgainstAnchor(a Anchor) error {
	if v.err != nil {
		return v.err
	}
	var got string
	h, seen := v.seen[a.Seq]
	switch {
	case a.Seq < 0:
		return fmt.Errorf("audit: anchor has a negative sequence %d", a.Seq)
	case a.Seq > v.seq:
		return &VerifyError{Seq: a.Seq, Problem: fmt.Sprintf(
			"the log ends at sequence %d but an anchor was saved at %d: entries at the end were removed", v.seq, a.Seq)}
	case a.Seq == v.seq:
		got = v.hash
	case a.Seq == 0:
		got = Genesis // the anchor of an empty log
	case seen:
		got = h
	default:
		return fmt.Errorf("audit: anchor at sequence %d was not given to NewVerifier, so its hash was not kept", a.Seq)
	}
	if got != a.Hash {
		return &VerifyError{Seq: a.Seq, Problem: "differs from the anchor saved for this sequence: the log was rewritten at or before this entry"}
	}
	return nil
}

// VerifyAll verifies a whole chain, given in ascending Seq order, and then
// each anchor. It returns nil or the first problem.
func VerifyAll(entries []Entry, anchors ...Anchor) error {
	v := NewVerifier(anchors...)
	for _, e := range entries {
		if err := v.Next(e); err != nil {
			return err
		}
	}
	for _, a := range anchors {
		if err := v.VerifyAgainstAnchor(a); err != nil {
			return err
		}
	}
	return nil
}
