// Package demo loads realistic, clearly fictional data so that
// `haven serve --demo` on a fresh machine is a complete system to explore:
// agencies of each kind in one community, a staff account for each role,
// and fictional persons in the police department's and the advocacy
// center's registries.
//
// Loading is a list of steps (Steps). Every step runs on every Ensure and
// must look before it creates, so that re-running is safe and an
// interrupted first load is completed by the next start. Later features add
// their own steps to the list.
package demo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/store"
)

// CredentialsFile is the file in the data directory that holds the demo
// accounts' passwords, one account a line:
// username<TAB>password<TAB>role<TAB>agency slug.
const CredentialsFile = "demo-credentials.txt"

// MarkerAgency is the agency whose presence says a database holds demo data.
const MarkerAgency = "metro-pd"

// TimeZone is where the fictional community is.
const TimeZone = "America/Chicago"

// Credential is one demo account's sign-in.
type Credential struct {
	Username string
	Password string
	Role     haven.Role
	Agency   string // slug
}

// AgencySpec describes a demo agency.
type AgencySpec struct {
	Slug string
	Name string
	Kind haven.AgencyKind
	// RequireMFA: whether staff must use a second factor. Real agencies
	// require one by default; demo agencies do not, so that the printed
	// passwords alone let anyone explore.
	RequireMFA bool
}

// mfaOptional is the demo agencies' RequireMFA, spelled out.
const mfaOptional = false

// UserSpec describes a demo account.
type UserSpec struct {
	Username    string
	DisplayName string
	Role        haven.Role
	Agency      string // slug
}

// Agencies are the demo agencies, all in TimeZone.
var Agencies = []AgencySpec{
	{"metro-pd", "Metro City Police Department", haven.KindPolice, mfaOptional},
	{"safe-harbor", "Safe Harbor Advocacy Center", haven.KindAdvocacy, mfaOptional},
	{"harbor-house", "Harbor House Shelter", haven.KindShelter, mfaOptional},
	{"county-legal", "County Legal Aid", haven.KindLegalAid, mfaOptional},
	{"county-health", "Metro County Health Services", haven.KindHealth, mfaOptional},
	{"haven-ops", "Haven Operations (Coordinated Community Response)", haven.KindCommunity, mfaOptional},
}

// Users are the demo accounts: one for each kind of work.
var Users = []UserSpec{
	{"officer", "Officer Dana Reyes", haven.RoleOfficer, "metro-pd"},
	{"supervisor", "Sgt. Marcus Whitfield", haven.RoleSupervisor, "metro-pd"},
	{"analyst", "Priya Castellano", haven.RoleAnalyst, "metro-pd"},
	{"advocate", "Jordan Ellery", haven.RoleAdvocate, "safe-harbor"},
	{"shelter", "Rosa Lindqvist", haven.RoleShelterStaff, "harbor-house"},
	{"legal-admin", "Samuel Okonkwo-Baird", haven.RoleAgencyAdmin, "county-legal"},
	{"admin", "Alex Marlowe", haven.RoleSystemAdmin, "haven-ops"},
}

// Seed is what steps share while loading: the database (with a context
// that acts as the "demo" system actor), what exists so far, and what this
// run created.
type Seed struct {
	DB *store.DB
	// Agencies and Users hold the demo records by slug and username once
	// their step has run, whether this run created them or found them.
	Agencies map[string]*haven.Agency
	Users    map[string]*haven.User

	created int
	creds   []Credential // passwords of accounts this run created
}

// Created records that a step added something, so Ensure reports created.
func (s *Seed) Created() { s.created++ }

// AddCredential records a new account's password for the credentials file.
func (s *Seed) AddCredential(c Credential) { s.creds = append(s.creds, c) }

// Step is one part of the demo data. Run must be idempotent: look up what
// it would create and create only what is missing.
type Step struct {
	Name string
	Run  func(ctx context.Context, s *Seed) error
}

// Steps run in order. Append new data's steps at the end; a step may use
// what earlier steps put in Seed.
var Steps = []Step{
	{"agencies", seedAgencies},
	{"users", seedUsers},
	{"persons", seedPersons},
	{"incidents", seedIncidents},
	{"risk settings", seedRiskSettings},
	{"assessments", seedAssessments},
	{"consent and referral", seedConsentReferral},
	{"directory", seedDirectory},
	{"district boundaries", seedBoundaries},
}

// Ensure loads the demo data into db unless it is already there, and returns
// every demo account's credentials known from dataDir's credentials file
// (including any created now), and whether anything was created. It refuses
// to add demo accounts, with their published passwords, to a database that
// already holds agencies but no demo data.
func Ensure(ctx context.Context, db *store.DB, dataDir string) (creds []Credential, created bool, err error) {
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("demo"))
	if err := guard(ctx, db); err != nil {
		return nil, false, err
	}
	s := &Seed{DB: db, Agencies: map[string]*haven.Agency{}, Users: map[string]*haven.User{}}
	for _, step := range Steps {
		if err = step.Run(ctx, s); err != nil {
			err = fmt.Errorf("demo step %s: %w", step.Name, err)
			break
		}
	}
	// Save the passwords of accounts already created even when a later step
	// failed: they cannot be recovered otherwise.
	if len(s.creds) > 0 {
		if werr := addCredentials(dataDir, s.creds); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err != nil {
		return nil, s.created > 0, err
	}
	creds, err = ReadCredentials(dataDir)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil // demo data from elsewhere (a shared PostgreSQL): nothing to show
	}
	return creds, s.created > 0, err
}

// guard stops demo accounts from being added to a real database.
func guard(ctx context.Context, db *store.DB) error {
	if _, err := db.AgencyBySlug(ctx, MarkerAgency); err == nil {
		return nil
	} else if haven.ErrorCode(err) != haven.ENOTFOUND {
		return err
	}
	all, err := db.FindAgencies(ctx)
	if err != nil {
		return err
	}
	if len(all) > 0 {
		return haven.Errorf(haven.ECONFLICT, "this database already holds agencies that are not demo data; "+
			"run the demo with an empty data directory or database")
	}
	return nil
}

func seedAgencies(ctx context.Context, s *Seed) error {
	for _, spec := range Agencies {
		a, err := s.DB.AgencyBySlug(ctx, spec.Slug)
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			a = &haven.Agency{Slug: spec.Slug, Name: spec.Name, Kind: spec.Kind, TimeZone: TimeZone, RequireMFA: spec.RequireMFA}
			if err = s.DB.CreateAgency(ctx, a); err == nil {
				s.Created()
			}
		}
		if err != nil {
			return fmt.Errorf("agency %s: %w", spec.Slug, err)
		}
		s.Agencies[spec.Slug] = a
	}
	return nil
}

func seedUsers(ctx context.Context, s *Seed) error {
	for _, spec := range Users {
		u, err := s.DB.UserByUsername(ctx, spec.Username)
		if haven.ErrorCode(err) == haven.ENOTFOUND {
			ag, ok := s.Agencies[spec.Agency]
			if !ok {
				return fmt.Errorf("user %s: unknown demo agency %s", spec.Username, spec.Agency)
			}
			// Demo accounts keep their password, so that the printed
			// credentials work at every start.
			u = &haven.User{AgencyID: ag.ID, Username: spec.Username, DisplayName: spec.DisplayName, Role: spec.Role}
			pw := auth.NewPassword()
			if err = s.DB.CreateUser(ctx, u, pw); err == nil {
				s.Created()
				s.AddCredential(Credential{Username: u.Username, Password: pw, Role: u.Role, Agency: spec.Agency})
			}
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", spec.Username, err)
		}
		s.Users[spec.Username] = u
	}
	return nil
}

// ReadCredentials reads dataDir's credentials file.
func ReadCredentials(dataDir string) ([]Credential, error) {
	f, err := os.Open(filepath.Join(dataDir, CredentialsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Credential
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 4 {
			return nil, fmt.Errorf("%s line %d: want 4 tab-separated fields", CredentialsFile, n)
		}
		out = append(out, Credential{Username: p[0], Password: p[1], Role: haven.Role(p[2]), Agency: p[3]})
	}
	return out, sc.Err()
}

// addCredentials merges creds into the credentials file (replacing lines
// for the same usernames), written afresh with mode 0600 and renamed into
// place so that a crash never leaves half a file.
func addCredentials(dataDir string, creds []Credential) error {
	old, err := ReadCredentials(dataDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	replaced := map[string]bool{}
	for _, c := range creds {
		replaced[c.Username] = true
	}
	var all []Credential
	for _, c := range old {
		if !replaced[c.Username] {
			all = append(all, c)
		}
	}
	all = append(all, creds...)

	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, CredentialsFile+".*")
	if err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	var b strings.Builder
	for _, c := range all {
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", c.Username, c.Password, c.Role, c.Agency)
	}
	_, err = tmp.WriteString(b.String())
	if err == nil {
		err = tmp.Chmod(0o600) // CreateTemp makes 0600 already; be explicit
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dataDir, CredentialsFile))
	}
	if err != nil {
		return fmt.Errorf("write demo credentials: %w", err)
	}
	return nil
}
