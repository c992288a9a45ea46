package web

// find.go: the public finder at /find (issue 7 item 6, docs/FINDER.md). It
// reads the public, already redacted directory (DirectoryService) and
// shows it by need and area, in its own discreet layout — never the staff
// layout — with a quick exit on every page.

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/haven-dv/haven/hsds"
)

//go:embed templates/find/*.html
var findTemplateFS embed.FS

// findTemplate is the finder's own template set (layout and page), parsed
// once at start-up: a broken template stops the program before it serves.
var findTemplate = template.Must(template.New("layout.html").ParseFS(findTemplateFS, "templates/find/*.html"))

// DefaultFinderExitURL is where the quick exit goes when Config.FinderExitURL
// is empty: a busy, neutral page. Nothing is fetched from it while the
// finder is open; the browser goes there only when someone leaves.
const DefaultFinderExitURL = "https://www.bbc.co.uk/weather"

// confidentialSuffix is what the store appends to a confidential
// location's area label (store.ConfidentialSuffix; a test keeps them equal).
const confidentialSuffix = " (confidential location)"

func (s *Server) finderExitURL() string {
	if u := strings.TrimSpace(s.cfg.FinderExitURL); u != "" {
		return u
	}
	return DefaultFinderExitURL
}

// findNeed is one need, in plain words, and the haven-dv terms it covers.
type findNeed struct {
	Code  string
	En    string
	Es    string
	Terms []string // haven-dv term codes
}

// findNeeds are the choices, in the order shown.
var findNeeds = []findNeed{
	{"stay", "A safe place to stay tonight", "Un lugar seguro para pasar la noche", []string{"emergency_shelter"}},
	{"talk", "Someone to talk to now", "Alguien con quien hablar ahora", []string{"hotline_24h"}},
	{"legal", "Legal help and protection orders", "Ayuda legal y órdenes de protección", []string{"legal_advocacy", "court_accompaniment"}},
	{"housing", "A place to stay for longer", "Un lugar para quedarse más tiempo", []string{"transitional_housing"}},
	{"support", "Counselling or a support group", "Terapia o un grupo de apoyo", []string{"counselling", "support_group"}},
	{"medical", "Medical care", "Atención médica", []string{"medical_forensic"}},
	{"children", "Help for children", "Ayuda para niños y niñas", []string{"children"}},
	{"immigration", "Help with immigration", "Ayuda con inmigración", []string{"immigration"}},
	{"money", "Help with money", "Ayuda con dinero", []string{"financial"}},
	{"pets", "A safe place for a pet", "Un lugar seguro para una mascota", []string{"pet_shelter"}},
	{"behaviour", "Help to stop hurting someone", "Ayuda para dejar de hacer daño", []string{"batterer_intervention"}},
}

// findText is the page's wording in each language.
var findText = map[string]map[string]string{
	"en": {
		"title":       "Find local services",
		"heading":     "Find local services",
		"intro":       "Free help near you. You do not need to give your name.",
		"exit":        "Exit this page",
		"exitHint":    "Or press the Shift key 3 times to leave this page quickly.",
		"hotlines":    "Call now, day or night",
		"need":        "What do you need?",
		"anyNeed":     "Any kind of help",
		"area":        "Where?",
		"anyArea":     "Anywhere",
		"search":      "Show services",
		"results":     "Services",
		"none":        "No services match. Try “Anywhere”, or call a number at the top of this page.",
		"org":         "Run by",
		"phone":       "Call",
		"where":       "Area",
		"byPhone":     "By phone",
		"hours":       "Open",
		"private":     "The address is kept private for safety. Call to arrange a visit.",
		"unavailable": "The list of services is not available right now. Please call a number above, or try again later.",
		"emergency":   "In an emergency, call 999 or 911.",
		"otherLang":   "Español",
		"otherCode":   "es",
		"found":       "%d found",
	},
	"es": {
		"title":       "Buscar servicios locales",
		"heading":     "Buscar servicios locales",
		"intro":       "Ayuda gratuita cerca de usted. No necesita dar su nombre.",
		"exit":        "Salir de esta página",
		"exitHint":    "O pulse la tecla Mayús 3 veces para salir rápido.",
		"hotlines":    "Llame ahora, de día o de noche",
		"need":        "¿Qué necesita?",
		"anyNeed":     "Cualquier tipo de ayuda",
		"area":        "¿Dónde?",
		"anyArea":     "En cualquier lugar",
		"search":      "Mostrar servicios",
		"results":     "Servicios",
		"none":        "Ningún servicio coincide. Pruebe «En cualquier lugar» o llame a un número de arriba.",
		"org":         "De",
		"phone":       "Llamar",
		"where":       "Zona",
		"byPhone":     "Por teléfono",
		"hours":       "Horario",
		"private":     "La dirección es privada por seguridad. Llame para acordar una visita.",
		"unavailable": "La lista de servicios no está disponible ahora. Llame a un número de arriba o inténtelo más tarde.",
		"emergency":   "En una emergencia, llame al 999 o al 911.",
		"otherLang":   "English",
		"otherCode":   "en",
		"found":       "%d encontrados",
	},
}

// findPhone is a number to show and to dial.
type findPhone struct {
	Display string
	Tel     template.URL // built by telURI from digits and "+" only
}

// findResult is one service at one place (or a service with no place).
type findResult struct {
	Service      string
	Organization string
	Phones       []findPhone
	Area         string // "" for a service with no place (by phone)
	Hours        []string
	Confidential bool
	terms        map[string]bool // haven-dv term codes
}

type findOption struct {
	Value, Label string
	Selected     bool
}

// findPage is what the finder's templates receive.
type findPage struct {
	Lang        string
	M           map[string]string
	ExitURL     string
	Needs       []findOption
	Areas       []findOption
	Hotlines    []findResult
	Searched    bool
	Results     []findResult
	Count       int
	Unavailable bool
	OtherLang   string // the link to the page in the other language
}

// telURI makes a tel: URI from a number as written ("0800 000 1234").
func telURI(number string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(number) {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "tel:" + b.String()
}

// findResults turns the public directory into results: one per service at
// a location, and one per service offered at no location. A confidential
// location (the store has already redacted it) gives its area label and
// its intake phone only.
func findResults(doc *hsds.Document) []findResult {
	_, dvTerms := hsds.DVTaxonomy()
	code := map[string]string{}
	for _, t := range dvTerms {
		code[t.ID] = t.Code
	}
	linkTerms := map[string][]string{}
	for _, a := range doc.Attributes {
		if c := code[a.TaxonomyTermID]; c != "" {
			linkTerms[a.LinkID] = append(linkTerms[a.LinkID], c)
		}
	}
	orgs := map[string]hsds.Organization{}
	for _, o := range doc.Organizations {
		orgs[o.ID] = o
	}
	locs := map[string]hsds.Location{}
	for _, l := range doc.Locations {
		locs[l.ID] = l
	}
	city := map[string]string{}
	for _, a := range doc.Addresses {
		if city[a.LocationID] == "" && strings.TrimSpace(a.City) != "" {
			city[a.LocationID] = strings.TrimSpace(a.City)
		}
	}
	phonesOf := func(match func(hsds.Phone) bool) []findPhone {
		var out []findPhone
		for _, p := range doc.Phones {
			if p.Type == "fax" || !match(p) {
				continue
			}
			if tel := telURI(p.Number); tel != "" {
				out = append(out, findPhone{Display: strings.TrimSpace(p.Number), Tel: template.URL(tel)})
			}
		}
		return out
	}
	hoursOf := func(match func(hsds.Schedule) bool) []string {
		var out []string
		for _, sc := range doc.Schedules {
			if !match(sc) {
				continue
			}
			h := strings.TrimSpace(sc.Description)
			if h == "" {
				var parts []string
				if sc.ByDay != "" {
					parts = append(parts, sc.ByDay)
				}
				if sc.OpensAt != "" || sc.ClosesAt != "" {
					parts = append(parts, sc.OpensAt+"–"+sc.ClosesAt)
				}
				h = strings.Join(parts, " ")
			}
			if h != "" && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
		return out
	}
	sals := map[string][]hsds.ServiceAtLocation{}
	for _, sal := range doc.ServiceAtLocations {
		sals[sal.ServiceID] = append(sals[sal.ServiceID], sal)
	}
	var out []findResult
	for _, sv := range doc.Services {
		if sv.Status == "inactive" || sv.Status == "defunct" {
			continue
		}
		base := findResult{Service: sv.Name, Organization: orgs[sv.OrganizationID].Name, terms: map[string]bool{}}
		for _, c := range linkTerms[sv.ID] {
			base.terms[c] = true
		}
		servicePhones := phonesOf(func(p hsds.Phone) bool { return p.ServiceID == sv.ID })
		serviceHours := hoursOf(func(sc hsds.Schedule) bool { return sc.ServiceID == sv.ID })
		if len(sals[sv.ID]) == 0 {
			r := base
			r.Phones = servicePhones
			if len(r.Phones) == 0 {
				r.Phones = phonesOf(func(p hsds.Phone) bool { return p.OrganizationID == sv.OrganizationID && p.OrganizationID != "" })
			}
			r.Hours = serviceHours
			out = append(out, r)
			continue
		}
		for _, sal := range sals[sv.ID] {
			l := locs[sal.LocationID]
			r := base
			r.terms = map[string]bool{}
			for c := range base.terms {
				r.terms[c] = true
			}
			for _, c := range append(linkTerms[l.ID], linkTerms[sal.ID]...) {
				r.terms[c] = true
			}
			if label, ok := strings.CutSuffix(l.Name, confidentialSuffix); ok {
				// The intake line only: the location's phones, else the service's.
				r.Confidential, r.Area = true, strings.TrimSpace(label)
				r.Phones = phonesOf(func(p hsds.Phone) bool { return p.LocationID == l.ID })
				if len(r.Phones) == 0 {
					r.Phones = servicePhones
				}
				out = append(out, r)
				continue
			}
			r.Area = city[l.ID]
			r.Phones = append(phonesOf(func(p hsds.Phone) bool { return p.ServiceAtLocationID == sal.ID }), servicePhones...)
			r.Phones = append(r.Phones, phonesOf(func(p hsds.Phone) bool { return p.LocationID == l.ID })...)
			if len(r.Phones) == 0 {
				r.Phones = phonesOf(func(p hsds.Phone) bool { return p.OrganizationID == sv.OrganizationID && p.OrganizationID != "" })
			}
			r.Hours = append(hoursOf(func(sc hsds.Schedule) bool { return sc.ServiceAtLocationID == sal.ID }), serviceHours...)
			if len(r.Hours) == 0 {
				r.Hours = hoursOf(func(sc hsds.Schedule) bool { return sc.LocationID == l.ID })
			}
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return out[i].Area < out[j].Area
		}
		return out[i].Service < out[j].Service
	})
	return out
}

func (s *Server) handleFind(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := "en"
	if q.Get("lang") == "es" {
		lang = "es"
	}
	needCode, area := q.Get("need"), strings.TrimSpace(q.Get("area"))
	if len(area) > 100 {
		area = ""
	}
	p := &findPage{Lang: lang, M: findText[lang], ExitURL: s.finderExitURL()}
	other := url.Values{}
	for k, v := range q {
		if k == "need" || k == "area" {
			other[k] = v
		}
	}
	other.Set("lang", p.M["otherCode"])
	p.OtherLang = "/find?" + other.Encode()

	var need *findNeed
	for i, n := range findNeeds {
		label := n.En
		if lang == "es" {
			label = n.Es
		}
		p.Needs = append(p.Needs, findOption{Value: n.Code, Label: label, Selected: n.Code == needCode})
		if n.Code == needCode {
			need = &findNeeds[i]
		}
	}

	status := http.StatusOK
	var all []findResult
	if s.svc.Directory == nil {
		p.Unavailable, status = true, http.StatusServiceUnavailable
	} else if doc, _, err := s.svc.Directory.PublicDirectory(r.Context()); err != nil {
		s.logIfInternal(r, err)
		p.Unavailable, status = true, http.StatusServiceUnavailable
	} else {
		all = findResults(doc)
	}
	areas := map[string]bool{}
	for _, res := range all {
		if res.Area != "" {
			areas[res.Area] = true
		}
		if res.terms["hotline_24h"] && len(res.Phones) > 0 && len(p.Hotlines) < 5 {
			p.Hotlines = append(p.Hotlines, res)
		}
	}
	names := make([]string, 0, len(areas))
	for a := range areas {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		p.Areas = append(p.Areas, findOption{Value: a, Label: a, Selected: a == area})
	}

	p.Searched = need != nil || area != ""
	if p.Searched {
		for _, res := range all {
			if area != "" && res.Area != "" && res.Area != area {
				continue
			}
			if need != nil && !slices.ContainsFunc(need.Terms, func(c string) bool { return res.terms[c] }) {
				continue
			}
			p.Results = append(p.Results, res)
		}
		p.Count = len(p.Results)
	}

	var buf bytes.Buffer
	if err := findTemplate.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "template failed", "request_id", requestID(r.Context()), "template", "find", "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
