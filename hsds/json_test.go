package hsds

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

const (
	orgID     = "ad008078-5bb5-406a-b0ae-cc335467cd0f"
	serviceID = "ad8f21d4-0fec-4b87-9bf7-e66c9bb6cd66"
	locID     = "1c19f88c-9f41-4ee5-bb90-0bd9ce53d2fc"
	salID     = "b0f8db32-346d-4997-9e47-419a32422676"
	phoneID   = "533731cd-2f5b-4b18-b1b1-7c31d485026f"
	termID    = "1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e"
)

// A nested service becomes flat records linked by their keys.
func TestDecodeJSONNested(t *testing.T) {
	doc, err := DecodeJSON(strings.NewReader(`{
	  "id": "` + serviceID + `", "name": "Emergency shelter", "status": "active",
	  "organization": {"id": "` + orgID + `", "name": "Harbor Light", "description": "Shelter and hotline"},
	  "program": {"id": "0f6fad51-bfd4-4222-86be-ecf93b849a9c", "name": "Safe Nights", "description": "Shelter"},
	  "phones": [{"id": "` + phoneID + `", "number": "+1 555 0101", "extension": 12,
	              "languages": [{"id": "0aa33c64-4fee-4d2e-a757-f25fd6d073c9", "name": "Spanish", "code": "es"}]}],
	  "service_at_locations": [{"id": "` + salID + `",
	     "location": {"id": "` + locID + `", "location_type": "physical", "latitude": 0, "longitude": 0,
	                  "phones": [{"id": "` + phoneID + `", "number": "+1 555 0101", "extension": 12}]},
	     "phones": [{"id": "` + phoneID + `", "number": "+1 555 0101"}]}],
	  "attributes": [{"id": "e0ef58e8-3668-43ad-ae09-bdb99831c3db",
	     "taxonomy_term": {"id": "` + termID + `", "code": "emergency_shelter", "name": "Emergency shelter", "description": "Shelter",
	                       "taxonomy_detail": {"id": "` + DVTaxonomyID + `", "name": "haven-dv", "description": "DV"}}}],
	  "metadata": [{"id": "1e511aa1-75dd-4b90-9f81-c22a82169cf0", "last_action_date": "2026-11-20", "last_action_type": "update",
	                "field_name": "name", "previous_value": "Shelter", "replacement_value": "Emergency shelter", "updated_by": "editor"}]
	}`))
	if err != nil {
		t.Fatalf("%v\n%s", err, messages(problemsOf(t, err)))
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings:\n%s", messages(doc.Warnings))
	}
	s := doc.Services[0]
	if s.OrganizationID != orgID || s.ProgramID != "0f6fad51-bfd4-4222-86be-ecf93b849a9c" {
		t.Errorf("service links: %+v", s)
	}
	if p := doc.Programs[0]; p.OrganizationID != orgID {
		t.Errorf("a service's program belongs to its organization: %q", p.OrganizationID)
	}
	if len(doc.Phones) != 1 {
		t.Fatalf("one phone in three places is one record: %d", len(doc.Phones))
	}
	if p := doc.Phones[0]; p.ServiceID != serviceID || p.LocationID != locID || p.ServiceAtLocationID != salID || p.Extension == nil || *p.Extension != 12 {
		t.Errorf("phone links: %+v", p)
	}
	if l := doc.Languages[0]; l.PhoneID != phoneID {
		t.Errorf("language: %+v", l)
	}
	if sal := doc.ServiceAtLocations[0]; sal.ServiceID != serviceID || sal.LocationID != locID {
		t.Errorf("service at location: %+v", sal)
	}
	if l := doc.Locations[0]; l.Latitude == nil || *l.Latitude != 0 {
		t.Errorf("latitude 0 is a value: %+v", l)
	}
	if a := doc.Attributes[0]; a.LinkID != serviceID || a.LinkEntity != "service" || a.TaxonomyTermID != termID {
		t.Errorf("attribute: %+v", a)
	}
	if term := doc.TaxonomyTerms[0]; term.TaxonomyID != DVTaxonomyID {
		t.Errorf("term: %+v", term)
	}
	if m := doc.Metadata[0]; m.ResourceID != serviceID || m.ResourceType != "service" {
		t.Errorf("metadata: %+v", m)
	}
	// And it nests back the same way.
	full, ok := doc.Service(serviceID)
	if !ok || full.Organization == nil || full.Organization.ID != orgID || len(full.Phones) != 1 ||
		len(full.ServiceAtLocations) != 1 || full.ServiceAtLocations[0].Location == nil ||
		len(full.ServiceAtLocations[0].Location.Phones) != 1 || len(full.Attributes) != 1 ||
		full.Attributes[0].TaxonomyTerm == nil || full.Attributes[0].TaxonomyTerm.TaxonomyDetail == nil {
		t.Errorf("Service: %+v", full)
	}
	if _, ok := doc.Service("00000000-0000-4000-8000-000000000000"); ok {
		t.Error("an unknown service was found")
	}
}

// What a document is follows from its fields.
func TestDecodeJSONDetect(t *testing.T) {
	tests := []struct {
		doc   string
		table string
	}{
		{`{"id":"` + orgID + `","name":"Harbor Light","description":"x"}`, "organization"},
		{`{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `"}`, "service"},
		{`{"id":"` + locID + `","location_type":"virtual"}`, "location"},
		{`{"id":"` + salID + `","description":"x"}`, "service_at_location"},
		{`{"id":"` + DVTaxonomyID + `","name":"haven-dv","description":"x","version":"1"}`, "taxonomy"},
		{`{"id":"` + termID + `","name":"Shelter","description":"x","code":"shelter"}`, "taxonomy_term"},
	}
	for _, tt := range tests {
		var m map[string]any
		if err := json.Unmarshal([]byte(tt.doc), &m); err != nil {
			t.Fatal(err)
		}
		if got := detect(m).Name; got != tt.table {
			t.Errorf("%s: a %s, want a %s", tt.doc, got, tt.table)
		}
	}
	// A whole document of one organization decodes as one.
	doc, err := DecodeJSON(strings.NewReader(tests[0].doc))
	if err != nil || len(doc.Organizations) != 1 || doc.Len() != 1 {
		t.Errorf("%v %v", err, doc)
	}
}

func TestDecodeJSONForms(t *testing.T) {
	list := `[{"id":"` + orgID + `","name":"Harbor Light","description":"x"},{"id":"` + locID + `","location_type":"virtual","organization_id":"` + orgID + `"}]`
	doc, err := DecodeJSON(strings.NewReader(list))
	if err != nil || len(doc.Organizations) != 1 || len(doc.Locations) != 1 {
		t.Errorf("a list: %v %v", err, doc)
	}
	page := `{"total_items":1,"total_pages":1,"page_number":1,"size":1,"first_page":true,"last_page":true,"empty":false,"contents":` + list + `}`
	doc, err = DecodeJSON(strings.NewReader(page))
	if err != nil || len(doc.Organizations) != 1 || len(doc.Locations) != 1 {
		t.Errorf("a page: %v %v", err, doc)
	}
	tabular := `{"organization":[{"id":"` + orgID + `","name":"Harbor Light","description":"x","year_incorporated":"1987"}],
	              "locations.csv":[{"id":"` + locID + `","location_type":"virtual","external_identifier":42}]}`
	doc, err = DecodeJSON(strings.NewReader(tabular))
	if err != nil {
		t.Fatalf("tabular: %v", err)
	}
	if y := doc.Organizations[0].YearIncorporated; y == nil || *y != 1987 {
		t.Errorf("tabular: a number as text is read as in CSV: %v", y)
	}
	if l := doc.Locations[0]; l.ExternalIdentifier != "42" || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].Error(), `$["locations.csv"][0].external_identifier: a number where HSDS has text`) {
		t.Errorf("tabular: %q, warnings:\n%s", l.ExternalIdentifier, messages(doc.Warnings))
	}
}

// Bad JSON: each problem names the path.
func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
		kind Kind
	}{
		{"wrong type", `{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `","minimum_age":"twelve"}`,
			[]string{"$.minimum_age: want a number, got a string"}, KindType},
		{"wrong type deep", `{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `",
			"service_at_locations":[{"id":"` + salID + `","location":{"id":"` + locID + `","location_type":"physical","latitude":"45.5"}}]}`,
			[]string{"$.service_at_locations[0].location.latitude: want a number, got a string"}, KindType},
		{"number for text", `{"id":"` + orgID + `","name":42,"description":"x"}`, []string{"$.name: want a string, got a number"}, KindType},
		{"object for a list", `{"id":"` + orgID + `","name":"x","description":"x","phones":{"id":"` + phoneID + `"}}`,
			[]string{"$.phones: want an array, got an object"}, KindType},
		{"unknown field", `{"id":"` + orgID + `","name":"x","description":"x","locations":[{"id":"` + locID + `","location_type":"physical","beds":4}]}`,
			[]string{`$.locations[0].beds: a location has no field "beds"`}, KindUnknown},
		{"enum", `{"id":"` + locID + `","location_type":"confidential"}`,
			[]string{`$.location_type: "confidential" is not one of: physical, postal, virtual`}, KindEnum},
		{"required", `{"id":"` + serviceID + `","name":"Shelter","status":"active"}`,
			[]string{"$.organization_id: required, but empty"}, KindRequired},
		{"not a uuid", `{"id":"harbor","name":"x","description":"x"}`, []string{`$.id: "harbor" is not a UUID`}, KindFormat},
		{"conflicting link", `{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `",
			"phones":[{"id":"` + phoneID + `","number":"1","service_id":"76eff6d8-cb38-4ef9-bc3f-2272a1043deb"}]}`,
			[]string{`$.phones[0].service_id: is "76eff6d8-cb38-4ef9-bc3f-2272a1043deb", but this phone is nested in a service "` + serviceID + `"`}, KindConflict},
		{"conflicting copies", `{"id":"` + orgID + `","name":"x","description":"x",
			"phones":[{"id":"` + phoneID + `","number":"1"}],
			"locations":[{"id":"` + locID + `","location_type":"physical","phones":[{"id":"` + phoneID + `","number":"2"}]}]}`,
			[]string{"$.locations[0].phones[0].number: differs from the same phone (id \"" + phoneID + "\") at $.phones[0]"}, KindConflict},
		{"conflicting nested object", `{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `",
			"organization":{"id":"76eff6d8-cb38-4ef9-bc3f-2272a1043deb","name":"x","description":"x"}}`,
			[]string{`$.organization_id: is "` + orgID + `", but the nested organization has id "76eff6d8-cb38-4ef9-bc3f-2272a1043deb"`}, KindConflict},
		{"syntax", "{\n  \"id\": \"x\",\n  \"name\": }", []string{"$: line 3, column 11: invalid character '}'"}, KindSyntax},
		{"truncated", `{"id": "x"`, []string{"$: the document ends too soon"}, KindSyntax},
		{"empty", ``, []string{"$: empty document"}, KindSyntax},
		{"trailing data", `{"id":"` + orgID + `","name":"x","description":"x"} {}`, []string{"$: line 1, column"}, KindSyntax},
		{"scalar", `42`, []string{"$: want an HSDS object, a list or a page, got a number"}, KindType},
		{"list of scalars", `[1]`, []string{"$[0]: want an HSDS object, got a number"}, KindType},
		{"root document", `{"version":"3.0","openapi_url":"https://example.org/openapi.json"}`,
			[]string{`$: this is the root document of an HSDS API (version "3.0")`}, KindUnknown},
		{"page field", `{"total_items":"1","contents":[],"next":2}`,
			[]string{"$.total_items: want an integer, got a string", "$.next: not a field of an HSDS page"}, KindType},
		{"dangling required link", `[{"id":"` + serviceID + `","name":"Shelter","status":"active","organization_id":"` + orgID + `"}]`,
			[]string{`$[0].organization_id: no organization with id "` + orgID + `" in the data`}, KindReference},
		{"tabular duplicate", `{"organization":[{"id":"` + orgID + `","name":"x","description":"x"},{"id":"` + orgID + `","name":"x","description":"x"}]}`,
			[]string{`$.organization[1].id: duplicate id "` + orgID + `"; first at $.organization[0]`}, KindDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := DecodeJSON(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("no error; %v", doc.Counts())
			}
			var he *haven.Error
			if !errors.As(err, &he) || he.Code != haven.EINVALID || !strings.HasPrefix(he.Message, "$") {
				t.Errorf("error %v is not an EINVALID haven.Error naming a path", err)
			}
			ps := problemsOf(t, err)
			for _, w := range tt.want {
				if !slices.ContainsFunc(ps, func(p *Problem) bool { return strings.Contains(p.Error(), w) }) {
					t.Errorf("no problem %q among:\n%s", w, messages(ps))
				}
			}
			if !slices.ContainsFunc(ps, func(p *Problem) bool { return p.Kind == tt.kind && strings.HasPrefix(p.Path, "$") }) {
				t.Errorf("no %s problem with a path among:\n%s", tt.kind, messages(ps))
			}
		})
	}
}

func TestDecodeJSONNull(t *testing.T) {
	doc, err := DecodeJSON(strings.NewReader(`{"id":"` + orgID + `","name":"x","description":"x","email":null,"phones":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Warnings) != 2 || !strings.Contains(doc.Warnings[0].Error(), "$.email: null; read as empty") {
		t.Errorf("warnings:\n%s", messages(doc.Warnings))
	}
}

// Messages never quote free text, addresses or coordinates.
func TestMessagesKeepSecrets(t *testing.T) {
	secret := "100 Hidden Lane"
	doc := &Document{
		Locations: []Location{{ID: locID, LocationType: "physical", Latitude: ptr(145.123456), Longitude: ptr(-222.654321)}},
		Addresses: []Address{{ID: "e88f0210-c7ff-4e11-b8a1-1038b805fcf5", LocationID: locID, Address1: secret, AddressType: "physical"}},
		Organizations: []Organization{{ID: orgID, Name: secret, Description: secret, Email: secret,
			Website: secret, YearIncorporated: ptr(-1)}},
	}
	ps := doc.Validate()
	if len(ps) == 0 {
		t.Fatal("no problems")
	}
	for _, p := range ps {
		for _, s := range []string{secret, "145.12", "222.65"} {
			if strings.Contains(p.Error(), s) {
				t.Errorf("%v quotes %q", p, s)
			}
		}
	}
}

func ptr(f float64) *float64 { return &f }
