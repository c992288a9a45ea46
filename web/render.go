package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// page is what every template receives.
type page struct {
	Title string
	Actor haven.Actor
	Me    *haven.User
	CSRF  string
	Demo  bool
	// DemoNote is the demo's progress line (the Chicago sample loading).
	DemoNote string
	Notice   string // a success message
	Error    string // a failure message, with Field naming the input at fault
	Field    string
	Nav      []navItem
	Current  string
	Data     any
}

type navItem struct{ Href, Label string }

var funcs = template.FuncMap{
	"when": func(t any, loc *time.Location) string {
		var tt time.Time
		switch v := t.(type) {
		case time.Time:
			tt = v
		case *time.Time:
			if v == nil {
				return "—"
			}
			tt = *v
		default:
			return ""
		}
		if loc == nil {
			loc = time.UTC
		}
		return tt.In(loc).Format("2 Jan 2006 15:04 MST")
	},
	"humanize": func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
	"kinds":    func() []haven.AgencyKind { return haven.AgencyKinds },
	"roles":    func() []haven.Role { return haven.Roles },
	// dict and list build arguments for a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
	"list": func(v ...any) []any { return v },
}

// parseTemplates parses each page together with the layout, once, at
// start-up, so a broken template stops the server before it serves.
func parseTemplates() (map[string]*template.Template, error) {
	// Partials are sections that several pages include (a person's
	// consents, cases, plan and referrals on their page); every page gets them.
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		out[strings.TrimSuffix(name, ".html")] = t
	}
	return out, nil
}

// render writes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	t, ok := s.tmpl[name]
	if !ok {
		s.errorPage(w, r, haven.Internal(fmt.Errorf("no template %q", name)))
		return
	}
	s.fillPage(r, p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.ErrorContext(r.Context(), "template failed", "request_id", requestID(r.Context()), "template", name, "err", err.Error())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "internal error; request id", requestID(r.Context()))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fillPage adds what every page needs: who is signed in, the CSRF token and
// the navigation their role may use.
func (s *Server) fillPage(r *http.Request, p *page) {
	p.Actor = haven.ActorFromContext(r.Context())
	p.Demo = s.cfg.Demo
	if s.cfg.Demo && s.cfg.DemoStatus != nil {
		p.DemoNote = s.cfg.DemoStatus()
	}
	p.Current = r.URL.Path
	if sess := sessionFrom(r.Context()); sess != nil {
		p.CSRF = sess.CSRFToken
	}
	if p.Actor.UserID != "" {
		p.Nav = []navItem{{"/home", "Home"}}
		if worksWithPeople(p.Actor.Role) {
			p.Nav = append(p.Nav, navItem{"/persons", "People"})
		}
		if p.Actor.Role == haven.RoleOfficer || p.Actor.Role == haven.RoleSupervisor {
			p.Nav = append(p.Nav, navItem{"/incidents", "Reports"})
		}
		switch p.Actor.Role {
		case haven.RoleOfficer, haven.RoleSupervisor, haven.RoleAdvocate, haven.RoleAnalyst, haven.RoleAgencyAdmin:
			p.Nav = append(p.Nav, navItem{"/risk", "Risk"})
		}
		if p.Actor.Role == haven.RoleAdvocate || p.Actor.Role == haven.RoleSupervisor {
			p.Nav = append(p.Nav, navItem{"/risk/queue", "Queue"})
		}
		switch p.Actor.Role {
		case haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleShelterStaff:
			p.Nav = append(p.Nav, navItem{"/cases", "Cases"})
		}
		if p.Actor.Role == haven.RoleAnalyst || p.Actor.Role == haven.RoleSupervisor || p.Actor.Role == haven.RoleAgencyAdmin {
			p.Nav = append(p.Nav, navItem{"/analytics", "Dashboard"}, navItem{"/analytics/map", "Map"})
		}
		if p.Actor.Role == haven.RoleOfficer {
			p.Nav = append(p.Nav, navItem{"/quick", "Quick list"})
		}
		if p.Actor.Role == haven.RoleShelterStaff {
			p.Nav = append(p.Nav, navItem{"/shelters", "Beds"})
		}
		if worksWithPeople(p.Actor.Role) {
			p.Nav = append(p.Nav, navItem{"/referrals", "Referrals"}, navItem{"/shared", "Shared with us"})
		}
		switch p.Actor.Role {
		case haven.RoleSystemAdmin:
			p.Nav = append(p.Nav, navItem{"/admin/agencies", "Agencies"}, navItem{"/admin/users", "Users"})
		case haven.RoleAgencyAdmin, haven.RoleSupervisor:
			p.Nav = append(p.Nav, navItem{"/admin/users", "Users"}, navItem{"/review/break-glass", "Review"})
		}
		if p.Actor.Role == haven.RoleAgencyAdmin || p.Actor.Role == haven.RoleSystemAdmin {
			p.Nav = append(p.Nav, navItem{"/admin/audit", "Audit log"})
		}
		p.Nav = append(p.Nav, navItem{"/account", "Account"})
	}
}

// errorPage renders an error for a browser.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status := ErrorStatus(err)
	title := http.StatusText(status)
	s.render(w, r, status, "error", &page{Title: title, Error: haven.ErrorMessage(err),
		Data: map[string]any{"Status": status, "RequestID": requestID(r.Context())}})
}
