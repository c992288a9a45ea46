package importer

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/haven-dv/haven"
)

// Format is a file layout that Run can read.
type Format interface {
	// Name is the format's name on the command line: "chicago", "generic".
	Name() string
	// Header reads the header row and returns the Mapper for the records
	// that follow, or a *HeaderError when a required column is missing.
	Header(cols []string) (Mapper, error)
}

// Mapper turns one record into an incident.
type Mapper interface {
	// Map returns the incident that record (on the given line of the file)
	// describes, or a *RowError. It does not keep record.
	Map(record []string, line int) (*haven.Incident, error)
}

// Formats lists the formats by name.
func Formats() []Format { return []Format{Chicago(), Generic()} }

// FormatNamed returns the format called name, or false.
func FormatNamed(name string) (Format, bool) {
	for _, f := range Formats() {
		if f.Name() == name {
			return f, true
		}
	}
	return nil, false
}

// RowError is one record that cannot be imported: where it is and why.
// Reasons quote a value only for codes, dates, numbers and flags — never an
// address or a narrative — so they are safe to log.
type RowError struct {
	Line   int    // the line of the file on which the record starts (the header is line 1)
	Field  string // the column at fault, as the format names it; empty for the record as a whole
	Reason string
}

func (e *RowError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: column %s: %s", e.Line, e.Field, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// HeaderError says why a file's header row cannot be used. Nothing is
// imported from such a file.
type HeaderError struct {
	Format  string
	Missing []string // required columns that are not there
	Reason  string   // anything else wrong with the header
}

func (e *HeaderError) Error() string {
	var parts []string
	if len(e.Missing) == 1 {
		parts = append(parts, fmt.Sprintf("the header has no column %s, which the %s format requires", e.Missing[0], e.Format))
	} else if len(e.Missing) > 1 {
		parts = append(parts, fmt.Sprintf("the header lacks the columns %s, which the %s format requires", strings.Join(e.Missing, ", "), e.Format))
	}
	if e.Reason != "" {
		parts = append(parts, e.Reason)
	}
	return "line 1: " + strings.Join(parts, "; ")
}

// Field limits. Longer values are rejected rather than cut short.
const (
	maxIDLen        = 64
	maxCodeLen      = 100 // beat, district, IUCR, FBI code, location type, primary type, description
	maxAddressLen   = 300
	maxNarrativeLen = 64 << 10
)

// normName is how header names are compared: trimmed (and a byte-order
// mark dropped), lower case, "_" read as a space, runs of spaces as one.
func normName(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	s = strings.ToLower(strings.ReplaceAll(s, "_", " "))
	return strings.Join(strings.Fields(s), " ")
}

// columns indexes a header by normalised name.
type columns struct {
	n     int
	index map[string]int
	dup   map[string]bool
}

func newColumns(header []string) columns {
	c := columns{n: len(header), index: map[string]int{}, dup: map[string]bool{}}
	for i, h := range header {
		name := normName(h)
		if name == "" {
			continue // an unnamed column, such as a leading row number
		}
		if _, ok := c.index[name]; ok {
			c.dup[name] = true
			continue
		}
		c.index[name] = i
	}
	return c
}

// find returns the index of the first of names present, or -1. It records
// an error when that column appears twice.
func (c columns) find(problems *[]string, names ...string) int {
	for _, n := range names {
		if i, ok := c.index[n]; ok {
			if c.dup[n] {
				*problems = append(*problems, fmt.Sprintf("column %q appears more than once", n))
			}
			return i
		}
	}
	return -1
}

func headerError(format string, missing, problems []string) error {
	if len(missing) == 0 && len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return &HeaderError{Format: format, Missing: missing, Reason: strings.Join(problems, "; ")}
}

// row reads the fields of one record for a mapper.
type row struct {
	rec  []string
	line int
}

// get returns the trimmed field at i, "" when the column is absent.
func (r row) get(i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r row) errorf(field, format string, args ...any) *RowError {
	return &RowError{Line: r.line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// text checks a text value: valid UTF-8, no NUL or other control
// characters (tabs and, when multiline, line breaks allowed), at most max
// bytes. Values are not quoted in the reason: they may be addresses.
func (r row) text(field, v string, max int, multiline bool) (string, *RowError) {
	if len(v) > max {
		return "", r.errorf(field, "longer than %d bytes", max)
	}
	if !utf8.ValidString(v) {
		return "", r.errorf(field, "not valid UTF-8 text")
	}
	for _, c := range v {
		if c < 0x20 && c != '\t' && !(multiline && (c == '\n' || c == '\r')) || c == 0x7f {
			return "", r.errorf(field, "contains a control character (U+%04X)", c)
		}
	}
	return v, nil
}

// Times before minTime or from maxTime on are typing mistakes, not records.
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// inRange rejects a time outside [minTime, maxTime).
func (r row) inRange(field, v string, t time.Time) *RowError {
	if t.Before(minTime) || !t.Before(maxTime) {
		return r.errorf(field, "%s is not between 1900 and 2099", shown(v))
	}
	return nil
}

// shown quotes a code-like value for a reason, shortened when long.
func shown(v string) string {
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(v, "\uFFFD"))
}

// parseBool takes true/false in any case, t/f, yes/no, y/n and 1/0.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "t", "yes", "y", "1":
		return true, true
	case "false", "f", "no", "n", "0":
		return false, true
	}
	return false, false
}

// coordinates parses a latitude and longitude: both or neither, each a
// finite number within range. The fields are named for errors.
func (r row) coordinates(latField, lat, lonField, lon string) (*float64, *float64, *RowError) {
	if lat == "" && lon == "" {
		return nil, nil, nil
	}
	if lat == "" {
		return nil, nil, r.errorf(latField, "empty while %s is %s: give both or neither", lonField, shown(lon))
	}
	if lon == "" {
		return nil, nil, r.errorf(lonField, "empty while %s is %s: give both or neither", latField, shown(lat))
	}
	la, err := strconv.ParseFloat(lat, 64)
	if err != nil || math.IsNaN(la) || math.IsInf(la, 0) {
		return nil, nil, r.errorf(latField, "cannot parse %s as a latitude in degrees", shown(lat))
	}
	if la < -90 || la > 90 {
		return nil, nil, r.errorf(latField, "latitude %s is outside -90 to 90", shown(lat))
	}
	lo, err := strconv.ParseFloat(lon, 64)
	if err != nil || math.IsNaN(lo) || math.IsInf(lo, 0) {
		return nil, nil, r.errorf(lonField, "cannot parse %s as a longitude in degrees", shown(lon))
	}
	if lo < -180 || lo > 180 {
		return nil, nil, r.errorf(lonField, "longitude %s is outside -180 to 180", shown(lon))
	}
	return &la, &lo, nil
}

// area normalises a beat or district: "10.0" → "10", then all-digit values
// padded with zeros to width ("10" → "010" for districts of width 3). Other
// values are kept as given. width 0 pads nothing.
func (r row) area(field, v string, width int) (string, *RowError) {
	if v == "" {
		return "", nil
	}
	if i := strings.IndexByte(v, '.'); i > 0 && allDigits(v[:i]) && strings.Trim(v[i+1:], "0") == "" {
		v = v[:i]
	}
	if allDigits(v) && len(v) < width {
		v = strings.Repeat("0", width-len(v)) + v
	}
	return r.text(field, v, maxCodeLen, false)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sourceID checks a record's id in its source.
func (r row) sourceID(field, v string) (string, *RowError) {
	if v == "" {
		return "", r.errorf(field, "empty: every record needs its id in the source")
	}
	if len(v) > maxIDLen {
		return "", r.errorf(field, "longer than %d bytes", maxIDLen)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == 0x7f {
			return "", r.errorf(field, "%s contains a space or control character", shown(v))
		}
	}
	if !utf8.ValidString(v) {
		return "", r.errorf(field, "not valid UTF-8 text")
	}
	return v, nil
}
