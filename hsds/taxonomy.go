package hsds

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"sync"
)

// Haven's domestic-violence taxonomy, as data.
//
//go:embed taxonomy/haven-dv.json
var dvTaxonomyJSON []byte

// DVTaxonomyID is the id of the haven-dv taxonomy. It never changes.
const DVTaxonomyID = "9cf98de2-54d6-436d-8e13-e6f5722a4a2d"

var dvTaxonomy = sync.OnceValues(func() (Taxonomy, []TaxonomyTerm) {
	var f struct {
		Taxonomy Taxonomy       `json:"taxonomy"`
		Terms    []TaxonomyTerm `json:"terms"`
	}
	dec := json.NewDecoder(bytes.NewReader(dvTaxonomyJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		panic("hsds: taxonomy/haven-dv.json: " + err.Error()) // embedded and tested
	}
	for i := range f.Terms {
		f.Terms[i].TaxonomyID = f.Taxonomy.ID
		f.Terms[i].Taxonomy = f.Taxonomy.Name
		f.Terms[i].Language = "en"
	}
	return f.Taxonomy, f.Terms
})

// DVTaxonomy returns Haven's domestic-violence taxonomy "haven-dv" and its
// terms: emergency shelter, transitional housing, 24-hour hotline, legal
// advocacy and protective-order help, court accompaniment, counselling,
// support group, medical care and forensic exam, children's services,
// immigration help, financial help, pet shelter and batterer intervention
// programme. Ids and codes are stable: data tagged with them today still
// means the same tomorrow. Each term names its taxonomy (taxonomy_id,
// taxonomy "haven-dv") and its language (en). The result is a fresh copy.
func DVTaxonomy() (Taxonomy, []TaxonomyTerm) {
	t, terms := dvTaxonomy()
	return t, append([]TaxonomyTerm(nil), terms...)
}

// DVDocument returns the haven-dv taxonomy and its terms as a Document, to
// import or to append to another.
func DVDocument() *Document {
	t, terms := DVTaxonomy()
	return &Document{Taxonomies: []Taxonomy{t}, TaxonomyTerms: terms}
}
