package importer

import (
	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/nibrs"
)

// fbiToNIBRS maps the FBI UCR code in Chicago's "FBI Code" column to the
// NIBRS offence it corresponds to, only where the UCR class maps to exactly
// one NIBRS offence. Classes that NIBRS splits — 02 criminal sexual assault
// (11A/11B/11C), 06 larceny (23A–23H), 11 fraud (26A–26G), 16 prostitution
// (40A–40C), 17 criminal sexual abuse, 18 drug abuse (35A/35B), 19 gambling
// (39A–39D), 20 offences against family (Chicago files child abuse and
// abduction there) — are left unmapped; their raw codes stay in SourceCodes.
var fbiToNIBRS = map[string]string{
	"01A": "09A", // homicide 1st and 2nd degree → murder and nonnegligent manslaughter
	"01B": "09B", // involuntary manslaughter → negligent manslaughter
	"03":  "120", // robbery
	"04A": "13A", // aggravated assault
	"04B": "13A", // aggravated battery → aggravated assault
	"05":  "220", // burglary
	"07":  "240", // motor vehicle theft
	"08A": "13B", // simple assault
	"08B": "13B", // simple battery → simple assault
	"09":  "200", // arson
	"10":  "250", // forgery and counterfeiting
	"12":  "270", // embezzlement
	"13":  "280", // stolen property
	"14":  "290", // vandalism → destruction/damage/vandalism of property
	"15":  "520", // weapons violation
	"22":  "90G", // liquor licence → liquor law violations
	"24":  "90C", // disorderly conduct
	"26":  "90Z", // miscellaneous non-index offence → all other offences
}

// iucrOffense overrides the FBI-code mapping for Illinois (IUCR) codes that
// matter to domestic-violence work and that the FBI class files too coarsely.
var iucrOffense = map[string]haven.Offense{
	"4387": {Code: "90Z", Description: "protective-order violation"}, // VIOLATE ORDER OF PROTECTION (FBI 26)
	"4386": {Code: "90Z", Description: "protective-order violation"}, // VIOLATION OF CIVIL NO CONTACT ORDER (FBI 26)
	"0580": {Code: "13C", Description: "stalking"},                   // STALKING SIMPLE (FBI 08A); NIBRS counts stalking as intimidation
	"0581": {Code: "13C", Description: "stalking"},                   // STALKING AGGRAVATED (FBI 08A)
	"0583": {Code: "13C", Description: "stalking"},                   // STALKING CYBERSTALKING (FBI 08A)
	"3960": {Code: "13C"},                                            // INTIMIDATION (FBI 26)
}

// chicagoOffenses returns the NIBRS offences for a Chicago record: the IUCR
// override when there is one, else the FBI code's mapping, else none. A
// domestic homicide or aggravated assault gets circumstance 06.
func chicagoOffenses(iucr, fbi string, domestic bool) []haven.Offense {
	o, ok := iucrOffense[iucr]
	if !ok {
		code, mapped := fbiToNIBRS[fbi]
		if !mapped {
			return nil
		}
		o = haven.Offense{Code: code}
	}
	if domestic && nibrs.CircumstanceAllowed(o.Code, nibrs.CircumstanceDomesticViolence) {
		o.Circumstances = []string{nibrs.CircumstanceDomesticViolence}
	}
	return []haven.Offense{o}
}
