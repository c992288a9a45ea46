// Package safetyplan holds the rules of safety plans that need no I/O:
// which answers of the built-in risk instruments and which incident facts
// indicate which risk factor, the items each factor suggests for each
// section of a plan, and the validation of a plan before it is stored.
//
// Suggestions are prompts for the advocate and the survivor to talk
// through, never a plan made for them: nothing is added to a plan unless
// someone ticks it. Their wording avoids words that would give a printed
// plan away (the discreet printout shows item texts as written).
package safetyplan

import (
	"slices"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/nibrs"
)

// Risk factors a plan's items can be suggested for.
const (
	Firearms        = "firearms"         // the abuser has or can get a gun
	Strangulation   = "strangulation"    // non-fatal strangulation, choking, suffocation
	Stalking        = "stalking"         // following, spying, unwanted contact
	ChildThreats    = "child_threats"    // threats to (or harm of) the children
	Separation      = "separation"       // recent or planned separation
	Weapons         = "weapons"          // a weapon used or threatened (other than what Firearms covers)
	ThreatsToKill   = "threats_to_kill"  // threats to kill
	JealousyControl = "jealousy_control" // violent jealousy, coercive control
	Pregnancy       = "pregnancy"        // pregnancy, or violence during pregnancy
)

// factorInfo is one factor's label, in display order.
var factorInfo = []struct{ Key, Label string }{
	{Firearms, "Firearms"},
	{Strangulation, "Strangulation"},
	{ThreatsToKill, "Threats to kill"},
	{Weapons, "Weapons"},
	{Stalking, "Stalking"},
	{Separation, "Recent separation"},
	{ChildThreats, "Threats to children"},
	{JealousyControl, "Jealousy and control"},
	{Pregnancy, "Pregnancy"},
}

// AllFactors lists every factor, in display order.
func AllFactors() []string {
	out := make([]string, len(factorInfo))
	for i, f := range factorInfo {
		out[i] = f.Key
	}
	return out
}

// KnownFactor reports whether f is one of the factors.
func KnownFactor(f string) bool {
	for _, fi := range factorInfo {
		if fi.Key == f {
			return true
		}
	}
	return false
}

// FactorLabel is a factor in words ("Recent separation"); an unknown
// factor is returned as it is.
func FactorLabel(f string) string {
	for _, fi := range factorInfo {
		if fi.Key == f {
			return fi.Label
		}
	}
	return f
}

// instrumentFactors maps, per built-in instrument, the items whose "yes"
// indicates a factor. Items that indicate none (unemployment, the
// abuser's suicidality, …) are not listed. See risk/instruments/*.json for
// each item's wording.
var instrumentFactors = map[string]map[string][]string{
	// Lethality Screen (Maryland LAP).
	"lap": {
		"q1":  {Weapons},         // used a weapon against you, or threatened you with one
		"q2":  {ThreatsToKill},   // threatened to kill you or your children
		"q4":  {Firearms},        // has a gun, or could get one easily
		"q5":  {Strangulation},   // tried to choke or strangle you
		"q6":  {JealousyControl}, // violently or constantly jealous, or controls what you do
		"q7":  {Separation},      // you have left or separated
		"q11": {Stalking},        // follows or spies on you, leaves threatening messages
	},
	// Danger Assessment (Campbell).
	"danger-assessment": {
		"q2":  {Firearms},        // owns a gun
		"q3":  {Separation},      // you left after living together in the past year
		"q5":  {Weapons},         // used or threatened you with a weapon
		"q6":  {ThreatsToKill},   // threatens to kill you
		"q10": {Strangulation},   // tries to choke or strangle you
		"q13": {JealousyControl}, // controls most of your daily activities
		"q14": {JealousyControl}, // violently and constantly jealous
		"q15": {Pregnancy},       // beat you while you were pregnant
		"q17": {ChildThreats},    // threatens to harm your children
		"q19": {Stalking},        // follows or spies, threatening notes, unwanted calls
	},
	// DASH (27 items).
	"dash": {
		"q6":  {Separation},      // separated, or tried to, in the past year
		"q8":  {Stalking},        // keeps contacting you, follows, stalks, harasses
		"q9":  {Pregnancy},       // pregnant, or a baby in the last 18 months
		"q11": {ChildThreats},    // hurt the children or dependants
		"q12": {ChildThreats},    // threatened to hurt or kill the children or dependants
		"q15": {JealousyControl}, // controls everything you do, or excessively jealous
		"q16": {Weapons},         // used a weapon or object to hurt you
		"q17": {ThreatsToKill},   // threatened to kill you or someone else
		"q18": {Strangulation},   // tried to strangle, choke, suffocate or drown you
	},
	// DASH, the 24-item version without the children's questions.
	"dash-24": {
		"q6":  {Separation},
		"q8":  {Stalking},
		"q9":  {Pregnancy},
		"q12": {JealousyControl},
		"q13": {Weapons},
		"q14": {ThreatsToKill},
		"q15": {Strangulation},
	},
	// ODARA (coded from records).
	"odara": {
		"q5":  {ThreatsToKill}, // threatened to harm or kill anyone during the incident
		"q12": {Pregnancy},     // assaulted the victim while she was pregnant
	},
}

// builtinVersions are the versions of the built-in instruments the mapping
// above was written for. An agency may load its own definition under the
// same id; its items may mean something else, so only these versions are
// read.
var builtinVersions = map[string]string{
	"lap": "2005", "danger-assessment": "2019", "dash": "2009", "dash-24": "2009", "odara": "2004",
}

// Knows reports whether Factors understands assessments of instrument at
// version: a built-in instrument at the version the mapping was written for.
func Knows(instrument, version string) bool {
	v, ok := builtinVersions[instrument]
	return ok && v == version
}

// Factors returns the factors the answers of a built-in instrument
// indicate, in display order, each once. Only "yes" answers count; an
// unknown instrument indicates nothing.
func Factors(instrument string, answers map[string]string) []string {
	items := instrumentFactors[instrument]
	found := map[string]bool{}
	for item, fs := range items {
		if strings.EqualFold(strings.TrimSpace(answers[item]), haven.AnswerYes) {
			for _, f := range fs {
				found[f] = true
			}
		}
	}
	return ordered(found)
}

// IncidentFactors returns the factors an incident report's facts indicate
// for its victim: firearms present or a firearm used, strangulation
// recorded (or asphyxiation as the force used), another weapon used.
func IncidentFactors(in *haven.Incident) []string {
	found := map[string]bool{}
	if in.FirearmsPresent {
		found[Firearms] = true
	}
	if in.Strangulation != nil && in.Strangulation.Occurred {
		found[Strangulation] = true
	}
	for _, w := range in.Weapons {
		w = nibrs.Canonical(w)
		switch {
		case nibrs.Firearm(w):
			found[Firearms] = true
		case w == "85":
			found[Strangulation] = true
		case w == "20" || w == "30" || w == "35" || w == "50" || w == "60" || w == "65":
			found[Weapons] = true
		}
	}
	return ordered(found)
}

func ordered(found map[string]bool) []string {
	out := []string{}
	for _, fi := range factorInfo {
		if found[fi.Key] {
			out = append(out, fi.Key)
		}
	}
	return out
}

// suggestion is one suggested item.
type suggestion struct{ section, text string }

// suggestions are the items each factor suggests. The wording speaks to
// the survivor and avoids naming what the plan is about.
var suggestions = map[string][]suggestion{
	Firearms: {
		{"protective_order", "Ask for the order to require guns to be handed in, and ask the police how they will check it was done."},
		{"during_incident", "Know where the guns are kept, and stay away from those rooms when things get tense."},
		{"during_incident", "Plan ways out of the house that do not pass the place where a gun is kept."},
		{"after_leaving", "Tell the advocate or the police at once if they still have a gun, or get a new one."},
	},
	Strangulation: {
		{"during_incident", "After any choking or strangling, get a medical check the same day, even if there are no marks: it can cause death hours or days later."},
		{"during_incident", "Get urgent help for trouble breathing or swallowing, a changed voice, dizziness or fainting, even days afterwards."},
		{"protective_order", "Write down and photograph any signs after choking (marks, red spots in the eyes, a hoarse voice) for the court."},
	},
	ThreatsToKill: {
		{"during_incident", "Take threats to kill seriously: decide now where you would go and how you would get there."},
		{"protective_order", "Write down every threat (the words, date, time, who heard it) and report it to the police."},
		{"preparing_to_leave", "Ask the advocate about emergency shelter and a high-risk referral before you leave."},
	},
	Weapons: {
		{"during_incident", "When things get tense, keep out of the kitchen, the garage and rooms with knives, tools or weapons; go to a room with a way out."},
		{"protective_order", "Ask for weapons to be named in the order."},
	},
	Stalking: {
		{"after_leaving", "Change your routes and times to and from home, work and school."},
		{"protective_order", "Keep a log of every incident: date, time, place, what happened and who saw it; keep messages and screenshots."},
		{"technology", "Have your phone and car checked for tracking devices and tracking apps; the advocate or the police can help."},
		{"work_school", "Tell security or reception at work, with a photo if it is safe, and ask for someone to walk you to your car."},
	},
	Separation: {
		{"after_leaving", "The time around leaving and just after is the most dangerous: plan each step with the advocate before you tell them."},
		{"after_leaving", "Change the locks, and secure the windows and doors."},
		{"preparing_to_leave", "Pick a time to leave when they are not around, and tell only people you trust."},
	},
	ChildThreats: {
		{"children", "Give the school and childcare a written list of who may and who may not pick up the children, with a copy of any order."},
		{"children", "Teach the children how to call for help (the emergency number) and where to go when they are scared."},
		{"children", "Agree a word with the children that means: go to the safe place now."},
	},
	JealousyControl: {
		{"technology", "Change passwords and security questions for your phone, e-mail, bank and social media, from a device they have never used."},
		{"technology", "Check location sharing on your phone, apps and car, and turn it off where they can see it."},
		{"technology", "Check which devices are signed in to your accounts and sign out any you do not recognise."},
		{"emotional_health", "Stay in touch with at least one person you trust, on a phone they cannot check."},
	},
	Pregnancy: {
		{"during_incident", "If you are pregnant and are being hurt, curl up on your side to protect your belly."},
		{"preparing_to_leave", "Tell your midwife or doctor what is happening, and ask to be seen on your own."},
	},
}

// Suggest returns the items the factors suggest, grouped by section in the
// plan's order, each item tagged with the factor that suggested it. Only
// sections with items are returned; unknown factors are ignored, and a
// text suggested by two factors appears once, under the first in display
// order.
func Suggest(factors []string) []haven.PlanSection {
	bySection := map[string][]haven.PlanItem{}
	seen := map[string]bool{}
	for _, fi := range factorInfo {
		if !slices.Contains(factors, fi.Key) {
			continue
		}
		for _, s := range suggestions[fi.Key] {
			if seen[s.text] {
				continue
			}
			seen[s.text] = true
			bySection[s.section] = append(bySection[s.section], haven.PlanItem{Text: s.text, Suggested: fi.Key})
		}
	}
	out := []haven.PlanSection{}
	for _, sec := range haven.SafetyPlanSections {
		if items := bySection[sec.Key]; len(items) > 0 {
			out = append(out, haven.PlanSection{Key: sec.Key, Title: sec.Title, Items: items})
		}
	}
	return out
}

// Without removes from suggested the items whose text is already in plan
// (compared without case and surrounding space) and drops the sections
// left empty.
func Without(suggested []haven.PlanSection, plan *haven.SafetyPlan) []haven.PlanSection {
	if plan == nil {
		return suggested
	}
	have := map[string]bool{}
	for _, s := range plan.Sections {
		for _, it := range s.Items {
			have[SameText(it.Text)] = true
		}
	}
	out := []haven.PlanSection{}
	for _, s := range suggested {
		var keep []haven.PlanItem
		for _, it := range s.Items {
			if !have[SameText(it.Text)] {
				keep = append(keep, it)
			}
		}
		if len(keep) > 0 {
			s.Items = keep
			out = append(out, s)
		}
	}
	return out
}

// SameText is the form in which two item texts are compared.
func SameText(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
