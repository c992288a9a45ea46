package web

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
	"github.com/haven-dv/haven/shelter"
)

// DirectoryService is the store's side of the public HSDS API: every
// agency's directory, already redacted by the confidentiality rule (the
// store applies it; handlers never see a confidential address).
type DirectoryService interface {
	PublicDirectory(ctx context.Context) (*hsds.Document, map[string]time.Time, error)
}

// directoryRoutes are the HSDS 3.0 API (issue 7): public and read-only,
// at /hsds/, with the standard's paging object and filters
// (schema/openapi.json of the standard).
func (s *Server) directoryRoutes() []route {
	return []route{
		{"GET /hsds/{$}", public, s.hsdsRoot},
		{"GET /hsds/services", public, hsdsList(s, hsdsServices, "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "minimal", "full")},
		{"GET /hsds/services/{id}", public, hsdsOne(s, "service", (*hsds.Index).Service)},
		{"GET /hsds/organizations", public, hsdsList(s, hsdsOrganizations, "full_service", "full")},
		{"GET /hsds/organizations/{id}", public, s.hsdsOrganization},
		{"GET /hsds/service_at_locations", public, hsdsList(s, hsdsServiceAtLocations, "taxonomy_term_id", "taxonomy_id", "organization_id",
			"modified_after", "full", "postcode", "proximity")},
		{"GET /hsds/service_at_locations/{id}", public, hsdsOne(s, "service at location", (*hsds.Index).ServiceAtLocation)},
		{"GET /hsds/taxonomies", public, hsdsList(s, hsdsTaxonomies)},
		{"GET /hsds/taxonomies/{id}", public, hsdsOne(s, "taxonomy", (*hsds.Index).Taxonomy)},
		{"GET /hsds/taxonomy_terms", public, hsdsList(s, hsdsTaxonomyTerms, "taxonomy_id", "top_only", "parent_id")},
		{"GET /hsds/taxonomy_terms/{id}", public, hsdsOne(s, "taxonomy term", (*hsds.Index).TaxonomyTerm)},
	}
}

// hsdsPerPageMax bounds a page.
const hsdsPerPageMax = 500

// hsdsQuery is a list request's parameters, checked.
type hsdsQuery struct {
	search             []string // lower-case words, all of which must appear
	page, perPage      int
	termID, taxonomyID string
	orgID, parentID    string
	postcode           string
	proximity          float64 // metres from the postcode's centroid; 0 = not asked
	modifiedAfter      time.Time
	topOnly, fullSvc   bool
}

// parseHSDSQuery checks the parameters the endpoint allows (allowed);
// an unknown parameter is ignored, as the reference does not forbid them,
// but a bad value of a known one is a 400 naming it.
func parseHSDSQuery(r *http.Request, allowed ...string) (hsdsQuery, error) {
	q := hsdsQuery{page: 1, perPage: 50}
	v := r.URL.Query()
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	integer := func(name string, min, max int, dst *int) error {
		s := v.Get(name)
		if s == "" {
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			return haven.FieldErrorf(haven.EBADREQUEST, name, "%s must be a whole number from %d to %d", name, min, max)
		}
		*dst = n
		return nil
	}
	boolean := func(name string, dst *bool) error {
		s := v.Get(name)
		if s == "" {
			return nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return haven.FieldErrorf(haven.EBADREQUEST, name, "%s must be true or false", name)
		}
		*dst = b
		return nil
	}
	id := func(name string, dst *string) error {
		s := v.Get(name)
		if s == "" {
			return nil
		}
		if len(s) > 100 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return haven.FieldErrorf(haven.EBADREQUEST, name, "%s is not an id", name)
		}
		*dst = s
		return nil
	}
	if err := integer("page", 1, 1_000_000, &q.page); err != nil {
		return q, err
	}
	if err := integer("per_page", 1, hsdsPerPageMax, &q.perPage); err != nil {
		return q, err
	}
	if f := v.Get("format"); f != "" && f != "json" {
		return q, haven.FieldErrorf(haven.EINVALID, "format", "format: only json is served")
	}
	if s := v.Get("search"); s != "" {
		if len(s) > 200 {
			return q, haven.FieldErrorf(haven.EBADREQUEST, "search", "search is longer than 200 bytes")
		}
		q.search = strings.Fields(strings.ToLower(s))
	}
	var unused bool
	for _, name := range allowed {
		var err error
		switch name {
		case "taxonomy_term_id":
			err = id(name, &q.termID)
		case "taxonomy_id":
			err = id(name, &q.taxonomyID)
		case "organization_id":
			err = id(name, &q.orgID)
		case "parent_id":
			err = id(name, &q.parentID)
		case "postcode":
			err = id(name, &q.postcode)
		case "top_only":
			err = boolean(name, &q.topOnly)
		case "full_service":
			err = boolean(name, &q.fullSvc)
		case "minimal", "full":
			// Lists are served in the standard's list form either way.
			err = boolean(name, &unused)
		case "modified_after":
			if s := v.Get(name); s != "" {
				t, perr := time.Parse(time.RFC3339, s)
				if perr != nil {
					t, perr = time.Parse("2006-01-02", s)
				}
				if perr != nil {
					err = haven.FieldErrorf(haven.EBADREQUEST, name, "modified_after must be a date-time (RFC 3339) or a date")
				}
				q.modifiedAfter = t
			}
		case "proximity":
			if p := v.Get(name); p != "" {
				m, perr := strconv.ParseFloat(p, 64)
				switch {
				case perr != nil || math.IsNaN(m) || m <= 0 || m > 1_000_000:
					err = haven.FieldErrorf(haven.EBADREQUEST, name, "proximity must be a distance in metres, more than 0 and at most 1000000")
				case v.Get("postcode") == "":
					err = haven.FieldErrorf(haven.EINVALID, name, "proximity is measured from a postcode's centroid: give postcode too")
				default:
					q.proximity = m
				}
			}
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

// matches reports whether every search word appears in text (lower case,
// from searchText).
func (q hsdsQuery) matches(text string) bool {
	for _, w := range q.search {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// searchText joins the fields a search looks in, in lower case.
func searchText(texts ...string) string {
	return strings.ToLower(strings.Join(texts, " \x00 "))
}

// hsdsSnap is the public directory with what the list filters need,
// worked out once per directory version instead of on every request.
type hsdsSnap struct {
	doc       *hsds.Document
	mod       map[string]time.Time
	x         *hsds.Index
	terms     map[string]map[string]bool // record id → its taxonomy term ids
	taxa      map[string]map[string]bool // record id → its taxonomies' ids
	services  map[string]*hsds.Service
	locations map[string]*hsds.Location
	postcodes map[string]map[string]bool // location id → normalised postcodes
	// centroids: normalised postcode → the mean position of the located
	// locations with that postcode. Confidential locations have neither
	// address nor coordinates here (the store redacted them), so they never
	// shape a centroid or match a postcode or proximity filter.
	centroids map[string][2]float64
	text      map[string]string // kind/id → searchText of its fields
}

func normalPostcode(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

func newHSDSSnap(doc *hsds.Document, mod map[string]time.Time) *hsdsSnap {
	sn := &hsdsSnap{doc: doc, mod: mod, x: doc.Index(), services: map[string]*hsds.Service{}, locations: map[string]*hsds.Location{},
		postcodes: map[string]map[string]bool{}, centroids: map[string][2]float64{}, text: map[string]string{}}
	sn.terms, sn.taxa = serviceTerms(doc)
	for i := range doc.Services {
		sv := &doc.Services[i]
		sn.services[sv.ID] = sv
		sn.text["service/"+sv.ID] = searchText(sv.Name, sv.AlternateName, sv.Description)
	}
	for i := range doc.Locations {
		sn.locations[doc.Locations[i].ID] = &doc.Locations[i]
	}
	for i := range doc.Organizations {
		o := &doc.Organizations[i]
		sn.text["organization/"+o.ID] = searchText(o.Name, o.AlternateName, o.Description)
	}
	sums := map[string][3]float64{}
	for _, a := range doc.Addresses {
		pc := normalPostcode(a.PostalCode)
		if sn.postcodes[a.LocationID] == nil {
			sn.postcodes[a.LocationID] = map[string]bool{}
		}
		sn.postcodes[a.LocationID][pc] = true
		if l := sn.locations[a.LocationID]; l != nil && l.Latitude != nil && l.Longitude != nil && pc != "" {
			v := sums[pc]
			sums[pc] = [3]float64{v[0] + *l.Latitude, v[1] + *l.Longitude, v[2] + 1}
		}
	}
	for pc, v := range sums {
		sn.centroids[pc] = [2]float64{v[0] / v[2], v[1] / v[2]}
	}
	for _, sal := range doc.ServiceAtLocations {
		sv, l := sn.services[sal.ServiceID], sn.locations[sal.LocationID]
		var svText, lName string
		if sv != nil {
			svText = sn.text["service/"+sv.ID]
		}
		if l != nil {
			lName = l.Name
		}
		sn.text["sal/"+sal.ID] = svText + " \x00 " + searchText(lName, sal.Description)
	}
	for _, t := range doc.Taxonomies {
		sn.text["taxonomy/"+t.ID] = searchText(t.Name, t.Description)
	}
	for _, t := range doc.TaxonomyTerms {
		sn.text["term/"+t.ID] = searchText(t.Name, t.Description, t.Code)
	}
	return sn
}

// hsdsSnaps keeps each server's last snapshot; the store hands back the
// same document until the directory changes, so the pointer is the key.
var hsdsSnaps sync.Map // *Server → *hsdsSnap

// directory reads the public directory, or writes the error.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) (*hsdsSnap, bool) {
	if s.svc.Directory == nil {
		s.apiErr(w, r, haven.Errorf(haven.EUNAVAILABLE, "the directory is not available"))
		return nil, false
	}
	doc, mod, err := s.svc.Directory.PublicDirectory(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return nil, false
	}
	if v, ok := hsdsSnaps.Load(s); ok && v.(*hsdsSnap).doc == doc {
		return v.(*hsdsSnap), true
	}
	sn := newHSDSSnap(doc, mod)
	hsdsSnaps.Store(s, sn)
	return sn, true
}

// page cuts a page from items and writes it.
func writeHSDSPage[T any](w http.ResponseWriter, items []T, q hsdsQuery) {
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, hsds.Paginate(items, q.page, q.perPage))
}

func hsdsNotFound(what string) error {
	return haven.Errorf(haven.ENOTFOUND, "no %s with that id", what)
}

func (s *Server) hsdsRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, hsds.Root{Version: hsds.Version})
}

// serviceTerms maps a record's id to the taxonomy terms of its attributes,
// and each term to its taxonomy.
func serviceTerms(doc *hsds.Document) (terms map[string]map[string]bool, taxonomies map[string]map[string]bool) {
	termTaxonomy := map[string]string{}
	for _, t := range doc.TaxonomyTerms {
		termTaxonomy[t.ID] = t.TaxonomyID
	}
	terms, taxonomies = map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, a := range doc.Attributes {
		if a.TaxonomyTermID == "" {
			continue
		}
		if terms[a.LinkID] == nil {
			terms[a.LinkID], taxonomies[a.LinkID] = map[string]bool{}, map[string]bool{}
		}
		terms[a.LinkID][a.TaxonomyTermID] = true
		if tx := termTaxonomy[a.TaxonomyTermID]; tx != "" {
			taxonomies[a.LinkID][tx] = true
		}
	}
	return terms, taxonomies
}

// passes reports whether a service passes the query's filters.
func (sn *hsdsSnap) passes(sv *hsds.Service, q hsdsQuery) bool {
	if q.orgID != "" && sv.OrganizationID != q.orgID {
		return false
	}
	if q.termID != "" && !sn.terms[sv.ID][q.termID] {
		return false
	}
	if q.taxonomyID != "" && !sn.taxa[sv.ID][q.taxonomyID] {
		return false
	}
	if !q.modifiedAfter.IsZero() {
		m := sn.mod[sv.ID]
		if t, err := time.Parse(time.RFC3339, sv.LastModified); err == nil {
			m = t
		}
		if !m.After(q.modifiedAfter) {
			return false
		}
	}
	return true
}

func hsdsServices(sn *hsdsSnap, q hsdsQuery) ([]hsds.Service, error) {
	var out []hsds.Service
	for i := range sn.doc.Services {
		sv := &sn.doc.Services[i]
		if !sn.passes(sv, q) || !q.matches(sn.text["service/"+sv.ID]) {
			continue
		}
		if v, ok := sn.x.ServiceSummary(sv.ID); ok {
			out = append(out, *v)
		}
	}
	return out, nil
}

// hsdsList answers a list route: the parameters it allows (a bad value is
// an error naming it), the snapshot, and the page of what list keeps.
func hsdsList[T any](s *Server, list func(sn *hsdsSnap, q hsdsQuery) ([]T, error), allowed ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseHSDSQuery(r, allowed...)
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		sn, ok := s.directory(w, r)
		if !ok {
			return
		}
		out, err := list(sn, q)
		if err != nil {
			s.apiErr(w, r, err)
			return
		}
		writeHSDSPage(w, out, q)
	}
}

// hsdsOne answers GET …/{id}: the object get finds in the public
// (redacted) directory, or 404 naming what was not found.
func hsdsOne[T any](s *Server, what string, get func(x *hsds.Index, id string) (*T, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sn, ok := s.directory(w, r)
		if !ok {
			return
		}
		v, found := get(sn.x, r.PathValue("id"))
		if !found {
			s.apiErr(w, r, hsdsNotFound(what))
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func hsdsOrganizations(sn *hsdsSnap, q hsdsQuery) ([]hsds.Organization, error) {
	x := sn.x
	var out []hsds.Organization
	for _, o := range sn.doc.Organizations {
		if !q.matches(sn.text["organization/"+o.ID]) {
			continue
		}
		if v, ok := x.OrganizationSummary(o.ID); ok {
			out = append(out, *v)
		}
	}
	return out, nil
}

func (s *Server) hsdsOrganization(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "full_service")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	sn, ok := s.directory(w, r)
	if !ok {
		return
	}
	x := sn.x
	var v *hsds.Organization
	var found bool
	if q.fullSvc {
		v, found = x.OrganizationWithFullServices(r.PathValue("id"))
	} else {
		v, found = x.Organization(r.PathValue("id"))
	}
	if !found {
		s.apiErr(w, r, hsdsNotFound("organization"))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func hsdsServiceAtLocations(sn *hsdsSnap, q hsdsQuery) ([]hsds.ServiceAtLocation, error) {
	pc := normalPostcode(q.postcode)
	var centre [2]float64
	if q.proximity > 0 {
		c, found := sn.centroids[pc]
		if !found {
			return nil, haven.FieldErrorf(haven.EINVALID, "postcode",
				"no located service has that postcode, so there is no centroid to measure proximity from")
		}
		centre = c
	}
	var out []hsds.ServiceAtLocation
	for _, sal := range sn.doc.ServiceAtLocations {
		sv, l := sn.services[sal.ServiceID], sn.locations[sal.LocationID]
		if sv == nil || !sn.passes(sv, q) || !q.matches(sn.text["sal/"+sal.ID]) {
			continue
		}
		switch {
		case q.proximity > 0:
			// Confidential locations carry no coordinates here: never within.
			if l == nil || l.Latitude == nil || l.Longitude == nil ||
				shelter.Haversine(centre[0], centre[1], *l.Latitude, *l.Longitude)*1000 > q.proximity {
				continue
			}
		case pc != "":
			if !sn.postcodes[sal.LocationID][pc] {
				continue
			}
		}
		if v, ok := sn.x.ServiceAtLocationSummary(sal.ID); ok {
			out = append(out, *v)
		}
	}
	return out, nil
}

func hsdsTaxonomies(sn *hsdsSnap, q hsdsQuery) ([]hsds.Taxonomy, error) {
	x := sn.x
	var out []hsds.Taxonomy
	for _, t := range sn.doc.Taxonomies {
		if !q.matches(sn.text["taxonomy/"+t.ID]) {
			continue
		}
		if v, ok := x.Taxonomy(t.ID); ok {
			out = append(out, *v)
		}
	}
	return out, nil
}

func hsdsTaxonomyTerms(sn *hsdsSnap, q hsdsQuery) ([]hsds.TaxonomyTerm, error) {
	x := sn.x
	var out []hsds.TaxonomyTerm
	for _, t := range sn.doc.TaxonomyTerms {
		if q.taxonomyID != "" && t.TaxonomyID != q.taxonomyID {
			continue
		}
		if q.topOnly && t.ParentID != "" {
			continue
		}
		if q.parentID != "" && t.ParentID != q.parentID {
			continue
		}
		if !q.matches(sn.text["term/"+t.ID]) {
			continue
		}
		if v, ok := x.TaxonomyTerm(t.ID); ok {
			out = append(out, *v)
		}
	}
	return out, nil
}
