package web

import (
	"strings"

	"github.com/haven-dv/haven"
)

// The code lists the incident forms offer, with the labels people read.
// Codes are NIBRS codes (FBI, IEPD 2019.1; see ../shared/reference/nibrs)
// where NIBRS has them. They are display data only: what a report may hold
// is the store's to check.

// codeOption is one choice of a select or a group of checkboxes.
type codeOption struct{ Value, Label string }

// codeLabel finds value's label in opts, or returns value itself.
func codeLabel(opts []codeOption, value string) string {
	for _, o := range opts {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// offenseProtectiveOrder is the form's key for 90Z recorded as a
// protective-order violation.
const offenseProtectiveOrder = "90Z-PO"

var offenseOptions = []codeOption{
	{"13A", "13A Aggravated assault"},
	{"13B", "13B Simple assault"},
	{"13C", "13C Intimidation (threats, stalking)"},
	{"11A", "11A Rape"},
	{"120", "120 Robbery"},
	{"290", "290 Destruction, damage or vandalism of property"},
	{offenseProtectiveOrder, "90Z Protective-order violation"},
	{"90Z", "90Z All other offences"},
}

// circumstanceDV is the aggravated-assault circumstance code for domestic
// violence.
const circumstanceDV = "06"

var relationshipOptions = []codeOption{
	{"SE", "SE Spouse"},
	{"CS", "CS Common-law spouse"},
	{"XS", "XS Ex-spouse"},
	{"BG", "BG Boyfriend or girlfriend"},
	{"XR", "XR Ex-relationship (ex-boyfriend or ex-girlfriend)"},
	{"CF", "CF Child of boyfriend or girlfriend"},
	{"PA", "PA Parent"},
	{"CH", "CH Child"},
	{"SB", "SB Sibling"},
	{"GP", "GP Grandparent"},
	{"GC", "GC Grandchild"},
	{"IL", "IL In-law"},
	{"SP", "SP Stepparent"},
	{"SC", "SC Stepchild"},
	{"SS", "SS Stepsibling"},
	{"OF", "OF Other family member"},
	{"AQ", "AQ Acquaintance"},
	{"FR", "FR Friend"},
	{"NE", "NE Neighbour"},
	{"BE", "BE Babysittee"},
	{"EE", "EE Employee"},
	{"ER", "ER Employer"},
	{"OK", "OK Otherwise known"},
	{"ST", "ST Stranger"},
	{"VO", "VO Victim was offender"},
	{"RU", "RU Relationship unknown"},
}

var weaponOptions = []codeOption{
	{"85", "85 Asphyxiation (strangulation, smothering)"},
	{"40", "40 Personal weapons (hands, fists, feet)"},
	{"11", "11 Firearm"},
	{"20", "20 Knife or cutting instrument"},
	{"30", "30 Blunt object"},
	{"35", "35 Motor vehicle"},
	{"50", "50 Poison"},
	{"65", "65 Fire or incendiary device"},
	{"90", "90 Other"},
	{"95", "95 Unknown"},
	{"99", "99 None"},
}

var strangulationSigns = []codeOption{
	{"petechiae", "Petechiae (red spots in the eyes or on the face)"},
	{"neck marks", "Marks, redness or bruising on the neck"},
	{"hoarse voice", "Hoarse voice or voice changes"},
	{"difficulty swallowing", "Difficulty swallowing"},
	{"difficulty breathing", "Difficulty breathing"},
	{"loss of consciousness", "Loss of consciousness"},
	{"loss of bladder or bowel control", "Loss of bladder or bowel control"},
	{"vision changes", "Vision changes"},
}

var substanceOptions = []codeOption{
	{"alcohol", "Alcohol"},
	{"drugs", "Drugs"},
}

var injuryOptions = []codeOption{
	{"M", "M Apparent minor injury"},
	{"B", "B Apparent broken bones"},
	{"I", "I Possible internal injury"},
	{"L", "L Severe laceration"},
	{"O", "O Other major injury"},
	{"T", "T Loss of teeth"},
	{"U", "U Unconsciousness"},
}

var locationTypeOptions = []codeOption{
	{"RESIDENCE", "Residence (house)"},
	{"APARTMENT", "Apartment"},
	{"RESIDENCE - PORCH / HALLWAY", "Residence: porch or hallway"},
	{"RESIDENCE - YARD (FRONT / BACK)", "Residence: yard"},
	{"RESIDENCE - GARAGE", "Residence: garage"},
	{"STREET", "Street"},
	{"SIDEWALK", "Sidewalk"},
	{"ALLEY", "Alley"},
	{"VEHICLE NON-COMMERCIAL", "Vehicle"},
	{"PARKING LOT / GARAGE (NON RESIDENTIAL)", "Parking lot or garage"},
	{"HOTEL / MOTEL", "Hotel or motel"},
	{"RESTAURANT", "Restaurant"},
	{"SCHOOL - PUBLIC BUILDING", "School"},
	{"HOSPITAL BUILDING / GROUNDS", "Hospital"},
	{"OTHER", "Other"},
}

var partyRoleOptions = []codeOption{
	{string(haven.PartyVictim), "Victim"},
	{string(haven.PartySuspect), "Suspect"},
	{string(haven.PartyWitness), "Witness"},
	{string(haven.PartyChild), "Child present"},
}

var statementKinds = []codeOption{
	{"victim", "Victim"},
	{"suspect", "Suspect"},
	{"witness", "Witness"},
}

var howTakenOptions = []codeOption{
	{"written", "Written"},
	{"verbal", "Verbal (officer's notes)"},
	{"audio", "Audio recording"},
	{"video", "Video recording"},
	{"interpreter", "Through an interpreter"},
}

var statusOptions = []codeOption{
	{string(haven.StatusDraft), "Draft"},
	{string(haven.StatusSubmitted), "Submitted"},
	{string(haven.StatusReturned), "Returned"},
	{string(haven.StatusApproved), "Approved"},
	{string(haven.StatusClosed), "Closed"},
}

// validStatus reports whether s is a workflow status.
func validStatus(s string) bool {
	for _, o := range statusOptions {
		if o.Value == s {
			return true
		}
	}
	return false
}

// offenseLabel is the label of an offence as recorded.
func offenseLabel(o haven.Offense) string {
	if o.Code == "90Z" && strings.Contains(strings.ToLower(o.Description), "protective") {
		return codeLabel(offenseOptions, offenseProtectiveOrder)
	}
	l := codeLabel(offenseOptions, o.Code)
	if o.Description != "" && l == o.Code {
		l += " " + o.Description
	}
	return l
}

// codeFuncs are the template helpers that turn codes into labels.
var codeFuncs = map[string]any{
	"offenseLabel":      offenseLabel,
	"relationshipLabel": func(c string) string { return codeLabel(relationshipOptions, c) },
	"weaponLabel":       func(c string) string { return codeLabel(weaponOptions, c) },
	"signLabel":         func(c string) string { return codeLabel(strangulationSigns, c) },
	"substanceLabel":    func(c string) string { return codeLabel(substanceOptions, c) },
	"injuryLabel":       func(c string) string { return codeLabel(injuryOptions, c) },
	"locationLabel":     func(c string) string { return codeLabel(locationTypeOptions, c) },
	"roleLabel":         func(r haven.PartyRole) string { return codeLabel(partyRoleOptions, string(r)) },
	"kindLabel":         func(c string) string { return codeLabel(statementKinds, c) },
	"howLabel":          func(c string) string { return codeLabel(howTakenOptions, c) },
	"statusLabel":       func(s haven.IncidentStatus) string { return codeLabel(statusOptions, string(s)) },
}

func init() {
	// partyFields hands the shared party inputs (role, relationship,
	// suspect) of the "pick" and "new" forms their data and id prefix.
	codeFuncs["partyFields"] = func(p *page, which string) map[string]any {
		return map[string]any{"V": p.Data, "Form": which, "Prefix": which, "Field": p.Field}
	}
	for k, v := range codeFuncs {
		funcs[k] = v
	}
}
