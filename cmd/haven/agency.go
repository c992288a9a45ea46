package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/haven-dv/haven"
)

var agencyCreateCommand = &command{
	name:     "agency create",
	synopsis: "--slug SLUG --name NAME --kind KIND [--tz ZONE] [flags]",
	summary:  "add an agency (police department, advocacy programme, shelter, …)",
	about: `Adds an agency taking part in the coordinated response. The slug is its
short, stable name in URLs and commands (metro-pd); it cannot be changed.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var slug, name, kind, tz string
		f.String(&slug, "slug", "", "SLUG", "Short, stable, URL-safe name: lowercase letters, digits and hyphens, at most 40 (required).")
		f.String(&name, "name", "", "NAME", "Full name, as people know the agency (required).")
		f.String(&kind, "kind", "", "KIND", "What the agency does: "+kindList()+" (required).")
		f.String(&tz, "tz", "UTC", "ZONE", "IANA time zone that the agency's times are shown in, such as America/Chicago.")
		return func(ctx context.Context) error {
			if err := f.required("slug", "name", "kind"); err != nil {
				return err
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			a := &haven.Agency{Slug: slug, Name: name, Kind: haven.AgencyKind(strings.TrimSpace(kind)), TimeZone: tz}
			if err := db.CreateAgency(ctx, a); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created agency %s (%s, %s): %s\n", a.Slug, a.Kind, a.TimeZone, a.Name)
			return nil
		}
	},
}

var agencyListCommand = &command{
	name:    "agency list",
	summary: "list the agencies",
	about:   `Lists every agency: slug, kind, time zone and name, ordered by name.`,
	common:  true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			all, err := db.FindAgencies(ctx)
			if err != nil {
				return err
			}
			tw := newTable(e.stdout)
			fmt.Fprintln(tw, "SLUG\tKIND\tTIME ZONE\tNAME")
			for _, a := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.Slug, a.Kind, a.TimeZone, a.Name)
			}
			return tw.Flush()
		}
	},
}

func kindList() string {
	var s []string
	for _, k := range haven.AgencyKinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

func roleList() string {
	var s []string
	for _, r := range haven.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}
