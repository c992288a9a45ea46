package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/safetyplan"
)

// FuzzPlanForm feeds arbitrary form bodies to the safety-plan form parser
// and the store's validation after it. Either the form is taken (a plan of
// every section, in order, with no blank item) or the error is an invalid
// one with a message; never a panic. Whatever the store's field is, it
// maps to an input id or to nothing.
func FuzzPlanForm(f *testing.F) {
	for _, s := range []string{
		"version=0&s.during_incident.0.text=Keep+a+bag+packed&s.during_incident.0.done=1",
		"version=3&s.children.2.text=b&s.children.0.text=a&s.children.notes=x&add.children=child_threats%7CTeach+them+911",
		"c.0.name=Ana&c.0.phone=555&c.1.phone=556&c.999.name=Z&c.1000.name=ignored&code_word=blue",
		"safe_places=Library%0D%0A%0D%0ACafe&documents_ready=%0A%0APassport%0A",
		"version=-1", "version=x", "s.garden.0.text=x&s.during_incident.x.text=y&s.during_incident.-1.text=z&s.during_incident.01.text=w",
		"add.technology=nofactor&add.technology=%7C&add.technology=aliens%7Cx&s.technology.0.factor=aliens&s.technology.0.text=y",
		"s.during_incident.0.text=%00&c.0.name=%ff", "%zz=1&&=", "s...=&c..=&s.during_incident..text=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		q, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		pf, err := readPlanForm("person-1", q)
		if err != nil {
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorField(err) != "version" {
				t.Fatalf("form %q: %v", body, err)
			}
			return
		}
		p := pf.Plan
		if pf.Version < 0 || p.PersonID != "person-1" || len(p.Sections) != len(haven.SafetyPlanSections) {
			t.Fatalf("form %q: %+v", body, pf)
		}
		for i, s := range p.Sections {
			if s.Key != haven.SafetyPlanSections[i].Key {
				t.Fatalf("form %q: section %d is %q", body, i, s.Key)
			}
			for _, it := range s.Items {
				if strings.TrimSpace(it.Text) == "" {
					t.Fatalf("form %q: a blank item was kept", body)
				}
			}
		}
		for _, c := range p.EmergencyContacts {
			if strings.TrimSpace(c.Name+c.Phone+c.Relationship) == "" {
				t.Fatalf("form %q: a blank contact was kept", body)
			}
		}
		if err := safetyplan.Normalize(p); err != nil {
			if haven.ErrorCode(err) != haven.EINVALID || haven.ErrorMessage(err) == "" {
				t.Fatalf("form %q: %v", body, err)
			}
			_ = planInputID(haven.ErrorField(err)) // must not panic
		}
	})
}

func TestPlanInputID(t *testing.T) {
	for field, want := range map[string]string{
		"sections[2].items[0].text":         "s-after_leaving-0-text",
		"sections[7].items[12].suggested":   "s-protective_order-12-suggested",
		"sections[0].notes":                 "s-during_incident-notes",
		"sections[8].items[0].text":         "",
		"sections[-1].notes":                "",
		"sections[1].items":                 "",
		"emergency_contacts[3].phone":       "c-3-phone",
		"emergency_contacts":                "",
		"code_word":                         "code_word",
		"safe_places[4]":                    "safe_places",
		"documents_ready":                   "documents_ready",
		"version":                           "",
		"":                                  "",
		"sections[99999999999999999].notes": "",
	} {
		if got := planInputID(field); got != want {
			t.Errorf("planInputID(%q) = %q, want %q", field, got, want)
		}
	}
}
