package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/haven-dv/haven/store"
)

var configCommand = &command{
	name:     "config",
	synopsis: "[serve's flags]",
	summary:  "print the effective configuration of serve, passwords hidden",
	about: `Prints the configuration serve would run with, given the same flags and
environment: every setting, its value and where the value came from (default,
env HAVEN_…, or flag), and what follows from them. The database password is
hidden. Values are checked as serve checks them, so config also validates a
configuration without starting a server. It does not open the database.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		s := new(serveFlags)
		s.register(f)
		return func(ctx context.Context) error {
			if err := s.validate(f); err != nil {
				return err
			}
			dsn, err := e.dsn()
			if err != nil {
				return err
			}
			tw := newTable(e.stdout)
			fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE")
			for _, d := range f.defs {
				v := d.value.String()
				if d.name == "db" {
					v = redactDSN(v)
				}
				if v == "" {
					v = "(none)"
				}
				fmt.Fprintf(tw, "--%s\t%s\t%s\n", d.name, v, f.describe(d.name))
			}
			tw.Flush()

			dataDir := e.dataDir(s.demo)
			database := "embedded SQLite at " + filepath.Join(dataDir, "haven.db")
			if store.IsPostgres(dsn) {
				database = "PostgreSQL " + redactDSN(dsn)
			} else if dsn != "" {
				database = "SQLite at " + describeDB(dataDir, dsn)
			}
			secure := fmt.Sprint(s.secureCookies.resolve(s.tls()))
			switch {
			case s.secureCookies.set:
			case s.tls():
				secure += " (auto: serving TLS)"
			default:
				secure += " (auto: not serving TLS)"
			}
			fmt.Fprintln(e.stdout)
			tw = newTable(e.stdout)
			fmt.Fprintf(tw, "data directory\t%s\n", dataDir)
			fmt.Fprintf(tw, "database\t%s\n", database)
			fmt.Fprintf(tw, "URL\t%s\n", listenURL(s.addr, s.tls()))
			fmt.Fprintf(tw, "secure cookies\t%s\n", secure)
			return tw.Flush()
		}
	},
}
