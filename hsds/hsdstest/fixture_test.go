package hsdstest

import "testing"

func TestFixture(t *testing.T) {
	d := Fixture()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Log(d.Counts(), d.Warnings)
}
