package web

// referralRoutes are the closed-loop referral routes: the sending agency
// refers a person (under the survivor's consent) to another agency or a
// directory service; the receiving agency sees, acknowledges and works it
// and can open a case from it. Who may do what is decided in the store
// and the referral package.
func (s *Server) referralRoutes() []route {
	return []route{
		{"GET /referrals", browser, s.handleReferralsPage},
		{"GET /referrals/new", browser, s.handleNewReferralPage},
		{"POST /referrals", browser, s.handleCreateReferralPage},
		{"GET /referrals/{id}", browser, s.handleReferralPage},
		{"POST /referrals/{id}/case", browser, s.handleCaseFromReferralPage},
		{"POST /referrals/{id}/{action}", browser, s.handleActOnReferralPage},

		{"POST /api/v1/referrals", signed, s.apiCreateReferral},
		{"GET /api/v1/referrals", signed, s.apiFindReferrals},
		{"GET /api/v1/referrals/{id}", signed, s.apiReferral},
		{"POST /api/v1/referrals/{id}/accept", signed, s.apiActOnReferral("accept")},
		{"POST /api/v1/referrals/{id}/decline", signed, s.apiActOnReferral("decline")},
		{"POST /api/v1/referrals/{id}/start", signed, s.apiActOnReferral("start")},
		{"POST /api/v1/referrals/{id}/complete", signed, s.apiActOnReferral("complete")},
		{"POST /api/v1/referrals/{id}/close", signed, s.apiActOnReferral("close")},
		{"POST /api/v1/referrals/{id}/case", signed, s.apiCaseFromReferral},
	}
}
