package demo

import (
	"context"
	"fmt"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// seedConsentReferral records, as the demo officer, Marisol's written
// consent to share her contact details, the report and the risk results
// with the partner advocacy agency for 90 days, and an urgent housing
// referral to it under that consent. The advocate then finds the referral
// waiting, with her name shown under the consent, and can accept it and
// open a case in one step.
//
// Like the assessments, it asks the audit log what the demo officer
// already did, so a re-run writes nothing and an interrupted run is
// completed. The consent is dated from the load, so the demo's grant is in
// force for the 90 days after a first start.
func seedConsentReferral(ctx context.Context, s *Seed) error {
	ag, ok := s.Agencies[MarkerAgency]
	if !ok {
		return fmt.Errorf("consent: no %s agency", MarkerAgency)
	}
	officer, ok := s.Users[DemoOfficer]
	if !ok {
		return fmt.Errorf("consent: no %s user", DemoOfficer)
	}
	done := func(action string) (string, error) {
		entries, err := s.DB.FindAudit(ctx, audit.Filter{UserID: officer.ID, Action: action, Limit: 1000})
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			if e.Outcome == audit.Allowed && e.Via == "system" && e.ActorUserID == officer.ID {
				return e.Details["consent_id"], nil
			}
		}
		return "", nil
	}
	consentID, err := done("consent.record")
	if err != nil {
		return err
	}
	referred, err := done("referral.create")
	if err != nil {
		return err
	}
	if consentID != "" && referred != "" {
		return nil
	}

	actor := haven.ActorFromContext(ctx)
	actor.AgencyID, actor.AgencySlug = ag.ID, ag.Slug
	victim, err := personID(haven.NewContextWithActor(ctx, actor), s, "Marisol Quillfeather", "1991-03-14")
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	octx := haven.NewContextWithActor(ctx, haven.Actor{UserID: officer.ID, Username: officer.Username,
		AgencyID: ag.ID, AgencySlug: ag.Slug, Role: officer.Role, Via: "system"})
	if consentID == "" {
		expires := s.DB.Now().AddDate(0, 0, haven.DefaultConsentDays)
		c, err := s.DB.RecordConsent(octx, haven.ConsentInput{PersonID: victim, RecipientAgencies: []string{PartnerAgency},
			Scopes:  []string{haven.ScopeContact, haven.ScopeIncident, haven.ScopeRisk},
			Purpose: "So the advocate can help her find a safe place to stay and support her at court.",
			Method:  haven.ConsentWritten, ExpiresAt: &expires})
		if err != nil {
			return fmt.Errorf("consent: %w", err)
		}
		consentID = c.ID
		s.Created()
	}
	if referred == "" {
		if _, err := s.DB.CreateReferral(octx, haven.ReferralInput{PersonID: victim, ToAgency: PartnerAgency, ConsentID: consentID,
			Need: "housing", Urgency: haven.UrgencyUrgent,
			Notes: "Screened in on 20 November; spoke with the hotline. Wants to leave with her son; needs a place this week."}); err != nil {
			return fmt.Errorf("referral: %w", err)
		}
		s.Created()
	}
	return nil
}
