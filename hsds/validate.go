package hsds

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Validate checks d against the standard and returns what it finds, errors
// and warnings (at most MaxErrors of each); Problems.Err says whether any is
// an error. Each problem names the table, the record's id and the column.
//
// Errors: a required column empty (the data package's "required", which
// includes the links the tabular form needs, such as service.organization_id);
// a value outside an enum of the standard (service.status,
// location.location_type, address.address_type, schedule.freq and wkst); an
// id or link that is not a UUID; a malformed date, date-time or time; a
// malformed recurrence rule part (schedule byday, byweekno, bymonthday,
// byyearday); a duplicate id within a table, or a duplicate term code within
// a taxonomy; a required link (service.organization_id,
// service_at_location.service_id and location_id, …) to a record that is not
// in d.
//
// Warnings: an optional link to a record that is not in d (the standard's
// own example package has four); a malformed e-mail address or URI; a phone
// type outside RFC 6350's list; a latitude or longitude out of range; ages,
// validity dates, counts and intervals that make no sense.
func (d *Document) Validate() Problems {
	var c collector
	for _, t := range tables {
		s := t.slice(d)
		for i := range s.Len() {
			v := s.Index(i)
			id := recordID(v)
			ok := checkRecord(t, v, func(p *Problem) bool {
				p.Table, p.ID = t.Name, id
				return c.add(p)
			})
			if !ok {
				return c.done()
			}
		}
	}
	checkDocument(d, nil, nil, c.add)
	return c.done()
}

// locate says where row i of table t came from: it fills p's File and Line
// or Path. Nil: p names the table and the record's id.
type locate func(p *Problem, t *table, row int)

// checkRecord checks one record v of table t by itself and reports each
// problem with its Kind, Warning, Column and Message set. It returns false
// when report does (the error limit is reached).
func checkRecord(t *table, v reflect.Value, report func(*Problem) bool) bool {
	ok := true
	add := func(kind Kind, warning bool, col, format string, args ...any) {
		if ok {
			ok = report(&Problem{Kind: kind, Warning: warning, Column: col, Message: fmt.Sprintf(format, args...)})
		}
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.empty(v) {
			if c.Required {
				add(KindRequired, false, c.Name, "required, but empty")
			}
			continue
		}
		if c.Type == "number" {
			if f := v.Field(c.field).Elem().Float(); math.IsNaN(f) || math.IsInf(f, 0) {
				add(KindType, false, c.Name, "not a finite number")
			}
			continue
		}
		s := v.Field(c.field).String()
		switch c.Type {
		case "date":
			if !isDate(s) {
				add(KindFormat, false, c.Name, "%s is not a date (YYYY-MM-DD)", quote(s))
			}
		case "datetime":
			if !isDateTime(s) {
				add(KindFormat, false, c.Name, "%s is not a date and time (RFC 3339, like 2023-03-15T10:30:45.123Z)", quote(s))
			}
		case "time":
			if !isTime(s) {
				add(KindFormat, false, c.Name, "%s is not a time (HH:MM or HH:MM:SS, with Z or an offset if known)", quote(s))
			}
		}
		switch c.Format {
		case "uuid":
			if !IsUUID(s) {
				add(KindFormat, false, c.Name, "%s is not a UUID", quote(s))
			}
		case "email":
			if !isEmail(s) {
				add(KindFormat, true, c.Name, "not an e-mail address")
			}
		case "uri":
			if !isURI(s) {
				add(KindFormat, true, c.Name, "not an absolute URI")
			}
		}
		if len(c.Enum) > 0 && !slices.Contains(c.Enum, s) {
			add(KindEnum, false, c.Name, "%s is not one of: %s", quote(s), strings.Join(c.Enum, ", "))
		}
	}
	switch r := v.Interface().(type) {
	case Schedule:
		checkSchedule(&r, add)
	case Phone:
		if r.Type != "" && !slices.Contains(phoneTypes, r.Type) {
			add(KindEnum, true, "type", "%s is not one of the standard's phone types: %s", quote(r.Type), strings.Join(phoneTypes, ", "))
		}
	case Location:
		if r.Latitude != nil && (*r.Latitude < -90 || *r.Latitude > 90) {
			add(KindValue, true, "latitude", "out of range (-90 to 90)")
		}
		if r.Longitude != nil && (*r.Longitude < -180 || *r.Longitude > 180) {
			add(KindValue, true, "longitude", "out of range (-180 to 180)")
		}
		if (r.Latitude == nil) != (r.Longitude == nil) {
			add(KindValue, true, "latitude", "latitude and longitude come together; one is missing")
		}
	case Service:
		if r.MinimumAge != nil && *r.MinimumAge < 0 {
			add(KindValue, true, "minimum_age", "negative")
		}
		if r.MaximumAge != nil && *r.MaximumAge < 0 {
			add(KindValue, true, "maximum_age", "negative")
		}
		if r.MinimumAge != nil && r.MaximumAge != nil && *r.MinimumAge > *r.MaximumAge {
			add(KindValue, true, "maximum_age", "below minimum_age")
		}
	case ServiceArea:
		if r.ExtentType != "" && !slices.Contains(extentTypes, r.ExtentType) {
			add(KindEnum, true, "extent_type", "%s is not one of the standard's extent types: %s", quote(r.ExtentType), strings.Join(extentTypes, ", "))
		}
	case CostOption:
		if isDate(r.ValidFrom) && isDate(r.ValidTo) && r.ValidTo < r.ValidFrom {
			add(KindValue, true, "valid_to", "before valid_from")
		}
	}
	return ok
}

// extentTypes is the codelist of service_area.extent_type, from the
// standard's description of the field.
var extentTypes = []string{"geojson", "topojson", "kml", "text"}

func checkSchedule(s *Schedule, add func(Kind, bool, string, string, ...any)) {
	if s.ByDay != "" {
		for part := range strings.SplitSeq(s.ByDay, ",") {
			m := byDayRE.FindStringSubmatch(strings.TrimSpace(part))
			if m == nil {
				add(KindFormat, false, "byday", "%s is not a list of weekdays like MO,TU or, monthly, 2MO,-1FR", quote(s.ByDay))
				break
			}
			if m[1] != "" {
				if n, _ := strconv.Atoi(strings.TrimPrefix(m[1], "+")); n == 0 || n < -53 || n > 53 {
					add(KindFormat, false, "byday", "%s: an occurrence must be 1 to 53 or -1 to -53", quote(s.ByDay))
					break
				}
				if s.Freq == FreqWeekly {
					add(KindFormat, false, "byday", "%s: numbered weekdays (2MO) need freq MONTHLY", quote(s.ByDay))
					break
				}
			}
		}
	}
	for _, r := range []struct {
		col, val string
		max      int
	}{{"byweekno", s.ByWeekNo, 53}, {"bymonthday", s.ByMonthDay, 31}, {"byyearday", s.ByYearDay, 366}} {
		if r.val == "" {
			continue
		}
		for part := range strings.SplitSeq(r.val, ",") {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(part), "+"))
			if err != nil || n == 0 || n < -r.max || n > r.max {
				add(KindFormat, false, r.col, "%s is not a list of numbers from 1 to %d (or -1 to -%d)", quote(r.val), r.max, r.max)
				break
			}
		}
	}
	if s.Timezone != nil && (*s.Timezone < -12 || *s.Timezone > 14) {
		add(KindValue, true, "timezone", "not a UTC offset in hours (-12 to 14)")
	}
	for _, n := range []struct {
		col string
		val *float64
	}{{"count", s.Count}, {"interval", s.Interval}} {
		if n.val != nil && (*n.val < 1 || *n.val != math.Trunc(*n.val)) {
			add(KindValue, true, n.col, "not a whole number of 1 or more")
		}
	}
	if isDate(s.ValidFrom) && isDate(s.ValidTo) && s.ValidTo < s.ValidFrom {
		add(KindValue, true, "valid_to", "before valid_from")
	}
}

var byDayRE = regexp.MustCompile(`^([+-]?[0-9]{1,2})?(MO|TU|WE|TH|FR|SA|SU)$`)

// checkDocument checks what concerns more than one record: duplicate ids,
// duplicate term codes within a taxonomy, and links to records that are not
// in d. Links the data package requires are errors; optional ones warnings.
// A link to a record for which rejected reports true (a record the decoder
// could not read, already reported) is not reported again.
func checkDocument(d *Document, loc locate, rejected func(t *table, id string) bool, add func(*Problem) bool) {
	ids := map[*table]map[string]int{}
	report := func(p *Problem, t *table, row int, id string) bool {
		if loc != nil {
			loc(p, t, row)
		} else {
			p.Table, p.ID = t.Name, id
		}
		return add(p)
	}
	where := func(t *table, row int) string {
		p := &Problem{}
		if loc != nil {
			loc(p, t, row)
		}
		switch {
		case p.Path != "":
			return p.Path
		case p.Line > 0:
			return fmt.Sprintf("line %d", p.Line)
		}
		return fmt.Sprintf("record %d", row+1)
	}
	for _, t := range tables {
		s := t.slice(d)
		seen := make(map[string]int, s.Len())
		for i := range s.Len() {
			id := recordID(s.Index(i))
			if id == "" {
				continue
			}
			if first, dup := seen[id]; dup {
				if !report(&Problem{Kind: KindDuplicate, Column: "id", Message: fmt.Sprintf("duplicate id %s; first at %s", quote(id), where(t, first))}, t, i, id) {
					return
				}
				continue
			}
			seen[id] = i
		}
		ids[t] = seen
	}
	terms := tableByName["taxonomy_term"]
	codes := map[[2]string]int{}
	for i, term := range d.TaxonomyTerms {
		if term.Code == "" {
			continue
		}
		k := [2]string{term.TaxonomyID, term.Code}
		if first, dup := codes[k]; dup {
			if !report(&Problem{Kind: KindDuplicate, Column: "code", Message: fmt.Sprintf("duplicate code %s in one taxonomy; first at %s", quote(term.Code), where(terms, first))}, terms, i, term.ID) {
				return
			}
			continue
		}
		codes[k] = i
	}
	for _, t := range tables {
		s := t.slice(d)
		for _, fk := range t.FKs {
			c := &t.Columns[t.byName[fk.Column]]
			target := ids[tableByName[fk.Table]]
			for i := range s.Len() {
				v := s.Index(i)
				ref := c.str(v)
				if ref == "" {
					continue
				}
				if _, ok := target[ref]; ok {
					continue
				}
				if rejected != nil && rejected(tableByName[fk.Table], ref) {
					continue
				}
				p := &Problem{Kind: KindReference, Warning: !c.Required, Column: c.Name,
					Message: fmt.Sprintf("no %s with id %s in the data", strings.ReplaceAll(fk.Table, "_", " "), quote(ref))}
				if !report(p, t, i, recordID(v)) {
					return
				}
			}
		}
	}
}

// IsUUID reports whether s is a UUID in its text form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits of either case). The
// version and variant are not checked: HSDS ids are "uuid-ish".
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil && len(s) >= 20 && (s[10] == 'T' || s[10] == 't')
}

// timeRE accepts HH:MM and HH:MM:SS, with fractions of a second, and Z or an
// offset; 24:00 stands for the end of the day (a closes_at at midnight).
var timeRE = regexp.MustCompile(`^(([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?|24:00(:00)?)(Z|z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$`)

func isTime(s string) bool { return timeRE.MatchString(s) }

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func isURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && !strings.ContainsAny(s, " \t\r\n")
}
