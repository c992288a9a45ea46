package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// The risk-assessment pages: one phone-first form per instrument, the
// result with what it sets in motion (the hotline call first), the
// advocacy queue, and the supervisors' screening rates. Handlers stay thin:
// the store scores, records and decides.

// answerChoice is one answer button of an item.
type answerChoice struct {
	Value, Label string
	Checked      bool
}

// formItem is one question on the form.
type formItem struct {
	haven.InstrumentItem
	Num     int
	Choices []answerChoice
	Invalid bool
}

// riskFormView is the form of one instrument for one person.
type riskFormView struct {
	Instruments []*haven.Instrument // the chooser, when no instrument is picked
	Inst        *haven.Instrument
	Items       []formItem
	PersonID    string
	PersonName  string
	IncidentID  string
	Incident    string // its number
	Supersedes  string
	Suspects    []haven.Party
	Suspect     string
	Judgement   bool
	Note        string
	Hotline     haven.Hotline
}

var standardChoices = []answerChoice{{Value: haven.AnswerYes, Label: "Yes"}, {Value: haven.AnswerNo, Label: "No"},
	{Value: haven.AnswerUnknown, Label: "Don't know"}, {Value: haven.AnswerDeclined, Label: "Declined"}}

// buildItems lays out the instrument's items with the answers given.
func buildItems(inst *haven.Instrument, answers map[string]string, bad string) []formItem {
	out := make([]formItem, len(inst.Items))
	for i, it := range inst.Items {
		fi := formItem{InstrumentItem: it, Num: i + 1, Invalid: bad == it.ID}
		choices := slices.Clone(standardChoices)
		for _, o := range it.Options {
			choices = append(choices, answerChoice{Value: o.Value, Label: o.Label})
		}
		for j := range choices {
			choices[j].Checked = answers[it.ID] == choices[j].Value
		}
		fi.Choices = choices
		out[i] = fi
	}
	return out
}

func (s *Server) riskError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such record, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

// riskForm fills the form's context: the person, the incident and its
// suspects, the instrument.
func (s *Server) riskForm(r *http.Request, q url.Values) (*riskFormView, error) {
	ctx := r.Context()
	v := &riskFormView{PersonID: strings.TrimSpace(q.Get("person")), IncidentID: strings.TrimSpace(q.Get("incident")),
		Supersedes: strings.TrimSpace(q.Get("supersedes")), Suspect: strings.TrimSpace(q.Get("suspect_person_id"))}
	if v.PersonID == "" {
		return nil, haven.FieldErrorf(haven.EINVALID, "person", "choose the person to assess first: open their record or the report")
	}
	p, err := s.svc.Persons.Person(ctx, v.PersonID)
	if err != nil {
		return nil, err
	}
	v.PersonName = displayName(p)
	if v.IncidentID != "" {
		in, err := s.svc.Incidents.Incident(ctx, v.IncidentID)
		if err != nil {
			return nil, err
		}
		v.Incident = in.Number
		for _, pa := range in.Parties {
			if pa.Role == haven.PartySuspect {
				v.Suspects = append(v.Suspects, pa)
			}
		}
	}
	insts, err := s.svc.Risk.Instruments(ctx)
	if err != nil {
		return nil, err
	}
	id := strings.TrimSpace(q.Get("instrument"))
	for _, in := range insts {
		if in.ID == id {
			v.Inst = in
		}
	}
	if v.Inst == nil {
		if id != "" {
			return nil, haven.FieldErrorf(haven.EINVALID, "instrument", "no instrument %q", id)
		}
		v.Instruments = insts
	}
	return v, nil
}

func (s *Server) handleRiskFormPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	v, err := s.riskForm(r, r.URL.Query())
	if err != nil {
		s.riskError(w, r, err)
		return
	}
	if v.Inst != nil {
		v.Items = buildItems(v.Inst, nil, "")
	}
	s.render(w, r, http.StatusOK, "risk_form", &page{Title: "Assessment", Me: me, Data: v})
}

// answersFromForm reads q1…qN; "declined_all" marks every unanswered item
// as declined (a victim who will not take part).
func answersFromForm(inst *haven.Instrument, form url.Values) map[string]string {
	answers := map[string]string{}
	for _, it := range inst.Items {
		if a := strings.TrimSpace(form.Get(it.ID)); a != "" {
			answers[it.ID] = a
		} else if form.Get("declined_all") != "" {
			answers[it.ID] = haven.AnswerDeclined
		}
	}
	return answers
}

func (s *Server) handleRecordAssessmentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	form := r.PostForm
	q := url.Values{"person": {form.Get("person_id")}, "incident": {form.Get("incident_id")}, "instrument": {form.Get("instrument")},
		"supersedes": {form.Get("supersedes")}, "suspect_person_id": {form.Get("suspect_person_id")}}
	v, err := s.riskForm(r, q)
	if err == nil && v.Inst == nil {
		err = haven.FieldErrorf(haven.EINVALID, "instrument", "choose an instrument")
	}
	if err != nil {
		s.riskError(w, r, err)
		return
	}
	in := haven.AssessmentInput{PersonID: v.PersonID, IncidentID: v.IncidentID, Supersedes: v.Supersedes, SuspectPersonID: v.Suspect,
		Instrument: v.Inst.ID, Answers: answersFromForm(v.Inst, form), ProfessionalJudgement: form.Get("professional_judgement") != "",
		JudgementNote: strings.TrimSpace(form.Get("judgement_note"))}
	a, err := s.svc.Risk.RecordAssessment(r.Context(), in)
	if err != nil {
		if c := haven.ErrorCode(err); c != haven.EINVALID && c != haven.ECONFLICT {
			s.riskError(w, r, err)
			return
		}
		field := strings.TrimPrefix(haven.ErrorField(err), "answers.")
		v.Items = buildItems(v.Inst, in.Answers, field)
		v.Judgement, v.Note = in.ProfessionalJudgement, in.JudgementNote
		msg := haven.ErrorMessage(err)
		pg := &page{Title: "Assessment", Me: me, Data: v, Error: strings.ToUpper(msg[:1]) + msg[1:], Field: field}
		s.render(w, r, ErrorStatus(err), "risk_form", pg)
		return
	}
	http.Redirect(w, r, "/risk/assessments/"+url.PathEscape(a.ID)+"?done=assessment-recorded", http.StatusSeeOther)
}

// answerLine is one item of a recorded assessment as shown.
type answerLine struct {
	Num          int
	Text, Answer string
	Yes          bool
}

// assessmentView is the result page.
type assessmentView struct {
	A            *haven.Assessment
	Inst         *haven.Instrument
	Loc          *time.Location
	Answers      []answerLine
	Actions      []string // in plain words
	Triggers     []triggerLine
	Unfinished   bool // an action could not be carried out (its trigger has a note)
	Hotline      haven.Hotline
	NeedsHotline bool
	Own          bool
	Incident     *haven.Incident
	PersonName   string
}

type triggerLine struct{ Action, Rule, Note string }

// actionWords says what each action means for the person reading.
var actionWords = map[string]string{
	haven.ActionHotlineCall:        "Call the domestic-violence hotline now, from the scene, and offer the victim the phone.",
	haven.ActionOfferInformation:   "Give the victim written information on where to get help.",
	haven.ActionFlagHighRisk:       "The person is flagged high-risk.",
	haven.ActionAdvocacyTask:       "A follow-up task goes to the partner advocacy agency's queue.",
	haven.ActionConferenceProposal: "The case is proposed for the next high-risk team conference.",
	haven.ActionMARACReferral:      "Refer the case to the MARAC (multi-agency risk assessment conference).",
}

func actionLabel(a string) string {
	if w, ok := actionWords[a]; ok {
		return w
	}
	return a
}

func (s *Server) handleAssessmentPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	pg := &page{Title: "Assessment", Me: me}
	s.assessmentPage(w, r, http.StatusOK, pg)
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request, status int, pg *page) {
	ctx := r.Context()
	a, err := s.svc.Risk.Assessment(ctx, r.PathValue("id"))
	if err != nil {
		s.riskError(w, r, err)
		return
	}
	v := assessmentView{A: a, Loc: pg.Me.Agency.Location(), Own: a.AgencyID == pg.Me.AgencyID}
	if inst, err := s.findInstrument(r, a.Result.Instrument); err == nil && inst.Version == a.Result.Version {
		v.Inst = inst
	}
	for i, id := range itemIDs(v.Inst, a.Answers) {
		text := id
		if v.Inst != nil {
			text = v.Inst.Items[i].Text
		}
		ans := a.Answers[id]
		v.Answers = append(v.Answers, answerLine{Num: i + 1, Text: text, Answer: answerWord(v.Inst, id, ans), Yes: ans == haven.AnswerYes})
	}
	for _, act := range a.Result.Actions {
		v.Actions = append(v.Actions, actionLabel(act))
	}
	for _, t := range a.Triggers {
		v.Triggers = append(v.Triggers, triggerLine{Action: actionLabel(t.Action), Rule: t.Rule, Note: t.Note})
		v.Unfinished = v.Unfinished || t.Note != ""
	}
	v.NeedsHotline = slices.Contains(a.Result.Actions, haven.ActionHotlineCall) && a.Hotline == nil && v.Own
	if v.NeedsHotline {
		if v.Hotline, err = s.svc.Risk.Hotline(ctx); err != nil {
			s.riskError(w, r, err)
			return
		}
	}
	if p, err := s.svc.Persons.Person(ctx, a.PersonID); err == nil {
		v.PersonName = displayName(p)
	}
	if a.IncidentID != "" {
		if in, err := s.svc.Incidents.Incident(ctx, a.IncidentID); err == nil {
			v.Incident = in
		}
	}
	pg.Data = v
	if pg.Notice == "" {
		pg.Notice = riskNotice(r)
	}
	s.render(w, r, status, "risk_result", pg)
}

// itemIDs lists the answered items in the instrument's order (or sorted
// when the instrument version is no longer loaded).
func itemIDs(inst *haven.Instrument, answers map[string]string) []string {
	if inst != nil {
		out := make([]string, len(inst.Items))
		for i, it := range inst.Items {
			out[i] = it.ID
		}
		return out
	}
	out := make([]string, 0, len(answers))
	for id := range answers {
		out = append(out, id)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return out
}

func answerWord(inst *haven.Instrument, item, ans string) string {
	for _, c := range standardChoices {
		if c.Value == ans {
			return c.Label
		}
	}
	if inst != nil {
		for _, it := range inst.Items {
			if it.ID == item {
				for _, o := range it.Options {
					if o.Value == ans {
						return o.Label
					}
				}
			}
		}
	}
	if ans == "" {
		return "Not answered"
	}
	return ans
}

var riskNotices = map[string]string{
	"assessment-recorded": "Assessment recorded.",
	"hotline-recorded":    "Hotline call recorded.",
	"task-accepted":       "Task accepted.",
	"task-declined":       "Task declined.",
}

func riskNotice(r *http.Request) string { return riskNotices[r.URL.Query().Get("done")] }

func (s *Server) handleHotlinePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = r.ParseForm()
	id := r.PathValue("id")
	h := haven.HotlineContact{Outcome: strings.TrimSpace(r.PostForm.Get("outcome")), InformationOffered: r.PostForm.Get("information_offered") != "",
		Note: r.PostForm.Get("note")}
	if _, err := s.svc.Risk.RecordHotline(r.Context(), id, h); err != nil {
		if c := haven.ErrorCode(err); c != haven.EINVALID && c != haven.ECONFLICT {
			s.riskError(w, r, err)
			return
		}
		s.logIfInternal(r, err)
		msg := haven.ErrorMessage(err)
		s.assessmentPage(w, r, ErrorStatus(err), &page{Title: "Assessment", Me: me, Error: strings.ToUpper(msg[:1]) + msg[1:], Field: haven.ErrorField(err)})
		return
	}
	http.Redirect(w, r, "/risk/assessments/"+url.PathEscape(id)+"?done=hotline-recorded#hotline", http.StatusSeeOther)
}

func (s *Server) handleRiskQueuePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	st, err := taskStatus(r.URL.Query().Get("status"))
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	tasks, err := s.svc.Risk.RiskTasks(r.Context(), st)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "risk_queue", &page{Title: "Queue", Me: me, Notice: riskNotice(r),
		Data: map[string]any{"Tasks": tasks, "Status": st, "Loc": me.Agency.Location()}})
}

func (s *Server) handleDecideTaskPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.me(w, r); !ok {
		return
	}
	var accept bool
	switch r.PathValue("decision") {
	case "accept":
		accept = true
	case "decline":
	default:
		s.errorPage(w, r, haven.Errorf(haven.ENOTFOUND, "page not found"))
		return
	}
	_ = r.ParseForm()
	if _, err := s.svc.Risk.DecideRiskTask(r.Context(), r.PathValue("id"), accept, r.PostForm.Get("reason")); err != nil {
		s.riskError(w, r, err)
		return
	}
	done := "task-declined"
	if accept {
		done = "task-accepted"
	}
	http.Redirect(w, r, "/risk/queue?done="+done, http.StatusSeeOther)
}

// rateRow is a screening row with its rates as percentages.
type rateRow struct {
	haven.ScreeningRow
	OfferedPct, ScreenedInPct, ConnectedPct string
}

func pct(n, of int) string {
	if of == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", math.Round(100*float64(n)/float64(of)))
}

func rates(rows []haven.ScreeningRow) []rateRow {
	out := make([]rateRow, len(rows))
	for i, r := range rows {
		out[i] = rateRow{ScreeningRow: r, OfferedPct: pct(r.Offered, r.Incidents), ScreenedInPct: pct(r.ScreenedIn, r.Answered),
			ConnectedPct: pct(r.Connected, r.ScreenedIn)}
	}
	return out
}

// handleRiskOverviewPage shows what the caller may see of the agency's
// risk picture: screening rates (supervisors, administrators, analysts)
// and the persons flagged high-risk (staff who work with people).
func (s *Server) handleRiskOverviewPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	loc := me.Agency.Location()
	from, to, err := screeningPeriod(r.URL.Query(), loc, time.Now())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	data := map[string]any{"Loc": loc, "From": from.In(loc).Format("2006-01-02"), "To": to.In(loc).AddDate(0, 0, -1).Format("2006-01-02")}
	allowed := false
	st, err := s.svc.Risk.Screening(r.Context(), from, to)
	switch haven.ErrorCode(err) {
	case "":
		allowed = true
		data["Screening"] = st
		data["Total"] = rates([]haven.ScreeningRow{st.Total})[0]
		data["ByOfficer"], data["ByBeat"] = rates(st.ByOfficer), rates(st.ByBeat)
	case haven.EFORBIDDEN:
	default:
		s.errorPage(w, r, err)
		return
	}
	hr, err := s.svc.Risk.HighRisk(r.Context())
	switch haven.ErrorCode(err) {
	case "":
		allowed = true
		data["HighRisk"] = hr
		data["ShowHighRisk"] = true
	case haven.EFORBIDDEN:
	default:
		s.errorPage(w, r, err)
		return
	}
	if !allowed {
		s.errorPage(w, r, haven.Errorf(haven.EFORBIDDEN, "your role does not see risk screening or high-risk lists"))
		return
	}
	s.render(w, r, http.StatusOK, "risk_overview", &page{Title: "Risk", Me: me, Data: data})
}

// trendPoint is one assessment on a person's trend line.
type trendPoint struct {
	X, Y  float64
	Label string
}

// trendLine is one instrument's scores over time, as an SVG polyline in a
// 300×60 box (scores scaled to the instrument's range).
type trendLine struct {
	Instrument string
	Points     []trendPoint
	Path       string
}

// trends draws each instrument's scores over time, oldest first.
func trends(as []*haven.Assessment, insts []*haven.Instrument, loc *time.Location) []trendLine {
	byInst := map[string][]*haven.Assessment{}
	var order []string
	for i := len(as) - 1; i >= 0; i-- { // as is newest first
		a := as[i]
		if _, ok := byInst[a.Result.Instrument]; !ok {
			order = append(order, a.Result.Instrument)
		}
		byInst[a.Result.Instrument] = append(byInst[a.Result.Instrument], a)
	}
	var out []trendLine
	for _, id := range order {
		list := byInst[id]
		lo, hi := instrumentRange(id, insts)
		first, last := list[0].AssessedAt, list[len(list)-1].AssessedAt
		span := last.Sub(first).Seconds()
		tl := trendLine{Instrument: id}
		var b strings.Builder
		for i, a := range list {
			x := 150.0
			if span > 0 {
				x = 10 + 280*a.AssessedAt.Sub(first).Seconds()/span
			}
			y := 30.0
			if hi > lo {
				y = 55 - 50*(math.Max(lo, math.Min(hi, a.Result.Score))-lo)/(hi-lo)
			}
			tl.Points = append(tl.Points, trendPoint{X: x, Y: y, Label: fmt.Sprintf("%s: %g (%s)", a.AssessedAt.In(loc).Format("2 Jan 2006"), a.Result.Score, a.Result.BandLabel)})
			if i > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%.1f,%.1f", x, y)
		}
		tl.Path = b.String()
		out = append(out, tl)
	}
	return out
}

// instrumentRange is the lowest and highest score an instrument gives.
func instrumentRange(id string, insts []*haven.Instrument) (lo, hi float64) {
	for _, in := range insts {
		if in.ID != id {
			continue
		}
		for _, it := range in.Items {
			w := 1.0
			if in.Scoring.Rule == haven.RuleWeightedSum {
				w = it.Weight
			}
			best, worst := math.Max(w, 0), 0.0
			for _, o := range it.Options {
				best, worst = math.Max(best, o.Score), math.Min(worst, o.Score)
			}
			hi += best
			lo += worst
		}
	}
	return lo, hi
}

// personRisk is the risk part of a person's page.
type personRisk struct {
	Assessments []*haven.Assessment
	Trends      []trendLine
	Latest      *haven.Assessment
	Instruments []*haven.Instrument
}

// personRiskView loads a person's assessments for their page; a caller
// whose basis does not cover risk results gets nothing, silently.
func (s *Server) personRiskView(r *http.Request, personID string, loc *time.Location) *personRisk {
	if s.svc.Risk == nil {
		return nil
	}
	as, err := s.svc.Risk.PersonAssessments(r.Context(), personID)
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	insts, err := s.svc.Risk.Instruments(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	pr := &personRisk{Assessments: as, Instruments: insts, Trends: trends(as, insts, loc)}
	for _, a := range as {
		if a.SupersededBy == "" {
			pr.Latest = a
			break
		}
	}
	return pr
}

// incidentRisk adds the report's assessments and the hotline to its page.
func (s *Server) incidentRisk(r *http.Request, incidentID string, v *incidentView) error {
	if s.svc.Risk == nil {
		return nil
	}
	as, err := s.svc.Risk.IncidentAssessments(r.Context(), incidentID)
	if err != nil {
		return err
	}
	v.Assessments = as
	for _, a := range as {
		if a.SupersededBy == "" && a.Hotline == nil && slices.Contains(a.Result.Actions, haven.ActionHotlineCall) {
			v.AwaitHotline = a
			break
		}
	}
	v.Hotline, err = s.svc.Risk.Hotline(r.Context())
	return err
}
