package risk

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
)

// Score scores answers (item id → answer value) with inst and the facts.
// An unknown item or a value the item does not take is an EINVALID error
// whose field is "answers.<item>".
//
// An item left out of answers, or answered "" (a form with nothing
// chosen), counts as missing, like unknown and declined. Only "yes" counts
// as yes.
func Score(inst *haven.Instrument, answers map[string]string, f haven.RiskFacts) (haven.RiskResult, error) {
	if inst == nil || len(inst.Bands) == 0 || len(inst.Items) == 0 {
		return haven.RiskResult{}, haven.Errorf(haven.EINVALID, "no valid instrument to score")
	}
	sc := &inst.Scoring
	name := inst.Name
	if name == "" {
		name = inst.ID
	}

	// Check the item ids first, in sorted order for a stable error.
	for _, id := range slices.Sorted(maps.Keys(answers)) {
		if itemIndex(inst.Items, id) < 0 {
			id = clip(id)
			return haven.RiskResult{}, haven.FieldErrorf(haven.EINVALID, "answers."+id,
				"%s has no item %q; its items are q1 to q%d", name, id, len(inst.Items))
		}
	}
	yesAt := make([]bool, len(inst.Items))
	option := make([]*haven.ItemOption, len(inst.Items))
	answered, yes := 0, 0
	for i := range inst.Items {
		it := &inst.Items[i]
		v, ok := answers[it.ID]
		if !ok {
			continue
		}
		switch v {
		case haven.AnswerYes:
			yesAt[i] = true
			answered++
			yes++
		case haven.AnswerNo:
			answered++
		case haven.AnswerUnknown, haven.AnswerDeclined, "":
		default:
			j := slices.IndexFunc(it.Options, func(o haven.ItemOption) bool { return o.Value == v })
			if j < 0 {
				return haven.RiskResult{}, haven.FieldErrorf(haven.EINVALID, "answers."+it.ID,
					"the answer to %s must be one of %s", it.ID, strings.Join(accepted(it), ", "))
			}
			option[i] = &it.Options[j]
			answered++
		}
	}
	missing := len(inst.Items) - answered

	if f.ProfessionalJudgement && sc.JudgementBand == "" {
		return haven.RiskResult{}, haven.FieldErrorf(haven.EINVALID, "professional_judgement",
			"%s takes no professional-judgement override", name)
	}
	if f.PoliceCallouts12m < 0 {
		return haven.RiskResult{}, haven.FieldErrorf(haven.EINVALID, "police_callouts_12m",
			"the number of police call-outs cannot be negative")
	}
	if sc.MaxMissing >= 0 && missing > sc.MaxMissing {
		return haven.RiskResult{}, haven.FieldErrorf(haven.EINVALID, "answers",
			"%s cannot be scored with %d of its %d items missing (unknown, declined or not answered); at most %d may be missing",
			name, missing, len(inst.Items), sc.MaxMissing)
	}

	r := haven.RiskResult{
		Instrument: inst.ID,
		Version:    inst.Version,
		Answered:   answered,
		Missing:    missing,
		Reasons:    []string{},
	}
	band := -1
	switch sc.Rule {
	case haven.RuleScreen:
		r.Score = float64(yes)
		r.RawScore = r.Score
		for _, id := range sc.AnyOf {
			i := itemIndex(inst.Items, id)
			if i >= 0 && yesAt[i] {
				r.Reasons = append(r.Reasons, fmt.Sprintf("%s answered yes: %s", id, inst.Items[i].Text))
			}
		}
		screened := len(r.Reasons) > 0
		if len(sc.CountOf) > 0 {
			n := 0
			for _, id := range sc.CountOf {
				if i := itemIndex(inst.Items, id); i >= 0 && yesAt[i] {
					n++
				}
			}
			if n >= sc.CountAtLeast {
				screened = true
				r.Reasons = append(r.Reasons, fmt.Sprintf("%d of %s answered yes (%d or more screen in)", n, itemRange(sc.CountOf), sc.CountAtLeast))
			}
		}
		if screened {
			band = bandIndex(inst.Bands, sc.ScreenedIn)
			r.Reasons = append(r.Reasons, screenRule(inst)+": "+labelOf(inst, sc.ScreenedIn))
		} else {
			band = bandIndex(inst.Bands, sc.NotScreened)
			r.Reasons = append(r.Reasons, screenNotMet(inst, yesAt))
		}
	case haven.RuleWeightedSum, haven.RuleCountYes:
		var sum float64
		for i := range inst.Items {
			switch {
			case yesAt[i] && sc.Rule == haven.RuleWeightedSum:
				sum += inst.Items[i].Weight
			case yesAt[i]:
				sum++
			case option[i] != nil:
				sum += option[i].Score
			}
		}
		r.RawScore = sum
		r.Score = sum
		if sc.Prorate && missing > 0 {
			r.Score = prorate(int(sum), missing, len(inst.Items))
			r.Prorated = true
			r.Reasons = append(r.Reasons, fmt.Sprintf("%d of %d items missing: raw score %s prorated to %s",
				missing, len(inst.Items), num(r.RawScore), num(r.Score)))
		}
		band = scoreBand(inst.Bands, r.Score)
		r.Reasons = append(r.Reasons, bandRule(inst.Bands, band, r.Score))
	default:
		return haven.RiskResult{}, haven.Errorf(haven.EINVALID, "%s: scoring rule %q is not known", name, sc.Rule)
	}
	if band < 0 {
		return haven.RiskResult{}, haven.Errorf(haven.EINVALID, "%s: the result band does not exist", name)
	}

	// Overrides raise the band, never lower it.
	raise := func(id string) {
		if j := bandIndex(inst.Bands, id); j > band {
			band = j
		}
	}
	if f.ProfessionalJudgement {
		raise(sc.JudgementBand)
		if sc.Rule == haven.RuleScreen {
			r.Reasons = append(r.Reasons, "officer's professional judgement")
		} else {
			r.Reasons = append(r.Reasons, "professional judgement: at least "+labelOf(inst, sc.JudgementBand))
		}
	}
	if sc.EscalationCallouts > 0 && f.PoliceCallouts12m >= sc.EscalationCallouts {
		raise(sc.EscalationBand)
		r.Reasons = append(r.Reasons, fmt.Sprintf("potential escalation: %d police call-outs for domestic abuse in 12 months (threshold %d)",
			f.PoliceCallouts12m, sc.EscalationCallouts))
	}
	if sc.RepeatBand != "" && f.MARACReferral12m {
		raise(sc.RepeatBand)
		r.Reasons = append(r.Reasons, "repeat: new abuse within 12 months of a MARAC referral")
	}

	b := &inst.Bands[band]
	r.Band = b.ID
	r.BandLabel = b.Label
	r.BandNote = b.Note
	r.High = b.High
	r.Actions = []string{}
	for _, a := range b.Actions {
		if !slices.Contains(r.Actions, a) {
			r.Actions = append(r.Actions, a)
		}
	}
	return r, nil
}

// screenNotMet explains why a screen did not screen in.
func screenNotMet(inst *haven.Instrument, yes []bool) string {
	sc := &inst.Scoring
	var parts []string
	if len(sc.AnyOf) > 0 {
		parts = append(parts, fmt.Sprintf("none of %s answered yes", itemRange(sc.AnyOf)))
	}
	if len(sc.CountOf) > 0 {
		n := 0
		for _, id := range sc.CountOf {
			if i := itemIndex(inst.Items, id); i >= 0 && yes[i] {
				n++
			}
		}
		parts = append(parts, fmt.Sprintf("%d of %s answered yes (fewer than %d)", n, itemRange(sc.CountOf), sc.CountAtLeast))
	}
	return strings.Join(parts, " and ") + ": " + labelOf(inst, sc.NotScreened)
}

// screenRule states the screen-in rule: "yes to any of q1–q3, or to 4 or
// more of q4–q11 screens in".
func screenRule(inst *haven.Instrument) string {
	sc := &inst.Scoring
	var parts []string
	if len(sc.AnyOf) > 0 {
		parts = append(parts, "yes to any of "+itemRange(sc.AnyOf))
	}
	if len(sc.CountOf) > 0 {
		parts = append(parts, fmt.Sprintf("to %d or more of %s", sc.CountAtLeast, itemRange(sc.CountOf)))
		if len(sc.AnyOf) == 0 {
			parts[0] = "yes " + parts[0]
		}
	}
	return strings.Join(parts, ", or ") + " screens in"
}

// scoreBand is the band with the highest min not above score; the first
// band holds everything below the second's min.
func scoreBand(bands []haven.InstrumentBand, score float64) int {
	band := 0
	for i := 1; i < len(bands); i++ {
		if bands[i].Min != nil && score >= *bands[i].Min {
			band = i
		}
	}
	return band
}

// bandRule says in words why score falls in band i.
func bandRule(bands []haven.InstrumentBand, i int, score float64) string {
	var next *float64
	if i+1 < len(bands) {
		next = bands[i+1].Min
	}
	s := num(score)
	switch {
	case i > 0 && bands[i].Min != nil && next != nil:
		return fmt.Sprintf("score %s is at least %s and below %s: %s", s, num(*bands[i].Min), num(*next), bands[i].Label)
	case i > 0 && bands[i].Min != nil:
		return fmt.Sprintf("score %s is at least %s: %s", s, num(*bands[i].Min), bands[i].Label)
	case next != nil:
		return fmt.Sprintf("score %s is below %s: %s", s, num(*next), bands[i].Label)
	}
	return fmt.Sprintf("score %s: %s", s, bands[i].Label)
}

func labelOf(inst *haven.Instrument, band string) string {
	if i := bandIndex(inst.Bands, band); i >= 0 {
		return inst.Bands[i].Label
	}
	return band
}

// itemRange names a list of items: "q4–q11" when they run in order, else
// "q1, q3 and q7".
func itemRange(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	run := len(ids) > 2
	for i := 1; run && i < len(ids); i++ {
		a, errA := strconv.Atoi(strings.TrimPrefix(ids[i-1], "q"))
		b, errB := strconv.Atoi(strings.TrimPrefix(ids[i], "q"))
		run = errA == nil && errB == nil && b == a+1
	}
	if run {
		return ids[0] + "–" + ids[len(ids)-1]
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}

// accepted lists the answer values an item takes.
func accepted(it *haven.InstrumentItem) []string {
	vals := slices.Clone(reserved)
	for _, o := range it.Options {
		vals = append(vals, o.Value)
	}
	return vals
}

// clip shortens an id from the caller for an error message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	r := []rune(s[:40])
	return string(r[:len(r)-1]) + "…"
}

// num formats a score without trailing zeros.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
