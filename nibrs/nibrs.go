// Package nibrs holds the FBI National Incident-Based Reporting System code
// lists Haven's incident reports use: offences, victim-to-offender
// relationships, weapon/force, injury and aggravated-assault/homicide
// circumstance codes, with their descriptions. It is pure: no I/O.
//
// The lists are taken from the FBI's NIBRS XML exchange package, IEPD
// 2019.1 (../shared/reference/nibrs/NIBRS_IEPD_2019_1): offence codes from
// nibrs-codes.xsd (OffenseCodeSimpleType), weapon/force, injury and
// circumstance codes from fbi_ucr.xsd (ForceCategoryCodeSimpleType,
// InjuryCategoryCodeSimpleType, AggravatedAssaultHomicideFactorsCodeSimpleType,
// with the 2019 description of 06, "Domestic Violence", from the code
// tables spreadsheet), and the two-letter relationship codes from the code
// tables spreadsheet (documents/nibrs_CodesTables.xlsx, sheet
// VictimToSubjectRelationshipCode), which maps each XML value to its
// flat-file code. The 2019 list no longer has HR (homosexual relationship):
// such relationships are BG, XR, SE and so on like any other.
package nibrs

import "strings"

// Code is one entry of a code list.
type Code struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// Offenses are the NIBRS offence codes (Group A and Group B), in the FBI's order.
var Offenses = []Code{
	{"09A", "Murder & Nonnegligent Manslaughter"},
	{"09B", "Negligent Manslaughter"},
	{"09C", "Justifiable Homicide"},
	{"100", "Kidnapping/Abduction"},
	{"11A", "Rape"},
	{"11B", "Sodomy"},
	{"11C", "Sexual Assault With An Object"},
	{"11D", "Fondling"},
	{"120", "Robbery"},
	{"13A", "Aggravated Assault"},
	{"13B", "Simple Assault"},
	{"13C", "Intimidation"},
	{"200", "Arson"},
	{"210", "Extortion/Blackmail"},
	{"220", "Burglary/Breaking & Entering"},
	{"23A", "Pocket-picking"},
	{"23B", "Purse-snatching"},
	{"23C", "Shoplifting"},
	{"23D", "Theft From Building"},
	{"23E", "Theft From Coin-Operated Machine or Device"},
	{"23F", "Theft From Motor Vehicle"},
	{"23G", "Theft of Motor Vehicle Parts or Accessories"},
	{"23H", "All Other Larceny"},
	{"240", "Motor Vehicle Theft"},
	{"250", "Counterfeiting/Forgery"},
	{"26A", "False Pretenses/Swindle/Confidence Game"},
	{"26B", "Credit Card/Automated Teller Machine Fraud"},
	{"26C", "Impersonation"},
	{"26D", "Welfare Fraud"},
	{"26E", "Wire Fraud"},
	{"26F", "Identity Theft"},
	{"26G", "Hacking/Computer Invasion"},
	{"270", "Embezzlement"},
	{"280", "Stolen Offenses"},
	{"290", "Destruction/Damage/Vandalism of Property"},
	{"35A", "Drug/Narcotic Violations"},
	{"35B", "Drug Equipment Violations"},
	{"36A", "Incest"},
	{"36B", "Statutory Rape"},
	{"370", "Pornography/Obscene Material"},
	{"39A", "Betting/Wagering"},
	{"39B", "Operating/Promoting/Assisting Gambling"},
	{"39C", "Gambling Equipment Violation"},
	{"39D", "Sports Tampering"},
	{"40A", "Prostitution"},
	{"40B", "Assisting or Promoting Prostitution"},
	{"40C", "Purchasing Prostitution"},
	{"510", "Bribery"},
	{"520", "Weapon Law Violations"},
	{"64A", "Human Trafficking, Commercial Sex Acts"},
	{"64B", "Human Trafficking, Involuntary Servitude"},
	{"720", "Animal Cruelty"},
	{"90A", "Bad Checks"},
	{"90B", "Curfew/Loitering/Vagrancy Violations"},
	{"90C", "Disorderly Conduct"},
	{"90D", "Driving Under the Influence"},
	{"90E", "Drunkenness"},
	{"90F", "Family Offenses, Nonviolent"},
	{"90G", "Liquor Law Violations"},
	{"90H", "Peeping Tom"},
	{"90I", "Runaway"},
	{"90J", "Trespass of Real Property"},
	{"90Z", "All Other Offenses"}, // including protective-order violations
}

// Relationships are the victim-to-offender relationship codes: who the
// victim was to the offender.
var Relationships = []Code{
	{"SE", "Victim was spouse"},
	{"CS", "Victim was common-law spouse"},
	{"PA", "Victim was parent"},
	{"SB", "Victim was sibling"},
	{"CH", "Victim was child"},
	{"GP", "Victim was grandparent"},
	{"GC", "Victim was grandchild"},
	{"IL", "Victim was in-law"},
	{"SP", "Victim was stepparent"},
	{"SC", "Victim was stepchild"},
	{"SS", "Victim was stepsibling"},
	{"OF", "Victim was other family member"},
	{"CF", "Victim was child of boyfriend or girlfriend"},
	{"BG", "Victim was boyfriend/girlfriend"},
	{"XS", "Victim was ex-spouse"},
	{"XR", "Victim was ex-boyfriend/ex-girlfriend"},
	{"AQ", "Victim was acquaintance"},
	{"FR", "Victim was friend"},
	{"NE", "Victim was neighbor"},
	{"BE", "Victim was babysittee (the baby)"},
	{"EE", "Victim was employee"},
	{"ER", "Victim was employer"},
	{"OK", "Victim was otherwise known"},
	{"RU", "Relationship unknown"},
	{"ST", "Victim was stranger"},
	{"VO", "Victim was offender"},
}

// Weapons are the type of weapon/force codes. 85 Asphyxiation is how
// strangulation is reported.
var Weapons = []Code{
	{"11", "Firearm (type not stated)"},
	{"11A", "Automatic Firearm (type not stated)"},
	{"12", "Handgun"},
	{"12A", "Automatic Handgun"},
	{"13", "Rifle"},
	{"13A", "Automatic Rifle"},
	{"14", "Shotgun"},
	{"14A", "Automatic Shotgun"},
	{"15", "Other Firearm"},
	{"15A", "Other Automatic Firearm"},
	{"20", "Knife/Cutting Instrument"},
	{"30", "Blunt Object"},
	{"35", "Motor Vehicle/Vessel"},
	{"40", "Personal Weapons (hands, fists, feet)"},
	{"50", "Poison"},
	{"60", "Explosives"},
	{"65", "Fire/Incendiary Device"},
	{"70", "Drugs/Narcotics/Sleeping Pills"},
	{"85", "Asphyxiation"},
	{"90", "Other"},
	{"95", "Unknown"},
	{"99", "None"},
}

// Injuries are the type of injury codes.
var Injuries = []Code{
	{"N", "None"},
	{"M", "Apparent Minor Injury"},
	{"B", "Apparent Broken Bones"},
	{"I", "Possible Internal Injury"},
	{"L", "Severe Laceration"},
	{"T", "Loss of Teeth"},
	{"U", "Unconsciousness"},
	{"O", "Other Major Injury"},
}

// Circumstances are the aggravated-assault/homicide circumstance codes.
var Circumstances = []Code{
	{"01", "Argument"},
	{"02", "Assault on Law Enforcement Officer(s)"},
	{"03", "Drug Dealing"},
	{"04", "Gangland (Organized Crime Involvement)"},
	{"05", "Juvenile Gang"},
	{"06", "Domestic Violence"},
	{"07", "Mercy Killing (Not applicable to Aggravated Assault)"},
	{"08", "Other Felony Involved"},
	{"09", "Other Circumstances"},
	{"10", "Unknown Circumstances"},
	{"20", "Criminal Killed by Private Citizen"},
	{"21", "Criminal Killed by Police Officer"},
	{"30", "Child Playing With Weapon"},
	{"31", "Gun-Cleaning Accident"},
	{"32", "Hunting Accident"},
	{"33", "Other Negligent Weapon Handling"},
	{"34", "Other Negligent Killings"},
}

// Offence codes of particular interest.
const (
	AggravatedAssault = "13A"
	SimpleAssault     = "13B"
	Intimidation      = "13C"
	AllOtherOffenses  = "90Z"
	// CircumstanceDomesticViolence is the aggravated-assault circumstance
	// "Domestic Violence" (before 2019: "Lovers' Quarrel").
	CircumstanceDomesticViolence = "06"
	// WeaponAsphyxiation is the weapon/force code for strangulation and
	// suffocation.
	WeaponAsphyxiation = "85"
)

var (
	offenseIx      = index(Offenses)
	relationshipIx = index(Relationships)
	weaponIx       = index(Weapons)
	injuryIx       = index(Injuries)
	circumstanceIx = index(Circumstances)
)

func index(list []Code) map[string]string {
	m := make(map[string]string, len(list))
	for _, c := range list {
		m[c.Code] = c.Description
	}
	return m
}

// Canonical returns code as the lists spell it: trimmed and upper case.
func Canonical(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// ValidOffense reports whether code is an offence code (exactly as listed).
func ValidOffense(code string) bool { _, ok := offenseIx[code]; return ok }

// ValidRelationship reports whether code is a relationship code.
func ValidRelationship(code string) bool { _, ok := relationshipIx[code]; return ok }

// ValidWeapon reports whether code is a weapon/force code.
func ValidWeapon(code string) bool { _, ok := weaponIx[code]; return ok }

// ValidInjury reports whether code is an injury code.
func ValidInjury(code string) bool { _, ok := injuryIx[code]; return ok }

// ValidCircumstance reports whether code is a circumstance code.
func ValidCircumstance(code string) bool { _, ok := circumstanceIx[code]; return ok }

// OffenseDescription returns the description of an offence code, "" when unknown.
func OffenseDescription(code string) string { return offenseIx[code] }

// RelationshipDescription returns the description of a relationship code.
func RelationshipDescription(code string) string { return relationshipIx[code] }

// WeaponDescription returns the description of a weapon/force code.
func WeaponDescription(code string) string { return weaponIx[code] }

// InjuryDescription returns the description of an injury code.
func InjuryDescription(code string) string { return injuryIx[code] }

// CircumstanceDescription returns the description of a circumstance code.
func CircumstanceDescription(code string) string { return circumstanceIx[code] }

// CircumstanceAllowed reports whether circumstance code c may be given for
// offence code offense (NIBRS data element 31): aggravated assault takes
// 01–06 and 08–10, murder 01–10, negligent manslaughter 30–34, justifiable
// homicide 20–21; other offences take none.
func CircumstanceAllowed(offense, c string) bool {
	if !ValidCircumstance(c) {
		return false
	}
	switch offense {
	case "13A":
		return c <= "10" && c != "07"
	case "09A":
		return c <= "10"
	case "09B":
		return c >= "30" && c <= "34"
	case "09C":
		return c == "20" || c == "21"
	}
	return false
}

// TakesCircumstances reports whether an offence code takes circumstance codes.
func TakesCircumstances(offense string) bool {
	switch offense {
	case "13A", "09A", "09B", "09C":
		return true
	}
	return false
}

// IntimatePartner reports whether a relationship code is an intimate
// partner, current or former: SE, CS, BG, XS, XR.
func IntimatePartner(code string) bool {
	switch code {
	case "SE", "CS", "BG", "XS", "XR":
		return true
	}
	return false
}

// Family reports whether a relationship code is a family member (other
// than a spouse): PA, SB, CH, GP, GC, IL, SP, SC, SS, OF, CF.
func Family(code string) bool {
	switch code {
	case "PA", "SB", "CH", "GP", "GC", "IL", "SP", "SC", "SS", "OF", "CF":
		return true
	}
	return false
}

// Firearm reports whether a weapon/force code is a firearm (11–15A).
func Firearm(code string) bool {
	return ValidWeapon(code) && code >= "11" && code < "20"
}
