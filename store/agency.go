package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

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
		if _, err := t.exec(ctx, `INSERT INTO agencies (id, slug, name, kind, time_zone, require_mfa, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.Slug, a.Name, string(a.Kind), a.TimeZone, a.RequireMFA, now, now); err != nil {
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

const agencyCols = `a.id, a.slug, a.name, a.kind, a.time_zone, a.require_mfa, a.created_at, a.updated_at`

func scanAgency(s interface{ Scan(...any) error }) (*haven.Agency, error) {
	var a haven.Agency
	var created, updated nullTime
	if err := s.Scan(&a.ID, &a.Slug, &a.Name, &a.Kind, &a.TimeZone, &a.RequireMFA, &created, &updated); err != nil {
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
