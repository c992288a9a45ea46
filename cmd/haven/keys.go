package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
)

var keysRotateCommand = &command{
	name:    "keys rotate",
	summary: "re-seal all personal data under a new data key and retire the old keys",
	about: `Creates a new data key, re-seals every sealed value (person records and
second-factor secrets) under it in batches, each batch one transaction, and
then retires the older data keys: they no longer seal anything new. A bar on
standard error shows the progress; the last line on standard output is
"rotated: N records re-sealed under KEYID; older keys retired".

The rotation is resumable. Interrupted — by Ctrl-C (SIGINT) or SIGTERM,
which stop it after the batch in progress, or by a crash — every record stays
readable under one key or the other, and running the command again carries
on with the same new key. A second Ctrl-C ends the command at once; that is
safe too.

Servers may keep running meanwhile. If one of them writes a record under an
old key during the rotation, the command says so: run it again.

This rotates the data keys, not the master key that wraps them (see
--master-key-file); the master key stays the same.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			return rotateKeys(ctx, e, db)
		}
	},
}

func rotateKeys(ctx context.Context, e *env, db *store.DB) error {
	// The first SIGINT or SIGTERM cancels sig. The rotation itself runs
	// under a context of its own that is cancelled only between batches,
	// when progress is reported, so the batch in progress commits.
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	rotCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()

	bar := newProgress(e.stderr)
	var last store.RotationProgress
	interrupted := false
	err := db.RotateKeys(rotCtx, func(p store.RotationProgress) {
		last = p
		bar.bar(p.Done, p.Total, "re-sealed under "+p.KeyID)
		if sig.Err() != nil && !interrupted {
			interrupted = true
			stop()   // a second signal ends the process at once
			cancel() // the next batch does not start
		}
	})
	bar.end()
	if err != nil && interrupted {
		return haven.Errorf(haven.EUNAVAILABLE,
			"key rotation interrupted after re-sealing %d of %d records under %s; every record is still readable. "+
				"Run 'haven keys rotate' again to resume it", last.Done, last.Total, last.KeyID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rotated: %d records re-sealed under %s; older keys retired\n", last.Done, last.KeyID)
	return nil
}
