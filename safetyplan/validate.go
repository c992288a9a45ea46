package safetyplan

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/haven-dv/haven"
)

// Limits of what a plan holds. Lengths are in characters.
const (
	MaxItemText     = 500
	MaxItems        = 50 // per section
	MaxNotes        = 5000
	MaxContacts     = 20
	MaxContactName  = 200
	MaxContactPhone = 40
	MaxRelationship = 100
	MaxCodeWord     = 100
	MaxSafePlaces   = 20
	MaxPlaceText    = 300
	MaxDocuments    = 50
	MaxDocumentText = 200
)

// SectionTitle is the title of a section key; "" for an unknown key.
func SectionTitle(key string) string {
	for _, s := range haven.SafetyPlanSections {
		if s.Key == key {
			return s.Title
		}
	}
	return ""
}

// Normalize checks a plan's content and puts it in its stored shape:
// every section of haven.SafetyPlanSections, in order, with its title
// (sections left out of p are empty; titles sent are ignored); texts
// trimmed, single-line texts with their runs of spaces made one; blank
// items, contacts, places and documents dropped; lists never nil. The
// first fault is returned as an EINVALID error naming the field as sent,
// for example "sections[2].items[0].text". It does not look at ids,
// versions, the case or who wrote the plan.
func Normalize(p *haven.SafetyPlan) error {
	byKey := map[string]haven.PlanSection{}
	for i, s := range p.Sections {
		f := fmt.Sprintf("sections[%d]", i)
		key := strings.TrimSpace(s.Key)
		if SectionTitle(key) == "" {
			return haven.FieldErrorf(haven.EINVALID, f+".key", "%s.key must be one of %s", f, sectionKeys())
		}
		if _, dup := byKey[key]; dup {
			return haven.FieldErrorf(haven.EINVALID, f+".key", "%s.key: section %s is given twice", f, key)
		}
		items := []haven.PlanItem{}
		for j, it := range s.Items {
			fi := fmt.Sprintf("%s.items[%d]", f, j)
			text, err := line(fi+".text", it.Text, MaxItemText)
			if err != nil {
				return err
			}
			if text == "" {
				continue
			}
			factor := strings.TrimSpace(it.Suggested)
			if factor != "" && !KnownFactor(factor) {
				return haven.FieldErrorf(haven.EINVALID, fi+".suggested", "%s.suggested must be empty or one of %s", fi, strings.Join(AllFactors(), ", "))
			}
			items = append(items, haven.PlanItem{Text: text, Done: it.Done, Suggested: factor})
		}
		if len(items) > MaxItems {
			return haven.FieldErrorf(haven.EINVALID, f+".items", "%s.items: at most %d items in a section", f, MaxItems)
		}
		notes, err := block(f+".notes", s.Notes, MaxNotes)
		if err != nil {
			return err
		}
		byKey[key] = haven.PlanSection{Key: key, Items: items, Notes: notes}
	}
	p.Sections = make([]haven.PlanSection, len(haven.SafetyPlanSections))
	for i, sec := range haven.SafetyPlanSections {
		s, ok := byKey[sec.Key]
		if !ok {
			s = haven.PlanSection{Key: sec.Key, Items: []haven.PlanItem{}}
		}
		s.Title = sec.Title
		p.Sections[i] = s
	}

	contacts := []haven.PlanContact{}
	for i, c := range p.EmergencyContacts {
		f := fmt.Sprintf("emergency_contacts[%d]", i)
		var err error
		if c.Name, err = line(f+".name", c.Name, MaxContactName); err != nil {
			return err
		}
		if c.Phone, err = line(f+".phone", c.Phone, MaxContactPhone); err != nil {
			return err
		}
		if c.Relationship, err = line(f+".relationship", c.Relationship, MaxRelationship); err != nil {
			return err
		}
		if c == (haven.PlanContact{}) {
			continue
		}
		if c.Name == "" {
			return haven.FieldErrorf(haven.EINVALID, f+".name", "%s.name: give the contact's name", f)
		}
		contacts = append(contacts, c)
	}
	if len(contacts) > MaxContacts {
		return haven.FieldErrorf(haven.EINVALID, "emergency_contacts", "at most %d emergency contacts", MaxContacts)
	}
	p.EmergencyContacts = contacts

	var err error
	if p.CodeWord, err = line("code_word", p.CodeWord, MaxCodeWord); err != nil {
		return err
	}
	if p.SafePlaces, err = lines("safe_places", p.SafePlaces, MaxSafePlaces, MaxPlaceText); err != nil {
		return err
	}
	if p.DocumentsReady, err = lines("documents_ready", p.DocumentsReady, MaxDocuments, MaxDocumentText); err != nil {
		return err
	}
	return nil
}

func sectionKeys() string {
	keys := make([]string, len(haven.SafetyPlanSections))
	for i, s := range haven.SafetyPlanSections {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

// isText checks that s is text: valid UTF-8 without NUL characters.
func isText(field, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return haven.FieldErrorf(haven.EINVALID, field, "%s has characters that are not text", field)
	}
	return nil
}

// atMost checks that s has at most max characters.
func atMost(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return haven.FieldErrorf(haven.EINVALID, field, "%s must be at most %d characters (it has %d)", field, max, n)
	}
	return nil
}

// line is a one-line text: trimmed, with every run of white space (line
// breaks included) made one space.
func line(field, s string, max int) (string, error) {
	if err := isText(field, s); err != nil {
		return "", err
	}
	s = strings.Join(strings.Fields(s), " ")
	return s, atMost(field, s, max)
}

// block is a text of several lines: trimmed, with Windows line ends made plain.
func block(field, s string, max int) (string, error) {
	if err := isText(field, s); err != nil {
		return "", err
	}
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	return s, atMost(field, s, max)
}

// lines cleans a list of one-line texts, dropping blank ones.
func lines(field string, in []string, maxItems, maxLen int) ([]string, error) {
	out := []string{}
	for i, s := range in {
		s, err := line(fmt.Sprintf("%s[%d]", field, i), s, maxLen)
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) > maxItems {
		return nil, haven.FieldErrorf(haven.EINVALID, field, "at most %d %s", maxItems, strings.ReplaceAll(field, "_", " "))
	}
	return out, nil
}
