// Package risk holds Haven's risk instruments and scores them. It is pure:
// instruments are data files (embedded here, or an agency's own, read by
// the caller and handed to Parse), and scoring is a function of the
// answers and the facts the caller supplies.
//
// Instruments returned by this package are shared and must be treated as
// read-only.
package risk

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/haven-dv/haven"
)

//go:embed instruments/*.json
var builtinFS embed.FS

// builtinOrder is the display order of the shipped instruments.
var builtinOrder = []string{"lap", "danger-assessment", "dash", "dash-24", "odara"}

var builtin struct {
	once sync.Once
	list []*haven.Instrument
	err  error
}

// Builtin returns the instruments shipped in the binary, validated, in
// display order (lap, danger-assessment, dash, dash-24, odara).
func Builtin() ([]*haven.Instrument, error) {
	builtin.once.Do(func() { builtin.list, builtin.err = loadBuiltin() })
	if builtin.err != nil {
		return nil, builtin.err
	}
	return slices.Clone(builtin.list), nil
}

func loadBuiltin() ([]*haven.Instrument, error) {
	entries, err := fs.ReadDir(builtinFS, "instruments")
	if err != nil {
		return nil, fmt.Errorf("risk: built-in instruments: %w", err)
	}
	var list []*haven.Instrument
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := builtinFS.ReadFile("instruments/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("risk: built-in instruments: %w", err)
		}
		inst, err := Parse("builtin:"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		list = append(list, inst)
	}
	rank := func(id string) int {
		if i := slices.Index(builtinOrder, id); i >= 0 {
			return i
		}
		return len(builtinOrder)
	}
	sort.SliceStable(list, func(i, j int) bool {
		ri, rj := rank(list[i].ID), rank(list[j].ID)
		if ri != rj {
			return ri < rj
		}
		return list[i].ID < list[j].ID
	})
	for _, id := range builtinOrder {
		if !slices.ContainsFunc(list, func(in *haven.Instrument) bool { return in.ID == id }) {
			return nil, fmt.Errorf("risk: built-in instrument %q is missing", id)
		}
	}
	for i := 1; i < len(list); i++ {
		if list[i].ID == list[i-1].ID {
			return nil, fmt.Errorf("risk: %s and %s both define instrument %q", list[i-1].File, list[i].File, list[i].ID)
		}
	}
	return list, nil
}

// Load parses every *.json file directly in dir of fsys, in file-name
// order. Each instrument's File is the file's path in fsys, and errors name
// it. Two files defining the same id are an error. A missing dir is an
// error that wraps fs.ErrNotExist.
func Load(fsys fs.FS, dir string) ([]*haven.Instrument, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("risk: read instruments in %s: %w", dir, err)
	}
	var list []*haven.Instrument
	seen := map[string]string{}
	for _, e := range entries { // fs.ReadDir sorts by name
		if !strings.HasSuffix(e.Name(), ".json") || e.Type()&fs.ModeType&^fs.ModeSymlink != 0 {
			continue
		}
		name := path.Join(dir, e.Name())
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("risk: read %s: %w", name, err)
		}
		inst, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[inst.ID]; ok {
			return nil, haven.Errorf(haven.EINVALID, "%s: instrument %q is already defined in %s", name, inst.ID, prev)
		}
		seen[inst.ID] = name
		list = append(list, inst)
	}
	return list, nil
}

// Set is an immutable set of instruments by id.
type Set struct {
	list []*haven.Instrument
	byID map[string]*haven.Instrument
}

// NewSet builds a set; an instrument in a later list replaces one with the
// same id from an earlier list, keeping its position.
func NewSet(lists ...[]*haven.Instrument) *Set {
	s := &Set{byID: map[string]*haven.Instrument{}}
	pos := map[string]int{}
	for _, l := range lists {
		for _, inst := range l {
			if inst == nil {
				continue
			}
			if i, ok := pos[inst.ID]; ok {
				s.list[i] = inst
			} else {
				pos[inst.ID] = len(s.list)
				s.list = append(s.list, inst)
			}
			s.byID[inst.ID] = inst
		}
	}
	return s
}

// Get returns the instrument with id.
func (s *Set) Get(id string) (*haven.Instrument, bool) {
	if s == nil {
		return nil, false
	}
	inst, ok := s.byID[id]
	return inst, ok
}

// List returns the instruments in order.
func (s *Set) List() []*haven.Instrument {
	if s == nil {
		return nil
	}
	return slices.Clone(s.list)
}
