package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store/storetest"
)

// The response settings on the agencies page: an agency's administrator
// sets the hotline and the partner advocacy agency; a bad phone comes back
// with the field marked; other roles are refused.
func TestAgencySettingsPage(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	e.safeHarbor()
	c := browserClient()
	csrf := login(t, e, c, "pdadmin", storetest.Password)
	form := url.Values{"csrf_token": {csrf}, "slug": {"metro-pd"}, "hotline_name": {"Metro DV Hotline"}, "hotline_phone": {"+1 555 0100"}, "partner": {"safe-harbor"}, "consent_days": {"60"}}
	if resp, _ := post(t, c, e.srv.URL+"/admin/agencies/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving settings = %d", resp.StatusCode)
	}
	resp, body := get(t, c, e.srv.URL+"/admin/agencies")
	if resp.StatusCode != 200 || !strings.Contains(body, "Metro DV Hotline &#43;1 555 0100") || !strings.Contains(body, `<option value="safe-harbor" selected>`) {
		t.Fatalf("agencies page after saving = %d", resp.StatusCode)
	}
	if !strings.Contains(body, `name="consent_days" type="number" min="1" max="366" inputmode="numeric" value="60"`) {
		t.Errorf("the consent days did not keep 60")
	}
	form.Set("consent_days", "9999")
	if resp, body = post(t, c, e.srv.URL+"/admin/agencies/settings", form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `value="9999" aria-describedby="consent-days-help form-error" aria-invalid="true"`) {
		t.Fatalf("consent days 9999 = %d", resp.StatusCode)
	}
	form.Set("consent_days", "60")
	form.Set("hotline_phone", "call me maybe")
	resp, body = post(t, c, e.srv.URL+"/admin/agencies/settings", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `name="hotline_phone" type="tel" maxlength="40" value="call me maybe" aria-invalid="true"`) {
		t.Fatalf("bad phone = %d: %s", resp.StatusCode, body)
	}
	form.Set("hotline_phone", "+1 555 0100")
	form.Set("partner", "metro-pd")
	if resp, _ = post(t, c, e.srv.URL+"/admin/agencies/settings", form); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a police agency as partner = %d", resp.StatusCode)
	}

	oc := browserClient()
	ocsrf := login(t, e, oc, "officer", storetest.Password)
	form.Set("csrf_token", ocsrf)
	form.Set("partner", "")
	if resp, _ = post(t, oc, e.srv.URL+"/admin/agencies/settings", form); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an officer saving settings = %d", resp.StatusCode)
	}
}

// A screen-in whose task cannot be sent (no partner agency is set) says so
// on the result page, with what to do; the hotline call is offered first.
func TestAssessmentPageNeedsAttention(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	victim := e.createPerson("officer", `{"given_name":"Nell","family_name":"Attention"}`)
	a := decode[haven.Assessment](t, e.must(201, "POST", "/api/v1/risk/assessments", "officer",
		`{"person_id":"`+victim.ID+`","instrument":"lap","answers":{"q2":"yes"}}`))
	c := browserClient()
	login(t, e, c, "officer", storetest.Password)
	resp, body := get(t, c, e.srv.URL+"/risk/assessments/"+a.ID)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="triggers"`) || !strings.Contains(body, "no partner advocacy agency is set") ||
		!strings.Contains(body, `id="record-hotline"`) {
		t.Fatalf("result page = %d: %s", resp.StatusCode, body)
	}
}
