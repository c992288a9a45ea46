// Package web is Haven's only HTTP layer: routing, middleware (session or
// token → Actor, CSRF, security headers, request ids, logs, metrics), HTML
// pages from embedded templates, the JSON API under /api/v1 and its OpenAPI
// document. Handlers are thin: decode, call a service, render. It never
// touches the database directly.
package web

import (
	"context"
	"crypto/subtle"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// Config is how the web layer behaves.
type Config struct {
	Logger        *slog.Logger
	SecureCookies bool // mark cookies Secure: set when serving TLS or behind a TLS proxy
	TrustProxy    bool // take the client address from X-Forwarded-For (only behind a proxy you run)
	Demo          bool // show the demo banner on every page
	// DemoStatus, when set, gives a line for the demo banner: what the
	// demo is still loading (the Chicago sample imports in the background).
	DemoStatus func() string
	// FinderExitURL is where the public finder's quick exit goes
	// (docs/FINDER.md); empty means DefaultFinderExitURL.
	FinderExitURL string
	// The analytics map (web/analytics_map.go): MapTiles is a tile URL
	// template ("https://tile.example/{z}/{x}/{y}.png"), empty for none;
	// MapMaxZoom the closest zoom (0: DefaultMapMaxZoom); MinCellM the
	// smallest hotspot cell in metres (0: DefaultMinCellM); SuppressThreshold
	// the small-count threshold of exported counts (0: analytics default 5).
	MapTiles          string
	MapMaxZoom        int
	MinCellM          float64
	SuppressThreshold int
}

// Services are what the handlers call.
type Services struct {
	Agencies   haven.AgencyService
	Users      haven.UserService
	Auth       haven.AuthService
	Persons    haven.PersonService
	BreakGlass haven.BreakGlassService
	MFA        haven.MFAService
	Incidents  haven.IncidentService
	Evidence   haven.EvidenceService
	Risk       haven.RiskService
	Consents   haven.ConsentService
	Cases      haven.CaseService
	Plans      haven.SafetyPlanService
	Referrals  haven.ReferralService
	Directory  DirectoryService // the HSDS API's public directory
	Shelters   ShelterService   // shelter availability and the service search
	Audit      AuditService
	Analytics  haven.AnalyticsService // hotspots, density, dashboards
	Boundaries BoundaryService        // district boundaries for the map
	// Ready reports whether the database answers (for /readyz).
	Ready func(context.Context) error
}

// AuditService lists the audit log for its viewer.
type AuditService interface {
	FindAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Server serves Haven over HTTP.
type Server struct {
	cfg     Config
	svc     Services
	log     *slog.Logger
	tmpl    map[string]*template.Template
	metrics *metrics
	routes  []route
	handler http.Handler
}

// access levels of a route.
type level int

const (
	public  level = iota // anyone
	signed               // a signed-in user or a token; CSRF-checked when unsafe and cookie-borne
	browser              // a signed-in browser session (HTML pages)
)

type route struct {
	pattern string // a net/http ServeMux pattern, "METHOD /path"
	level   level
	handler http.HandlerFunc
}

// New builds the server: parses templates and registers routes.
func New(cfg Config, svc Services) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: svc, log: cfg.Logger, tmpl: tmpl, metrics: newMetrics()}
	s.routes = s.routeTable()
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	// Cross-origin state-changing requests are refused before anything else
	// (Sec-Fetch-Site / Origin checks); the per-session token below is the
	// second line for older browsers.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "cross-origin request refused"))
	}))
	s.handler = s.observe(s.securityHeaders(cop.Handler(s.authenticate(s.unmatched(mux)))))
	return s, nil
}

// unmatched answers requests no route matches in Haven's own error shapes
// (JSON for the API, a page for browsers) instead of the mux's plain text,
// keeping the mux's choice between 404 and 405 and its Allow header.
func (s *Server) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.Header().Get("Allow"))
			s.fail(w, r, haven.Errorf(haven.EMETHOD, "%s is not allowed here; allowed: %s", r.Method, rec.Header().Get("Allow")))
			return
		}
		if isAPI(r) {
			s.apiErr(w, r, haven.Errorf(haven.ENOTFOUND, "no such API endpoint"))
			return
		}
		s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "page not found"))
	})
}

// Handler returns the root handler with all middleware applied.
func (s *Server) Handler() http.Handler { return s.handler }

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// guard enforces a route's level: sign-in, the second factor (see
// secondFactorGate), and the CSRF token for state-changing requests that
// ride on the session cookie.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info(r.Context()).route = r.Pattern
		actor := haven.ActorFromContext(r.Context())
		if rt.level == public {
			rt.handler(w, r)
			return
		}
		if !actor.Authenticated() {
			if rt.level == browser && r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, haven.Errorf(haven.EUNAUTHORIZED, "sign in, or send an API token as 'Authorization: Bearer <token>'"))
			return
		}
		if rt.level == browser && actor.Via != "session" {
			s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "this page is for browsers; use the API with a token"))
			return
		}
		if s.secondFactorGate(w, r, rt, actor) {
			return
		}
		// Evidence uploads check the token themselves, from the fields
		// before the file: reading the form here would read the whole upload.
		if sess := sessionFrom(r.Context()); sess != nil && unsafeMethod(r.Method) && !streamedUploadRoutes[rt.pattern] {
			got := r.Header.Get("X-CSRF-Token")
			if got == "" && !strings.HasPrefix(r.URL.Path, "/api/") {
				got = r.PostFormValue("csrf_token")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
				s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "the form has expired; reload the page and try again"))
				return
			}
		}
		rt.handler(w, r)
	})
}

// routeTable is every route Haven serves. The OpenAPI test checks the
// /api/v1 ones against openapi.json in both directions.
func (s *Server) routeTable() []route {
	rs := []route{
		{"GET /static/", public, s.staticHandler()},
		{"GET /healthz", public, s.handleHealthz},
		{"GET /readyz", public, s.handleReadyz},
		{"GET /metrics", public, s.handleMetrics},
		{"GET /{$}", public, s.handleRoot},
		{"GET /login", public, s.handleLoginPage},
		{"POST /login", public, s.handleLogin},
		{"POST /logout", browser, s.handleLogout},
		{"GET /home", browser, s.handleHome},
		{"GET /account", browser, s.handleAccount},
		{"POST /account/password", browser, s.handleChangePassword},
		{"POST /account/tokens", browser, s.handleCreateTokenPage},
		{"POST /account/tokens/{id}/revoke", browser, s.handleRevokeTokenPage},
		{"GET /admin/agencies", browser, s.handleAgenciesPage},
		{"POST /admin/agencies", browser, s.handleCreateAgencyPage},
		{"POST /admin/agencies/settings", browser, s.handleAgencySettingsPage},
		{"GET /admin/users", browser, s.handleUsersPage},
		{"POST /admin/users", browser, s.handleCreateUserPage},
		{"POST /admin/users/{id}/disable", browser, s.handleSetDisabledPage(true)},
		{"POST /admin/users/{id}/enable", browser, s.handleSetDisabledPage(false)},
		{"POST /admin/users/{id}/reset-password", browser, s.handleResetPasswordPage},

		{"GET /api/v1/openapi.json", public, s.handleOpenAPI},
		{"GET /api/v1/me", signed, s.apiMe},
		{"GET /api/v1/agencies", signed, s.apiListAgencies},
		{"POST /api/v1/agencies", signed, s.apiCreateAgency},
		{"GET /api/v1/agencies/{slug}", signed, s.apiGetAgency},
		{"GET /api/v1/users", signed, s.apiListUsers},
		{"POST /api/v1/users", signed, s.apiCreateUser},
		{"GET /api/v1/users/{id}", signed, s.apiGetUser},
		{"POST /api/v1/users/{id}/disable", signed, s.apiSetDisabled(true)},
		{"POST /api/v1/users/{id}/enable", signed, s.apiSetDisabled(false)},
		{"POST /api/v1/users/{id}/reset-password", signed, s.apiResetPassword},
		{"GET /api/v1/tokens", signed, s.apiListTokens},
		{"POST /api/v1/tokens", signed, s.apiCreateToken},
		{"POST /api/v1/tokens/{id}/revoke", signed, s.apiRevokeToken},
	}
	// Each feature keeps its routes in its own file.
	for _, more := range [][]route{s.personRoutes(), s.safetyRoutes(), s.incidentRoutes(), s.evidenceRoutes(), s.riskRoutes(),
		s.consentRoutes(), s.caseRoutes(), s.planRoutes(), s.referralRoutes(), s.directoryRoutes(), s.findRoutes(), s.shelterRoutes(), s.quickRoutes(), s.analyticsMapRoutes(), s.analyticsDashboardRoutes()} {
		rs = append(rs, more...)
	}
	return rs
}

// staticHandler serves the embedded CSS and scripts; they hold nothing
// personal, so they may be cached. Names the embedded file system cannot
// hold (bad UTF-8, "..") are a plain 404, not the file server's 500.
func (s *Server) staticHandler() http.HandlerFunc {
	sub, _ := fs.Sub(staticFS, "static")
	h := http.StripPrefix("/static/", http.FileServerFS(sub))
	return func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if !utf8.ValidString(name) || !fs.ValidPath(name) {
			s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "file not found"))
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	}
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.svc.Ready != nil {
		if err := s.svc.Ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "request_id", requestID(r.Context()), "err", err.Error())
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("database not reachable\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}
