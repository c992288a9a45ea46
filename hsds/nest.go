package hsds

// Index is a read-only view of a Document that assembles the nested
// documents of the HSDS API. Build it once with Document.Index and use it
// from as many goroutines as you like; build a new one after changing the
// Document. The documents it returns are fresh copies: changing them does
// not change the Document.
//
// What nests where follows the standard's compiled schemas
// (schema/compiled/service.json, organization.json, service_at_location.json
// and their _list forms). Every nested object brings its attributes (each
// with its taxonomy term and the term's taxonomy) and its metadata.
type Index struct {
	d *Document

	orgs, programs, services, sals, locations, terms, taxonomies map[string]int

	phonesByOrg, phonesByService, phonesByLocation, phonesByContact, phonesBySAL group
	schedulesByService, schedulesByLocation, schedulesBySAL                      group
	contactsByOrg, contactsByService, contactsBySAL, contactsByLocation          group
	languagesByService, languagesByLocation, languagesByPhone                    group
	fundingByOrg, fundingByService                                               group
	addressesByLocation, accessibilityByLocation                                 group
	programsByOrg, locationsByOrg, identifiersByOrg, servicesByOrg               group
	salsByService, areasByService, costsByService, documentsByService            group
	attributesByLink, metadataByResource                                         group
}

// group lists row numbers by the id they link to.
type group map[string][]int

func groupBy[T any](rows []T, key func(*T) string) group {
	g := group{}
	for i := range rows {
		if k := key(&rows[i]); k != "" {
			g[k] = append(g[k], i)
		}
	}
	return g
}

func byID[T any](rows []T, id func(*T) string) map[string]int {
	m := make(map[string]int, len(rows))
	for i := range rows {
		if k := id(&rows[i]); k != "" {
			if _, dup := m[k]; !dup {
				m[k] = i
			}
		}
	}
	return m
}

// Index indexes d for assembling nested documents.
func (d *Document) Index() *Index {
	x := &Index{d: d}
	x.orgs = byID(d.Organizations, func(r *Organization) string { return r.ID })
	x.programs = byID(d.Programs, func(r *Program) string { return r.ID })
	x.services = byID(d.Services, func(r *Service) string { return r.ID })
	x.sals = byID(d.ServiceAtLocations, func(r *ServiceAtLocation) string { return r.ID })
	x.locations = byID(d.Locations, func(r *Location) string { return r.ID })
	x.terms = byID(d.TaxonomyTerms, func(r *TaxonomyTerm) string { return r.ID })
	x.taxonomies = byID(d.Taxonomies, func(r *Taxonomy) string { return r.ID })

	x.phonesByOrg = groupBy(d.Phones, func(r *Phone) string { return r.OrganizationID })
	x.phonesByService = groupBy(d.Phones, func(r *Phone) string { return r.ServiceID })
	x.phonesByLocation = groupBy(d.Phones, func(r *Phone) string { return r.LocationID })
	x.phonesByContact = groupBy(d.Phones, func(r *Phone) string { return r.ContactID })
	x.phonesBySAL = groupBy(d.Phones, func(r *Phone) string { return r.ServiceAtLocationID })
	x.schedulesByService = groupBy(d.Schedules, func(r *Schedule) string { return r.ServiceID })
	x.schedulesByLocation = groupBy(d.Schedules, func(r *Schedule) string { return r.LocationID })
	x.schedulesBySAL = groupBy(d.Schedules, func(r *Schedule) string { return r.ServiceAtLocationID })
	x.contactsByOrg = groupBy(d.Contacts, func(r *Contact) string { return r.OrganizationID })
	x.contactsByService = groupBy(d.Contacts, func(r *Contact) string { return r.ServiceID })
	x.contactsBySAL = groupBy(d.Contacts, func(r *Contact) string { return r.ServiceAtLocationID })
	x.contactsByLocation = groupBy(d.Contacts, func(r *Contact) string { return r.LocationID })
	x.languagesByService = groupBy(d.Languages, func(r *Language) string { return r.ServiceID })
	x.languagesByLocation = groupBy(d.Languages, func(r *Language) string { return r.LocationID })
	x.languagesByPhone = groupBy(d.Languages, func(r *Language) string { return r.PhoneID })
	x.fundingByOrg = groupBy(d.Funding, func(r *Funding) string { return r.OrganizationID })
	x.fundingByService = groupBy(d.Funding, func(r *Funding) string { return r.ServiceID })
	x.addressesByLocation = groupBy(d.Addresses, func(r *Address) string { return r.LocationID })
	x.accessibilityByLocation = groupBy(d.Accessibility, func(r *Accessibility) string { return r.LocationID })
	x.programsByOrg = groupBy(d.Programs, func(r *Program) string { return r.OrganizationID })
	x.locationsByOrg = groupBy(d.Locations, func(r *Location) string { return r.OrganizationID })
	x.identifiersByOrg = groupBy(d.OrganizationIdentifiers, func(r *OrganizationIdentifier) string { return r.OrganizationID })
	x.servicesByOrg = groupBy(d.Services, func(r *Service) string { return r.OrganizationID })
	x.salsByService = groupBy(d.ServiceAtLocations, func(r *ServiceAtLocation) string { return r.ServiceID })
	x.areasByService = groupBy(d.ServiceAreas, func(r *ServiceArea) string { return r.ServiceID })
	x.costsByService = groupBy(d.CostOptions, func(r *CostOption) string { return r.ServiceID })
	x.documentsByService = groupBy(d.RequiredDocuments, func(r *RequiredDocument) string { return r.ServiceID })
	x.attributesByLink = groupBy(d.Attributes, func(r *Attribute) string { return r.LinkID })
	x.metadataByResource = groupBy(d.Metadata, func(r *Metadata) string { return r.ResourceID })
	return x
}

// Service returns the fully nested service with id, as the API's
// /services/{id} returns it (schema/compiled/service.json): its phones,
// schedules, service areas, languages, funding, cost options, program,
// required documents, contacts, attributes and metadata; its services at
// locations, each with its location in full; and its organization as a
// summary (the organization's own fields, nothing nested).
func (d *Document) Service(id string) (*Service, bool) { return d.Index().Service(id) }

// Organization returns the fully nested organization with id, as the API's
// /organizations/{id} returns it (schema/compiled/organization.json): its
// funding, contacts, phones, locations in full, programs, identifiers,
// attributes and metadata, and its services as summaries.
func (d *Document) Organization(id string) (*Organization, bool) {
	return d.Index().Organization(id)
}

// ServiceAtLocation returns the fully nested service at location with id
// (schema/compiled/service_at_location.json): its contacts, phones,
// schedules, attributes and metadata, its location in full and its service
// in full (without the service's other locations).
func (d *Document) ServiceAtLocation(id string) (*ServiceAtLocation, bool) {
	return d.Index().ServiceAtLocation(id)
}

// Service: see Document.Service.
func (x *Index) Service(id string) (*Service, bool) {
	i, ok := x.services[id]
	if !ok {
		return nil, false
	}
	s := x.service(i, true)
	return &s, true
}

// ServiceSummary returns the service with id as an item of the API's
// /services list (schema/compiled/service_list.json): its own fields, with
// its organization and program, their own fields only.
func (x *Index) ServiceSummary(id string) (*Service, bool) {
	i, ok := x.services[id]
	if !ok {
		return nil, false
	}
	s := x.serviceSummary(i)
	return &s, true
}

// Organization: see Document.Organization.
func (x *Index) Organization(id string) (*Organization, bool) {
	i, ok := x.orgs[id]
	if !ok {
		return nil, false
	}
	o := x.organization(i, false)
	return &o, true
}

// OrganizationWithFullServices returns the organization with id nested as
// Organization does, but with its services in full (the API's
// full_service=true), each without the organization again.
func (x *Index) OrganizationWithFullServices(id string) (*Organization, bool) {
	i, ok := x.orgs[id]
	if !ok {
		return nil, false
	}
	o := x.organization(i, true)
	return &o, true
}

// OrganizationSummary returns the organization with id as an item of the
// API's /organizations list (schema/compiled/organization_list.json): its
// own fields only.
func (x *Index) OrganizationSummary(id string) (*Organization, bool) {
	i, ok := x.orgs[id]
	if !ok {
		return nil, false
	}
	o := flat(x.d.Organizations[i])
	return &o, true
}

// ServiceAtLocation: see Document.ServiceAtLocation.
func (x *Index) ServiceAtLocation(id string) (*ServiceAtLocation, bool) {
	i, ok := x.sals[id]
	if !ok {
		return nil, false
	}
	s := x.serviceAtLocation(i)
	if j, ok := x.services[s.ServiceID]; ok {
		svc := x.service(j, false)
		s.Service = &svc
	}
	return &s, true
}

// ServiceAtLocationSummary returns the service at location with id as an
// item of the API's /service_at_locations list
// (schema/compiled/service_at_location_list.json): its own fields, its
// location's own fields, and its service as ServiceSummary gives it.
func (x *Index) ServiceAtLocationSummary(id string) (*ServiceAtLocation, bool) {
	i, ok := x.sals[id]
	if !ok {
		return nil, false
	}
	s := flat(x.d.ServiceAtLocations[i])
	if j, ok := x.locations[s.LocationID]; ok {
		l := flat(x.d.Locations[j])
		s.Location = &l
	}
	if j, ok := x.services[s.ServiceID]; ok {
		svc := x.serviceSummary(j)
		s.Service = &svc
	}
	return &s, true
}

// Location returns the location with id in full: its languages,
// addresses, contacts, accessibility, phones, schedules, attributes and
// metadata (schema/location.json).
func (x *Index) Location(id string) (*Location, bool) {
	i, ok := x.locations[id]
	if !ok {
		return nil, false
	}
	l := x.location(i)
	return &l, true
}

// TaxonomyTerm returns the taxonomy term with id, with its taxonomy as
// taxonomy_detail and its metadata (the API's /taxonomy_terms/{id}).
func (x *Index) TaxonomyTerm(id string) (*TaxonomyTerm, bool) {
	i, ok := x.terms[id]
	if !ok {
		return nil, false
	}
	t := x.term(i)
	return &t, true
}

// Taxonomy returns the taxonomy with id, with its metadata (the API's
// /taxonomies/{id}).
func (x *Index) Taxonomy(id string) (*Taxonomy, bool) {
	i, ok := x.taxonomies[id]
	if !ok {
		return nil, false
	}
	t := x.taxonomy(i)
	return &t, true
}

func (x *Index) service(i int, withLocations bool) Service {
	s := flat(x.d.Services[i])
	id := s.ID
	s.Phones = collect(x, x.d.Phones, x.phonesByService[id], (*Index).phone)
	s.Schedules = collect(x, x.d.Schedules, x.schedulesByService[id], (*Index).schedule)
	s.ServiceAreas = collect(x, x.d.ServiceAreas, x.areasByService[id], func(x *Index, r ServiceArea) ServiceArea {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	if withLocations {
		for _, j := range x.salsByService[id] {
			s.ServiceAtLocations = append(s.ServiceAtLocations, x.serviceAtLocation(j))
		}
	}
	s.Languages = collect(x, x.d.Languages, x.languagesByService[id], (*Index).language)
	if j, ok := x.orgs[s.OrganizationID]; ok {
		o := flat(x.d.Organizations[j])
		s.Organization = &o
	}
	s.Funding = collect(x, x.d.Funding, x.fundingByService[id], (*Index).funding)
	s.CostOptions = collect(x, x.d.CostOptions, x.costsByService[id], func(x *Index, r CostOption) CostOption {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	if j, ok := x.programs[s.ProgramID]; ok {
		p := x.program(j)
		s.Program = &p
	}
	s.RequiredDocuments = collect(x, x.d.RequiredDocuments, x.documentsByService[id], func(x *Index, r RequiredDocument) RequiredDocument {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	s.Contacts = collect(x, x.d.Contacts, x.contactsByService[id], (*Index).contact)
	s.Attributes, s.Metadata = x.attributes(id), x.metadata(id)
	return s
}

func (x *Index) serviceSummary(i int) Service {
	s := flat(x.d.Services[i])
	if j, ok := x.orgs[s.OrganizationID]; ok {
		o := flat(x.d.Organizations[j])
		s.Organization = &o
	}
	if j, ok := x.programs[s.ProgramID]; ok {
		p := flat(x.d.Programs[j])
		s.Program = &p
	}
	return s
}

func (x *Index) organization(i int, fullServices bool) Organization {
	o := flat(x.d.Organizations[i])
	id := o.ID
	o.Funding = collect(x, x.d.Funding, x.fundingByOrg[id], (*Index).funding)
	o.Contacts = collect(x, x.d.Contacts, x.contactsByOrg[id], (*Index).contact)
	o.Phones = collect(x, x.d.Phones, x.phonesByOrg[id], (*Index).phone)
	for _, j := range x.locationsByOrg[id] {
		o.Locations = append(o.Locations, x.location(j))
	}
	for _, j := range x.programsByOrg[id] {
		o.Programs = append(o.Programs, x.program(j))
	}
	o.OrganizationIdentifiers = collect(x, x.d.OrganizationIdentifiers, x.identifiersByOrg[id], func(x *Index, r OrganizationIdentifier) OrganizationIdentifier {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	o.Attributes, o.Metadata = x.attributes(id), x.metadata(id)
	for _, j := range x.servicesByOrg[id] {
		if fullServices {
			s := x.service(j, true)
			s.Organization = nil
			o.Services = append(o.Services, s)
		} else {
			o.Services = append(o.Services, flat(x.d.Services[j]))
		}
	}
	return o
}

func (x *Index) serviceAtLocation(i int) ServiceAtLocation {
	s := flat(x.d.ServiceAtLocations[i])
	id := s.ID
	s.Contacts = collect(x, x.d.Contacts, x.contactsBySAL[id], (*Index).contact)
	s.Phones = collect(x, x.d.Phones, x.phonesBySAL[id], (*Index).phone)
	s.Schedules = collect(x, x.d.Schedules, x.schedulesBySAL[id], (*Index).schedule)
	if j, ok := x.locations[s.LocationID]; ok {
		l := x.location(j)
		s.Location = &l
	}
	s.Attributes, s.Metadata = x.attributes(id), x.metadata(id)
	return s
}

func (x *Index) location(i int) Location {
	l := flat(x.d.Locations[i])
	id := l.ID
	l.Languages = collect(x, x.d.Languages, x.languagesByLocation[id], (*Index).language)
	l.Addresses = collect(x, x.d.Addresses, x.addressesByLocation[id], func(x *Index, r Address) Address {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	l.Contacts = collect(x, x.d.Contacts, x.contactsByLocation[id], (*Index).contact)
	l.Accessibility = collect(x, x.d.Accessibility, x.accessibilityByLocation[id], func(x *Index, r Accessibility) Accessibility {
		r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
		return r
	})
	l.Phones = collect(x, x.d.Phones, x.phonesByLocation[id], (*Index).phone)
	l.Schedules = collect(x, x.d.Schedules, x.schedulesByLocation[id], (*Index).schedule)
	l.Attributes, l.Metadata = x.attributes(id), x.metadata(id)
	return l
}

func (x *Index) program(i int) Program {
	p := flat(x.d.Programs[i])
	p.Attributes, p.Metadata = x.attributes(p.ID), x.metadata(p.ID)
	return p
}

func (x *Index) phone(r Phone) Phone {
	r.Languages = collect(x, x.d.Languages, x.languagesByPhone[r.ID], (*Index).language)
	r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
	return r
}

func (x *Index) contact(r Contact) Contact {
	r.Phones = collect(x, x.d.Phones, x.phonesByContact[r.ID], (*Index).phone)
	r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
	return r
}

func (x *Index) schedule(r Schedule) Schedule {
	r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
	return r
}

func (x *Index) language(r Language) Language {
	r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
	return r
}

func (x *Index) funding(r Funding) Funding {
	r.Attributes, r.Metadata = x.attributes(r.ID), x.metadata(r.ID)
	return r
}

// attributes returns the attributes linked to id, each with its taxonomy
// term.
func (x *Index) attributes(id string) []Attribute {
	if id == "" {
		return nil
	}
	return collect(x, x.d.Attributes, x.attributesByLink[id], func(x *Index, r Attribute) Attribute {
		if j, ok := x.terms[r.TaxonomyTermID]; ok {
			t := x.term(j)
			r.TaxonomyTerm = &t
		}
		r.Metadata = x.metadata(r.ID)
		return r
	})
}

func (x *Index) metadata(id string) []Metadata {
	if id == "" {
		return nil
	}
	return collect(x, x.d.Metadata, x.metadataByResource[id], func(_ *Index, r Metadata) Metadata { return r })
}

func (x *Index) term(i int) TaxonomyTerm {
	t := flat(x.d.TaxonomyTerms[i])
	if j, ok := x.taxonomies[t.TaxonomyID]; ok {
		tx := x.taxonomy(j)
		t.TaxonomyDetail = &tx
	}
	t.Metadata = x.metadata(t.ID)
	return t
}

func (x *Index) taxonomy(i int) Taxonomy {
	t := flat(x.d.Taxonomies[i])
	t.Metadata = x.metadata(t.ID)
	return t
}

// collect copies rows[i] for i in idx, flat, and completes each with fill.
func collect[T any](x *Index, rows []T, idx []int, fill func(*Index, T) T) []T {
	if len(idx) == 0 {
		return nil
	}
	out := make([]T, 0, len(idx))
	for _, i := range idx {
		out = append(out, fill(x, flat(rows[i])))
	}
	return out
}
