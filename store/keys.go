package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/crypt"
)

// keys holds the data keys (unwrapped) and the per-agency blind indexers.
// Another process may rotate keys; a value sealed under a key this process
// has not loaded makes it reload the ring once.
type keys struct {
	master  crypt.MasterKey
	mu      sync.RWMutex
	ring    *crypt.Keyring
	checked time.Time // when the current key was last compared with the database
	index   sync.Map  // agency id → *crypt.Indexer
}

// keyCheckEvery bounds how long a process goes on sealing under a key that
// another process's rotation has replaced.
const keyCheckEvery = 30 * time.Second

func (db *DB) keyring() *crypt.Keyring {
	db.keys.mu.RLock()
	defer db.keys.mu.RUnlock()
	return db.keys.ring
}

func (db *DB) indexer(agencyID string) *crypt.Indexer {
	if ix, ok := db.keys.index.Load(agencyID); ok {
		return ix.(*crypt.Indexer)
	}
	ix, _ := db.keys.index.LoadOrStore(agencyID, crypt.NewIndexer(db.keys.master, agencyID))
	return ix.(*crypt.Indexer)
}

// loadKeys reads and unwraps every data key; with none stored it creates the
// first. The newest key that is not retired is current. It reads on the
// reader pool, so it may run while the caller holds a write transaction.
func (db *DB) loadKeys(ctx context.Context) error {
	type row struct {
		id      string
		wrapped []byte
	}
	read := func() ([]row, string, error) {
		rs, err := db.read.QueryContext(ctx, `SELECT id, wrapped, retired_at FROM data_keys ORDER BY created_at, id`)
		if err != nil {
			return nil, "", dbErr(err)
		}
		defer rs.Close()
		var rows []row
		var current string
		for rs.Next() {
			var r row
			var retired nullTime
			if err := rs.Scan(&r.id, &r.wrapped, &retired); err != nil {
				return nil, "", err
			}
			rows = append(rows, r)
			if !retired.Valid {
				current = r.id
			}
		}
		return rows, current, rs.Err()
	}
	rows, current, err := read()
	if err != nil {
		return err
	}
	if current == "" {
		// A new database: make its first key (a race between two starting
		// processes makes two keys, and the newer becomes current).
		if err := db.inTx(ctx, true, func(t *tx) error { _, _, err := db.newDataKey(ctx, t); return err }); err != nil {
			return err
		}
		if rows, current, err = read(); err != nil {
			return err
		}
	}
	m := map[string][]byte{}
	for _, r := range rows {
		k, err := crypt.UnwrapDataKey(db.keys.master, r.id, r.wrapped)
		if err != nil {
			return fmt.Errorf("data key %s cannot be unwrapped: is this the master key the database was created with? %w", r.id, err)
		}
		m[r.id] = k
	}
	ring, err := crypt.NewKeyring(current, m)
	if err != nil {
		return err
	}
	db.keys.mu.Lock()
	db.keys.ring, db.keys.checked = ring, db.now()
	db.keys.mu.Unlock()
	return nil
}

func (db *DB) newDataKey(ctx context.Context, t *tx) (string, []byte, error) {
	id := "dk-" + newID()
	wrapped, err := crypt.WrapDataKey(db.keys.master, id, crypt.NewDataKey())
	if err != nil {
		return "", nil, err
	}
	_, err = t.exec(ctx, `INSERT INTO data_keys (id, wrapped, created_at) VALUES (?, ?, ?)`, id, wrapped, db.now())
	return id, wrapped, err
}

// seal seals plaintext under the current data key, bound to where it is
// stored. Every keyCheckEvery it first asks the database which key is
// current, so that a rotation run by another process is followed.
func (db *DB) seal(ctx context.Context, plaintext []byte, aad string) ([]byte, string, error) {
	if err := db.followRotation(ctx); err != nil {
		return nil, "", err
	}
	ring := db.keyring()
	b, err := ring.Seal(plaintext, []byte(aad))
	return b, ring.CurrentID(), err
}

func (db *DB) followRotation(ctx context.Context) error {
	db.keys.mu.RLock()
	fresh := db.now().Sub(db.keys.checked) < keyCheckEvery
	current := db.keys.ring.CurrentID()
	db.keys.mu.RUnlock()
	if fresh {
		return nil
	}
	var newest string
	err := db.readRow(ctx, `SELECT id FROM data_keys WHERE retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(&newest)
	if err != nil {
		return dbErr(err)
	}
	if newest != current {
		return db.loadKeys(ctx)
	}
	db.keys.mu.Lock()
	db.keys.checked = db.now()
	db.keys.mu.Unlock()
	return nil
}

// open opens a sealed value, reloading the key ring once when the value
// names a key another process created.
func (db *DB) open(ctx context.Context, sealed []byte, aad string) ([]byte, error) {
	b, err := db.keyring().Open(sealed, []byte(aad))
	if errors.Is(err, crypt.ErrUnknownKey) {
		if err := db.loadKeys(ctx); err != nil {
			return nil, err
		}
		b, err = db.keyring().Open(sealed, []byte(aad))
	}
	if err != nil {
		return nil, haven.Internal(fmt.Errorf("open sealed value (%s): %w", aad, err))
	}
	return b, nil
}

// RotationProgress reports how far a key rotation has come.
type RotationProgress struct {
	KeyID string
	Done  int
	Total int
}

// RotateKeys re-seals every sealed value under a new data key and then
// retires the old keys. It is resumable: when a rotation was interrupted
// (older keys are not yet retired), it carries on with the current key
// instead of starting another. Each batch is one transaction, so a crash
// leaves every value readable under one key or the other.
func (db *DB) RotateKeys(ctx context.Context, progress func(RotationProgress)) error {
	actor := haven.ActorFromContext(ctx)
	if actor.System == "" {
		return haven.Errorf(haven.EFORBIDDEN, "key rotation runs from the command line (haven keys rotate)")
	}
	var live int
	err := db.inTx(ctx, true, func(t *tx) error {
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM data_keys WHERE retired_at IS NULL`).Scan(&live); err != nil {
			return err
		}
		if live > 1 {
			return nil // resume: the newest is the rotation's target
		}
		_, _, err := db.newDataKey(ctx, t)
		return err
	})
	if err != nil {
		return err
	}
	if err := db.loadKeys(ctx); err != nil {
		return err
	}
	current := db.keyring().CurrentID()
	if err := db.auditNow(ctx, auditEntry(ctx, "keys.rotate", "allowed", "data_key", current, "", "system", map[string]string{"resumed": fmt.Sprint(live > 1)})); err != nil {
		return err
	}
	total := 0
	for _, rs := range db.resealers() {
		n, err := rs.count(ctx, db.readRow, current)
		if err != nil {
			return err
		}
		total += n
	}
	p := RotationProgress{KeyID: current, Total: total}
	if progress != nil {
		progress(p)
	}
	for _, rs := range db.resealers() {
		for {
			n, err := rs.batch(ctx, current, resealBatchSize)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			p.Done += n
			if progress != nil {
				progress(p)
			}
		}
	}
	if err := db.resealUserSecrets(ctx, current); err != nil {
		return err
	}
	return db.inTx(ctx, true, func(t *tx) error {
		left := 0
		for _, rs := range db.resealers() {
			n, err := rs.count(ctx, t.queryRow, current)
			if err != nil {
				return err
			}
			left += n
		}
		if left > 0 {
			return haven.Errorf(haven.ECONFLICT, "%d values were written under an old key during the rotation; run it again", left)
		}
		_, err := t.exec(ctx, `UPDATE data_keys SET retired_at = ? WHERE id <> ? AND retired_at IS NULL`, db.now(), current)
		return err
	})
}

// resealer is one kind of sealed data a rotation walks: how many values are
// left under other keys, and re-sealing a batch of them.
type resealer struct {
	count func(ctx context.Context, queryRow rowFunc, current string) (int, error)
	batch func(ctx context.Context, current string, limit int) (int, error)
}

// resealers lists every sealed kind of data; a feature that seals adds its
// pair here.
func (db *DB) resealers() []resealer {
	return []resealer{
		{countPersonSealed, db.resealBatch},
		{countIncidentSealed, db.resealIncidentBatch},
		{countEvidenceSealed, db.resealEvidenceBatch},
		// Features that keep one sealed value per column (*_keys.go).
		{riskSealed.count, riskSealed.reseal(db)},
		{consentSealed.count, consentSealed.reseal(db)},
		{countCaseSealed, db.resealCaseBatch},
		{planSealed.count, planSealed.reseal(db)},
		{referralSealed.count, referralSealed.reseal(db)},
	}
}

func countPersonSealed(ctx context.Context, queryRow rowFunc, current string) (int, error) {
	var n int
	err := queryRow(ctx, `SELECT COUNT(*) FROM persons WHERE key_id <> ?`, current).Scan(&n)
	return n, dbErr(err)
}

func (db *DB) resealBatch(ctx context.Context, current string, limit int) (int, error) {
	n := 0
	err := db.inTx(ctx, true, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, data FROM persons WHERE key_id <> ? ORDER BY id LIMIT ?`, current, limit)
		if err != nil {
			return err
		}
		type rec struct {
			id   string
			data []byte
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.data); err != nil {
				rows.Close()
				return err
			}
			recs = append(recs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range recs {
			aad := personAAD(r.id)
			plain, err := db.open(ctx, r.data, aad)
			if err != nil {
				return err
			}
			sealed, keyID, err := db.seal(ctx, plain, aad)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE persons SET data = ?, key_id = ? WHERE id = ?`, sealed, keyID, r.id); err != nil {
				return err
			}
		}
		n = len(recs)
		return nil
	})
	return n, err
}

func (db *DB) resealUserSecrets(ctx context.Context, current string) error {
	return db.inTx(ctx, true, func(t *tx) error {
		rows, err := t.query(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL`)
		if err != nil {
			return err
		}
		type rec struct {
			id     string
			secret []byte
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.secret); err != nil {
				rows.Close()
				return err
			}
			if id, err := crypt.KeyIDOf(r.secret); err != nil || id != current {
				recs = append(recs, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range recs {
			plain, err := db.open(ctx, r.secret, totpAAD(r.id))
			if err != nil {
				return err
			}
			sealed, _, err := db.seal(ctx, plain, totpAAD(r.id))
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, `UPDATE users SET totp_secret = ? WHERE id = ?`, sealed, r.id); err != nil {
				return err
			}
		}
		return nil
	})
}

// resealBatchSize is how many records one rotation transaction re-seals.
var resealBatchSize = 200

func personAAD(id string) string   { return "persons/data/" + id }
func totpAAD(userID string) string { return "users/totp_secret/" + userID }
