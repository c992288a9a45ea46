// Package audit defines Haven's tamper-evident log: the format of one entry,
// how it is hashed, how entries are chained, and how a chain is verified. It
// is pure — no I/O, no database; the store persists entries in a table, calls
// Chain to append (inside the same transaction as the data it records) and
// streams the table through a Verifier to check it.
//
// # The chain
//
// Every entry carries a sequence number (Seq, 1, 2, 3, … with no gaps), the
// hash of the entry before it (PrevHash; Genesis for entry 1) and its own
// Hash, the hex SHA-256 of its canonical encoding (see Canonical), which
// covers every field except Hash itself, PrevHash and Seq included. So:
//
//   - editing any field of an entry breaks that entry's own hash;
//   - removing, inserting or reordering entries breaks a PrevHash link or the
//     sequence, at the first entry after the change;
//   - removing the first entries shows as a first entry whose Seq is not 1.
//
// A Verifier reports the first entry at which the chain breaks.
//
// # What the chain alone cannot show
//
// Removing the last entry (or the last several) leaves a shorter chain that is
// still perfectly consistent. And because the hash is unkeyed, someone who can
// write the table and knows this format can rewrite an entry and recompute the
// hashes of everything after it. Both are caught only by comparing with an
// Anchor — a (Seq, Hash) head saved earlier, somewhere the same person cannot
// also rewrite (another database, the service log, a printed report, a
// partner agency). The store should save Verifier.Head (or the Hash of the
// entry it just appended) periodically, and pass saved anchors to NewVerifier
// or VerifyAll: a chain that is shorter than an anchor, or whose entry at the
// anchor's Seq has another hash, is reported.
//
// # Privacy
//
// Entries name who did what to which record, on what basis; they never hold a
// survivor's personal data (no names, addresses or narratives — not in Reason
// and not in Details), because the log is kept longer and shown more widely
// than the records themselves.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/haven-dv/haven"
)

// Outcomes of an audited action.
const (
	Allowed = "allowed" // the action was permitted and done
	Denied  = "denied"  // the access policy refused it
	Failed  = "failed"  // it was attempted and failed (a wrong password, say)
)

// Genesis is the PrevHash of the first entry (Seq 1): 64 zeros, the width of
// a hex SHA-256, so that every PrevHash has the same shape.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// FormatVersion names the canonical encoding below. It is the first item of
// every encoding, so that a future format can never produce the same bytes
// as this one.
const FormatVersion = "haven-audit-v1"

// Entry is one line of the audit log.
type Entry struct {
	Seq int64     // 1, 2, 3, … with no gaps
	ID  string    // time-ordered UUID
	At  time.Time // when; UTC, microsecond precision (see Chain)

	ActorUserID   string // empty for system actors
	ActorName     string // the username, or the system actor's name ("cli")
	ActorAgencyID string
	Role          string
	Via           string // "session", "token", "system"

	Action  string // "person.read", "person.create", "login.failed", "access.denied", "breakglass.open", …
	Outcome string // Allowed, Denied or Failed

	RecordType     string // "person", "incident", … ; empty for actions on no record
	RecordID       string
	RecordAgencyID string // the agency that owns the record

	Basis  string // "own_agency", "consent:<id>", "break_glass:<id>", …
	Reason string // a break-glass reason and the like; never a survivor's personal data

	RequestID string
	ClientIP  string

	// Details holds further facts as text. nil and empty encode alike.
	Details map[string]string

	PrevHash string // Hash of the entry before, or Genesis
	Hash     string // ComputeHash of this entry
}

// SetActor fills the actor fields from a.
func (e *Entry) SetActor(a haven.Actor) {
	e.ActorUserID = a.UserID
	e.ActorName = a.Username
	if a.System != "" {
		e.ActorName = a.System
	}
	e.ActorAgencyID = a.AgencyID
	e.Role = string(a.Role)
	e.Via = a.Via
}

// canonicalTime is RFC 3339 in UTC with exactly nine fractional digits:
// fixed width, so a time has one spelling (RFC3339Nano would drop trailing
// zeros, which is also deterministic but less obvious to reimplement).
const canonicalTime = "2006-01-02T15:04:05.000000000Z07:00"

// Canonical returns the bytes that are hashed for e: every field except
// Hash, in a fixed order, each as a netstring — the decimal byte length, a
// colon, the bytes, a comma ("5:hello,"). Explicit lengths make the encoding
// unambiguous for any content (commas, colons, newlines, invalid UTF-8), and
// it uses nothing whose output could change between Go versions: only
// strconv's decimal integers, the time layout above and byte copying.
//
// The order is: FormatVersion, Seq (decimal), ID, At, ActorUserID,
// ActorName, ActorAgencyID, Role, Via, Action, Outcome, RecordType,
// RecordID, RecordAgencyID, Basis, Reason, RequestID, ClientIP, the number
// of Details (decimal) followed by each key and value with keys in
// ascending byte order, and PrevHash.
//
// This format is frozen: changing it would make every stored hash fail.
func Canonical(e Entry) []byte {
	b := make([]byte, 0, 512)
	b = netstring(b, FormatVersion)
	b = netstring(b, strconv.FormatInt(e.Seq, 10))
	b = netstring(b, e.ID)
	b = netstring(b, e.At.UTC().Format(canonicalTime))
	for _, s := range [...]string{
		e.ActorUserID, e.ActorName, e.ActorAgencyID, e.Role, e.Via,
		e.Action, e.Outcome,
		e.RecordType, e.RecordID, e.RecordAgencyID,
		e.Basis, e.Reason,
		e.RequestID, e.ClientIP,
	} {
		b = netstring(b, s)
	}
	// Map iteration order is random: sort the keys.
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = netstring(b, strconv.Itoa(len(keys)))
	for _, k := range keys {
		b = netstring(b, k)
		b = netstring(b, e.Details[k])
	}
	b = netstring(b, e.PrevHash)
	return b
}

func netstring(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, ',')
}

// ComputeHash returns the lower-case hex SHA-256 of Canonical(e).
func ComputeHash(e Entry) string {
	sum := sha256.Sum256(Canonical(e))
	return hex.EncodeToString(sum[:])
}

// Chain links e after prev (nil when e is the first entry) and returns it
// with Seq, PrevHash and Hash set. It also normalises At to UTC truncated to
// the microsecond — the precision both databases keep — so the hash still
// matches after the entry has been stored and read back.
//
// The store must call Chain with the current last entry inside the
// transaction that inserts e, and the Seq column must be unique, so that two
// writers can never both append after the same entry.
func Chain(prev *Entry, e Entry) Entry {
	if prev == nil {
		e.Seq, e.PrevHash = 1, Genesis
	} else {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = ComputeHash(e)
	return e
}
