package main

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/crypt"
	"github.com/haven-dv/haven/store"
)

const (
	defaultDataDir = "./haven-data"
	demoDataDir    = "./haven-demo"
)

// commonFlags are taken by every command that opens the database.
type commonFlags struct {
	data      string
	db        string
	dbFile    string
	logLevel  string
	logFormat string
	masterKey string
}

func (c *commonFlags) register(f *flagSet) {
	f.String(&c.data, "data", defaultDataDir, "DIR",
		"Data directory: the embedded SQLite database (haven.db), the master key (keys/master.key), the demo credentials and, later, attachments. Created with mode 0700 when missing. serve --demo without --data uses ./haven-demo.")
	f.String(&c.db, "db", "", "DSN",
		"Database. postgres://user:password@host:5432/dbname?sslmode=verify-full selects PostgreSQL; empty means embedded SQLite at DIR/haven.db.")
	f.String(&c.dbFile, "db-file", "", "FILE",
		"Read the --db value from this file (trailing newline ignored), so the password need not be in the environment or the process list.")
	f.String(&c.masterKey, "master-key-file", "", "FILE",
		"The master key that wraps the data keys sealing personal data. Default DIR/keys/master.key, created (mode 0600) on first start. The key itself may instead be given, base64, in HAVEN_MASTER_KEY (which wins). Every process sharing one PostgreSQL database needs the same key.")
	f.Enum(&c.logLevel, "log-level", "info", []string{"debug", "info", "warn", "error"},
		"Least severe log messages to write (to standard error).")
	f.Enum(&c.logFormat, "log-format", "json", []string{"json", "text"},
		"Log format: one JSON object a line, or key=value text for reading at a terminal.")
}

// logger writes to w at the chosen level and format. Log lines carry ids
// and counts, never names or other personal data.
func (c *commonFlags) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.logLevel)) // the flag only admits valid levels
	opts := &slog.HandlerOptions{Level: level}
	if c.logFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// dsn returns the database to use. --db and --db-file are two ways to say
// the same thing: the one from the stronger source (flag over environment)
// wins, and giving both at the same level is a mistake.
func (e *env) dsn() (string, error) {
	f, c := e.flags, &e.common
	dbSrc, fileSrc := f.source("db"), f.source("db-file")
	var dsn string
	switch {
	case dbSrc != fromDefault && dbSrc == fileSrc:
		return "", usageErrorf("give only one of --db and --db-file (%s, %s)", f.describe("db"), f.describe("db-file"))
	case fileSrc > dbSrc:
		b, err := os.ReadFile(c.dbFile)
		if err != nil {
			return "", haven.FieldErrorf(haven.EINVALID, "db-file", "cannot read the database DSN file (%s): %v", f.describe("db-file"), err)
		}
		dsn = strings.TrimSpace(string(b))
		if dsn == "" {
			return "", haven.FieldErrorf(haven.EINVALID, "db-file", "the database DSN file %s is empty", c.dbFile)
		}
	default:
		dsn = strings.TrimSpace(c.db)
	}
	if dsn != "" && !store.IsPostgres(dsn) && !strings.HasPrefix(dsn, "sqlite:") && !strings.HasPrefix(dsn, "file:") {
		return "", usageErrorf("--db %s is not supported: use postgres://… for PostgreSQL, or leave it empty for embedded SQLite", redactDSN(dsn))
	}
	return dsn, nil
}

// dataDir is --data, or ./haven-demo for a demo when --data was not given.
func (e *env) dataDir(demo bool) string {
	if demo && !e.flags.isSet("data") {
		return demoDataDir
	}
	return e.common.data
}

// openDB opens and migrates the database. adjust, when not nil, sets the
// command's own store settings; Main.StoreConfig then has the last word.
func (e *env) openDB(ctx context.Context, dataDir string, adjust func(*store.Config)) (*store.DB, error) {
	dsn, err := e.dsn()
	if err != nil {
		return nil, err
	}
	envKey, _ := e.m.lookupEnv("HAVEN_MASTER_KEY")
	mk, created, err := crypt.LoadMasterKey(crypt.MasterKeyOptions{DataDir: dataDir, EnvValue: envKey, File: e.common.masterKey})
	if err != nil {
		return nil, &haven.Error{Code: haven.EUNAVAILABLE, Field: "master-key-file",
			Message: "cannot open the master key (HAVEN_MASTER_KEY, --master-key-file or DIR/keys/master.key)", Err: err}
	}
	if created {
		e.log.Info("created a new master key", "path", crypt.MasterKeyPath(dataDir))
	}
	cfg := store.Config{DataDir: dataDir, DSN: dsn, Logger: e.log, MasterKey: mk}
	if adjust != nil {
		adjust(&cfg)
	}
	if e.m.StoreConfig != nil {
		e.m.StoreConfig(&cfg)
	}
	e.dbName = describeDB(cfg.DataDir, cfg.DSN)
	db, err := store.Open(ctx, cfg)
	if err != nil {
		if haven.ErrorCode(err) == haven.EINTERNAL {
			// store.Open's own errors are plain; say what failed.
			err = &haven.Error{Code: haven.EUNAVAILABLE, Message: "cannot open the database " + e.dbName, Err: err}
		}
		return nil, err
	}
	return db, nil
}

// describeDB names the database for messages, without its password.
func describeDB(dataDir, dsn string) string {
	switch {
	case store.IsPostgres(dsn):
		return redactDSN(dsn)
	case dsn != "":
		return strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	}
	return filepath.Join(dataDir, "haven.db")
}

// redactDSN hides a DSN's password, in the user part or the query.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable DSN, not shown)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// newTable returns a writer that aligns tab-separated columns.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// formatTime shows a stored time in UTC, minutes precision; "-" for none.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04Z")
}
