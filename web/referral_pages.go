package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/referral"
)

// The referral pages: the incoming and outgoing lists with what is
// overdue, the form that refers a person (choosing the survivor's consent
// that names the receiving agency), and one referral with its timeline,
// targets and the steps the caller may take. Handlers stay thin: the
// store and the referral package decide.

// referralLine is a referral as a page shows it.
type referralLine struct {
	*haven.Referral
	From, To   string // agency names, or the directory service
	NeedLabel  string
	MissedText string // the missed target in words
	Party      referral.Party
}

// agencyNames maps agency slugs to names, for showing referrals.
func (s *Server) agencyNames(r *http.Request) map[string]string {
	out := map[string]string{}
	ags, err := s.svc.Agencies.FindAgencies(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
		return out
	}
	for _, a := range ags {
		out[a.Slug] = a.Name
	}
	return out
}

func referralParty(ref *haven.Referral) referral.Party {
	switch {
	case ref.Direction == "incoming":
		return referral.Receiver
	case ref.ToAgency == "":
		return referral.Tracker
	}
	return referral.Sender
}

func referralLines(refs []*haven.Referral, names map[string]string) []referralLine {
	out := make([]referralLine, len(refs))
	for i, ref := range refs {
		l := referralLine{Referral: ref, From: refOr(names[ref.FromAgency], ref.FromAgency), NeedLabel: referralNeedLabel(ref.Need), Party: referralParty(ref)}
		if ref.ToAgency != "" {
			l.To = refOr(names[ref.ToAgency], ref.ToAgency)
		} else {
			l.To = "directory service " + ref.ToService
		}
		if ref.Overdue {
			l.MissedText = referral.Describe(ref.Missed, ref.Urgency)
		}
		out[i] = l
	}
	return out
}

func refOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var referralNeedLabels = map[string]string{"housing": "Housing", "legal": "Legal help", "medical": "Medical care", "counselling": "Counselling",
	"financial": "Financial help", "children": "Children", "immigration": "Immigration", "employment": "Employment",
	"transport": "Transport", "shelter": "Shelter", "hotline": "Hotline", "other": "Other"}

func referralNeedLabel(n string) string { return refOr(referralNeedLabels[n], n) }

func (s *Server) referralError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such referral or person, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

func refCapitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var referralNotices = map[string]string{
	"sent": "Referral sent.", "accept": "Referral accepted.", "decline": "Referral declined.", "start": "Referral started.",
	"complete": "Referral completed.", "close": "Referral closed.",
}

// ---- the lists ----

type referralsView struct {
	Lines     []referralLine
	Direction string // incoming or outgoing
	Status    string
	Overdue   bool
	Statuses  []string
	Loc       *time.Location
}

func (s *Server) handleReferralsPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	f, err := referralFilter(r.URL.Query())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	if f.Direction != "outgoing" {
		f.Direction = "incoming"
	}
	f.PersonID = ""
	refs, err := s.svc.Referrals.FindReferrals(r.Context(), f)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	v := referralsView{Lines: referralLines(refs, s.agencyNames(r)), Direction: f.Direction, Status: f.Status, Overdue: f.Overdue,
		Statuses: referral.Statuses, Loc: me.Agency.Location()}
	s.render(w, r, http.StatusOK, "referral_list", &page{Title: "Referrals", Me: me, Data: v})
}

// ---- the form ----

type referralFormView struct {
	Person     *haven.Person
	Name       string
	Agencies   []*haven.Agency
	Consents   []*haven.Consent // the person's grants in force
	Names      map[string]string
	In         haven.ReferralInput
	Needs      []string
	NeedLabels map[string]string
	Urgencies  []string
	Loc        *time.Location
}

// referralForm loads what the form offers: the person (of the caller's
// agency), the other agencies, and the survivor's grants in force.
func (s *Server) referralForm(r *http.Request, me *haven.User, personID string, in haven.ReferralInput) (*referralFormView, error) {
	ctx := r.Context()
	personID = strings.TrimSpace(personID)
	if personID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "person", "choose the person to refer first: open their record and use Refer")
	}
	p, err := s.svc.Persons.Person(ctx, personID)
	if err != nil {
		return nil, err
	}
	if p.AgencyID != me.AgencyID {
		return nil, haven.Errorf(haven.ENOTFOUND, "a person is referred by the agency that holds their record")
	}
	ags, err := s.svc.Agencies.FindAgencies(ctx)
	if err != nil {
		return nil, err
	}
	v := &referralFormView{Person: p, Name: displayName(p), Names: map[string]string{}, In: in, Needs: referral.Needs, NeedLabels: referralNeedLabels,
		Urgencies: referral.Urgencies, Loc: me.Agency.Location()}
	for _, a := range ags {
		v.Names[a.Slug] = a.Name
		if a.ID != me.AgencyID {
			v.Agencies = append(v.Agencies, a)
		}
	}
	cs, err := s.svc.Consents.PersonConsents(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.Status == "active" {
			v.Consents = append(v.Consents, c)
		}
	}
	if v.In.Urgency == "" {
		v.In.Urgency = haven.UrgencyRoutine
	}
	if v.In.ConsentID == "" && len(v.Consents) == 1 {
		v.In.ConsentID = v.Consents[0].ID
	}
	return v, nil
}

func (s *Server) handleNewReferralPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	v, err := s.referralForm(r, me, q.Get("person"), haven.ReferralInput{ToAgency: strings.TrimSpace(q.Get("to")), Need: strings.TrimSpace(q.Get("need"))})
	if err != nil {
		s.referralError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "referral_new", &page{Title: "Refer", Me: me, Data: v})
}

// referralInputFromForm reads the form's fields.
func referralInputFromForm(form url.Values) haven.ReferralInput {
	return haven.ReferralInput{PersonID: strings.TrimSpace(form.Get("person_id")), ToAgency: strings.TrimSpace(form.Get("to_agency")),
		ToService: strings.TrimSpace(form.Get("to_service")), ConsentID: strings.TrimSpace(form.Get("consent_id")),
		Need: strings.TrimSpace(form.Get("need")), Urgency: strings.TrimSpace(form.Get("urgency")), Notes: form.Get("notes")}
}

func (s *Server) handleCreateReferralPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	in := referralInputFromForm(r.PostForm)
	ref, err := s.svc.Referrals.CreateReferral(r.Context(), in)
	if err != nil {
		if c := haven.ErrorCode(err); c != haven.EINVALID && c != haven.ECONFLICT && c != haven.EBADREQUEST {
			s.referralError(w, r, err)
			return
		}
		v, ferr := s.referralForm(r, me, in.PersonID, in)
		if ferr != nil {
			s.referralError(w, r, ferr)
			return
		}
		s.render(w, r, ErrorStatus(err), "referral_new", &page{Title: "Refer", Me: me, Data: v,
			Error: refCapitalize(haven.ErrorMessage(err)), Field: haven.ErrorField(err)})
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(ref.ID)+"?done=sent", http.StatusSeeOther)
}

// ---- one referral ----

type referralView struct {
	referralLine
	Actions     []string
	OpenCase    bool // the receiving agency's intake may open a case from it
	Loc         *time.Location
	TypedReason string // the reason typed, kept after a refusal
}

func (s *Server) handleReferralPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	pg := &page{Title: "Referral", Me: me, Notice: referralNotices[r.URL.Query().Get("done")]}
	s.referralPage(w, r, http.StatusOK, pg, "")
}

func (s *Server) referralPage(w http.ResponseWriter, r *http.Request, status int, pg *page, reason string) {
	ref, err := s.svc.Referrals.Referral(r.Context(), r.PathValue("id"))
	if err != nil {
		s.referralError(w, r, err)
		return
	}
	l := referralLines([]*haven.Referral{ref}, s.agencyNames(r))[0]
	v := referralView{referralLine: l, Actions: referral.Actions(l.Party, ref.Status), Loc: pg.Me.Agency.Location(), TypedReason: reason}
	switch pg.Me.Role {
	case haven.RoleAdvocate, haven.RoleSupervisor, haven.RoleShelterStaff:
		v.OpenCase = l.Party == referral.Receiver && ref.Status == haven.ReferralAccepted
	}
	pg.Data = v
	s.render(w, r, status, "referral_view", pg)
}

func (s *Server) handleActOnReferralPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	action := r.PathValue("action")
	if !slices.Contains(referral.UserActions, action) {
		s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "page not found"))
		return
	}
	_ = r.ParseForm()
	id := r.PathValue("id")
	reason := r.PostForm.Get("reason")
	if _, err := s.svc.Referrals.ActOnReferral(r.Context(), id, action, reason); err != nil {
		s.referralStepFailed(w, r, me, err, reason)
		return
	}
	http.Redirect(w, r, "/referrals/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
}

// referralStepFailed shows the referral again with why the step was not
// taken; a referral the caller may not see is the error page.
func (s *Server) referralStepFailed(w http.ResponseWriter, r *http.Request, me *haven.User, err error, reason string) {
	switch haven.ErrorCode(err) {
	case haven.EINVALID, haven.ECONFLICT, haven.EFORBIDDEN, haven.EBADREQUEST:
	default:
		s.referralError(w, r, err)
		return
	}
	pg := &page{Title: "Referral", Me: me, Error: refCapitalize(haven.ErrorMessage(err)), Field: haven.ErrorField(err)}
	s.referralPage(w, r, ErrorStatus(err), pg, reason)
}

func (s *Server) handleCaseFromReferralPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	c, err := s.svc.Referrals.CaseFromReferral(r.Context(), r.PathValue("id"))
	if err != nil {
		s.referralStepFailed(w, r, me, err, "")
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.ID)+"?done=opened-from-referral", http.StatusSeeOther)
}

// ---- the person page ----

// personReferralsView is the person page's referral section.
type personReferralsView struct {
	Lines    []referralLine
	PersonID string
	Loc      *time.Location
}

// personReferrals lists the person's outgoing referrals, for their own
// agency only, with the Refer link.
func (s *Server) personReferrals(r *http.Request, p *haven.Person, me *haven.User) any {
	if s.svc.Referrals == nil || p.AgencyID != me.AgencyID {
		return nil
	}
	refs, err := s.svc.Referrals.FindReferrals(r.Context(), haven.ReferralFilter{Direction: "outgoing", PersonID: p.ID, Limit: 50})
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	return &personReferralsView{Lines: referralLines(refs, s.agencyNames(r)), PersonID: p.ID, Loc: me.Agency.Location()}
}
