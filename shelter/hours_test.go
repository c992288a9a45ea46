package shelter

import (
	"testing"
	"time"
)

func mustSchedule(t *testing.T, s Schedule) Hours {
	t.Helper()
	h, ok := ParseSchedule(s)
	if !ok {
		t.Fatalf("not parsed: %+v", s)
	}
	return h
}

// TestOpenNowHolidaysAndMonthly checks every readable shape at moments in
// America/Chicago, including the day after a holiday and the night that
// runs into one.
func TestOpenNowHolidaysAndMonthly(t *testing.T) {
	zone, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	weekdays := mustSchedule(t, Schedule{Freq: "WEEKLY", ByDay: "MO,TU,WE,TH,FR", OpensAt: "09:00", ClosesAt: "17:00"})
	thursdayNight := mustSchedule(t, Schedule{ByDay: "TH", OpensAt: "20:00", ClosesAt: "02:00"})
	thanksgiving := mustSchedule(t, Schedule{ValidFrom: "2026-11-26"})                                      // closed all day
	christmasEve := mustSchedule(t, Schedule{ValidFrom: "2026-12-24", OpensAt: "09:00", ClosesAt: "12:00"}) // short day
	winterBreak := mustSchedule(t, Schedule{ValidFrom: "2026-12-28", ValidTo: "2026-12-31"})                // closed four days
	regular := Entry{Hours: []Hours{weekdays, thursdayNight, thanksgiving, christmasEve, winterBreak}, Zone: zone}

	secondMonday := mustSchedule(t, Schedule{Freq: "MONTHLY", ByDay: "2MO", OpensAt: "18:00", ClosesAt: "20:00"})
	lastFriday := mustSchedule(t, Schedule{Freq: "MONTHLY", ByDay: "-1FR", OpensAt: "10:00", ClosesAt: "12:00"})
	lastDay := mustSchedule(t, Schedule{Freq: "MONTHLY", ByMonthDay: "-1", OpensAt: "13:00", ClosesAt: "14:00"})
	monthly := Entry{Hours: []Hours{secondMonday, lastFriday, lastDay}, Zone: zone}

	fortnightly := Entry{Hours: []Hours{mustSchedule(t, Schedule{Freq: "WEEKLY", Interval: 2, DTStart: "2026-11-02",
		ByDay: "WE", OpensAt: "10:00", ClosesAt: "16:00"})}, Zone: zone}

	for _, c := range []struct {
		name string
		e    *Entry
		at   string // UTC; Chicago is UTC−6 in November and December
		open bool
	}{
		{"ordinary Wednesday", &regular, "2026-11-25T16:00:00Z", true},
		{"Thanksgiving closed", &regular, "2026-11-26T16:00:00Z", false},
		{"Thanksgiving night closed too", &regular, "2026-11-27T03:00:00Z", false}, // Thu 21:00
		{"Friday after", &regular, "2026-11-27T16:00:00Z", true},
		{"Friday 01:00 after a closed Thursday", &regular, "2026-11-27T07:00:00Z", false},
		{"next Thursday night", &regular, "2026-12-04T03:00:00Z", true},   // Thu 21:00
		{"its spill into Friday", &regular, "2026-12-04T07:30:00Z", true}, // Fri 01:30
		{"Christmas Eve morning", &regular, "2026-12-24T16:00:00Z", true},
		{"Christmas Eve afternoon", &regular, "2026-12-24T19:00:00Z", false},
		{"winter break", &regular, "2026-12-30T16:00:00Z", false},
		{"after the break", &regular, "2027-01-04T16:00:00Z", true},
		{"second Monday of December", &monthly, "2026-12-15T01:00:00Z", true}, // Mon 14 Dec 19:00
		{"first Monday of December", &monthly, "2026-12-08T01:00:00Z", false},
		{"last Friday of November", &monthly, "2026-11-27T17:00:00Z", true},
		{"a Friday before it", &monthly, "2026-11-20T17:00:00Z", false},
		{"last day of November", &monthly, "2026-11-30T19:30:00Z", true},
		{"day before", &monthly, "2026-11-29T19:30:00Z", false},
		{"fortnight: first week", &fortnightly, "2026-11-04T17:00:00Z", true},
		{"fortnight: off week", &fortnightly, "2026-11-11T17:00:00Z", false},
		{"fortnight: third week", &fortnightly, "2026-11-18T17:00:00Z", true},
		{"fortnight: before its start", &fortnightly, "2026-10-21T17:00:00Z", false},
	} {
		now, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if open, known := c.e.openAt(now); !known || open != c.open {
			t.Errorf("%s (%s): open %v known %v, want %v", c.name, now.In(zone).Format("Mon 2006-01-02 15:04"), open, known, c.open)
		}
	}
}

func TestParseScheduleRefusesWhatItCannotRead(t *testing.T) {
	for _, s := range []Schedule{
		{Freq: "MONTHLY", OpensAt: "09:00", ClosesAt: "17:00"},              // no day
		{Freq: "WEEKLY", ByDay: "1MO", OpensAt: "09:00", ClosesAt: "17:00"}, // numbered day, weekly
		{Freq: "YEARLY", ByYearDay: "1", OpensAt: "09:00", ClosesAt: "17:00"},
		{Freq: "WEEKLY", ByDay: "MO", OpensAt: "09:00", ClosesAt: "17:00", HasCount: true},
		{Freq: "WEEKLY", ByDay: "MO", Interval: 2, OpensAt: "09:00", ClosesAt: "17:00"}, // interval without dtstart
		{Freq: "MONTHLY", ByDay: "6MO", OpensAt: "09:00", ClosesAt: "17:00"},
		{Freq: "MONTHLY", ByMonthDay: "32", OpensAt: "09:00", ClosesAt: "17:00"},
		{ByDay: "XX", OpensAt: "09:00", ClosesAt: "17:00"},
		{ByDay: "MO", OpensAt: "9", ClosesAt: "17:00"},
		{ByDay: "MO", OpensAt: "09:00", ClosesAt: "09:00"},
		{ValidFrom: "2026-12-31", ValidTo: "2026-12-01"}, // backwards
		{ValidFrom: "tomorrow"},
		{ByDay: "MO", OpensAt: "09:00", ClosesAt: "17:00", Until: "soon"},
	} {
		if h, ok := ParseSchedule(s); ok {
			t.Errorf("%+v parsed as %+v", s, h)
		}
	}
	// until bounds regular hours like valid_to.
	h := mustSchedule(t, Schedule{ByDay: "MO", OpensAt: "09:00", ClosesAt: "17:00", Until: "2026-12-01T00:00:00Z"})
	if h.ValidTo != "2026-12-01" {
		t.Errorf("until: valid_to %q", h.ValidTo)
	}
}

func FuzzParseSchedule(f *testing.F) {
	f.Add("MONTHLY", "-1FR,2MO", "1,-1", "09:00", "17:00", "2026-01-01", "2026-12-31", "2026-01-05", 2)
	f.Add("", "", "", "", "", "2026-12-25", "", "", 0)
	f.Fuzz(func(t *testing.T, freq, byday, bymonthday, opens, closes, from, to, start string, interval int) {
		h, ok := ParseSchedule(Schedule{Freq: freq, ByDay: byday, ByMonthDay: bymonthday, OpensAt: opens, ClosesAt: closes,
			ValidFrom: from, ValidTo: to, DTStart: start, Interval: interval})
		if !ok {
			return
		}
		e := Entry{Hours: []Hours{h}}
		for _, at := range []string{"2026-01-31T23:59:00Z", "2026-02-28T12:00:00Z", "2026-12-25T00:00:00Z"} {
			now, _ := time.Parse(time.RFC3339, at)
			e.openAt(now) // must not panic
		}
	})
}
