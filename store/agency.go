package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
)

var _ haven.AgencyService = (*DB)(nil)

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// newID returns a time-ordered UUID (version 7).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func validateAgency(a *haven.Agency) error {
	a.Slug = strings.TrimSpace(a.Slug)
	a.Name = strings.TrimSpace(a.Name)
	a.TimeZone = strings.TrimSpace(a.TimeZone)
	switch {
	case !slugRE.MatchString(a.Slug):
		return haven.FieldErrorf(haven.EINVALID, "slug", "slug must be 1–40 lowercase letters, digits or hyphens, not starting or ending with a hyphen")
	case a.Name == "" || len(a.Name) > 200:
		return haven.FieldErrorf(haven.EINVALID, "name", "name is required (at most 200 characters)")
	case !a.Kind.Valid():
		return haven.FieldErrorf(haven.EINVALID, "kind", "kind must be one of police, advocacy, shelter, legal_aid, health, prosecution, probation, court, community")
	}
	if a.TimeZone == "" {
		a.TimeZone = "UTC"
	}
	if a.ConsentDays == 0 {
		a.ConsentDays = haven.DefaultConsentDays
	}
	if err := checkConsentDays(a.ConsentDays); err != nil {
		return err
	}
	if _, err := time.LoadLocation(a.TimeZone); err != nil || a.TimeZone == "Local" {
		return haven.FieldErrorf(haven.EINVALID, "time_zone", "time_zone must be an IANA zone such as America/Chicago")
	}
	return nil
}

// CreateAgency stores a new agency; only system administrators may.
func (db *DB) CreateAgency(ctx context.Context, a *haven.Agency) error {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.CreateAgency, access.Target{}); err != nil {
		return err
	}
	if err := validateAgency(a); err != nil {
		return err
	}
	return db.inTx(ctx, true, func(t *tx) error {
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM agencies WHERE slug = ?`, a.Slug).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return haven.FieldErrorf(haven.ECONFLICT, "slug", "an agency with slug %q already exists", a.Slug)
		}
		now := db.now()
		a.ID, a.CreatedAt, a.UpdatedAt = newID(), now, now
		if _, err := t.exec(ctx, `INSERT INTO agencies (id, slug, name, kind, time_zone, require_mfa, consent_days, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Slug, a.Name, string(a.Kind), a.TimeZone, a.RequireMFA, a.ConsentDays, now, now); err != nil {
			return err
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, string(access.CreateAgency), "allowed", "agency", a.ID, a.ID, "",
			map[string]string{"kind": string(a.Kind), "require_mfa": fmt.Sprint(a.RequireMFA)}))
	})
}

// SetRequireMFA turns an agency's second-factor requirement on or off.
func (db *DB) SetRequireMFA(ctx context.Context, agencyID string, on bool) error {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.UpdateAgency, access.Target{AgencyID: agencyID}); err != nil {
		return err
	}
	return db.inTx(ctx, true, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE agencies SET require_mfa = ?, updated_at = ? WHERE id = ?`, on, db.now(), agencyID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return haven.Errorf(haven.ENOTFOUND, "agency not found")
		}
		return db.appendAudit(ctx, t, auditEntry(ctx, "agency.require_mfa", "allowed", "agency", agencyID, agencyID, "",
			map[string]string{"on": fmt.Sprint(on)}))
	})
}

const agencyCols = `a.id, a.slug, a.name, a.kind, a.time_zone, a.require_mfa, a.created_at, a.updated_at,
	a.hotline_name, a.hotline_phone, a.partner_agency_id, a.consent_days`

// agencyDest is where the columns of agencyCols scan to, in order; a
// query that joins agencies appends it to its own destinations.
func agencyDest(a *haven.Agency, created, updated *nullTime) []any {
	return []any{&a.ID, &a.Slug, &a.Name, &a.Kind, &a.TimeZone, &a.RequireMFA, created, updated,
		&a.HotlineName, &a.HotlinePhone, &a.PartnerAgencyID, &a.ConsentDays}
}

func scanAgency(s interface{ Scan(...any) error }) (*haven.Agency, error) {
	var a haven.Agency
	var created, updated nullTime
	if err := s.Scan(agencyDest(&a, &created, &updated)...); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = created.Time, updated.Time
	return &a, nil
}

// FindAgencies lists all agencies by name.
func (db *DB) FindAgencies(ctx context.Context) ([]*haven.Agency, error) {
	if err := access.Require(haven.ActorFromContext(ctx), access.ListAgencies, access.Target{}); err != nil {
		return nil, err
	}
	var out []*haven.Agency
	err := db.inTx(ctx, false, func(t *tx) (err error) {
		out, err = queryAll(ctx, t, scanAgency, `SELECT `+agencyCols+` FROM agencies a ORDER BY a.name, a.slug`)
		return err
	})
	return out, err
}

// AgencyBySlug returns one agency.
func (db *DB) AgencyBySlug(ctx context.Context, slug string) (*haven.Agency, error) {
	if err := access.Require(haven.ActorFromContext(ctx), access.ReadAgency, access.Target{}); err != nil {
		return nil, err
	}
	var a *haven.Agency
	err := db.inTx(ctx, false, func(t *tx) error {
		var err error
		a, err = agencyWhere(ctx, t, `a.slug = ?`, slug)
		return err
	})
	return a, err
}

func agencyWhere(ctx context.Context, t *tx, where string, arg any) (*haven.Agency, error) {
	a, err := scanAgency(t.queryRow(ctx, `SELECT `+agencyCols+` FROM agencies a WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, haven.Errorf(haven.ENOTFOUND, "agency not found")
	}
	return a, err
}

// hotlinePhoneRE is what a hotline number may hold: digits, spaces and + - ( ).
var hotlinePhoneRE = regexp.MustCompile(`^[0-9 +()\-]*$`)

// checkConsentDays checks an agency's default consent life.
func checkConsentDays(days int) error {
	if days < 1 || days > haven.MaxConsentDays {
		return haven.FieldErrorf(haven.EINVALID, "consent_days", "consent_days must be a whole number of days from 1 to %d", haven.MaxConsentDays)
	}
	return nil
}

// UpdateAgencySettings changes an agency's risk-response settings: the
// hotline its officers call after a screen-in and the partner advocacy
// agency whose queue receives its high-risk results; and how long a
// consent recorded there lasts unless the form says otherwise. A system
// administrator or the agency's own administrator may; nil fields stay.
func (db *DB) UpdateAgencySettings(ctx context.Context, agencyID string, s haven.AgencySettings) (*haven.Agency, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.UpdateAgency, access.Target{AgencyID: agencyID}); err != nil {
		return nil, err
	}
	trim := func(p *string) *string {
		if p == nil {
			return nil
		}
		v := strings.TrimSpace(*p)
		return &v
	}
	s.HotlineName, s.HotlinePhone, s.PartnerSlug = trim(s.HotlineName), trim(s.HotlinePhone), trim(s.PartnerSlug)
	if s.HotlineName != nil {
		if !utf8.ValidString(*s.HotlineName) || strings.ContainsRune(*s.HotlineName, 0) || len(*s.HotlineName) > 200 {
			return nil, haven.FieldErrorf(haven.EINVALID, "hotline_name", "hotline_name must be text of at most 200 characters")
		}
	}
	if s.HotlinePhone != nil {
		if len(*s.HotlinePhone) > 40 || !hotlinePhoneRE.MatchString(*s.HotlinePhone) {
			return nil, haven.FieldErrorf(haven.EINVALID, "hotline_phone", "hotline_phone must be at most 40 digits, spaces and + - ( )")
		}
	}
	if s.ConsentDays != nil {
		if err := checkConsentDays(*s.ConsentDays); err != nil {
			return nil, err
		}
	}
	var out *haven.Agency
	err := db.inTx(ctx, true, func(t *tx) error {
		a, err := agencyWhere(ctx, t, `a.id = ?`, agencyID)
		if err != nil {
			return err
		}
		var changed []string
		if s.HotlineName != nil && *s.HotlineName != a.HotlineName {
			a.HotlineName = *s.HotlineName
			changed = append(changed, "hotline_name")
		}
		if s.HotlinePhone != nil && *s.HotlinePhone != a.HotlinePhone {
			a.HotlinePhone = *s.HotlinePhone
			changed = append(changed, "hotline_phone")
		}
		if s.PartnerSlug != nil {
			partnerID := ""
			if *s.PartnerSlug != "" {
				p, err := agencyWhere(ctx, t, `a.slug = ?`, *s.PartnerSlug)
				if haven.ErrorCode(err) == haven.ENOTFOUND {
					return haven.FieldErrorf(haven.EINVALID, "partner", "no agency has the slug %q", *s.PartnerSlug)
				} else if err != nil {
					return err
				}
				if p.Kind != haven.KindAdvocacy {
					return haven.FieldErrorf(haven.EINVALID, "partner", "the partner must be an advocacy agency; %q is %s", p.Slug, p.Kind)
				}
				if p.ID == a.ID {
					return haven.FieldErrorf(haven.EINVALID, "partner", "an agency cannot be its own partner")
				}
				partnerID = p.ID
			}
			if partnerID != a.PartnerAgencyID {
				a.PartnerAgencyID = partnerID
				changed = append(changed, "partner")
			}
		}
		if s.ConsentDays != nil && *s.ConsentDays != a.ConsentDays {
			a.ConsentDays = *s.ConsentDays
			changed = append(changed, "consent_days")
		}
		a.UpdatedAt = db.now()
		if _, err := t.exec(ctx, `UPDATE agencies SET hotline_name = ?, hotline_phone = ?, partner_agency_id = ?, consent_days = ?, updated_at = ? WHERE id = ?`,
			a.HotlineName, a.HotlinePhone, a.PartnerAgencyID, a.ConsentDays, a.UpdatedAt, a.ID); err != nil {
			return err
		}
		out = a
		// The hotline is an organisation's public number and the partner
		// an agency: neither is personal data, so the values are logged.
		return db.appendAudit(ctx, t, auditEntry(ctx, "agency.settings", "allowed", "agency", a.ID, a.ID, "",
			map[string]string{"fields": strings.Join(changed, ","), "hotline_name": a.HotlineName,
				"hotline_phone": a.HotlinePhone, "partner_agency_id": a.PartnerAgencyID, "consent_days": fmt.Sprint(a.ConsentDays)}))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
