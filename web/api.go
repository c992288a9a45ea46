package web

import (
	"net/http"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
)

// meResponse is GET /api/v1/me.
type meResponse struct {
	User   *haven.User   `json:"user"`
	Agency *haven.Agency `json:"agency"`
	Role   haven.Role    `json:"role"`
	Via    string        `json:"authenticated_via"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	actor := haven.ActorFromContext(r.Context())
	u, err := s.svc.Users.UserByID(r.Context(), actor.UserID)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	ag := u.Agency
	u.Agency = nil
	writeJSON(w, http.StatusOK, meResponse{User: u, Agency: ag, Role: u.Role, Via: actor.Via})
}

type listResponse[T any] struct {
	Items []T `json:"items"`
}

func list[T any](items []T) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items}
}

func (s *Server) apiListAgencies(w http.ResponseWriter, r *http.Request) {
	ags, err := s.svc.Agencies.FindAgencies(r.Context())
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(ags))
}

type agencyRequest struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	TimeZone string `json:"time_zone"`
	// RequireMFA defaults to true: staff who see personal data must use a
	// second factor unless an administrator says otherwise.
	RequireMFA *bool `json:"require_mfa"`
}

func (s *Server) apiCreateAgency(w http.ResponseWriter, r *http.Request) {
	var req agencyRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	a := &haven.Agency{Slug: req.Slug, Name: req.Name, Kind: haven.AgencyKind(req.Kind), TimeZone: req.TimeZone,
		RequireMFA: req.RequireMFA == nil || *req.RequireMFA}
	if err := s.svc.Agencies.CreateAgency(r.Context(), a); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/agencies/"+a.Slug)
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) apiGetAgency(w http.ResponseWriter, r *http.Request) {
	a, err := s.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	var f haven.UserFilter
	q := r.URL.Query()
	if slug := q.Get("agency"); slug != "" {
		a, err := s.svc.Agencies.AgencyBySlug(r.Context(), slug)
		if err != nil {
			s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "agency", "no such agency"))
			return
		}
		f.AgencyID = a.ID
	}
	if role := q.Get("role"); role != "" {
		if !haven.Role(role).Valid() {
			s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "role", "unknown role %q", role))
			return
		}
		f.Role = haven.Role(role)
	}
	users, err := s.svc.Users.FindUsers(r.Context(), f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(users))
}

type userRequest struct {
	Agency      string `json:"agency"` // slug; the caller's own agency when empty
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Password    string `json:"password"` // optional: when empty, a temporary one is generated
}

type userCreated struct {
	*haven.User
	TemporaryPassword string `json:"temporary_password,omitempty"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var req userRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	actor := haven.ActorFromContext(r.Context())
	u := &haven.User{AgencyID: actor.AgencyID, Username: req.Username, DisplayName: req.DisplayName, Role: haven.Role(req.Role)}
	if req.Agency != "" {
		a, err := s.svc.Agencies.AgencyBySlug(r.Context(), req.Agency)
		if err != nil {
			s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "agency", "no such agency"))
			return
		}
		u.AgencyID = a.ID
	}
	out := userCreated{User: u}
	password := req.Password
	if password == "" {
		password = auth.NewPassword()
		out.TemporaryPassword = password
		u.MustChangePassword = true
	}
	if err := s.svc.Users.CreateUser(r.Context(), u, password); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.svc.Users.UserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) apiSetDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.svc.Users.SetUserDisabled(r.Context(), r.PathValue("id"), disabled); err != nil {
			s.apiErr(w, r, err)
			return
		}
		s.apiGetUser(w, r)
	}
}

type passwordReset struct {
	TemporaryPassword string `json:"temporary_password"`
}

func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	password := auth.NewPassword()
	if err := s.svc.Users.ResetPassword(r.Context(), r.PathValue("id"), password); err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, passwordReset{TemporaryPassword: password})
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := s.svc.Auth.FindTokens(r.Context(), haven.ActorFromContext(r.Context()).UserID)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(tokens))
}

type tokenRequest struct {
	Name      string `json:"name"`
	ExpiresAt string `json:"expires_at"` // RFC 3339; never expires when empty
}

type tokenCreated struct {
	*haven.APIToken
	Token string `json:"token"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	var expires *time.Time
	if req.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		if err != nil {
			s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "expires_at", "expires_at must be an RFC 3339 time such as 2027-01-31T00:00:00Z"))
			return
		}
		expires = &t
	}
	secret, tok, err := s.svc.Auth.CreateToken(r.Context(), haven.ActorFromContext(r.Context()).UserID, req.Name, expires)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenCreated{APIToken: tok, Token: secret})
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Auth.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
