package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/access"
	"github.com/haven-dv/haven/risk"
)

var _ haven.RiskService = (*DB)(nil)

// Risk assessment: the instruments (this file), recording and reading
// assessments (risk_assessment.go), the hotline call, the partner agency's
// queue and the high-risk list (risk_queue.go), screening rates
// (risk_screening.go) and key rotation of the sealed values (risk_keys.go).

// instrumentSets are the instruments in use: those every agency uses, and
// per agency slug the set with that agency's own definitions on top.
type instrumentSets struct {
	all      *risk.Set
	byAgency map[string]*risk.Set
}

// instrumentsDir is where an installation's own instrument definitions live.
const instrumentsDir = "instruments"

// loadInstruments builds the instrument sets at Open: the configured (or
// built-in) instruments, replaced by any DataDir/instruments/*.json for
// every agency, and by DataDir/instruments/<slug>/*.json for one agency.
// An invalid file fails Open with an error naming it; a missing directory
// loads nothing.
func (db *DB) loadInstruments() error {
	base := db.cfg.Instruments
	if base == nil {
		builtin, err := risk.Builtin()
		if err != nil {
			return fmt.Errorf("built-in risk instruments: %w", err)
		}
		base = risk.NewSet(builtin)
	}
	dir := filepath.Join(db.cfg.DataDir, instrumentsDir)
	sets := instrumentSets{all: base, byAgency: map[string]*risk.Set{}}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		db.instruments = sets
		return nil
	} else if err != nil {
		return fmt.Errorf("risk instruments: %w", err)
	}
	// Load names files by their path in the data directory
	// (instruments/<slug>/<file>.json), and so do its errors.
	data := os.DirFS(db.cfg.DataDir)
	load := func(sub string) ([]*haven.Instrument, error) {
		list, err := risk.Load(data, sub)
		if err != nil {
			return nil, fmt.Errorf("risk instruments in data directory %s: %w", db.cfg.DataDir, err)
		}
		return list, nil
	}
	global, err := load(instrumentsDir)
	if err != nil {
		return err
	}
	if len(global) > 0 {
		sets.all = risk.NewSet(base.List(), global)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if !slugRE.MatchString(e.Name()) {
			return fmt.Errorf("risk instruments: %s: a directory of instruments must be named after an agency's slug",
				filepath.Join(dir, e.Name()))
		}
		own, err := load(instrumentsDir + "/" + e.Name())
		if err != nil {
			return err
		}
		if len(own) > 0 {
			sets.byAgency[e.Name()] = risk.NewSet(sets.all.List(), own)
		}
	}
	db.instruments = sets
	return nil
}

// instrumentSet returns the instruments of the actor's agency: a system
// actor, or an agency with no definitions of its own, gets those every
// agency uses.
func (db *DB) instrumentSet(ctx context.Context, actor haven.Actor) *risk.Set {
	if len(db.instruments.byAgency) == 0 || actor.AgencyID == "" {
		return db.instruments.all
	}
	slug := actor.AgencySlug
	if slug == "" {
		if err := db.readRow(ctx, `SELECT slug FROM agencies WHERE id = ?`, actor.AgencyID).Scan(&slug); err != nil {
			return db.instruments.all
		}
	}
	return db.agencyInstruments(slug)
}

// agencyInstruments returns the instruments of the agency with slug.
func (db *DB) agencyInstruments(slug string) *risk.Set {
	if s, ok := db.instruments.byAgency[slug]; ok {
		return s
	}
	return db.instruments.all
}

// instrument finds id in set, or says which instruments there are.
func instrument(set *risk.Set, id string) (*haven.Instrument, error) {
	if inst, ok := set.Get(id); ok {
		return inst, nil
	}
	var known []string
	for _, i := range set.List() {
		known = append(known, i.ID)
	}
	return nil, haven.FieldErrorf(haven.EINVALID, "instrument", "no instrument %q; known: %s", id, strings.Join(known, ", "))
}

// scoreErr makes a scoring failure an EINVALID error: the answers (or the
// instrument's limits on missing items) are at fault, not Haven.
func scoreErr(err error) error {
	var he *haven.Error
	if errors.As(err, &he) {
		return err
	}
	return &haven.Error{Code: haven.EINVALID, Field: "answers", Message: err.Error(), Err: err}
}

// Instruments lists the instruments the actor's agency uses.
func (db *DB) Instruments(ctx context.Context) ([]*haven.Instrument, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.RiskInstruments, access.Target{AgencyID: actor.AgencyID}); err != nil {
		return nil, err
	}
	return db.instrumentSet(ctx, actor).List(), nil
}

// ScoreRisk scores answers with one of the actor's agency's instruments.
// It stores and reads nothing, so it is not audited.
func (db *DB) ScoreRisk(ctx context.Context, id string, answers map[string]string, f haven.RiskFacts) (haven.RiskResult, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.RiskScore, access.Target{AgencyID: actor.AgencyID}); err != nil {
		return haven.RiskResult{}, err
	}
	inst, err := instrument(db.instrumentSet(ctx, actor), strings.TrimSpace(id))
	if err != nil {
		return haven.RiskResult{}, err
	}
	res, err := risk.Score(inst, answers, f)
	if err != nil {
		return haven.RiskResult{}, scoreErr(err)
	}
	return res, nil
}

// Hotline returns the DV hotline the actor's agency's officers call: for
// now the agency's own settings. With none set it returns an empty
// Hotline (Source ""), which pages show as "no hotline set".
func (db *DB) Hotline(ctx context.Context) (haven.Hotline, error) {
	actor := haven.ActorFromContext(ctx)
	if err := access.Require(actor, access.ReadAgency, access.Target{AgencyID: actor.AgencyID}); err != nil {
		return haven.Hotline{}, err
	}
	if actor.AgencyID == "" {
		return haven.Hotline{}, nil
	}
	var h haven.Hotline
	err := db.readRow(ctx, `SELECT hotline_name, hotline_phone FROM agencies WHERE id = ?`, actor.AgencyID).Scan(&h.Name, &h.Phone)
	if err != nil {
		return haven.Hotline{}, dbErr(err)
	}
	return withHotlineSource(h), nil
}

func withHotlineSource(h haven.Hotline) haven.Hotline {
	if h.Name != "" || h.Phone != "" {
		h.Source = "agency settings"
	}
	return h
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
