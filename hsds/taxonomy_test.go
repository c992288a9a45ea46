package hsds

import (
	"testing"
)

// The ids and codes of haven-dv never change: data tagged with them must
// keep its meaning. Adding terms is fine; changing these is not.
var dvTerms = []struct{ id, code, name string }{
	{"1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e", "emergency_shelter", "Emergency shelter"},
	{"7b6ba9f1-dd28-497c-8f44-31feced2ce8b", "transitional_housing", "Transitional housing"},
	{"71732544-49cd-4e29-bced-595330ec8d8a", "hotline_24h", "24-hour hotline"},
	{"a5858866-285e-4221-94b7-d4275cfb385c", "legal_advocacy", "Legal advocacy and protective-order help"},
	{"6481ff65-6114-41a4-bbd0-49651efcf211", "court_accompaniment", "Court accompaniment"},
	{"5f5152a8-3c6d-47b8-9454-ab7d1bf0e617", "counselling", "Counselling"},
	{"9e910271-0dea-437f-80c3-eb09eb0d567f", "support_group", "Support group"},
	{"fb077bb3-5f9b-49c1-a211-3b8134fa960f", "medical_forensic", "Medical care and forensic exam"},
	{"4f58ebe6-226a-4ede-b402-02046081a023", "children", "Children's services"},
	{"950b5a93-f41f-408d-95f7-86d940427724", "immigration", "Immigration help"},
	{"0943816a-74d2-41ae-92be-b856f5f7abc0", "financial", "Financial help"},
	{"644dc401-60f9-4421-83cd-7049a8d585a2", "pet_shelter", "Pet shelter"},
	{"b8eb108d-d0c4-422e-923e-c74a3ff12ba0", "batterer_intervention", "Batterer intervention programme"},
}

func TestDVTaxonomy(t *testing.T) {
	tx, terms := DVTaxonomy()
	if tx.ID != DVTaxonomyID || tx.Name != "haven-dv" || tx.Description == "" {
		t.Errorf("taxonomy %+v", tx)
	}
	if len(terms) < len(dvTerms) {
		t.Fatalf("%d terms, want at least %d", len(terms), len(dvTerms))
	}
	for i, want := range dvTerms {
		got := terms[i]
		if got.ID != want.id || got.Code != want.code || got.Name != want.name {
			t.Errorf("term %d: %s %s %q, want %s %s %q", i, got.ID, got.Code, got.Name, want.id, want.code, want.name)
		}
		if got.TaxonomyID != DVTaxonomyID || got.Taxonomy != "haven-dv" || got.Language != "en" || len(got.Description) < 20 {
			t.Errorf("term %s: %+v", got.Code, got)
		}
	}
	if ps := DVDocument().Validate(); len(ps) != 0 {
		t.Errorf("DVDocument does not validate:\n%s", messages(ps))
	}
	// It joins another document.
	doc := &Document{Organizations: []Organization{{ID: orgID, Name: "Harbor Light", Description: "x"}}}
	doc.Append(DVDocument())
	if doc.Len() != 1+1+len(terms) || doc.Counts()["taxonomy_term"] != len(terms) {
		t.Errorf("Append: %v", doc.Counts())
	}
	if ps := doc.Validate(); len(ps) != 0 {
		t.Errorf("after Append:\n%s", messages(ps))
	}
	terms[0].Name = "changed"
	if _, again := DVTaxonomy(); again[0].Name == "changed" {
		t.Error("DVTaxonomy returns shared terms")
	}
}

// The taxonomy is served as the standard says, when the reference is here.
func TestDVTaxonomyValidates(t *testing.T) {
	doc := DVDocument()
	validateOutput(t, doc)
}
