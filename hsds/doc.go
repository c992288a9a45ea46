// Package hsds maps Haven's resource directory to and from the Open Referral
// Human Services Data Specification (HSDS) 3.0: the standard's objects as Go
// types, its JSON documents (one organization, service or service at
// location with its nested objects, a list, a page of the HSDS API, or the
// tabular form as JSON), its tabular data package (datapackage.json and one
// CSV file per table), the paging object of its API, and Haven's
// domestic-violence taxonomy.
//
// The package is pure: it reads only the io.Reader and fs.FS it is given,
// writes only to the PackageWriter it is given, and keeps no state. The
// store, the HSDS API and the pages build on it.
//
// A Document is the normalized form: one flat slice per table, records
// linked only by their foreign keys, as in the CSV files. DecodeJSON and
// DecodePackage produce one and check it (Document.Validate); Document.Index
// assembles the nested documents the HSDS API returns; WritePackage writes
// the data package.
package hsds

import "reflect"

// Version is the HSDS version this package speaks, as the API's root
// document gives it.
const Version = "3.0"

// OpenAPIURL is the standard's own OpenAPI description of the HSDS API.
const OpenAPIURL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"

// Root is the document the HSDS API returns at its root ("/"): the HSDS
// version, the URL of the profile in use, if any, and the URL of the
// OpenAPI document.
type Root struct {
	Version    string `json:"version"`
	Profile    string `json:"profile,omitempty"`
	OpenAPIURL string `json:"openapi_url,omitempty"`
}

// Document is HSDS data in the tabular form: one slice per table of the
// standard's data package, in its order, each record standing alone (its
// nested fields empty) and linked to others only by its foreign keys
// (service_id, location_id, …). Ids are unique within each table.
//
// The JSON names of the slices are the resource names of the data package,
// so a Document marshals to the tabular JSON form described by the
// standard's schema/compiled/tabular.json.
type Document struct {
	Organizations           []Organization           `json:"organization,omitempty"`
	Programs                []Program                `json:"program,omitempty"`
	Services                []Service                `json:"service,omitempty"`
	Attributes              []Attribute              `json:"attribute,omitempty"`
	ServiceAtLocations      []ServiceAtLocation      `json:"service_at_location,omitempty"`
	Locations               []Location               `json:"location,omitempty"`
	Phones                  []Phone                  `json:"phone,omitempty"`
	Contacts                []Contact                `json:"contact,omitempty"`
	Addresses               []Address                `json:"address,omitempty"`
	Schedules               []Schedule               `json:"schedule,omitempty"`
	Funding                 []Funding                `json:"funding,omitempty"`
	ServiceAreas            []ServiceArea            `json:"service_area,omitempty"`
	RequiredDocuments       []RequiredDocument       `json:"required_document,omitempty"`
	Languages               []Language               `json:"language,omitempty"`
	Accessibility           []Accessibility          `json:"accessibility,omitempty"`
	TaxonomyTerms           []TaxonomyTerm           `json:"taxonomy_term,omitempty"`
	Metadata                []Metadata               `json:"metadata,omitempty"`
	MetaTableDescriptions   []MetaTableDescription   `json:"meta_table_description,omitempty"`
	CostOptions             []CostOption             `json:"cost_option,omitempty"`
	OrganizationIdentifiers []OrganizationIdentifier `json:"organization_identifier,omitempty"`
	Taxonomies              []Taxonomy               `json:"taxonomy,omitempty"`

	// Warnings are what the decoder noticed that does not stop an import
	// (a link to a record that is not in the data, an unusual phone type,
	// …). They are not part of HSDS.
	Warnings Problems `json:"-"`
}

// Len returns the number of records in all tables.
func (d *Document) Len() int {
	n := 0
	for _, t := range tables {
		n += t.slice(d).Len()
	}
	return n
}

// Counts returns the number of records per table (resource name), for the
// tables that have any.
func (d *Document) Counts() map[string]int {
	out := map[string]int{}
	for _, t := range tables {
		if n := t.slice(d).Len(); n > 0 {
			out[t.Name] = n
		}
	}
	return out
}

// Append adds every record of o to d, table by table. It does not check for
// duplicate ids; Validate does.
func (d *Document) Append(o *Document) {
	for _, t := range tables {
		dst, src := t.slice(d), t.slice(o)
		for i := range src.Len() {
			dst.Set(reflect.Append(dst, flatCopy(src.Index(i))))
		}
	}
}
