package nibrs

import "testing"

func TestLists(t *testing.T) {
	for name, list := range map[string][]Code{"offenses": Offenses, "relationships": Relationships,
		"weapons": Weapons, "injuries": Injuries, "circumstances": Circumstances} {
		seen := map[string]bool{}
		for _, c := range list {
			if c.Code == "" || c.Description == "" || c.Code != Canonical(c.Code) {
				t.Errorf("%s: bad entry %+v", name, c)
			}
			if seen[c.Code] {
				t.Errorf("%s: %s twice", name, c.Code)
			}
			seen[c.Code] = true
		}
	}
	// The counts of the IEPD 2019.1 lists.
	for name, want := range map[string][2]int{"offenses": {len(Offenses), 63}, "relationships": {len(Relationships), 26},
		"weapons": {len(Weapons), 22}, "injuries": {len(Injuries), 8}, "circumstances": {len(Circumstances), 17}} {
		if want[0] != want[1] {
			t.Errorf("%s: %d codes, want %d", name, want[0], want[1])
		}
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		valid func(string) bool
		code  string
		want  bool
	}{
		{ValidOffense, "13A", true}, {ValidOffense, "13B", true}, {ValidOffense, "13C", true}, {ValidOffense, "11A", true},
		{ValidOffense, "120", true}, {ValidOffense, "290", true}, {ValidOffense, "90Z", true},
		{ValidOffense, "13a", false}, {ValidOffense, "13D", false}, {ValidOffense, "", false},
		{ValidRelationship, "SE", true}, {ValidRelationship, "XR", true}, {ValidRelationship, "BG", true}, {ValidRelationship, "CF", true},
		{ValidRelationship, "HR", false}, {ValidRelationship, "se", false}, {ValidRelationship, "XX", false},
		{ValidWeapon, "85", true}, {ValidWeapon, "11A", true}, {ValidWeapon, "99", true}, {ValidWeapon, "16", false},
		{ValidInjury, "M", true}, {ValidInjury, "X", false},
		{ValidCircumstance, "06", true}, {ValidCircumstance, "6", false}, {ValidCircumstance, "11", false},
	} {
		if got := tc.valid(tc.code); got != tc.want {
			t.Errorf("%q: got %v, want %v", tc.code, got, tc.want)
		}
	}
	if CircumstanceDescription(CircumstanceDomesticViolence) != "Domestic Violence" || WeaponDescription(WeaponAsphyxiation) != "Asphyxiation" {
		t.Error("the domestic-violence codes lost their meaning")
	}
}

func TestCircumstanceAllowed(t *testing.T) {
	for _, tc := range []struct {
		offense, c string
		want       bool
	}{
		{"13A", "06", true}, {"13A", "01", true}, {"13A", "10", true}, {"13A", "07", false}, {"13A", "20", false},
		{"09A", "07", true}, {"09B", "31", true}, {"09B", "06", false}, {"09C", "21", true}, {"09C", "06", false},
		{"13B", "06", false}, {"90Z", "06", false}, {"13A", "99", false},
	} {
		if got := CircumstanceAllowed(tc.offense, tc.c); got != tc.want {
			t.Errorf("%s/%s: got %v, want %v", tc.offense, tc.c, got, tc.want)
		}
	}
	if !Firearm("12") || !Firearm("15A") || Firearm("20") || Firearm("85") {
		t.Error("Firearm")
	}
	if !IntimatePartner("XR") || IntimatePartner("PA") || !Family("PA") || Family("SE") {
		t.Error("groups")
	}
}
