package main

import (
	"context"
	"fmt"
)

var migrateCommand = &command{
	name:    "migrate",
	summary: "apply database migrations and print the schema version",
	about: `Brings the database schema up to date and prints its version. serve does
this at every start too; run migrate on its own to upgrade a database before
starting several servers that share it. Running it again does nothing.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil) // Open migrates
			if err != nil {
				return err
			}
			defer db.Close()
			v, err := db.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Database %s is at schema version %d (%s).\n", e.dbName, v, db.Driver())
			return nil
		}
	},
}
