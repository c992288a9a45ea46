package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/haven-dv/haven"
)

var agencyCreateCommand = &command{
	name:     "agency create",
	synopsis: "--slug SLUG --name NAME --kind KIND [--tz ZONE] [--require-mfa=false] [flags]",
	summary:  "add an agency (police department, advocacy programme, shelter, …)",
	about: `Adds an agency taking part in the coordinated response. The slug is its
short, stable name in URLs and commands (metro-pd); it cannot be changed.

Its staff in roles that see personal data must use a second factor (an
authenticator app) unless --require-mfa=false; 'haven agency set-mfa'
changes this later.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var slug, name, kind, tz string
		var requireMFA bool
		f.String(&slug, "slug", "", "SLUG", "Short, stable, URL-safe name: lowercase letters, digits and hyphens, at most 40 (required).")
		f.String(&name, "name", "", "NAME", "Full name, as people know the agency (required).")
		f.String(&kind, "kind", "", "KIND", "What the agency does: "+kindList()+" (required).")
		f.String(&tz, "tz", "UTC", "ZONE", "IANA time zone that the agency's times are shown in, such as America/Chicago.")
		f.Bool(&requireMFA, "require-mfa", true, "Staff in roles that see personal data must complete a second factor (TOTP) after their password. --require-mfa=false makes it optional.")
		return func(ctx context.Context) error {
			if err := f.required("slug", "name", "kind"); err != nil {
				return err
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			a := &haven.Agency{Slug: slug, Name: name, Kind: haven.AgencyKind(strings.TrimSpace(kind)), TimeZone: tz, RequireMFA: requireMFA}
			if err := db.CreateAgency(ctx, a); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created agency %s (%s, %s, second factor %s): %s\n", a.Slug, a.Kind, a.TimeZone, mfaStatus(a), a.Name)
			return nil
		}
	},
}

var agencyListCommand = &command{
	name:    "agency list",
	summary: "list the agencies",
	about: `Lists every agency: slug, kind, time zone, whether its staff must use a
second factor (MFA: required or optional), its partner advocacy agency and
DV hotline ('haven agency update' sets them; "-" when not set) and name,
ordered by name.`,
	common: true,
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
			fmt.Fprintln(tw, "SLUG\tKIND\tTIME ZONE\tMFA\tPARTNER\tHOTLINE\tNAME")
			for _, a := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Slug, a.Kind, a.TimeZone, mfaStatus(a),
					partnerText(a, all, false), hotlineText(a), a.Name)
			}
			return tw.Flush()
		}
	},
}

var agencySetMFACommand = &command{
	name:     "agency set-mfa",
	synopsis: "--slug SLUG --on=true|false [flags]",
	summary:  "require a second factor of an agency's staff, or make it optional",
	about: `Turns an agency's second-factor requirement on or off. When it is on,
staff in roles that see personal data (officer, supervisor, advocate,
shelter_staff) must complete a second factor (an authenticator app) after
their password before they see any. The change applies at once, also to
sessions already signed in, and is recorded in the audit log.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var slug string
		var on bool
		f.String(&slug, "slug", "", "SLUG", "Slug of the agency (required).")
		f.Bool(&on, "on", false, "--on (or --on=true) requires a second factor; --on=false makes it optional (required, either way).")
		return func(ctx context.Context) error {
			if err := f.required("slug"); err != nil {
				return err
			}
			if !f.isSet("on") {
				return usageErrorf("--on is required: --on=true to require a second factor, --on=false to make it optional (or set HAVEN_ON)")
			}
			db, a, err := e.openAgency(ctx, slug)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.SetRequireMFA(ctx, a.ID, on); err != nil {
				return err
			}
			a.RequireMFA = on
			fmt.Fprintf(e.stdout, "Agency %s: second factor %s.\n", a.Slug, mfaStatus(a))
			return nil
		}
	},
}

// mfaStatus says whether an agency's staff must use a second factor.
func mfaStatus(a *haven.Agency) string {
	if a.RequireMFA {
		return "required"
	}
	return "optional"
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
