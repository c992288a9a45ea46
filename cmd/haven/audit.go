package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
)

var auditVerifyCommand = &command{
	name:     "audit verify",
	synopsis: "[--anchor 'SEQ HASH'] [flags]",
	summary:  "check that the audit log was not changed, cut or reordered",
	about: `Reads the whole audit log in order and checks its hash chain: every entry's
hash must match its content and name the entry before it, sequence numbers
must run 1, 2, 3, … without gaps, and the last entry must be the head the
database recorded. Editing, removing, inserting or swapping any entry breaks
the chain at the first entry after the change.

Prints "audit log intact: N entries, head SEQ HASH" and exits 0, or prints
"audit log TAMPERED: entry SEQ (id ID): PROBLEM", naming the first bad entry,
and exits 1. Progress is written to standard error every 10,000 entries.

Someone who can write the database and knows the format could rewrite the
log and recompute every hash after the change. Save 'haven audit head'
regularly somewhere they cannot reach, and give a saved head with --anchor:
the log must still hold that entry, unchanged.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var anchor anchorValue
		f.Var(&anchor, "anchor", "'SEQ HASH'",
			"A head saved earlier with 'haven audit head' (SEQ and HASH separated by a space or a colon). The log must reach that sequence number with that hash; otherwise it was cut short or rewritten.")
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			return verifyAudit(ctx, e, db, anchor)
		}
	},
}

func verifyAudit(ctx context.Context, e *env, db *store.DB, anchor anchorValue) error {
	n, err := verifyChain(ctx, e, db)
	var ve *audit.VerifyError
	switch {
	case errors.As(err, &ve):
		return tampered(e, ve)
	case errors.Is(err, sql.ErrNoRows):
		// The migrations create the head row; only someone editing the
		// tables removes it.
		fmt.Fprintln(e.stdout, "audit log TAMPERED: its recorded head (the row of table audit_head) is missing")
		return haven.Errorf(haven.ECONFLICT, "the audit log failed verification: its recorded head is missing")
	case isHavenError(err):
		return err // the database failed, or the log kept growing; not the log's fault
	case err != nil:
		// A row that cannot even be read as an entry (a time that is not
		// a time, details that are not JSON) is as untrustworthy as one
		// with a wrong hash. The n entries before it verified, so it is
		// entry n+1.
		return tampered(e, &audit.VerifyError{Seq: n + 1, Problem: "cannot be read as an audit entry: " + err.Error()})
	}
	// The head printed is the last entry verified, not the recorded head
	// read afresh, which servers may have moved on since.
	seq, hash := int64(0), audit.Genesis
	if n > 0 {
		last, err := db.FindAudit(ctx, audit.Filter{BeforeSeq: n + 1, Limit: 1})
		if err != nil {
			return err
		}
		if len(last) == 0 || last[0].Seq != n {
			return haven.Errorf(haven.ECONFLICT, "the audit log changed while it was being verified (entry %d); run 'haven audit verify' again", n)
		}
		seq, hash = last[0].Seq, last[0].Hash
	}
	if anchor.set {
		if ve, err := checkAnchor(ctx, db, anchor.a, seq); err != nil {
			return err
		} else if ve != nil {
			return tampered(e, ve)
		}
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries, head %d %s\n", n, seq, hash)
	if anchor.set {
		fmt.Fprintf(e.stdout, "anchor %d %s matches\n", anchor.a.Seq, anchor.a.Hash)
	}
	return nil
}

// verifyChain runs the store's verification with progress on standard
// error. store.VerifyAudit reads the recorded head before it streams the
// entries; when a server appends in between, it checks the head against
// entries it did not keep and fails with a plain error that is no sign of
// tampering. That is retried a few times, then reported as a busy log.
func verifyChain(ctx context.Context, e *env, db *store.DB) (int64, error) {
	for attempt := 1; ; attempt++ {
		bar := newProgress(e.stderr)
		n, err := db.VerifyAudit(ctx, func(n int64) { bar.count("verified %d entries", n) })
		bar.end()
		var ve *audit.VerifyError
		if err == nil || errors.As(err, &ve) || isHavenError(err) || !strings.Contains(err.Error(), "was not given to NewVerifier") {
			return n, err
		}
		if attempt == 5 {
			return n, &haven.Error{Code: haven.EUNAVAILABLE, Err: err,
				Message: "the audit log kept growing while it was being verified; run 'haven audit verify' again when it is quieter"}
		}
	}
}

// isHavenError reports whether err is (or wraps) Haven's own error type.
func isHavenError(err error) bool {
	var he *haven.Error
	return errors.As(err, &he)
}

// tampered prints the verdict on standard output and returns the error
// that makes the command exit 1.
func tampered(e *env, ve *audit.VerifyError) error {
	where := fmt.Sprintf("entry %d", ve.Seq)
	if ve.ID != "" {
		where += fmt.Sprintf(" (id %s)", ve.ID)
	}
	fmt.Fprintf(e.stdout, "audit log TAMPERED: %s: %s\n", where, ve.Problem)
	return haven.Errorf(haven.ECONFLICT, "the audit log failed verification at entry %d; entries from there on cannot be trusted", ve.Seq)
}

// checkAnchor compares a saved head with the verified log, whose last
// entry is headSeq. Because the chain is intact, the stored hash of the
// entry at the anchor's sequence is the hash of its content.
func checkAnchor(ctx context.Context, db *store.DB, a audit.Anchor, headSeq int64) (*audit.VerifyError, error) {
	switch {
	case a.Seq > headSeq:
		return &audit.VerifyError{Seq: a.Seq, Problem: fmt.Sprintf(
			"the log ends at sequence %d but the anchor was saved at %d: entries at the end were removed, or the log was replaced", headSeq, a.Seq)}, nil
	case a.Seq == 0:
		if a.Hash != audit.Genesis {
			return &audit.VerifyError{Seq: 0, Problem: "an anchor at sequence 0 must be the genesis hash (64 zeros)"}, nil
		}
		return nil, nil
	}
	found, err := db.FindAudit(ctx, audit.Filter{BeforeSeq: a.Seq + 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 || found[0].Seq != a.Seq {
		return &audit.VerifyError{Seq: a.Seq, Problem: "the entry at the anchor's sequence is missing"}, nil
	}
	if found[0].Hash != a.Hash {
		return &audit.VerifyError{Seq: a.Seq, ID: found[0].ID,
			Problem: "differs from the anchor saved for this sequence: the log was rewritten at or before this entry"}, nil
	}
	return nil, nil
}

var auditHeadCommand = &command{
	name:    "audit head",
	summary: "print the audit log's last sequence number and hash, to save as an anchor",
	about: `Prints the audit log's head on one line: the sequence number of the last
entry and its hash, "SEQ HASH". Save it regularly somewhere that whoever
can write the database cannot also change (another machine, the service
log, a printed report); 'haven audit verify --anchor "SEQ HASH"' then
proves that the log still holds that entry, unchanged, and everything
before it:

  haven audit head >> /srv/elsewhere/haven-anchors
  haven audit verify --anchor "$(tail -n 1 /srv/elsewhere/haven-anchors)"

An empty log prints 0 and the genesis hash (64 zeros).`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			seq, hash, err := db.AuditHead(ctx)
			if err != nil {
				return err
			}
			if hash == "" {
				return haven.Errorf(haven.ECONFLICT, "the audit log has no recorded head (the row of table audit_head is missing); run 'haven audit verify'")
			}
			fmt.Fprintf(e.stdout, "%d %s\n", seq, hash)
			return nil
		}
	},
}

// anchorValue is --anchor: "SEQ HASH" as 'haven audit head' prints it, or
// "SEQ:HASH".
type anchorValue struct {
	set bool
	a   audit.Anchor
}

var hashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (v *anchorValue) Set(s string) error {
	fields := strings.FieldsFunc(strings.TrimSpace(s), func(r rune) bool { return r == ':' || r == ' ' || r == '\t' })
	if len(fields) != 2 {
		return errors.New("want SEQ HASH, as 'haven audit head' prints it")
	}
	seq, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || seq < 0 {
		return errors.New("want SEQ HASH with SEQ a whole number, as 'haven audit head' prints it")
	}
	hash := strings.ToLower(fields[1])
	if !hashRE.MatchString(hash) {
		return errors.New("want SEQ HASH with HASH 64 hexadecimal digits, as 'haven audit head' prints it")
	}
	*v = anchorValue{set: true, a: audit.Anchor{Seq: seq, Hash: hash}}
	return nil
}

func (v *anchorValue) String() string {
	if v == nil || !v.set {
		return ""
	}
	return fmt.Sprintf("%d %s", v.a.Seq, v.a.Hash)
}
