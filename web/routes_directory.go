package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/hsds"
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
		{"GET /hsds/services", public, s.hsdsServices},
		{"GET /hsds/services/{id}", public, hsdsOne(s, "service", (*hsds.Index).Service)},
		{"GET /hsds/organizations", public, s.hsdsOrganizations},
		{"GET /hsds/organizations/{id}", public, s.hsdsOrganization},
		{"GET /hsds/service_at_locations", public, s.hsdsServiceAtLocations},
		{"GET /hsds/service_at_locations/{id}", public, hsdsOne(s, "service at location", (*hsds.Index).ServiceAtLocation)},
		{"GET /hsds/taxonomies", public, s.hsdsTaxonomies},
		{"GET /hsds/taxonomies/{id}", public, hsdsOne(s, "taxonomy", (*hsds.Index).Taxonomy)},
		{"GET /hsds/taxonomy_terms", public, s.hsdsTaxonomyTerms},
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
			if v.Get(name) != "" {
				err = haven.FieldErrorf(haven.EINVALID, name, "proximity is not supported by this server")
			}
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

// matches reports whether every search word appears in one of texts.
func (q hsdsQuery) matches(texts ...string) bool {
	if len(q.search) == 0 {
		return true
	}
	all := strings.ToLower(strings.Join(texts, " \x00 "))
	for _, w := range q.search {
		if !strings.Contains(all, w) {
			return false
		}
	}
	return true
}

// directory reads the public directory, or writes the error.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) (*hsds.Document, map[string]time.Time, bool) {
	if s.svc.Directory == nil {
		s.apiErr(w, r, haven.Errorf(haven.EUNAVAILABLE, "the directory is not available"))
		return nil, nil, false
	}
	doc, mod, err := s.svc.Directory.PublicDirectory(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return nil, nil, false
	}
	return doc, mod, true
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

// serviceFilter returns whether a service passes the query's filters.
func serviceFilter(doc *hsds.Document, mod map[string]time.Time, q hsdsQuery) func(hsds.Service) bool {
	terms, taxonomies := serviceTerms(doc)
	return func(sv hsds.Service) bool {
		if q.orgID != "" && sv.OrganizationID != q.orgID {
			return false
		}
		if q.termID != "" && !terms[sv.ID][q.termID] {
			return false
		}
		if q.taxonomyID != "" && !taxonomies[sv.ID][q.taxonomyID] {
			return false
		}
		if !q.modifiedAfter.IsZero() {
			m := mod[sv.ID]
			if t, err := time.Parse(time.RFC3339, sv.LastModified); err == nil {
				m = t
			}
			if !m.After(q.modifiedAfter) {
				return false
			}
		}
		return true
	}
}

func (s *Server) hsdsServices(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "minimal", "full")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, mod, ok := s.directory(w, r)
	if !ok {
		return
	}
	x, pass := doc.Index(), serviceFilter(doc, mod, q)
	var out []hsds.Service
	for _, sv := range doc.Services {
		if !pass(sv) || !q.matches(sv.Name, sv.AlternateName, sv.Description) {
			continue
		}
		if v, ok := x.ServiceSummary(sv.ID); ok {
			out = append(out, *v)
		}
	}
	writeHSDSPage(w, out, q)
}

// hsdsOne answers GET …/{id}: the object get finds in the public
// (redacted) directory, or 404 naming what was not found.
func hsdsOne[T any](s *Server, what string, get func(x *hsds.Index, id string) (*T, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		doc, _, ok := s.directory(w, r)
		if !ok {
			return
		}
		v, found := get(doc.Index(), r.PathValue("id"))
		if !found {
			s.apiErr(w, r, hsdsNotFound(what))
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) hsdsOrganizations(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "full_service", "full")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, _, ok := s.directory(w, r)
	if !ok {
		return
	}
	x := doc.Index()
	var out []hsds.Organization
	for _, o := range doc.Organizations {
		if !q.matches(o.Name, o.AlternateName, o.Description) {
			continue
		}
		if v, ok := x.OrganizationSummary(o.ID); ok {
			out = append(out, *v)
		}
	}
	writeHSDSPage(w, out, q)
}

func (s *Server) hsdsOrganization(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "full_service")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, _, ok := s.directory(w, r)
	if !ok {
		return
	}
	x := doc.Index()
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

func (s *Server) hsdsServiceAtLocations(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full", "postcode", "proximity")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, mod, ok := s.directory(w, r)
	if !ok {
		return
	}
	x, pass := doc.Index(), serviceFilter(doc, mod, q)
	services := map[string]hsds.Service{}
	for _, sv := range doc.Services {
		services[sv.ID] = sv
	}
	locations := map[string]hsds.Location{}
	for _, l := range doc.Locations {
		locations[l.ID] = l
	}
	postcodes := map[string]map[string]bool{}
	for _, a := range doc.Addresses {
		if postcodes[a.LocationID] == nil {
			postcodes[a.LocationID] = map[string]bool{}
		}
		postcodes[a.LocationID][strings.ToLower(strings.ReplaceAll(a.PostalCode, " ", ""))] = true
	}
	pc := strings.ToLower(strings.ReplaceAll(q.postcode, " ", ""))
	var out []hsds.ServiceAtLocation
	for _, sal := range doc.ServiceAtLocations {
		sv, l := services[sal.ServiceID], locations[sal.LocationID]
		if !pass(sv) || !q.matches(sv.Name, sv.AlternateName, sv.Description, l.Name, sal.Description) {
			continue
		}
		if pc != "" && !postcodes[sal.LocationID][pc] {
			continue
		}
		if v, ok := x.ServiceAtLocationSummary(sal.ID); ok {
			out = append(out, *v)
		}
	}
	writeHSDSPage(w, out, q)
}

func (s *Server) hsdsTaxonomies(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, _, ok := s.directory(w, r)
	if !ok {
		return
	}
	x := doc.Index()
	var out []hsds.Taxonomy
	for _, t := range doc.Taxonomies {
		if !q.matches(t.Name, t.Description) {
			continue
		}
		if v, ok := x.Taxonomy(t.ID); ok {
			out = append(out, *v)
		}
	}
	writeHSDSPage(w, out, q)
}

func (s *Server) hsdsTaxonomyTerms(w http.ResponseWriter, r *http.Request) {
	q, err := parseHSDSQuery(r, "taxonomy_id", "top_only", "parent_id")
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	doc, _, ok := s.directory(w, r)
	if !ok {
		return
	}
	x := doc.Index()
	var out []hsds.TaxonomyTerm
	for _, t := range doc.TaxonomyTerms {
		if q.taxonomyID != "" && t.TaxonomyID != q.taxonomyID {
			continue
		}
		if q.topOnly && t.ParentID != "" {
			continue
		}
		if q.parentID != "" && t.ParentID != q.parentID {
			continue
		}
		if !q.matches(t.Name, t.Description, t.Code) {
			continue
		}
		if v, ok := x.TaxonomyTerm(t.ID); ok {
			out = append(out, *v)
		}
	}
	writeHSDSPage(w, out, q)
}
