package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The incident report's details form (create and edit) as the officer
// filled it in, so that a refused form comes back as it was sent, with the
// field at fault marked. Codes the form does not offer (an imported
// report's, say) are kept as they are when the form is saved.

type incidentForm struct {
	OccurredDate, OccurredTime                                      string
	Address, Beat, District, LocationType, Latitude, Longitude      string
	Domestic, CircumstanceDV                                        bool
	Strangulation                                                   string // "", "no", "yes"
	Offenses, Signs, Weapons, Substances                            map[string]bool
	FirearmsPresent, ChildrenPresent, ChildrenWitnessed, PriorKnown bool
	Narrative, Version                                              string
}

func checked(vs []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func readIncidentForm(pf url.Values) *incidentForm {
	on := func(k string) bool { return pf.Get(k) != "" }
	return &incidentForm{
		OccurredDate: strings.TrimSpace(pf.Get("occurred_date")), OccurredTime: strings.TrimSpace(pf.Get("occurred_time")),
		Address: pf.Get("address"), Beat: strings.TrimSpace(pf.Get("beat")), District: strings.TrimSpace(pf.Get("district")),
		LocationType: pf.Get("location_type"), Latitude: strings.TrimSpace(pf.Get("latitude")), Longitude: strings.TrimSpace(pf.Get("longitude")),
		Domestic: on("domestic"), CircumstanceDV: on("circumstance_dv"), Strangulation: pf.Get("strangulation"),
		Offenses: checked(pf["offense"]), Signs: checked(pf["sign"]), Weapons: checked(pf["weapon"]), Substances: checked(pf["substance"]),
		FirearmsPresent: on("firearms_present"), ChildrenPresent: on("children_present"), ChildrenWitnessed: on("children_witnessed"),
		PriorKnown: on("prior_incidents_known"), Narrative: pf.Get("narrative"), Version: pf.Get("version"),
	}
}

// formOfIncident is the edit form of a stored report.
func formOfIncident(in *haven.Incident, loc *time.Location) *incidentForm {
	f := &incidentForm{Address: in.Location.Address, Beat: in.Location.Beat, District: in.Location.District,
		LocationType: in.Location.LocationType, Domestic: in.Domestic, Offenses: map[string]bool{}, Signs: map[string]bool{},
		Weapons: checked(in.Weapons), Substances: checked(in.SubstanceUse), FirearmsPresent: in.FirearmsPresent,
		ChildrenPresent: in.ChildrenPresent, ChildrenWitnessed: in.ChildrenWitnessed, PriorKnown: in.PriorIncidentsKnown,
		Narrative: in.Narrative, Version: strconv.Itoa(in.Version)}
	if in.OccurredAt != nil {
		t := in.OccurredAt.In(loc)
		f.OccurredDate, f.OccurredTime = t.Format("2006-01-02"), t.Format("15:04")
	}
	if in.Location.Latitude != nil {
		f.Latitude = strconv.FormatFloat(*in.Location.Latitude, 'f', -1, 64)
	}
	if in.Location.Longitude != nil {
		f.Longitude = strconv.FormatFloat(*in.Location.Longitude, 'f', -1, 64)
	}
	for _, o := range in.Offenses {
		key := o.Code
		if o.Code == "90Z" && strings.Contains(strings.ToLower(o.Description), "protective") {
			key = offenseProtectiveOrder
		}
		f.Offenses[key] = true
		if o.Code == "13A" && slices.Contains(o.Circumstances, circumstanceDV) {
			f.CircumstanceDV = true
		}
	}
	if st := in.Strangulation; st != nil {
		f.Strangulation = "no"
		if st.Occurred {
			f.Strangulation = "yes"
		}
		f.Signs = checked(st.Signs)
	}
	return f
}

func offered(opts []codeOption, v string) bool {
	return slices.ContainsFunc(opts, func(o codeOption) bool { return o.Value == v })
}

// pick keeps the values of old the form does not offer and adds the
// offered ones that are ticked, in the form's order.
func pick(old []string, opts []codeOption, ticked map[string]bool) []string {
	out := []string{}
	for _, v := range old {
		if !offered(opts, v) {
			out = append(out, v)
		}
	}
	for _, o := range opts {
		if ticked[o.Value] {
			out = append(out, o.Value)
		}
	}
	return out
}

// parseLocalDateTime reads a date and a time typed in loc.
func parseLocalDateTime(date, clock string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+clock, loc)
	if err != nil {
		t, err = time.ParseInLocation("2006-01-02 15:04:05", date+" "+clock, loc)
	}
	return t, err == nil
}

// parseDateTimeLocal reads an <input type="datetime-local"> value in loc.
func parseDateTimeLocal(v string, loc *time.Location) (time.Time, bool) {
	date, clock, ok := strings.Cut(strings.TrimSpace(v), "T")
	if !ok {
		return time.Time{}, false
	}
	return parseLocalDateTime(date, clock, loc)
}

// apply writes the form onto in, which holds the stored report (or is
// new). Mistakes only the form can make (a date without a time, half a
// coordinate) are caught here; the rest is the store's to judge.
func (f *incidentForm) apply(in *haven.Incident, loc *time.Location) error {
	switch {
	case f.OccurredDate == "" && f.OccurredTime == "":
		in.OccurredAt = nil
	case f.OccurredDate == "":
		return haven.FieldErrorf(haven.EINVALID, "occurred_date", "Give the date it happened too, or leave the time empty.")
	case f.OccurredTime == "":
		return haven.FieldErrorf(haven.EINVALID, "occurred_time", "Give the time it happened too (an estimate is fine), or leave the date empty.")
	default:
		t, ok := parseLocalDateTime(f.OccurredDate, f.OccurredTime, loc)
		if !ok {
			return haven.FieldErrorf(haven.EINVALID, "occurred_date", "The date and time it happened must be a date and a time of day.")
		}
		in.OccurredAt = &t
	}
	in.Location.Address, in.Location.Beat, in.Location.District, in.Location.LocationType = f.Address, f.Beat, f.District, f.LocationType
	in.Location.Latitude, in.Location.Longitude = nil, nil
	if f.Latitude != "" || f.Longitude != "" {
		lat, err1 := strconv.ParseFloat(f.Latitude, 64)
		lon, err2 := strconv.ParseFloat(f.Longitude, 64)
		switch {
		case err1 != nil || lat < -90 || lat > 90:
			return haven.FieldErrorf(haven.EINVALID, "latitude", "Latitude must be a number from -90 to 90, such as 41.8781, or leave both coordinates empty.")
		case err2 != nil || lon < -180 || lon > 180:
			return haven.FieldErrorf(haven.EINVALID, "longitude", "Longitude must be a number from -180 to 180, such as -87.6298, or leave both coordinates empty.")
		}
		in.Location.Latitude, in.Location.Longitude = &lat, &lon
	}
	in.Domestic = f.Domestic

	if f.CircumstanceDV && !f.Offenses["13A"] {
		return haven.FieldErrorf(haven.EINVALID, "circumstance_dv", "Circumstance 06 (domestic violence) applies to an aggravated assault: tick 13A as well, or untick it.")
	}
	var offenses []haven.Offense
	var old13A []string
	for _, o := range in.Offenses {
		switch {
		case o.Code == "13A":
			old13A = o.Circumstances
		case offered(offenseOptions, o.Code):
			// replaced by what the form says
		default:
			offenses = append(offenses, o)
		}
	}
	for _, opt := range offenseOptions {
		if !f.Offenses[opt.Value] {
			continue
		}
		o := haven.Offense{Code: opt.Value}
		switch opt.Value {
		case offenseProtectiveOrder:
			o = haven.Offense{Code: "90Z", Description: "protective-order violation"}
		case "13A":
			for _, c := range old13A {
				if c != circumstanceDV {
					o.Circumstances = append(o.Circumstances, c)
				}
			}
			if f.CircumstanceDV {
				o.Circumstances = append(o.Circumstances, circumstanceDV)
			}
		}
		offenses = append(offenses, o)
	}
	if offenses == nil {
		offenses = []haven.Offense{}
	}
	in.Offenses = offenses

	var oldSigns []string
	if in.Strangulation != nil {
		oldSigns = in.Strangulation.Signs
	}
	switch f.Strangulation {
	case "yes":
		in.Strangulation = &haven.Strangulation{Occurred: true, Signs: pick(oldSigns, strangulationSigns, f.Signs)}
	case "no":
		if len(f.Signs) > 0 {
			return haven.FieldErrorf(haven.EINVALID, "strangulation-yes", "Signs of strangulation are ticked, but strangulation is answered no: check the answer.")
		}
		in.Strangulation = &haven.Strangulation{Occurred: false, Signs: []string{}}
	default:
		in.Strangulation = nil
	}
	in.Weapons = pick(in.Weapons, weaponOptions, f.Weapons)
	in.SubstanceUse = pick(in.SubstanceUse, substanceOptions, f.Substances)
	in.FirearmsPresent, in.ChildrenPresent, in.ChildrenWitnessed, in.PriorIncidentsKnown = f.FirearmsPresent, f.ChildrenPresent, f.ChildrenWitnessed, f.PriorKnown
	in.Narrative = f.Narrative
	return nil
}

// incidentInput names the details form's input that holds a field the
// store complained about ("location.address" is the address input).
func incidentInput(field string) string {
	head, _, _ := strings.Cut(field, "[")
	head, _, _ = strings.Cut(head, ".")
	switch {
	case field == "occurred_at" || field == "reported_at":
		return "occurred_date"
	case strings.HasPrefix(field, "location."):
		switch sub := strings.TrimPrefix(field, "location."); sub {
		case "address", "beat", "district", "location_type", "latitude", "longitude":
			return sub
		}
		return "address"
	case head == "offenses":
		return "offense-0"
	case head == "weapons":
		return "weapon-0"
	case head == "strangulation":
		return "strangulation-yes"
	case head == "substance_use":
		return "substance-0"
	}
	return field
}

var incidentInputLabels = map[string]string{
	"occurred_date": "Date it happened", "occurred_time": "Time it happened", "address": "Address", "beat": "Beat",
	"district": "District", "location_type": "Type of place", "latitude": "Latitude", "longitude": "Longitude",
	"narrative": "Narrative", "offense-0": "Offences", "weapon-0": "Weapons", "strangulation-yes": "Strangulation",
	"substance-0": "Substance use",
}

// storeWords are the store's field names as the form says them.
var storeWords = strings.NewReplacer("occurred_at", "the time it happened", "reported_at", "the time of the report",
	"children_present", `"Children present"`, "set occurred", `answer "Yes"`)

// incidentMessage words a store message for the form: one that starts
// with the field it names starts with the form's label instead, and field
// names elsewhere in it are said as the form says them.
func incidentMessage(msg, field, input string) string {
	if l := incidentInputLabels[input]; l != "" && field != "" && strings.HasPrefix(msg, field+" ") {
		msg = l + strings.TrimPrefix(msg, field)
	}
	msg = storeWords.Replace(msg)
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return msg
}

// formVersion reads the version a form carries; fallback when it has none.
func formVersion(v string, fallback int) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return fallback, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, haven.Errorf(haven.EINVALID, "The form is damaged; reload the report and try again.")
	}
	return n, nil
}

// splitLines splits charges and the like typed one a line or with commas.
func splitLines(s string) []string {
	out := []string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
