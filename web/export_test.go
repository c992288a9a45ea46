package web

import "github.com/haven-dv/haven/store"

// servicesFor wires every service to one store, for tests.
func servicesFor(db *store.DB) Services {
	return Services{Agencies: db, Users: db, Auth: db, Persons: db, BreakGlass: db, MFA: db, Incidents: db, Evidence: db, Risk: db,
		Consents: db, Cases: db, Plans: db, Referrals: db, Directory: db, Shelters: db, Audit: db, Ready: db.Ping,
		Analytics: db, Boundaries: db}
}

// ServicesFor is servicesFor for the web_test package.
var ServicesFor = servicesFor
