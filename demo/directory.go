package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/haven-dv/haven/hsds"
)

// The demo resource directory (issue 7): Harbor House's 24-hour hotline and
// its emergency shelter — confidential, as every shelter is — and County
// Legal Aid's protective-order clinic. All fictional: the phone numbers are
// in the 555-0100–0199 range reserved for fiction, the addresses invented.
// Each agency's records are loaded once: a directory an administrator has
// since changed is left as it is.

// DirectoryShelterLocation is the id of the demo shelter's (confidential)
// location.
const DirectoryShelterLocation = "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f05"

var demoDirectory = []struct {
	agency, orgID, json string
}{
	{"harbor-house", "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f01", `{
 "organization": [{"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f01", "name": "Harbor House", "description": "Shelter and support for people escaping domestic violence in Metro City"}],
 "service": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f02", "organization_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f01", "name": "Harbor House 24-hour hotline", "description": "Confidential support, safety planning and shelter intake, day and night", "status": "active"},
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f03", "organization_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f01", "name": "Emergency shelter", "description": "Safe emergency accommodation for survivors and their children; call the hotline for intake", "status": "active"}
 ],
 "location": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f05", "organization_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f01", "location_type": "physical", "name": "Harbor House shelter", "latitude": 41.8902, "longitude": -87.6512}
 ],
 "service_at_location": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f06", "service_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f03", "location_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f05"}
 ],
 "address": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f07", "location_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f05", "address_1": "1200 Lantern Row", "city": "Metro City", "state_province": "IL", "postal_code": "60699", "country": "US", "address_type": "physical"}
 ],
 "phone": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f08", "service_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f02", "number": "+1 312 555 0142", "type": "voice"},
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f09", "location_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f05", "number": "+1 312 555 0142", "type": "voice", "description": "Intake through the hotline"}
 ],
 "attribute": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f0a", "link_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f02", "link_entity": "service", "taxonomy_term_id": "71732544-49cd-4e29-bced-595330ec8d8a"},
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f0b", "link_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f03", "link_entity": "service", "taxonomy_term_id": "1cc8dac4-b0ed-4888-a4bb-9143f0a7e57e"}
 ]
}`},
	{"county-legal", "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f11", `{
 "organization": [{"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f11", "name": "County Legal Aid", "description": "Free legal help for residents of Metro County"}],
 "service": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f12", "organization_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f11", "name": "Protective order clinic", "description": "Legal advocacy and help with protective orders; court accompaniment", "status": "active"}
 ],
 "location": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f15", "organization_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f11", "location_type": "physical", "name": "County Legal Aid office", "latitude": 41.8837, "longitude": -87.6323}
 ],
 "service_at_location": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f16", "service_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f12", "location_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f15"}
 ],
 "address": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f17", "location_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f15", "address_1": "50 Courthouse Plaza", "city": "Metro City", "state_province": "IL", "postal_code": "60698", "country": "US", "address_type": "physical"}
 ],
 "phone": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f18", "service_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f12", "number": "+1 312 555 0177", "type": "voice"}
 ],
 "attribute": [
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f1a", "link_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f12", "link_entity": "service", "taxonomy_term_id": "a5858866-285e-4221-94b7-d4275cfb385c"},
  {"id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f1b", "link_id": "5d0f7a52-3a4e-4c1b-8a7e-0e4b6c9d2f12", "link_entity": "service", "taxonomy_term_id": "6481ff65-6114-41a4-bbd0-49651efcf211"}
 ]
}`},
}

// withDVTaxonomy adds the haven-dv taxonomy's tables to a tabular JSON
// document, so that its attributes' links resolve within it.
func withDVTaxonomy(doc string) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return "", err
	}
	dv, err := json.Marshal(hsds.DVDocument())
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(dv, &m); err != nil {
		return "", err
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// seedDirectory loads each demo agency's directory once.
func seedDirectory(ctx context.Context, s *Seed) error {
	pub, _, err := s.DB.PublicDirectory(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, o := range pub.Organizations {
		have[o.ID] = true
	}
	for _, d := range demoDirectory {
		if have[d.orgID] {
			continue
		}
		a, ok := s.Agencies[d.agency]
		if !ok {
			return fmt.Errorf("directory: no %s agency", d.agency)
		}
		text, err := withDVTaxonomy(d.json)
		if err != nil {
			return err
		}
		doc, err := hsds.DecodeJSON(strings.NewReader(text))
		if err != nil {
			return fmt.Errorf("directory of %s: %w", d.agency, err)
		}
		c, err := s.DB.ImportDirectory(ctx, a.ID, doc)
		if err != nil {
			return fmt.Errorf("directory of %s: %w", d.agency, err)
		}
		if c.Changed() {
			s.Created()
		}
	}
	return nil
}
