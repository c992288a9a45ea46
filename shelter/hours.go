package shelter

import (
	"strconv"
	"strings"
	"time"
)

// Opening hours from HSDS 3.0 schedules, read in the owning agency's time
// zone, so that "open now" is right at 2 a.m. on a holiday.
//
// HSDS 3.0 dropped 2.0's holiday_schedule table: every schedule row is an
// iCalendar-like rule. We read three shapes (docs/HSDS.md, "Opening hours"):
//
//   - Regular hours: freq WEEKLY (or empty) with byday as plain days
//     (MO,TU), optionally every n-th week (interval with dtstart); or freq
//     MONTHLY with numbered days in byday (2MO, -1FR: the second Monday,
//     the last Friday) or days of the month in bymonthday (1,15,-1).
//     valid_from, valid_to and until bound them.
//   - Holiday hours: a row with no freq, byday or bymonthday but with
//     valid_from (valid_to defaults to the same day) and opens_at/closes_at.
//     On those dates it replaces the regular hours.
//   - Closures: the same dated row without opens_at and closes_at: closed
//     all day on those dates, whatever the regular hours say.
//
// Rows we cannot read (count, byweekno, byyearday, YEARLY/DAILY rules, bad
// times) are left out; a service with no readable row has unknown hours,
// which "open now" treats as not known to be open.

// Hours is one readable schedule row.
type Hours struct {
	// Days holds plain weekdays (bit 0 Sunday … bit 6 Saturday); 0 with no
	// Nth and no MonthDays means every day.
	Days uint8
	// Nth holds numbered weekdays of a monthly rule; MonthDays days of the
	// month (negative counts from the end).
	Nth       []NthDay
	MonthDays []int
	// Every is the week interval of a weekly rule (0 or 1: every week),
	// counted from the week of Start (YYYY-MM-DD).
	Every int
	Start string
	// Opens and Closes are minutes after midnight; Closes ≤ Opens runs past
	// midnight (0 and 0: all day).
	Opens, Closes int
	// ValidFrom and ValidTo (YYYY-MM-DD, inclusive) bound the row.
	ValidFrom, ValidTo string
	// Exception marks holiday hours and closures: on its dates only
	// exceptions apply. Closed marks a closure.
	Exception, Closed bool
}

// NthDay is "the N-th weekday of the month" (N 1…5, or −1…−5 from the end).
type NthDay struct {
	N   int
	Day time.Weekday
}

// Schedule is the part of an HSDS schedule row that hours are read from.
type Schedule struct {
	Freq, ByDay, ByMonthDay   string
	ByWeekNo, ByYearDay       string
	OpensAt, ClosesAt         string
	ValidFrom, ValidTo, Until string
	DTStart                   string
	Interval                  int // 0 when absent
	HasCount                  bool
}

// ParseSchedule reads one schedule row; ok is false when it is not one of
// the shapes we read.
func ParseSchedule(s Schedule) (Hours, bool) {
	if s.HasCount || strings.TrimSpace(s.ByWeekNo) != "" || strings.TrimSpace(s.ByYearDay) != "" {
		return Hours{}, false
	}
	freq := strings.ToUpper(strings.TrimSpace(s.Freq))
	byday, bymonthday := strings.TrimSpace(s.ByDay), strings.TrimSpace(s.ByMonthDay)
	h := Hours{ValidFrom: date(s.ValidFrom), ValidTo: date(s.ValidTo)}
	if u := date(s.Until); u != "" && (h.ValidTo == "" || u < h.ValidTo) {
		h.ValidTo = u
	}
	if (s.ValidFrom != "" && h.ValidFrom == "") || (s.ValidTo != "" && h.ValidTo == "") || (s.Until != "" && date(s.Until) == "") {
		return Hours{}, false
	}
	noTimes := strings.TrimSpace(s.OpensAt) == "" && strings.TrimSpace(s.ClosesAt) == ""
	if freq == "" && byday == "" && bymonthday == "" && h.ValidFrom != "" {
		// A dated exception: holiday hours, or a closure without times.
		h.Exception = true
		if h.ValidTo == "" {
			h.ValidTo = h.ValidFrom
		}
		if h.ValidTo < h.ValidFrom {
			return Hours{}, false
		}
		if noTimes {
			h.Closed = true
			return h, true
		}
	}
	if !h.Exception {
		switch freq {
		case "", "WEEKLY":
			if bymonthday != "" {
				return Hours{}, false
			}
			if s.Interval > 1 {
				start := date(s.DTStart)
				if start == "" {
					return Hours{}, false // an interval needs a first date to count from
				}
				h.Every, h.Start = s.Interval, start
			}
		case "MONTHLY":
			if s.Interval > 1 || (byday == "" && bymonthday == "") {
				return Hours{}, false
			}
		default:
			return Hours{}, false
		}
	}
	o, ok1 := clock(s.OpensAt)
	c, ok2 := clock(s.ClosesAt)
	if !ok1 || !ok2 {
		return Hours{}, false
	}
	if c == 24*60 {
		c = 0 // until midnight: the overnight form
	}
	if o == c && o != 0 {
		return Hours{}, false
	}
	h.Opens, h.Closes = o, c
	for _, d := range strings.Split(byday, ",") {
		d = strings.ToUpper(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		if wd, ok := weekdays[d]; ok {
			if freq == "MONTHLY" {
				// A plain day in a monthly rule is every such day.
				h.Nth = append(h.Nth, NthDay{0, wd})
				continue
			}
			h.Days |= 1 << uint(wd)
			continue
		}
		if freq != "MONTHLY" || len(d) < 3 {
			return Hours{}, false
		}
		wd, ok := weekdays[d[len(d)-2:]]
		n, err := strconv.Atoi(d[:len(d)-2])
		if !ok || err != nil || n == 0 || n < -5 || n > 5 {
			return Hours{}, false
		}
		h.Nth = append(h.Nth, NthDay{n, wd})
	}
	for _, d := range strings.Split(bymonthday, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		n, err := strconv.Atoi(d)
		if err != nil || n == 0 || n < -31 || n > 31 {
			return Hours{}, false
		}
		h.MonthDays = append(h.MonthDays, n)
	}
	return h, true
}

// day is one local calendar day, with what the rules ask of it.
type day struct {
	date       string // YYYY-MM-DD
	wd         time.Weekday
	mday, mlen int
	epochDay   int // days since 1970-01-01, for week intervals
}

func dayOf(t time.Time) day {
	y, m, d := t.Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	mlen := first.AddDate(0, 1, -1).Day()
	return day{date: t.Format(time.DateOnly), wd: t.Weekday(), mday: d, mlen: mlen,
		epochDay: int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)}
}

// localNow is a moment as seen in one zone.
type localNow struct {
	mins          int
	today, yester day
}

func at(now time.Time, zone *time.Location) localNow {
	if zone == nil {
		zone = time.UTC
	}
	t := now.In(zone)
	return localNow{mins: t.Hour()*60 + t.Minute(), today: dayOf(t), yester: dayOf(t.AddDate(0, 0, -1))}
}

// openLocal: on a day with exceptions only they count; hours that started
// the day before (overnight) follow the day before's rules.
func (e *Entry) openLocal(l localNow) bool {
	return openOn(e.Hours, l.today, l.mins, false) || openOn(e.Hours, l.yester, l.mins, true)
}

// openOn reports whether hs open the day d at minute mins of that day
// (spill: mins is in the next morning, so only overnight hours count).
func openOn(hs []Hours, d day, mins int, spill bool) bool {
	exceptional := false
	for i := range hs {
		if hs[i].Exception && hs[i].covers(d.date) {
			exceptional = true
			break
		}
	}
	for i := range hs {
		h := &hs[i]
		if h.Exception != exceptional || h.Closed || !h.on(d) {
			continue
		}
		overnight := h.Closes <= h.Opens
		switch {
		case spill:
			if overnight && mins < h.Closes {
				return true
			}
		case overnight:
			if mins >= h.Opens {
				return true
			}
		default:
			if mins >= h.Opens && mins < h.Closes {
				return true
			}
		}
	}
	return false
}

func (h *Hours) covers(date string) bool {
	return (h.ValidFrom == "" || date >= h.ValidFrom) && (h.ValidTo == "" || date <= h.ValidTo)
}

// on reports whether the row applies on day d.
func (h *Hours) on(d day) bool {
	if !h.covers(d.date) {
		return false
	}
	if h.Exception {
		return true
	}
	if h.Every > 1 {
		start, err := time.Parse(time.DateOnly, h.Start)
		if err != nil || d.date < h.Start {
			return false
		}
		// Weeks counted Monday to Sunday from the start's week.
		s := int(start.Unix() / 86400)
		weekOf := func(epochDay int) int { return (epochDay + 3) / 7 } // 1970-01-01 was a Thursday
		if (weekOf(d.epochDay)-weekOf(s))%h.Every != 0 {
			return false
		}
	}
	if len(h.Nth) > 0 || len(h.MonthDays) > 0 {
		for _, n := range h.Nth {
			if n.Day != d.wd {
				continue
			}
			fromStart := (d.mday-1)/7 + 1
			fromEnd := -((d.mlen-d.mday)/7 + 1)
			if n.N == 0 || n.N == fromStart || n.N == fromEnd {
				return true
			}
		}
		for _, m := range h.MonthDays {
			if m == d.mday || (m < 0 && d.mlen+m+1 == d.mday) {
				return true
			}
		}
		return false
	}
	return h.Days == 0 || h.Days&(1<<uint(d.wd)) != 0
}

var weekdays = map[string]time.Weekday{"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday}

// date returns the YYYY-MM-DD at the start of s, "" when there is none.
func date(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return ""
	}
	return s[:10]
}

// clock parses HH:MM[:SS][zone] into minutes after midnight (the zone part
// is ignored: times are read in the agency's zone).
func clock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 5 || s[2] != ':' {
		return 0, false
	}
	hh, err1 := strconv.Atoi(s[:2])
	mm, err2 := strconv.Atoi(s[3:5])
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || hh > 24 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}
