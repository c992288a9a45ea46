// Package store implements Haven's services on database/sql, for embedded
// SQLite and for PostgreSQL, with one set of portable SQL. The few dialect
// differences (placeholders, column types, time values, locking) live in
// dialect.go. Every method reads the Actor from the context and asks the
// access policy inside its transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/risk"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// Config says where the database is and how accounts behave. Zero values
// take the documented defaults (see Defaults).
type Config struct {
	// DataDir holds haven.db (SQLite), keys and attachments.
	DataDir string
	// DSN selects PostgreSQL when it starts with postgres:// or postgresql://.
	DSN string

	// MasterKey wraps the data keys that seal personal data (crypt.LoadMasterKey).
	MasterKey crypt.MasterKey
	// BreakGlassTTL is how long an emergency opening lasts.
	BreakGlassTTL time.Duration

	// Instruments are the risk instruments every agency uses; nil means
	// the built-in ones (risk.Builtin). Open adds the definitions found in
	// DataDir/instruments/*.json (every agency) and
	// DataDir/instruments/<agency-slug>/*.json (that agency only).
	Instruments *risk.Set

	PasswordParams   auth.Params
	SessionIdle      time.Duration // a session unused this long ends
	SessionMax       time.Duration // a session ends this long after login, used or not
	LoginMaxFailures int           // failures within LockoutWindow that lock an account name
	LockoutWindow    time.Duration
	LoginIPLimit     int // failed logins per minute from one address before 429

	ShelterStaleAfter time.Duration // a shelter availability entry older than this shows as stale; 0 means 12 h (docs/SHELTERS.md)

	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults fills in zero fields.
func (c *Config) Defaults() {
	if c.DataDir == "" {
		c.DataDir = "haven-data"
	}
	if c.PasswordParams == (auth.Params{}) {
		c.PasswordParams = auth.DefaultParams
	}
	if c.SessionIdle == 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax == 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.LoginMaxFailures == 0 {
		c.LoginMaxFailures = 5
	}
	if c.LockoutWindow == 0 {
		c.LockoutWindow = 15 * time.Minute
	}
	if c.LoginIPLimit == 0 {
		c.LoginIPLimit = 20
	}
	if c.BreakGlassTTL == 0 {
		c.BreakGlassTTL = 60 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// DB is the open database: a writer and a reader pool (the same pool on
// PostgreSQL; on SQLite one writer connection, as SQLite allows one writer).
type DB struct {
	cfg     Config
	dialect dialect
	write   *sql.DB
	read    *sql.DB

	keys keys

	instruments instrumentSets

	auditQ chan auditReq
	stop   chan struct{}
	wg     sync.WaitGroup

	closeOnce sync.Once

	dummyOnce sync.Once
	dummy     string
}

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating when needed) the database and applies migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	cfg.Defaults()
	if cfg.MasterKey == (crypt.MasterKey{}) {
		return nil, errors.New("store: no master key: load one with crypt.LoadMasterKey")
	}
	db := &DB{cfg: cfg, auditQ: make(chan auditReq), stop: make(chan struct{})}
	if err := db.loadInstruments(); err != nil {
		return nil, err
	}
	db.keys.master = cfg.MasterKey
	db.wg.Add(1)
	go db.auditWriter()
	switch {
	case IsPostgres(cfg.DSN):
		db.dialect = postgres
		pool, err := sql.Open("pgx", cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		pool.SetMaxOpenConns(20)
		pool.SetMaxIdleConns(5)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	case cfg.DSN == "" || strings.HasPrefix(cfg.DSN, "sqlite:") || strings.HasPrefix(cfg.DSN, "file:"):
		db.dialect = sqlite
		path := filepath.Join(cfg.DataDir, "haven.db")
		if p := strings.TrimPrefix(strings.TrimPrefix(cfg.DSN, "sqlite:"), "file:"); p != "" {
			path = p
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		// The database will hold sealed personal data: readable by Haven's
		// user only. SQLite gives its -wal and -shm files the same mode.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create database file: %w", err)
		}
		f.Close()
		if db.write, err = openSQLite(path, 1); err != nil {
			return nil, err
		}
		if db.read, err = openSQLite(path, 8); err != nil {
			db.write.Close()
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unsupported --db %q: use postgres://… or leave it empty for embedded SQLite", redactDSN(cfg.DSN))
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.loadKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string, conns int) (*sql.DB, error) {
	// busy_timeout first so that the other pragmas wait rather than fail.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate") // writers take the lock at BEGIN, never mid-transaction
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(0)
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { close(db.stop) })
	db.wg.Wait()
	var err error
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.write != nil {
		err = errors.Join(err, db.write.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.read.PingContext(ctx); err != nil {
		return &haven.Error{Code: haven.EUNAVAILABLE, Message: "database not reachable", Err: err}
	}
	return nil
}

// Analyze refreshes the query planner's statistics. PostgreSQL's
// autovacuum does this on its own schedule; after a bulk load (an import, a
// benchmark's setup) the planner otherwise works from an empty table's
// statistics and may scan where it should seek.
func (db *DB) Analyze(ctx context.Context) error {
	q := "ANALYZE"
	if db.dialect.name == "sqlite" {
		q = "PRAGMA optimize"
	}
	_, err := db.write.ExecContext(ctx, q)
	return dbErr(err)
}

// Driver names the database in use: "sqlite" or "postgres".
func (db *DB) Driver() string { return db.dialect.name }

func (db *DB) now() time.Time { return db.cfg.Now().UTC() }

// Now is the store's clock (Config.Now), for callers that date what they
// record by it, such as the demo loader.
func (db *DB) Now() time.Time { return db.now() }

// tx is a transaction with the dialect's rebinding.
type tx struct {
	*sql.Tx
	d dialect
	// raw, when not nil, runs f with the driver's own connection that
	// the transaction is on (inRawTx), for what database/sql cannot say:
	// PostgreSQL's COPY.
	raw func(f func(driverConn any) error) error
}

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.ExecContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.QueryRowContext(ctx, t.d.rebind(q), t.d.args(args)...)
}

// queryAll runs q in t and scans every row with scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// readRow runs one read statement on the reader pool; a single statement
// needs no explicit transaction, which saves PostgreSQL two round trips.
func (db *DB) readRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.dialect.rebind(q), db.dialect.args(args)...)
}

// inTx runs fn in a transaction: writable ones on the writer, read-only ones
// on the reader pool. It commits when fn returns nil and rolls back otherwise.
func (db *DB) inTx(ctx context.Context, writable bool, fn func(*tx) error) error {
	pool := db.read
	var opts *sql.TxOptions
	if writable {
		pool = db.write
	} else if db.dialect.name == "postgres" {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return dbErr(err)
	}
	return finishTx(&tx{Tx: sqlTx, d: db.dialect}, fn)
}

// finishTx runs fn in t, then commits, or rolls back when fn fails.
func finishTx(t *tx, fn func(*tx) error) error {
	if err := fn(t); err != nil {
		_ = t.Rollback()
		return dbErr(err)
	}
	if err := t.Commit(); err != nil {
		return dbErr(err)
	}
	return nil
}

// inRawTx is inTx for a write that needs the driver's connection under
// the transaction (t.raw): on PostgreSQL it begins the transaction on a
// connection of its own, whose pgx connection a COPY then uses inside the
// same transaction. Elsewhere it is inTx, and t.raw is nil.
func (db *DB) inRawTx(ctx context.Context, fn func(*tx) error) error {
	if db.dialect.name != "postgres" {
		return db.inTx(ctx, true, fn)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return dbErr(err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(err)
	}
	return finishTx(&tx{Tx: sqlTx, d: db.dialect, raw: conn.Raw}, fn)
}

// dbErr turns driver errors into Haven errors: ours pass through, unique
// violations become conflicts, an unreachable database is "unavailable".
func dbErr(err error) error {
	var he *haven.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &he):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &haven.Error{Code: haven.EUNAVAILABLE, Message: "the request was cancelled or timed out", Err: err}
	case isUniqueViolation(err):
		return &haven.Error{Code: haven.ECONFLICT, Message: "that already exists", Err: err}
	case isBadText(err):
		// PostgreSQL refuses NUL bytes and invalid UTF-8 in text; that is
		// the caller's input, not a fault of ours.
		return &haven.Error{Code: haven.EBADREQUEST, Message: "the request contains bytes that are not valid text (a NUL byte or invalid UTF-8)", Err: err}
	}
	return haven.Internal(err)
}

func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

func isBadText(err error) bool {
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 22021") || strings.Contains(s, "SQLSTATE 22P05") ||
		strings.Contains(s, "invalid byte sequence for encoding")
}

func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}
