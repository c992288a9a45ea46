package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
)

const loginCSRFCookie = "haven_login"

// notices are the fixed success messages a redirect may ask for; the query
// names one, so nothing the user typed is ever echoed back from the URL.
var notices = map[string]string{
	"signed-out":       "You are signed out.",
	"agency-created":   "Agency added.",
	"user-disabled":    "The account is disabled and its sessions ended.",
	"user-enabled":     "The account is enabled again.",
	"password-changed": "Your password is changed.",
	"token-revoked":    "The token is revoked.",
	"settings-saved":   "Settings saved.",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("done")] }

// safeNext accepts only a local path to return to after sign-in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") || len(next) > 512 {
		return "/home"
	}
	return next
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if haven.ActorFromContext(r.Context()).UserID != "" {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type loginData struct{ Username, Next string }

// loginCSRF returns the pre-session CSRF token (double-submit cookie),
// setting a new one when the browser has none.
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(loginCSRFCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 64 {
		return c.Value
	}
	tok := auth.NewSecret("")
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return tok
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if haven.ActorFromContext(r.Context()).UserID != "" {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	p := &page{Title: "Sign in", Notice: notice(r), CSRF: s.loginCSRF(w, r), Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	data := loginData{Username: r.PostFormValue("username"), Next: safeNext(r.PostFormValue("next"))}
	if len(data.Username) > 200 {
		data.Username = ""
	}
	fail := func(status int, msg string) {
		p := &page{Title: "Sign in", Error: msg, CSRF: s.loginCSRF(w, r), Data: data}
		s.render(w, r, status, "login", p)
	}
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf_token"))) != 1 {
		fail(http.StatusForbidden, "The sign-in form expired. Please try again.")
		return
	}
	token, _, err := s.svc.Auth.Login(r.Context(), data.Username, r.PostFormValue("password"), s.clientIP(r))
	if err != nil {
		s.logIfInternal(r, err)
		if ErrorStatus(err) == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "60")
		}
		fail(ErrorStatus(err), haven.ErrorMessage(err))
		return
	}
	s.setSessionCookie(w, token)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1})
	// An account with a second factor is signed in only once it is given.
	if actor, _, err := s.svc.Auth.SessionActor(r.Context(), token); err == nil && pendingSecondFactor(actor) {
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(data.Next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.svc.Auth.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?done=signed-out", http.StatusSeeOther)
}

// me loads the signed-in user for a page. Until a reset password is
// changed, every page but the account page sends the user there.
func (s *Server) me(w http.ResponseWriter, r *http.Request) (*haven.User, bool) {
	u, err := s.svc.Users.UserByID(r.Context(), haven.ActorFromContext(r.Context()).UserID)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	if u.MustChangePassword && r.URL.Path != "/account" && r.URL.Path != "/account/password" {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/account#password", http.StatusSeeOther)
		} else {
			s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "change your password first"))
		}
		return nil, false
	}
	return u, true
}

type section struct {
	ID, Title, Empty string
	Items            []sectionItem
}

type sectionItem struct {
	Label, Href string
	Tel         string // a phone number to call (a tel: link)
	Count       int
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	secs, err := s.homeSections(r, me)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", &page{Title: "Home", Me: me, Data: map[string]any{"Sections": secs}})
}

// homeSections is each role's dashboard. Sections that later features fill
// say plainly that there is nothing yet.
func (s *Server) homeSections(r *http.Request, me *haven.User) ([]section, error) {
	ctx := r.Context()
	empty := func(id, title, msg string) section { return section{ID: id, Title: title, Empty: msg} }
	switch me.Role {
	case haven.RoleOfficer:
		mine, err := s.svc.Incidents.FindIncidents(ctx, haven.IncidentFilter{Officer: me.ID, Limit: 5})
		if err != nil {
			return nil, err
		}
		reports := empty("reports", "My incident reports", "No reports yet.")
		for _, in := range mine {
			reports.Items = append(reports.Items, sectionItem{Label: in.Number + " · " + humanStatus(in.Status), Href: "/incidents/" + in.ID})
		}
		help := section{ID: "help", Title: "Hotline and shelters"}
		if h, err := s.svc.Risk.Hotline(ctx); err != nil {
			return nil, err
		} else if h.Phone != "" {
			help.Items = []sectionItem{{Label: h.Name + ": " + h.Phone, Tel: h.Phone}}
		} else {
			help.Items = []sectionItem{{Label: "No hotline is set for your agency yet."}}
		}
		help.Items = append(help.Items, sectionItem{Label: "Quick list: hotline, shelters with beds, legal help", Href: "/quick"})
		return []section{reports,
			{ID: "protocol", Title: "Immediate actions", Items: []sectionItem{{Label: "Start a new report and its checklist", Href: "/incidents/new"}}},
			help, referralsSection(false)}, nil
	case haven.RoleSupervisor:
		users, err := s.svc.Users.FindUsers(ctx, haven.UserFilter{})
		if err != nil {
			return nil, err
		}
		pending, err := s.svc.BreakGlass.PendingBreakGlass(ctx)
		if err != nil {
			return nil, err
		}
		emergency := empty("emergency", "Emergency access to review", "Nothing to review.")
		if len(pending) > 0 {
			emergency.Items = []sectionItem{{Label: "Openings awaiting your review", Href: "/review/break-glass", Count: len(pending)}}
		}
		waiting, err := s.svc.Incidents.FindIncidents(ctx, haven.IncidentFilter{Status: haven.StatusSubmitted, Limit: 1000})
		if err != nil {
			return nil, err
		}
		review := empty("review", "Reports awaiting review", "Nothing waiting.")
		if len(waiting) > 0 {
			review.Items = []sectionItem{{Label: "Submitted reports", Href: "/review/incidents", Count: len(waiting)}}
		}
		return []section{review, emergency,
			{ID: "compliance", Title: "Protocol compliance", Items: []sectionItem{{Label: "Per report and per officer", Href: "/review/incidents"},
				{Label: "Lethality screening rates and high-risk persons", Href: "/risk"}}},
			{ID: "team", Title: "Your team", Items: []sectionItem{{Label: "Staff accounts", Href: "/admin/users", Count: len(users)},
				{Label: "Caseloads across advocates", Href: "/cases/team"}}},
			referralsSection(false)}, nil
	case haven.RoleAdvocate:
		open, err := s.svc.Risk.RiskTasks(ctx, haven.TaskOpen)
		if err != nil {
			return nil, err
		}
		queue := empty("high-risk", "High-risk follow-ups", "Nothing waiting.")
		if len(open) > 0 {
			queue.Items = []sectionItem{{Label: "Open tasks from partner agencies", Href: "/risk/queue?status=open", Count: len(open)}}
		}
		caseload, err := s.caseloadSection(ctx, me)
		if err != nil {
			return nil, err
		}
		return []section{queue, caseload, referralsSection(true)}, nil
	case haven.RoleShelterStaff:
		return []section{{ID: "beds", Title: "Bed availability", Items: []sectionItem{{Label: "Update your beds", Href: "/shelters"}}},
			{ID: "intake", Title: "Intake requests", Items: []sectionItem{{Label: "Referrals to your shelter", Href: "/referrals?direction=incoming"},
				{Label: "Overdue referrals", Href: "/referrals?direction=incoming&overdue=true"}}}}, nil
	case haven.RoleAnalyst:
		return []section{empty("trends", "Trends", "No incidents to count yet."),
			empty("hotspots", "Hotspots", "No incidents to map yet.")}, nil
	case haven.RoleTrainer:
		return []section{empty("trainings", "Upcoming trainings", "No trainings scheduled."),
			empty("training-compliance", "Training compliance", "No records yet.")}, nil
	case haven.RoleAgencyAdmin, haven.RoleSystemAdmin:
		users, err := s.svc.Users.FindUsers(ctx, haven.UserFilter{})
		if err != nil {
			return nil, err
		}
		admin := section{ID: "admin", Title: "Administration", Items: []sectionItem{{Label: "Staff accounts", Href: "/admin/users", Count: len(users)},
			{Label: "Audit log", Href: "/admin/audit"}}}
		if me.Role == haven.RoleSystemAdmin {
			ags, err := s.svc.Agencies.FindAgencies(ctx)
			if err != nil {
				return nil, err
			}
			admin.Items = append([]sectionItem{{Label: "Agencies", Href: "/admin/agencies", Count: len(ags)}}, admin.Items...)
			return []section{admin, {ID: "health", Title: "System health", Items: []sectionItem{
				{Label: "Readiness", Href: "/readyz"}, {Label: "Metrics", Href: "/metrics"}, {Label: "API description", Href: "/api/v1/openapi.json"}}}}, nil
		}
		return []section{admin}, nil
	}
	return nil, nil
}

// referralsSection links to the referrals a role follows: incoming (an
// advocacy agency's intake) or outgoing (the police, who refer). Links, not
// counts: listing incoming referrals marks them received.
func referralsSection(incoming bool) section {
	dir := "outgoing"
	label := "Referrals you sent"
	if incoming {
		dir, label = "incoming", "Referrals to your agency"
	}
	return section{ID: "referrals", Title: "Referrals", Items: []sectionItem{{Label: label, Href: "/referrals?direction=" + dir},
		{Label: "Overdue", Href: "/referrals?direction=" + dir + "&overdue=true"}}}
}

// caseloadSection is an advocate's "what is due": their open cases, their
// open tasks and the reminders that have come.
func (s *Server) caseloadSection(ctx context.Context, me *haven.User) (section, error) {
	cases, err := s.svc.Cases.FindCases(ctx, haven.CaseFilter{Lead: me.ID, Limit: 500})
	if err != nil {
		return section{}, err
	}
	tasks, err := s.svc.Cases.Tasks(ctx, "")
	if err != nil {
		return section{}, err
	}
	reminders, err := s.svc.Cases.Reminders(ctx)
	if err != nil {
		return section{}, err
	}
	sec := section{ID: "caseload", Title: "My caseload", Items: []sectionItem{{Label: "My open cases", Href: "/cases", Count: len(cases)}}}
	if len(tasks) > 0 {
		sec.Items = append(sec.Items, sectionItem{Label: "Open tasks", Href: "/cases#due", Count: len(tasks)})
	}
	if len(reminders) > 0 {
		sec.Items = append(sec.Items, sectionItem{Label: "Reminders due", Href: "/cases#reminders", Count: len(reminders)})
	}
	return sec, nil
}

type agencyForm struct {
	Name, Slug, Kind, TimeZone string
	RequireMFA                 bool
}

func (s *Server) agenciesPage(w http.ResponseWriter, r *http.Request, status int, p *page, form agencyForm) {
	s.agenciesPageWith(w, r, status, p, form, settingsForm{})
}

func (s *Server) agenciesPageWith(w http.ResponseWriter, r *http.Request, status int, p *page, form agencyForm, settings settingsForm) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ags, err := s.svc.Agencies.FindAgencies(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, a := range ags {
		names[a.ID] = a.Name
	}
	if settings.Slug == "" {
		settings.Slug = me.Agency.Slug
		for _, a := range ags {
			if a.ID == me.AgencyID {
				settings = settingsForm{Slug: a.Slug, HotlineName: a.HotlineName, HotlinePhone: a.HotlinePhone, ConsentDays: strconv.Itoa(a.ConsentDays)}
				for _, b := range ags {
					if b.ID == a.PartnerAgencyID {
						settings.Partner = b.Slug
					}
				}
			}
		}
	}
	p.Title, p.Me = "Agencies", me
	p.Data = map[string]any{"Agencies": ags, "Form": form, "Names": names, "Settings": settings}
	s.render(w, r, status, "agencies", p)
}

// settingsForm is the response-settings form of the agencies page.
type settingsForm struct{ Slug, HotlineName, HotlinePhone, Partner, ConsentDays string }

func (s *Server) handleAgencySettingsPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	f := settingsForm{Slug: r.PostFormValue("slug"), HotlineName: r.PostFormValue("hotline_name"), HotlinePhone: r.PostFormValue("hotline_phone"),
		Partner: r.PostFormValue("partner"), ConsentDays: strings.TrimSpace(r.PostFormValue("consent_days"))}
	set := haven.AgencySettings{HotlineName: &f.HotlineName, HotlinePhone: &f.HotlinePhone, PartnerSlug: &f.Partner}
	var err error
	if f.ConsentDays != "" {
		days, convErr := strconv.Atoi(f.ConsentDays)
		if convErr != nil {
			err = haven.FieldErrorf(haven.EINVALID, "consent_days", "consent days must be a whole number from 1 to %d", haven.MaxConsentDays)
		}
		set.ConsentDays = &days
	}
	var ag *haven.Agency
	if err == nil {
		ag, err = s.svc.Agencies.AgencyBySlug(r.Context(), f.Slug)
	}
	if err == nil {
		_, err = s.svc.Agencies.UpdateAgencySettings(r.Context(), ag.ID, set)
	}
	if err != nil {
		if c := haven.ErrorCode(err); c != haven.EINVALID {
			s.errorPage(w, r, err)
			return
		}
		s.agenciesPageWith(w, r, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}, agencyForm{RequireMFA: true}, f)
		return
	}
	http.Redirect(w, r, "/admin/agencies?done=settings-saved#settings", http.StatusSeeOther)
}

func (s *Server) handleAgenciesPage(w http.ResponseWriter, r *http.Request) {
	s.agenciesPage(w, r, http.StatusOK, &page{Notice: notice(r)}, agencyForm{RequireMFA: true})
}

func (s *Server) handleCreateAgencyPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	f := agencyForm{Name: r.PostFormValue("name"), Slug: r.PostFormValue("slug"), Kind: r.PostFormValue("kind"), TimeZone: r.PostFormValue("time_zone"),
		RequireMFA: r.PostFormValue("require_mfa") != ""}
	a := &haven.Agency{Name: f.Name, Slug: f.Slug, Kind: haven.AgencyKind(f.Kind), TimeZone: f.TimeZone, RequireMFA: f.RequireMFA}
	if err := s.svc.Agencies.CreateAgency(r.Context(), a); err != nil {
		s.logIfInternal(r, err)
		s.agenciesPage(w, r, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}, f)
		return
	}
	http.Redirect(w, r, "/admin/agencies?done=agency-created", http.StatusSeeOther)
}

type userForm struct{ Agency, Username, DisplayName, Role string }

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, status int, p *page, form userForm) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	users, err := s.svc.Users.FindUsers(r.Context(), haven.UserFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := map[string]any{"Users": users, "Form": form, "Loc": me.Agency.Location(),
		"CanManage": me.Role == haven.RoleSystemAdmin || me.Role == haven.RoleAgencyAdmin}
	roles := haven.Roles
	if me.Role == haven.RoleSystemAdmin {
		ags, err := s.svc.Agencies.FindAgencies(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Agencies"] = ags
	} else {
		roles = roles[:len(roles)-1] // not system_admin
	}
	data["Roles"] = roles
	p.Title, p.Me, p.Data = "Users", me, data
	s.render(w, r, status, "users", p)
}

func (s *Server) handleUsersPage(w http.ResponseWriter, r *http.Request) {
	s.usersPage(w, r, http.StatusOK, &page{Notice: notice(r)}, userForm{})
}

func (s *Server) handleCreateUserPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	f := userForm{Agency: r.PostFormValue("agency"), Username: r.PostFormValue("username"),
		DisplayName: r.PostFormValue("display_name"), Role: r.PostFormValue("role")}
	u := &haven.User{AgencyID: me.AgencyID, Username: f.Username, DisplayName: f.DisplayName, Role: haven.Role(f.Role), MustChangePassword: true}
	var err error
	if f.Agency != "" && f.Agency != me.Agency.Slug {
		var a *haven.Agency
		if a, err = s.svc.Agencies.AgencyBySlug(r.Context(), f.Agency); err == nil {
			u.AgencyID = a.ID
		} else if haven.ErrorCode(err) == haven.ENOTFOUND {
			err = haven.FieldErrorf(haven.EINVALID, "agency", "no such agency")
		}
	}
	password := auth.NewPassword()
	if err == nil {
		err = s.svc.Users.CreateUser(r.Context(), u, password)
	}
	if err != nil {
		s.logIfInternal(r, err)
		s.usersPage(w, r, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}, f)
		return
	}
	s.render(w, r, http.StatusCreated, "secret", &page{Title: "User added", Me: me, Data: map[string]string{
		"Explain": "Give " + u.Username + " this temporary password in person or by phone. They must change it when they first sign in.",
		"Secret":  password, "Back": "/admin/users"}})
}

func (s *Server) handleSetDisabledPage(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.me(w, r); !ok {
			return
		}
		if err := s.svc.Users.SetUserDisabled(r.Context(), r.PathValue("id"), disabled); err != nil {
			s.fail(w, r, err)
			return
		}
		done := "user-enabled"
		if disabled {
			done = "user-disabled"
		}
		http.Redirect(w, r, "/admin/users?done="+done, http.StatusSeeOther)
	}
}

func (s *Server) handleResetPasswordPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	password := auth.NewPassword()
	if err := s.svc.Users.ResetPassword(r.Context(), r.PathValue("id"), password); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "secret", &page{Title: "Password reset", Me: me, Data: map[string]string{
		"Explain": "The user's sessions have ended. Give them this temporary password; they must change it when they sign in.",
		"Secret":  password, "Back": "/admin/users"}})
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, status int, p *page) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	tokens, err := s.svc.Auth.FindTokens(r.Context(), me.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title, p.Me = "Account", me
	p.Data = map[string]any{"Tokens": tokens, "Loc": me.Agency.Location()}
	s.render(w, r, status, "account", p)
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, &page{Notice: notice(r)})
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	err := s.svc.Users.ChangePassword(r.Context(), r.PostFormValue("current_password"), r.PostFormValue("new_password"))
	if err != nil {
		s.logIfInternal(r, err)
		s.accountPage(w, r, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)})
		return
	}
	http.Redirect(w, r, "/account?done=password-changed", http.StatusSeeOther)
}

func (s *Server) handleCreateTokenPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	var expires *time.Time
	if d := strings.TrimSpace(r.PostFormValue("expires_days")); d != "" && d != "0" {
		days, err := strconv.Atoi(d)
		if err != nil || days < 0 || days > 3650 {
			s.accountPage(w, r, http.StatusUnprocessableEntity, &page{Error: "Expiry must be a whole number of days from 0 to 3650.", Field: "expires_days"})
			return
		}
		t := time.Now().Add(time.Duration(days) * 24 * time.Hour)
		expires = &t
	}
	secret, _, err := s.svc.Auth.CreateToken(r.Context(), me.ID, r.PostFormValue("name"), expires)
	if err != nil {
		s.logIfInternal(r, err)
		s.accountPage(w, r, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)})
		return
	}
	s.render(w, r, http.StatusCreated, "secret", &page{Title: "Token created", Me: me, Data: map[string]string{
		"Explain": "Send it as 'Authorization: Bearer <token>'.", "Secret": secret, "Back": "/account"}})
}

func (s *Server) handleRevokeTokenPage(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Auth.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=token-revoked", http.StatusSeeOther)
}

// humanStatus is a report status as people say it.
func humanStatus(st haven.IncidentStatus) string {
	return strings.ToUpper(string(st[:1])) + string(st[1:])
}
