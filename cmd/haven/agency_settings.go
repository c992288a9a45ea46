package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/haven-dv/haven"
)

var agencyUpdateCommand = &command{
	name:     "agency update",
	synopsis: `SLUG [--hotline-name NAME] [--hotline-phone PHONE] [--partner SLUG|""] [--consent-days DAYS] [flags]`,
	summary:  "set an agency's DV hotline, partner advocacy agency and consent length",
	about: `Changes an agency's settings: the local domestic-violence hotline its
officers call after a lethality screen-in, the partner advocacy agency
whose queue receives its high-risk results, and how many days a survivor's
consent to share lasts unless the form says otherwise. Only the settings
given change; the others stay as they are. --partner "" removes the
partner; --hotline-name "" and --hotline-phone "" clear the hotline.

The agency is named by its slug, as the first argument (or with --slug).
The partner must be an advocacy agency. The change is recorded in the audit
log. Prints the agency's settings afterwards.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var slug, hotlineName, hotlinePhone, partner string
		var consentDays int
		var operands []string
		f.String(&slug, "slug", "", "SLUG", "Slug of the agency to change; the same as giving SLUG as the argument.")
		f.String(&hotlineName, "hotline-name", "", "NAME", `Name of the local DV hotline officers call after a lethality screen-in, such as "Metro DV Hotline"; "" clears it.`)
		f.String(&hotlinePhone, "hotline-phone", "", "PHONE", `The hotline's telephone number, such as "+1 555 0100"; "" clears it.`)
		f.String(&partner, "partner", "", "SLUG", `Slug of the advocacy agency whose queue receives this agency's high-risk results; "" removes the partner.`)
		f.Int(&consentDays, "consent-days", haven.DefaultConsentDays, "DAYS",
			fmt.Sprintf("How many days a consent recorded by the agency lasts unless the form says otherwise, 1 to %d.", haven.MaxConsentDays))
		f.Operands(&operands)
		return func(ctx context.Context) error {
			switch {
			case len(operands) > 1:
				return usageErrorf("name one agency (got %d: %s)", len(operands), strings.Join(operands, ", "))
			case len(operands) == 1 && f.source("slug") == fromFlag && strings.TrimSpace(operands[0]) != strings.TrimSpace(slug):
				return usageErrorf("the agency is named twice, %q and --slug %q: give one", operands[0], slug)
			case len(operands) == 1: // the argument beats HAVEN_SLUG
				slug = operands[0]
			}
			if strings.TrimSpace(slug) == "" {
				return usageErrorf("name the agency: haven agency update SLUG (or --slug SLUG, HAVEN_SLUG)")
			}
			// Only what was given changes: a flag on the command line, or
			// its variable in the environment.
			var s haven.AgencySettings
			if f.isSet("hotline-name") {
				s.HotlineName = &hotlineName
			}
			if f.isSet("hotline-phone") {
				s.HotlinePhone = &hotlinePhone
			}
			if f.isSet("partner") {
				p := strings.TrimSpace(partner)
				s.PartnerSlug = &p
			}
			if f.isSet("consent-days") {
				s.ConsentDays = &consentDays
			}
			if s.HotlineName == nil && s.HotlinePhone == nil && s.PartnerSlug == nil && s.ConsentDays == nil {
				return usageErrorf("nothing to change: give --hotline-name, --hotline-phone, --partner or --consent-days")
			}
			db, a, err := e.openAgency(ctx, slug)
			if err != nil {
				return err
			}
			defer db.Close()
			if a, err = db.UpdateAgencySettings(ctx, a.ID, s); err != nil {
				return err
			}
			all, err := db.FindAgencies(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Updated agency %s (%s):\n", a.Slug, a.Name)
			tw := newTable(e.stdout)
			fmt.Fprintf(tw, "  hotline\t%s\n", hotlineText(a))
			fmt.Fprintf(tw, "  partner\t%s\n", partnerText(a, all, true))
			fmt.Fprintf(tw, "  consent\t%d days\n", a.ConsentDays)
			return tw.Flush()
		}
	},
}

// hotlineText shows an agency's hotline: "Name, phone", either alone, or
// "-" when none is set.
func hotlineText(a *haven.Agency) string {
	var parts []string
	for _, s := range []string{a.HotlineName, a.HotlinePhone} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// partnerText shows an agency's partner by slug (with its name when long
// is set), "-" when none is set.
func partnerText(a *haven.Agency, all []*haven.Agency, long bool) string {
	if a.PartnerAgencyID == "" {
		return "-"
	}
	for _, p := range all {
		if p.ID == a.PartnerAgencyID {
			if long {
				return fmt.Sprintf("%s (%s)", p.Slug, p.Name)
			}
			return p.Slug
		}
	}
	return a.PartnerAgencyID // not in the list: show the id rather than nothing
}

// withAgency returns ctx acting as its (system) actor working in agency a,
// so that services that work per agency (instruments, hotline) answer for a.
func withAgency(ctx context.Context, a *haven.Agency) context.Context {
	actor := haven.ActorFromContext(ctx)
	actor.AgencyID, actor.AgencySlug = a.ID, a.Slug
	return haven.NewContextWithActor(ctx, actor)
}
