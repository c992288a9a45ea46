package web

import (
	"net/http"
	"strconv"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/shelter"
)

// The officer's quick list (issue 7 item 7, docs/SHELTERS.md "Officer
// quick list"): on a phone, one screen with the agency's hotline, the
// nearest shelters with beds and legal help, each one tap to call.
//
// Who may open it is decided by the store exactly as for the service
// search (service.search: the roles that work with people); the page is
// linked from the officer's navigation and home. The position, when the
// browser gives one, arrives only as lat and lon query parameters of this
// one request: it is not stored, and the request log records the route
// pattern, never the query.

// quickLimit is how many shelters and legal services the page lists.
const quickLimit = 5

// quickNeedShelter and quickNeedLegal are the haven-dv taxonomy codes.
const (
	quickNeedShelter = "emergency_shelter"
	quickNeedLegal   = "legal_advocacy"
)

// quickItem is one entry of the list: never an address or coordinates.
type quickItem struct {
	Name     string
	Area     string // a confidential location's area label
	Phone    string
	Distance string // rounded, "" without a position
	Beds     *int
	Stale    bool
}

func quickItems(rs []shelter.Result) []quickItem {
	out := make([]quickItem, 0, len(rs))
	for _, r := range rs {
		it := quickItem{Name: r.ServiceName, Beds: r.BedsAvailable, Stale: r.Stale}
		if r.Confidential {
			it.Area = r.AreaLabel
		} else if r.LocationName != "" && r.LocationName != r.ServiceName {
			it.Area = r.LocationName
		}
		if len(r.Phones) > 0 {
			it.Phone = r.Phones[0]
		}
		if r.DistanceKM != nil {
			it.Distance = strconv.FormatFloat(*r.DistanceKM, 'f', -1, 64) + " km"
		}
		out = append(out, it)
	}
	return out
}

// quickPoint reads lat and lon: both or neither, in range.
func quickPoint(r *http.Request) (lat, lon float64, ok bool, err error) {
	v := r.URL.Query()
	ls, os := v.Get("lat"), v.Get("lon")
	if ls == "" && os == "" {
		return 0, 0, false, nil
	}
	bad := haven.FieldErrorf(haven.EINVALID, "lat", "Your position could not be read; the list is shown without distances.")
	var e1, e2 error
	lat, e1 = strconv.ParseFloat(ls, 64)
	lon, e2 = strconv.ParseFloat(os, 64)
	if e1 != nil || e2 != nil || lat != lat || lon != lon || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, false, bad
	}
	return lat, lon, true, nil
}

func (s *Server) handleQuickPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	svc, err := s.shelters()
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	ctx := r.Context()
	status, errMsg := http.StatusOK, ""
	lat, lon, hasPoint, perr := quickPoint(r)
	if perr != nil {
		status, errMsg = http.StatusUnprocessableEntity, haven.ErrorMessage(perr)
	}
	q := shelter.Query{Need: quickNeedShelter, Beds: true, Limit: quickLimit, Lat: lat, Lon: lon, HasPoint: hasPoint}
	shelters, err := svc.SearchServices(ctx, q) // decides who may see the page
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	q.Need, q.Beds = quickNeedLegal, false
	legal, err := svc.SearchServices(ctx, q)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	hotline, err := s.svc.Risk.Hotline(ctx)
	if err != nil {
		s.errorPage(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "quick", &page{Title: "Quick list", Me: me, Error: errMsg,
		Data: map[string]any{"Hotline": hotline, "Shelters": quickItems(shelters), "Legal": quickItems(legal), "HasPoint": hasPoint}})
}
