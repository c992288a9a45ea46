package safetyplan

import (
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

func TestNormalizeShape(t *testing.T) {
	p := &haven.SafetyPlan{
		Sections: []haven.PlanSection{
			{Key: " technology ", Title: "ignored", Items: []haven.PlanItem{
				{Text: "  Change the   e-mail\npassword ", Done: true},
				{Text: "   "}, // blank: dropped
				{Text: "Check location sharing", Suggested: " jealousy_control "},
			}, Notes: "  line one\r\nline two  "},
			{Key: "during_incident"},
		},
		EmergencyContacts: []haven.PlanContact{{Name: " Ana ", Phone: " 555 0101 ", Relationship: "sister"}, {}, {Name: " ", Phone: " "}},
		CodeWord:          "  blue   umbrella ",
		SafePlaces:        []string{" Library ", "", "  "},
		DocumentsReady:    nil,
	}
	if err := Normalize(p); err != nil {
		t.Fatal(err)
	}
	if len(p.Sections) != len(haven.SafetyPlanSections) {
		t.Fatalf("%d sections", len(p.Sections))
	}
	for i, s := range p.Sections {
		if s.Key != haven.SafetyPlanSections[i].Key || s.Title != haven.SafetyPlanSections[i].Title || s.Items == nil {
			t.Fatalf("section %d = %+v", i, s)
		}
	}
	tech := p.Sections[5]
	want := []haven.PlanItem{{Text: "Change the e-mail password", Done: true}, {Text: "Check location sharing", Suggested: JealousyControl}}
	if tech.Key != "technology" || !slices.Equal(tech.Items, want) || tech.Notes != "line one\nline two" {
		t.Fatalf("technology = %+v", tech)
	}
	if !slices.Equal(p.EmergencyContacts, []haven.PlanContact{{Name: "Ana", Phone: "555 0101", Relationship: "sister"}}) {
		t.Fatalf("contacts = %+v", p.EmergencyContacts)
	}
	if p.CodeWord != "blue umbrella" || !slices.Equal(p.SafePlaces, []string{"Library"}) || p.DocumentsReady == nil || len(p.DocumentsReady) != 0 {
		t.Fatalf("plan = %+v", p)
	}
	// An empty plan is a plan: every section, nothing in them.
	empty := &haven.SafetyPlan{}
	if err := Normalize(empty); err != nil || len(empty.Sections) != 8 || empty.EmergencyContacts == nil || empty.SafePlaces == nil {
		t.Fatalf("empty = %+v, %v", empty, err)
	}
}

func TestNormalizeLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // characters, not bytes
	items := func(n int) []haven.PlanItem {
		out := make([]haven.PlanItem, n)
		for i := range out {
			out[i].Text = "item"
		}
		return out
	}
	contacts := func(n int) []haven.PlanContact {
		out := make([]haven.PlanContact, n)
		for i := range out {
			out[i] = haven.PlanContact{Name: "Ana", Phone: "555"}
		}
		return out
	}
	list := func(n int) []string { return slices.Repeat([]string{"x"}, n) }
	three := []haven.PlanSection{{Key: "during_incident"}, {Key: "preparing_to_leave"}}
	withSection := func(s haven.PlanSection) *haven.SafetyPlan {
		return &haven.SafetyPlan{Sections: append(slices.Clone(three), s)}
	}
	for _, tc := range []struct {
		name  string
		plan  *haven.SafetyPlan
		field string // "" when it is fine
	}{
		{"item text at the limit", withSection(haven.PlanSection{Key: "after_leaving", Items: []haven.PlanItem{{Text: long(MaxItemText)}}}), ""},
		{"item text too long", withSection(haven.PlanSection{Key: "after_leaving", Items: []haven.PlanItem{{Text: long(MaxItemText + 1)}}}), "sections[2].items[0].text"},
		{"item text not text", withSection(haven.PlanSection{Key: "after_leaving", Items: []haven.PlanItem{{Text: "ok"}, {Text: "a\x00b"}}}), "sections[2].items[1].text"},
		{"item text bad UTF-8", withSection(haven.PlanSection{Key: "after_leaving", Items: []haven.PlanItem{{Text: "\xff"}}}), "sections[2].items[0].text"},
		{"unknown factor", withSection(haven.PlanSection{Key: "after_leaving", Items: []haven.PlanItem{{Text: "x", Suggested: "aliens"}}}), "sections[2].items[0].suggested"},
		{"items at the limit", withSection(haven.PlanSection{Key: "children", Items: items(MaxItems)}), ""},
		{"too many items", withSection(haven.PlanSection{Key: "children", Items: items(MaxItems + 1)}), "sections[2].items"},
		{"notes too long", withSection(haven.PlanSection{Key: "children", Notes: long(MaxNotes + 1)}), "sections[2].notes"},
		{"unknown section", withSection(haven.PlanSection{Key: "garden"}), "sections[2].key"},
		{"section twice", withSection(haven.PlanSection{Key: "during_incident"}), "sections[2].key"},
		{"contacts at the limit", &haven.SafetyPlan{EmergencyContacts: contacts(MaxContacts)}, ""},
		{"too many contacts", &haven.SafetyPlan{EmergencyContacts: contacts(MaxContacts + 1)}, "emergency_contacts"},
		{"contact without a name", &haven.SafetyPlan{EmergencyContacts: []haven.PlanContact{{Name: "A"}, {Phone: "555"}}}, "emergency_contacts[1].name"},
		{"contact name too long", &haven.SafetyPlan{EmergencyContacts: []haven.PlanContact{{Name: long(MaxContactName + 1)}}}, "emergency_contacts[0].name"},
		{"contact phone too long", &haven.SafetyPlan{EmergencyContacts: []haven.PlanContact{{Name: "A", Phone: long(MaxContactPhone + 1)}}}, "emergency_contacts[0].phone"},
		{"relationship too long", &haven.SafetyPlan{EmergencyContacts: []haven.PlanContact{{Name: "A", Relationship: long(MaxRelationship + 1)}}}, "emergency_contacts[0].relationship"},
		{"code word at the limit", &haven.SafetyPlan{CodeWord: long(MaxCodeWord)}, ""},
		{"code word too long", &haven.SafetyPlan{CodeWord: long(MaxCodeWord + 1)}, "code_word"},
		{"safe places at the limit", &haven.SafetyPlan{SafePlaces: list(MaxSafePlaces)}, ""},
		{"too many safe places", &haven.SafetyPlan{SafePlaces: list(MaxSafePlaces + 1)}, "safe_places"},
		{"blank safe places do not count", &haven.SafetyPlan{SafePlaces: append(list(MaxSafePlaces), "", " ")}, ""},
		{"safe place too long", &haven.SafetyPlan{SafePlaces: []string{"x", long(MaxPlaceText + 1)}}, "safe_places[1]"},
		{"documents at the limit", &haven.SafetyPlan{DocumentsReady: list(MaxDocuments)}, ""},
		{"too many documents", &haven.SafetyPlan{DocumentsReady: list(MaxDocuments + 1)}, "documents_ready"},
		{"document too long", &haven.SafetyPlan{DocumentsReady: []string{long(MaxDocumentText + 1)}}, "documents_ready[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Normalize(tc.plan)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Normalize: %v", err)
				}
				return
			}
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != tc.field {
				t.Fatalf("err = %v (field %q), want invalid %s", err, haven.ErrorField(err), tc.field)
			}
			if !strings.Contains(haven.ErrorMessage(err), tc.field) && !strings.Contains(haven.ErrorMessage(err), "at most") {
				t.Fatalf("message %q does not say what is wrong", haven.ErrorMessage(err))
			}
		})
	}
}

func TestSectionTitle(t *testing.T) {
	if SectionTitle("children") != "Children" || SectionTitle("nope") != "" {
		t.Fatal("SectionTitle")
	}
	if FactorLabel(Separation) != "Recent separation" || FactorLabel("x") != "x" || !KnownFactor(Firearms) || KnownFactor("x") {
		t.Fatal("factor labels")
	}
}
