package access

import (
	"testing"

	"github.com/haven-dv/haven"
)

func TestDecideDirectory(t *testing.T) {
	const own, other = "agency-a", "agency-b"
	tests := []struct {
		name   string
		actor  haven.Actor
		action Action
		target string
		allow  bool
	}{
		{"system imports", haven.Actor{System: "cli"}, DirectoryImport, own, true},
		{"agency admin imports own", haven.Actor{UserID: "u1", Role: haven.RoleAgencyAdmin, AgencyID: own}, DirectoryImport, own, true},
		{"agency admin imports other", haven.Actor{UserID: "u1", Role: haven.RoleAgencyAdmin, AgencyID: own}, DirectoryImport, other, false},
		{"advocate imports own", haven.Actor{UserID: "u1", Role: haven.RoleAdvocate, AgencyID: own}, DirectoryImport, own, false},
		{"officer exports", haven.Actor{UserID: "u1", Role: haven.RoleOfficer, AgencyID: own}, DirectoryExport, own, false},
		{"agency admin exports own", haven.Actor{UserID: "u1", Role: haven.RoleAgencyAdmin, AgencyID: own}, DirectoryExport, own, true},
		{"no agency", haven.Actor{UserID: "u1", Role: haven.RoleAgencyAdmin, AgencyID: own}, DirectoryImport, "", false},
		{"anonymous", haven.Actor{}, DirectoryImport, own, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.actor, tt.action, Target{AgencyID: tt.target})
			if d.Allow != tt.allow {
				t.Fatalf("allow = %v, want %v (%s)", d.Allow, tt.allow, d.Reason)
			}
			if d.Reason == "" {
				t.Error("no reason")
			}
		})
	}
}
