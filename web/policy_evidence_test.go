package web

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

// The evidence routes' expectations. Evidence follows its incident: the
// owning agency's officers and supervisors do everything; for everyone
// else an item, like its report, does not exist ("not found", never
// "forbidden").
//
// TestRoutePolicy's world has no incidents, so there every evidence route
// is called with an id that is no report and no item (the caller's
// person's): "not found" for everyone signed in. TestEvidenceRoutePolicy
// runs the same routes against a real report, {incident}, with a photo,
// {evidence}, made for every caller separately by the world's officer.
// The policy requests carry JSON (API) or a plain form (pages), which the
// upload routes take for a physical item.

var evidenceCases = map[string]policyCase{
	"GET /incidents/{id}/evidence":  {Path: "/incidents/{incident}/evidence", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"POST /incidents/{id}/evidence": {Path: "/incidents/{incident}/evidence", Body: "kind=physical&description=Kitchen+knife", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"GET /evidence/{id}":            {Path: "/evidence/{evidence}", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"POST /evidence/{id}/custody":   {Path: "/evidence/{evidence}/custody", Body: "action=transferred&to=Property+room", Want: anon(401).roles(303, incidentRoles...).rest(404)},
	"POST /evidence/{id}/verify":    {Path: "/evidence/{evidence}/verify", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /evidence/{id}/file":       {Path: "/evidence/{evidence}/file", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"GET /evidence/{id}/thumbnail":  {Path: "/evidence/{evidence}/thumbnail", Want: anon(303).roles(200, incidentRoles...).rest(404)},
	"POST /api/v1/incidents/{id}/evidence": {Path: "/api/v1/incidents/{incident}/evidence", Body: `{"kind":"physical","description":"Kitchen knife"}`,
		Want: anon(401).roles(201, incidentRoles...).rest(404)},
	"GET /api/v1/incidents/{id}/evidence": {Path: "/api/v1/incidents/{incident}/evidence", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/evidence/{id}":           {Path: "/api/v1/evidence/{evidence}", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/evidence/{id}/file":      {Path: "/api/v1/evidence/{evidence}/file", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/evidence/{id}/thumbnail": {Path: "/api/v1/evidence/{evidence}/thumbnail", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"GET /api/v1/evidence/{id}/custody":   {Path: "/api/v1/evidence/{evidence}/custody", Want: anon(401).roles(200, incidentRoles...).rest(404)},
	"POST /api/v1/evidence/{id}/custody":  {Path: "/api/v1/evidence/{evidence}/custody", Body: `{"to":"Property room","note":"locker 12"}`, Want: anon(401).roles(201, incidentRoles...).rest(404)},
	"GET /api/v1/evidence/{id}/verify":    {Path: "/api/v1/evidence/{evidence}/verify", Want: anon(401).roles(200, incidentRoles...).rest(404)},
}

func init() {
	// In TestRoutePolicy's world there is no report and no item.
	for pattern, c := range evidenceCases {
		path := strings.NewReplacer("{incident}", "{person}", "{evidence}", "{person}").Replace(c.Path)
		w := anon(401)
		if strings.HasPrefix(pattern, "GET /") && !strings.HasPrefix(pattern, "GET /api/") {
			w = anon(303)
		}
		policyExpectations[pattern] = policyCase{Path: path, Body: c.Body, Want: w.rest(404)}
	}
}

// policyPhoto is a small PNG for the policy world's evidence.
func policyPhoto(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// evidenceWorld makes, for every caller, a report and a photo in it, as
// the world's officer, through the API.
func evidenceWorld(t *testing.T, h http.Handler, world map[string]*policyFixture) map[string]*strings.Replacer {
	t.Helper()
	photo := policyPhoto(t)
	call := func(method, path, ctype string, body []byte, want int) string {
		t.Helper()
		req := httptest.NewRequest(method, "http://haven.test"+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+world[string(haven.RoleOfficer)].token)
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("setup: %s %s = %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
		}
		var out struct{ ID string }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return out.ID
	}
	out := map[string]*strings.Replacer{}
	for _, who := range callers {
		f := world[who]
		incident := call("POST", "/api/v1/incidents", "application/json",
			[]byte(`{"domestic":true,"offenses":[{"code":"13B"}],"parties":[{"person_id":"`+f.person+`","role":"victim"}]}`), 201)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("kind", "photo")
		mw.WriteField("description", "Bruise on the arm")
		fw, _ := mw.CreateFormFile("file", "arm.png")
		fw.Write(photo)
		mw.Close()
		item := call("POST", "/api/v1/incidents/"+incident+"/evidence", mw.FormDataContentType(), body.Bytes(), 201)
		out[who] = strings.NewReplacer("{incident}", incident, "{evidence}", item)
	}
	return out
}

func TestEvidenceRoutePolicy(t *testing.T) {
	patterns := make([]string, 0, len(evidenceCases))
	for p := range evidenceCases {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	for _, pattern := range patterns {
		c := evidenceCases[pattern]
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()
			h, world := newPolicyWorld(t)
			ids := evidenceWorld(t, h, world)
			for _, who := range callers {
				cc := c
				cc.Path, cc.Body = ids[who].Replace(c.Path), ids[who].Replace(c.Body)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, policyRequest(pattern, cc, world[who]))
				if got, want := rec.Code, c.Want[who]; got != want {
					t.Errorf("%s as %s = %d, want %d: %.300s", pattern, who, got, want, strings.TrimSpace(rec.Body.String()))
				}
			}
		})
	}
}
