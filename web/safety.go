package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/totp"
)

// The second factor in the browser: completing a sign-in with a TOTP or
// recovery code, enrolling an authenticator app, and administrators'
// resets. The store does the checking; this file only routes people to the
// right page and renders it.

func init() {
	notices["mfa-reset"] = "The second factor is removed and the user's sessions ended; they set up a new one at their next sign-in."
}

// pendingSecondFactor reports a browser session signed in with a password
// whose account has a second factor not yet given in this session.
func pendingSecondFactor(a haven.Actor) bool {
	return a.Via == "session" && a.MFAEnrolled && !a.MFA
}

// mustEnrol reports a browser session whose agency requires a second factor
// for the user's role while the user has none set up.
func mustEnrol(a haven.Actor) bool {
	return a.Via == "session" && a.MFARequired && !a.MFAEnrolled
}

// duringSignIn are the routes a session waiting for its second factor may use.
var duringSignIn = map[string]bool{
	"GET /login/2fa":  true,
	"POST /login/2fa": true,
	"POST /logout":    true,
}

// duringEnrolment are the pages a user who must set up a second factor may
// use before doing so: the enrolment itself, the password change (which
// comes first when both are due) and sign-out.
var duringEnrolment = map[string]bool{
	"GET /account/2fa":       true,
	"POST /account/2fa":      true,
	"GET /account":           true,
	"POST /account/password": true,
	"POST /logout":           true,
}

// secondFactorGate is guard's second-factor step. A session still owing its
// second factor reaches nothing but the code form and sign-out: pages
// redirect there, other browser requests are refused and API calls answer
// 401. A user who must enrol is sent to the enrolment page from every other
// browser page. It reports whether it answered the request.
func (s *Server) secondFactorGate(w http.ResponseWriter, r *http.Request, rt route, actor haven.Actor) bool {
	getLike := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case pendingSecondFactor(actor) && !duringSignIn[rt.pattern]:
		switch {
		case isAPI(r):
			s.apiErr(w, r, haven.Errorf(haven.EUNAUTHORIZED, "complete sign-in with your second factor"))
		case getLike:
			http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		default:
			s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "complete sign-in with your second factor first"))
		}
		return true
	case mustEnrol(actor) && rt.level == browser && !duringEnrolment[rt.pattern]:
		if getLike {
			http.Redirect(w, r, "/account/2fa?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		} else {
			s.fail(w, r, haven.Errorf(haven.EFORBIDDEN, "set up your second factor first"))
		}
		return true
	}
	return false
}

// maxCodeLen bounds a typed code: a recovery code with dashes and spaces is
// well under it.
const maxCodeLen = 64

type verifyData struct{ Next string }

// handleVerifyPage is the second step of signing in.
func (s *Server) handleVerifyPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if !pendingSecondFactor(haven.ActorFromContext(r.Context())) {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "mfa_verify", &page{Title: "Second factor", Data: verifyData{Next: next}})
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	data := verifyData{Next: safeNext(r.PostFormValue("next"))}
	if !pendingSecondFactor(haven.ActorFromContext(r.Context())) {
		http.Redirect(w, r, data.Next, http.StatusSeeOther)
		return
	}
	fail := func(err error) {
		s.logIfInternal(r, err)
		status := ErrorStatus(err)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "60")
		}
		s.render(w, r, status, "mfa_verify", &page{Title: "Second factor", Error: haven.ErrorMessage(err), Field: "code", Data: data})
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	switch {
	case code == "":
		fail(haven.FieldErrorf(haven.EINVALID, "code", "enter the 6-digit code from your app, or one of your recovery codes"))
		return
	case len(code) > maxCodeLen:
		fail(haven.FieldErrorf(haven.EINVALID, "code", "that is not a code: enter the 6 digits your app shows, or a recovery code"))
		return
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		fail(haven.Errorf(haven.EUNAUTHORIZED, "your session has ended; sign in again"))
		return
	}
	token, err := s.svc.MFA.VerifySecondFactor(r.Context(), c.Value, code, s.clientIP(r))
	if err != nil {
		fail(err)
		return
	}
	s.setSessionCookie(w, token) // the password-only session is revoked
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// mfaIssuer is how authenticator apps name Haven; the store's URIs say the same.
const mfaIssuer = "Haven"

// qrSize is the QR code's width and height in pixels.
const qrSize = 240

type enrolData struct {
	Enrolled bool
	Secret   string       // as generated, posted back so a mistyped code does not start over
	Grouped  string       // the secret in groups of four, for typing
	QR       template.URL // a data: URL of the PNG
	Next     string
}

// enrolment builds the page data for a pending secret.
func enrolment(secret, uri, next string) (enrolData, error) {
	png, err := totp.QRCodePNG(uri, qrSize)
	if err != nil {
		return enrolData{}, haven.Internal(err)
	}
	var g strings.Builder
	for i, c := range secret {
		if i > 0 && i%4 == 0 {
			g.WriteByte(' ')
		}
		g.WriteRune(c)
	}
	return enrolData{Secret: secret, Grouped: g.String(), Next: next,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}, nil
}

// handleEnrolPage shows a new secret as a QR code, or says that a second
// factor is already set up. Each visit starts a new pending secret; the
// one in use is only replaced by an administrator's reset.
func (s *Server) handleEnrolPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	p := &page{Title: "Second factor", Me: me}
	if me.MFAEnrolled {
		p.Data = enrolData{Enrolled: true, Next: next}
		s.render(w, r, http.StatusOK, "mfa_enrol", p)
		return
	}
	secret, uri, err := s.svc.MFA.BeginTOTP(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Data, err = enrolment(secret, uri, next); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "mfa_enrol", p)
}

type recoveryData struct {
	Codes []string
	Next  string
}

// handleEnrolConfirm turns the factor on with a first code and shows the
// recovery codes, once.
func (s *Server) handleEnrolConfirm(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	if me.MFAEnrolled {
		http.Redirect(w, r, "/account/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	var err error
	switch {
	case code == "":
		err = haven.FieldErrorf(haven.EINVALID, "code", "enter the 6-digit code your app shows for Haven")
	case len(code) > maxCodeLen:
		err = haven.FieldErrorf(haven.EINVALID, "code", "that code is not right: enter the 6 digits your app shows now")
	}
	var codes []string
	if err == nil {
		sessionID := ""
		if sess := sessionFrom(r.Context()); sess != nil {
			sessionID = sess.ID
		}
		codes, err = s.svc.MFA.ConfirmTOTP(r.Context(), sessionID, code)
	}
	if err != nil {
		s.logIfInternal(r, err)
		p := &page{Title: "Second factor", Me: me, Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}
		// Show the same secret again, so that an app that already has it
		// keeps working; it is the user's own, posted back by their form.
		// A secret that is no longer pending (or was tampered with) only
		// makes the next attempt fail, and a new visit starts over.
		secret := strings.TrimSpace(r.PostFormValue("secret"))
		data := enrolData{Next: next}
		if _, cerr := totp.Code(secret, time.Now()); cerr == nil && len(secret) <= maxCodeLen && haven.ErrorCode(err) == haven.EINVALID {
			if d, qerr := enrolment(secret, totp.URI(secret, mfaIssuer, me.Username), next); qerr == nil {
				data = d
			}
		}
		p.Data = data
		s.render(w, r, ErrorStatus(err), "mfa_enrol", p)
		return
	}
	s.render(w, r, http.StatusOK, "mfa_recovery", &page{Title: "Recovery codes", Me: me, Data: recoveryData{Codes: codes, Next: next}})
}

// handleResetMFAPage removes a user's second factor (administrators).
func (s *Server) handleResetMFAPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	if err := s.svc.MFA.ResetSecondFactor(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done=mfa-reset", http.StatusSeeOther)
}

func (s *Server) apiResetMFA(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.MFA.ResetSecondFactor(r.Context(), r.PathValue("id")); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type requireMFARequest struct {
	On *bool `json:"on"`
}

func (s *Server) apiSetRequireMFA(w http.ResponseWriter, r *http.Request) {
	var req requireMFARequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiErr(w, r, err)
		return
	}
	if req.On == nil {
		s.apiErr(w, r, haven.FieldErrorf(haven.EINVALID, "on", "on is required: true or false"))
		return
	}
	a, err := s.svc.Agencies.AgencyBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	if err := s.svc.Agencies.SetRequireMFA(r.Context(), a.ID, *req.On); err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
