package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/shelter"
)

// The shelter staff's phone pages: their locations, and one location's
// counts with a big − and + per category, each a form whose button saves
// at once (one tap per bed in or out; the totals in a form of their own).

// shelterRow is one category on the page.
type shelterRow struct {
	Category       shelter.Category
	Label          string
	Total          int
	Available      int
	Less, More     int // the values the − and + buttons save
	CanLess, CanMo bool
	Updated        string
	Stale          bool
	Known          bool
}

func (s *Server) shelterPageError(w http.ResponseWriter, r *http.Request, err error) {
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such shelter location.")
	}
	s.errorPage(w, r, err)
}

func (s *Server) handleSheltersPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	svc, err := s.shelters()
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	all, err := svc.Shelters(r.Context())
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	var own, others []*shelter.Availability
	for _, a := range all {
		if a.Own {
			own = append(own, a)
		} else {
			others = append(others, a)
		}
	}
	s.render(w, r, http.StatusOK, "shelter_list", &page{Title: "Shelter beds", Me: me,
		Data: map[string]any{"Own": own, "Others": others, "Loc": me.Agency.Location()}})
}

func shelterRows(a *shelter.Availability, me *haven.User) []shelterRow {
	by := map[shelter.Category]shelter.Capacity{}
	for _, c := range a.Capacities {
		by[c.Category] = c
	}
	var out []shelterRow
	for _, c := range shelter.Categories {
		cp, known := by[c]
		row := shelterRow{Category: c, Label: c.Label(), Total: cp.Maximum, Available: cp.Available, Known: known, Stale: !known || cp.Stale}
		row.Less, row.More = cp.Available-1, cp.Available+1
		row.CanLess, row.CanMo = cp.Available > 0, cp.Available < cp.Maximum
		if known {
			row.Updated = cp.Updated.In(me.Agency.Location()).Format("2 Jan 15:04")
			if cp.UpdatedBy != "" {
				row.Updated += " by " + cp.UpdatedBy
			}
		}
		out = append(out, row)
	}
	return out
}

func (s *Server) renderShelter(w http.ResponseWriter, r *http.Request, me *haven.User, status int, a *shelter.Availability, errMsg, field string) {
	notice := ""
	if r.URL.Query().Get("done") == "saved" && errMsg == "" {
		notice = "Saved."
	}
	updated := ""
	if a.Updated != nil {
		updated = a.Updated.In(me.Agency.Location()).Format("2 Jan 2006 15:04")
	}
	s.render(w, r, status, "shelter_view", &page{Title: a.Name, Me: me, Notice: notice, Error: errMsg, Field: field,
		Data: map[string]any{"A": a, "Rows": shelterRows(a, me), "Updated": updated}})
}

func (s *Server) handleShelterPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	svc, err := s.shelters()
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	a, err := svc.ShelterAvailability(r.Context(), r.PathValue("id"))
	if err != nil {
		s.shelterPageError(w, r, err)
		return
	}
	s.renderShelter(w, r, me, http.StatusOK, a, "", "")
}

// shelterForm reads the categories a form gives: available_CATEGORY and
// total_CATEGORY; a category without available_ is left as it is.
func shelterForm(r *http.Request) ([]shelter.Update, error) {
	_ = r.ParseForm()
	var us []shelter.Update
	for _, c := range shelter.Categories {
		av := strings.TrimSpace(r.PostForm.Get("available_" + string(c)))
		if av == "" {
			continue
		}
		u := shelter.Update{Category: c}
		var err error
		if u.Available, err = strconv.Atoi(av); err != nil {
			return nil, haven.FieldErrorf(haven.EINVALID, "available_"+string(c), "%s: available must be a whole number", c.Label())
		}
		if u.Total, err = strconv.Atoi(strings.TrimSpace(r.PostForm.Get("total_" + string(c)))); err != nil {
			return nil, haven.FieldErrorf(haven.EINVALID, "total_"+string(c), "%s: total must be a whole number", c.Label())
		}
		us = append(us, u)
	}
	return us, nil
}

func (s *Server) handleShelterUpdatePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	svc, err := s.shelters()
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	id := r.PathValue("id")
	us, err := shelterForm(r)
	if err == nil {
		_, err = svc.UpdateShelterAvailability(r.Context(), id, us)
	}
	if err == nil {
		http.Redirect(w, r, "/shelters/"+url.PathEscape(id)+"?done=saved", http.StatusSeeOther)
		return
	}
	if haven.ErrorCode(err) != haven.EINVALID {
		s.shelterPageError(w, r, err)
		return
	}
	a, rerr := svc.ShelterAvailability(r.Context(), id)
	if rerr != nil {
		s.shelterPageError(w, r, rerr)
		return
	}
	s.renderShelter(w, r, me, http.StatusUnprocessableEntity, a, haven.ErrorMessage(err), haven.ErrorField(err))
}
