package web

import (
	"context"

	"github.com/haven-dv/haven/shelter"
)

// ShelterService is the store's side of shelter availability and the
// service search (issue 7 item 4). The store decides who may do what and
// never returns a confidential location's address or coordinates to
// another agency.
type ShelterService interface {
	Shelters(ctx context.Context) ([]*shelter.Availability, error)
	ShelterAvailability(ctx context.Context, locationID string) (*shelter.Availability, error)
	UpdateShelterAvailability(ctx context.Context, locationID string, us []shelter.Update) (*shelter.Availability, error)
	SearchServices(ctx context.Context, q shelter.Query) ([]shelter.Result, error)
}

// shelterRoutes are shelter availability (the phone page for shelter
// staff and its API) and the service search.
func (s *Server) shelterRoutes() []route {
	return []route{
		{"GET /shelters", browser, s.handleSheltersPage},
		{"GET /shelters/{id}", browser, s.handleShelterPage},
		{"POST /shelters/{id}/availability", browser, s.handleShelterUpdatePage},

		{"GET /api/v1/shelters", signed, s.apiShelters},
		{"GET /api/v1/shelters/{id}/availability", signed, s.apiShelterAvailability},
		{"PUT /api/v1/shelters/{id}/availability", signed, s.apiUpdateShelterAvailability},
		{"GET /api/v1/services/search", signed, s.apiSearchServices},
	}
}
