package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/shelter"
)

// The shelter availability and service search JSON API. Handlers decode,
// call the store and encode.

func (s *Server) shelters() (ShelterService, error) {
	if s.svc.Shelters == nil {
		return nil, haven.Errorf(haven.EUNAVAILABLE, "shelter availability is not available")
	}
	return s.svc.Shelters, nil
}

func (s *Server) apiShelters(w http.ResponseWriter, r *http.Request) {
	svc, err := s.shelters()
	if err == nil {
		var out []*shelter.Availability
		if out, err = svc.Shelters(r.Context()); err == nil {
			writeJSON(w, http.StatusOK, list(out))
			return
		}
	}
	s.apiErr(w, r, err)
}

func (s *Server) apiShelterAvailability(w http.ResponseWriter, r *http.Request) {
	svc, err := s.shelters()
	if err == nil {
		var a *shelter.Availability
		if a, err = svc.ShelterAvailability(r.Context(), r.PathValue("id")); err == nil {
			writeJSON(w, http.StatusOK, a)
			return
		}
	}
	s.apiErr(w, r, err)
}

// availabilityRequest is the body of PUT /api/v1/shelters/{id}/availability.
type availabilityRequest struct {
	Units []shelter.Update `json:"units"`
}

func (s *Server) apiUpdateShelterAvailability(w http.ResponseWriter, r *http.Request) {
	svc, err := s.shelters()
	if err == nil {
		var req availabilityRequest
		if err = decodeJSON(r, &req); err == nil {
			var a *shelter.Availability
			if a, err = svc.UpdateShelterAvailability(r.Context(), r.PathValue("id"), req.Units); err == nil {
				writeJSON(w, http.StatusOK, a)
				return
			}
		}
	}
	s.apiErr(w, r, err)
}

// parseSearch checks the search's parameters; a bad value is a 400 naming
// the parameter.
func parseSearch(r *http.Request) (shelter.Query, error) {
	v := r.URL.Query()
	var q shelter.Query
	text := func(name string, max int) (string, error) {
		s := strings.TrimSpace(v.Get(name))
		if len(s) > max || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", haven.FieldErrorf(haven.EBADREQUEST, name, "%s must be at most %d characters of text", name, max)
		}
		return s, nil
	}
	boolean := func(name string) (bool, error) {
		s := v.Get(name)
		if s == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			return false, haven.FieldErrorf(haven.EBADREQUEST, name, "%s must be true or false", name)
		}
		return b, nil
	}
	coord := func(name string, max float64) (float64, bool, error) {
		s := v.Get(name)
		if s == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < -max || f > max || f != f {
			return 0, false, haven.FieldErrorf(haven.EBADREQUEST, name, "%s must be a number from %g to %g", name, -max, max)
		}
		return f, true, nil
	}
	var err error
	if q.Need, err = text("need", 100); err != nil {
		return q, err
	}
	if q.Language, err = text("language", 50); err != nil {
		return q, err
	}
	if q.OpenNow, err = boolean("open_now"); err != nil {
		return q, err
	}
	if q.Beds, err = boolean("beds"); err != nil {
		return q, err
	}
	lat, hasLat, err := coord("lat", 90)
	if err != nil {
		return q, err
	}
	lon, hasLon, err := coord("lon", 180)
	if err != nil {
		return q, err
	}
	if hasLat != hasLon {
		f := "lon"
		if !hasLat {
			f = "lat"
		}
		return q, haven.FieldErrorf(haven.EBADREQUEST, f, "give both lat and lon, or neither")
	}
	q.Lat, q.Lon, q.HasPoint = lat, lon, hasLat
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return q, haven.FieldErrorf(haven.EBADREQUEST, "limit", "limit must be a whole number from 1 to 100")
		}
		q.Limit = n
	}
	return q, nil
}

func (s *Server) apiSearchServices(w http.ResponseWriter, r *http.Request) {
	svc, err := s.shelters()
	if err == nil {
		var q shelter.Query
		if q, err = parseSearch(r); err == nil {
			var out []shelter.Result
			if out, err = svc.SearchServices(r.Context(), q); err == nil {
				writeJSON(w, http.StatusOK, list(out))
				return
			}
		}
	}
	s.apiErr(w, r, err)
}
