package web

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/safetyplan"
)

// The safety-plan form and its parser. Field names:
//
//	version                  the version the form was opened on (0: a new plan)
//	case_id                  the case the plan is written on, kept as it was
//	s.<section>.<n>.text     an item's text (n: the row, 0…maxFormRow)
//	s.<section>.<n>.done     its "done" checkbox
//	s.<section>.<n>.factor   the factor that suggested it (kept hidden)
//	s.<section>.notes        the section's notes
//	add.<section>            a ticked suggestion, as "<factor>|<text>"
//	c.<n>.name / .phone / .relationship   an emergency contact row
//	code_word
//	safe_places, documents_ready          one per line
//
// Rows are read in number order; blank rows are dropped. Everything else
// (limits, lengths, factors) is checked by the store, whose field names
// ("sections[2].items[0].text") map back onto the form's inputs because
// the form is always drawn from a parsed plan, row n being item n.

// maxFormRow bounds the row numbers the parser reads; higher ones are
// ignored (the store refuses more than 50 items a section anyway).
const maxFormRow = 999

// planForm is what a submitted form says.
type planForm struct {
	Plan    *haven.SafetyPlan
	Version int
}

// formRow parses "<n>" of a row field: a small whole number.
func formRow(s string) (int, bool) {
	if s == "" || len(s) > 3 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= maxFormRow
}

// readPlanForm turns a submitted form into a plan for personID.
func readPlanForm(personID string, form url.Values) (*planForm, error) {
	f := &planForm{Plan: &haven.SafetyPlan{PersonID: personID}}
	if v := strings.TrimSpace(form.Get("version")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, haven.FieldErrorf(haven.EINVALID, "version", "the form's version is not a number; reload the plan and try again")
		}
		f.Version = n
	}
	f.Plan.CaseID = strings.TrimSpace(form.Get("case_id"))

	// Rows by section and number, and contact rows by number.
	items := map[string]map[int]bool{}
	contacts := map[int]bool{}
	for key := range form {
		parts := strings.Split(key, ".")
		switch {
		case len(parts) == 4 && parts[0] == "s" && safetyplan.SectionTitle(parts[1]) != "":
			if n, ok := formRow(parts[2]); ok {
				if items[parts[1]] == nil {
					items[parts[1]] = map[int]bool{}
				}
				items[parts[1]][n] = true
			}
		case len(parts) == 3 && parts[0] == "c":
			if n, ok := formRow(parts[1]); ok {
				contacts[n] = true
			}
		}
	}
	for _, sec := range haven.SafetyPlanSections {
		s := haven.PlanSection{Key: sec.Key, Title: sec.Title, Items: []haven.PlanItem{}, Notes: form.Get("s." + sec.Key + ".notes")}
		have := map[string]bool{}
		for _, n := range sortedRows(items[sec.Key]) {
			p := fmt.Sprintf("s.%s.%d.", sec.Key, n)
			text := form.Get(p + "text")
			if strings.TrimSpace(text) == "" {
				continue
			}
			s.Items = append(s.Items, haven.PlanItem{Text: text, Done: form.Get(p+"done") != "", Suggested: form.Get(p + "factor")})
			have[safetyplan.SameText(text)] = true
		}
		for _, v := range form["add."+sec.Key] {
			factor, text, ok := strings.Cut(v, "|")
			if !ok || strings.TrimSpace(text) == "" || have[safetyplan.SameText(text)] {
				continue
			}
			s.Items = append(s.Items, haven.PlanItem{Text: text, Suggested: factor})
			have[safetyplan.SameText(text)] = true
		}
		f.Plan.Sections = append(f.Plan.Sections, s)
	}
	f.Plan.EmergencyContacts = []haven.PlanContact{}
	for _, n := range sortedRows(contacts) {
		p := fmt.Sprintf("c.%d.", n)
		c := haven.PlanContact{Name: form.Get(p + "name"), Phone: form.Get(p + "phone"), Relationship: form.Get(p + "relationship")}
		if strings.TrimSpace(c.Name+c.Phone+c.Relationship) == "" {
			continue
		}
		f.Plan.EmergencyContacts = append(f.Plan.EmergencyContacts, c)
	}
	f.Plan.CodeWord = form.Get("code_word")
	f.Plan.SafePlaces = formLines(form.Get("safe_places"))
	f.Plan.DocumentsReady = formLines(form.Get("documents_ready"))
	return f, nil
}

func sortedRows(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// formLines splits a one-per-line textarea, dropping blank lines.
func formLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// planInputID is the id of the form input a store error's field names
// (the form is drawn from the parsed plan, so item n is row n); "" when
// the field is not one input.
func planInputID(field string) string {
	var i, n int
	var rest string
	switch {
	case field == "code_word":
		return "code_word"
	case strings.HasPrefix(field, "safe_places"):
		return "safe_places"
	case strings.HasPrefix(field, "documents_ready"):
		return "documents_ready"
	case strings.HasPrefix(field, "emergency_contacts["):
		if _, err := fmt.Sscanf(field, "emergency_contacts[%d].%s", &n, &rest); err == nil {
			return fmt.Sprintf("c-%d-%s", n, rest)
		}
	case strings.HasPrefix(field, "sections["):
		if _, err := fmt.Sscanf(field, "sections[%d].items[%d].%s", &i, &n, &rest); err == nil && i >= 0 && i < len(haven.SafetyPlanSections) {
			return fmt.Sprintf("s-%s-%d-%s", haven.SafetyPlanSections[i].Key, n, rest)
		}
		if _, err := fmt.Sscanf(field, "sections[%d].%s", &i, &rest); err == nil && i >= 0 && i < len(haven.SafetyPlanSections) && rest == "notes" {
			return fmt.Sprintf("s-%s-notes", haven.SafetyPlanSections[i].Key)
		}
	}
	return ""
}
