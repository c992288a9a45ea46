package hsdstest

import (
	"encoding/json"
	"strings"

	"github.com/haven-dv/haven/hsds"
)

// A small fictional DV directory for tests: one organization with a
// hotline, a confidential emergency shelter and a public legal-aid office.
// The shelter's street address, postcode and coordinates must never appear
// in public output.
const (
	OrgID           = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0001"
	HotlineID       = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0002"
	ShelterID       = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0003"
	LegalID         = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0004"
	ShelterLocID    = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0005"
	OfficeLocID     = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0006"
	ShelterSALID    = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0007"
	LegalSALID      = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0008"
	ShelterAddrID   = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0009"
	OfficeAddrID    = "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a000a"
	ShelterStreet   = "17 Wrenfield Close"
	ShelterPostcode = "WX9 4QZ"
	ShelterLat      = "51.4812345"
	ShelterLon      = "-0.1923456"
	ShelterArea     = "Northgate"
	OfficeStreet    = "2 Market Square"
)

// Secrets are the strings that must not leave the owning agency.
var Secrets = []string{ShelterStreet, ShelterPostcode, ShelterLat, ShelterLon, "Wrenfield"}

// FixtureJSON is the fixture as an HSDS JSON document (tabular form),
// including the haven-dv taxonomy's emergency_shelter and hotline terms.
var FixtureJSON = strings.NewReplacer(
	"$ORG", OrgID, "$HOT", HotlineID, "$SHEL", ShelterID, "$LEGAL", LegalID, "$SLOC", ShelterLocID, "$OLOC", OfficeLocID,
	"$SSAL", ShelterSALID, "$LSAL", LegalSALID, "$SADDR", ShelterAddrID, "$OADDR", OfficeAddrID,
	"$STREET", ShelterStreet, "$PC", ShelterPostcode, "$LAT", ShelterLat, "$LON", ShelterLon, "$OFFICE", OfficeStreet,
).Replace(`{
 "organization": [{"id": "$ORG", "name": "Northgate Refuge Trust", "description": "Support for people affected by domestic abuse"}],
 "service": [
  {"id": "$HOT", "organization_id": "$ORG", "name": "24-hour helpline", "description": "Free confidential helpline, day and night", "status": "active", "last_modified": "2026-01-10T09:00:00Z"},
  {"id": "$SHEL", "organization_id": "$ORG", "name": "Emergency refuge", "description": "Safe emergency accommodation for women and children", "status": "active", "last_modified": "2026-02-10T09:00:00Z"},
  {"id": "$LEGAL", "organization_id": "$ORG", "name": "Legal advice clinic", "description": "Help with protective orders", "status": "active", "last_modified": "2026-03-10T09:00:00Z"}
 ],
 "location": [
  {"id": "$SLOC", "organization_id": "$ORG", "location_type": "physical", "name": "Wrenfield House", "description": "The refuge at $STREET", "transportation": "Bus 12 to Wrenfield Close", "latitude": $LAT, "longitude": $LON, "external_identifier": "100023336956", "external_identifier_type": "UPRN"},
  {"id": "$OLOC", "organization_id": "$ORG", "location_type": "physical", "name": "Town office", "latitude": 51.5, "longitude": -0.12}
 ],
 "service_at_location": [
  {"id": "$SSAL", "service_id": "$SHEL", "location_id": "$SLOC", "description": "Ring the bell at $STREET"},
  {"id": "$LSAL", "service_id": "$LEGAL", "location_id": "$OLOC"}
 ],
 "address": [
  {"id": "$SADDR", "location_id": "$SLOC", "address_1": "$STREET", "city": "Northgate", "state_province": "Westshire", "postal_code": "$PC", "country": "GB", "address_type": "physical"},
  {"id": "$OADDR", "location_id": "$OLOC", "address_1": "$OFFICE", "city": "Northgate", "state_province": "Westshire", "postal_code": "WX1 1AA", "country": "GB", "address_type": "physical"}
 ],
 "phone": [
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0010", "service_id": "$HOT", "number": "0800 000 1234", "type": "voice"},
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0011", "location_id": "$SLOC", "number": "0800 000 5678", "type": "voice"}
 ],
 "attribute": [
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0020", "link_id": "$SHEL", "link_entity": "service", "taxonomy_term_id": "1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e"},
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0021", "link_id": "$HOT", "link_entity": "service", "taxonomy_term_id": "71732544-49cd-4e29-bced-595330ec8d8a"},
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0022", "link_id": "$SLOC", "link_entity": "location", "taxonomy_term_id": "1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e", "value": "$STREET back door"}
 ],
 "metadata": [
  {"id": "0d7d5d1a-4c5e-4f0b-9a55-7d1f0c1a0030", "resource_id": "$SADDR", "resource_type": "address", "last_action_date": "2026-01-01", "last_action_type": "update", "field_name": "address_1", "previous_value": "9 Old Wrenfield Road", "replacement_value": "$STREET", "updated_by": "admin"}
 ]
}`)

// Fixture decodes FixtureJSON with the haven-dv taxonomy appended.
func Fixture() *hsds.Document {
	doc, err := hsds.DecodeJSON(strings.NewReader(FixtureWithTaxonomy()))
	if err != nil {
		panic(err)
	}
	return doc
}

// FixtureWithTaxonomy is FixtureJSON with the haven-dv taxonomy's tables
// added (the attributes' required links resolve within the document).
func FixtureWithTaxonomy() string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(FixtureJSON), &m); err != nil {
		panic(err)
	}
	dv, err := json.Marshal(hsds.DVDocument())
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(dv, &m); err != nil {
		panic(err)
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		panic(err)
	}
	return string(b)
}
