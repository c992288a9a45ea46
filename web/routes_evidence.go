package web

// evidenceRoutes are the evidence routes: an incident's photos, documents,
// recordings, videos and physical items, their files and thumbnails, and
// their chain of custody. Who may do what is decided in the store; every
// read of a file or thumbnail is written to the custody log and the audit
// log before a byte is sent.
//
// The two upload routes (streamedUploadRoutes) stream their bodies: the
// global 1 MiB body limit does not apply to them (see observe), they set
// their own per kind, and they check the CSRF token themselves, from the
// form fields that come before the file, instead of in guard (which would
// have to read the whole upload to find it).
func (s *Server) evidenceRoutes() []route {
	return []route{
		{"GET /incidents/{id}/evidence", browser, s.handleEvidencePage},
		{"POST /incidents/{id}/evidence", browser, s.handleAddEvidencePage},
		{"GET /evidence/{id}", browser, s.handleEvidenceItemPage},
		{"POST /evidence/{id}/custody", browser, s.handleCustodyPage},
		{"POST /evidence/{id}/verify", browser, s.handleVerifyEvidencePage},
		{"GET /evidence/{id}/file", browser, s.handleEvidenceFile},
		{"GET /evidence/{id}/thumbnail", browser, s.handleEvidenceThumbnail},

		{"POST /api/v1/incidents/{id}/evidence", signed, s.apiAddEvidence},
		{"GET /api/v1/incidents/{id}/evidence", signed, s.apiListEvidence},
		{"GET /api/v1/evidence/{id}", signed, s.apiGetEvidence},
		{"GET /api/v1/evidence/{id}/file", signed, s.handleEvidenceFile},
		{"GET /api/v1/evidence/{id}/thumbnail", signed, s.handleEvidenceThumbnail},
		{"GET /api/v1/evidence/{id}/custody", signed, s.apiCustody},
		{"POST /api/v1/evidence/{id}/custody", signed, s.apiAddCustody},
		{"GET /api/v1/evidence/{id}/verify", signed, s.apiVerifyEvidence},
	}
}

// streamedUploadRoutes are the routes whose bodies are streamed uploads:
// evidence files and case documents (web/case_forms.go), which check the
// CSRF token themselves.
var streamedUploadRoutes = map[string]bool{
	"POST /incidents/{id}/evidence":        true,
	"POST /api/v1/incidents/{id}/evidence": true,
	"POST /cases/{id}/documents":           true,
	"POST /api/v1/cases/{id}/documents":    true,
}
