package crypt

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"Smith", "smith"},
		{"  SMITH  ", "smith"},
		{"Zoë", "zoe"},
		{"José", "jose"},
		{"JOSÉ", "jose"},
		{"Jos\u0065\u0301", "jose"}, // decomposed é
		{"Ñúñez", "nunez"},
		{"Françoise", "francoise"},
		{"Ångström", "angstrom"},
		{"Dvořák", "dvorak"},
		{"Straße", "strasse"},
		{"STRASSE", "strasse"},
		{"Ærøskøbing", "aeroskobing"},
		{"Łódź", "lodz"},
		{"Đorđević", "dordevic"},
		{"Œuvre", "oeuvre"},
		{"Þór", "thor"},
		{"İstanbul", "istanbul"},
		{"ﬁnn", "finn"},        // ligature
		{"Ｊｏｈｎ", "john"},       // full width
		{"O'Brien", "o brien"}, // apostrophe
		{"O’Brien", "o brien"}, // typographic apostrophe
		{"Smith-Jones", "smith jones"},
		{"Smith – Jones", "smith jones"},
		{"Mary  Ann\tLee\n", "mary ann lee"},
		{"St. John, Jr.", "st john jr"},
		{"1990-04-01", "1990 04 01"},
		{"(555) 123-4567", "555 123 4567"},
		{"«Ana»", "ana"},
		{"Ana\u200bMaria", "ana maria"}, // zero-width space
		{"Владимир", "владимир"},
		{"王 小明", "王 小明"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizePhoneEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"+44 (20) 7946-0018", "+442079460018"},
		{" +1 555 123 4567 ", "+15551234567"},
		{"(555) 123-4567", "5551234567"},
		{"555.123.4567", "5551234567"},
		{"0044 20 7946 0018", "00442079460018"},
		{"555+123", "555123"},        // "+" only counts in front
		{"＋４４ ２０", "+4420"},          // full width
		{"٠١٢٣٤٥٦٧٨٩", "0123456789"}, // Arabic-Indic digits
		{"०१२", "012"},               // Devanagari digits
		{"", ""},
		{"+", ""},
		{"n/a", ""},
	} {
		if got := NormalizePhone(tc.in); got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{" Jane.Doe@Example.ORG ", "jane.doe@example.org"},
		{"x@y", "x@y"},
	} {
		if got := NormalizeEmail(tc.in); got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestIndexerExact(t *testing.T) {
	master := GenerateMasterKey()
	a, a2, b := NewIndexer(master, "agency-a"), NewIndexer(master, "agency-a"), NewIndexer(master, "agency-b")
	other := NewIndexer(GenerateMasterKey(), "agency-a")

	v := a.Exact("name", "José")
	if !hex32.MatchString(v) {
		t.Fatalf("Exact = %q; want 32 hex characters", v)
	}
	for _, tc := range []struct {
		name         string
		x, y         string
		equal        bool
		kindX, kindY string
		ixY          *Indexer
	}{
		{"same value same agency", "Jane Doe", "Jane Doe", true, "name", "name", a2},
		{"normalized alike", "José", "jose", true, "name", "name", a},
		{"case and spaces", "  JANE   doe ", "jane doe", true, "name", "name", a},
		{"different agency", "Jane Doe", "Jane Doe", false, "name", "name", b},
		{"different master key", "Jane Doe", "Jane Doe", false, "name", "name", other},
		{"different kind", "1990-04-01", "1990-04-01", false, "dob", "name", a},
		{"different value", "Jane Doe", "Jane Dow", false, "name", "name", a},
		{"phone formats", "+1 (555) 123-4567", "+15551234567", true, "phone", "phone", a},
		{"phone keeps the plus", "+15551234567", "15551234567", false, "phone", "phone", a},
		{"email case", "Jane@Example.org", "jane@example.org ", true, "email", "email", a},
		// Kind and value are separated, so shifting text between them
		// does not collide.
		{"kind/value boundary", "b", "ab", false, "namea", "name", a},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := a.Exact(tc.kindX, tc.x), tc.ixY.Exact(tc.kindY, tc.y)
			if (x == y) != tc.equal {
				t.Fatalf("Exact %q = %s, %q = %s; want equal %v", tc.x, x, tc.y, y, tc.equal)
			}
		})
	}
	if strings.Contains(v, "jose") || a.Exact("name", "") == a.Exact("dob", "") {
		t.Fatal("index values are not keyed per kind")
	}
}

func TestIndexerPhonetic(t *testing.T) {
	master := GenerateMasterKey()
	a, b := NewIndexer(master, "agency-a"), NewIndexer(master, "agency-b")
	shares := func(x, y []string) bool {
		for _, v := range x {
			if slices.Contains(y, v) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		x, y  string
		share bool
	}{
		{"Smith", "Smyth", true},
		{"Smith", "Schmidt", true},
		{"Catherine", "Kathryn", true},
		{"Jon Smith", "John Smythe", true},
		{"Zoë", "Zoe", true},
		{"Steven", "Stephen", true},
		{"Smith", "Jones", false},
		{"Garcia", "Nguyen", false},
	} {
		px, py := a.Phonetic("name", tc.x), a.Phonetic("name", tc.y)
		if shares(px, py) != tc.share {
			t.Errorf("Phonetic %q %v, %q %v: share %v; want %v", tc.x, px, tc.y, py, !tc.share, tc.share)
		}
	}

	got := a.Phonetic("name", "Smith")
	if len(got) != 2 { // SM0 and XMT
		t.Fatalf("Phonetic(Smith) gave %d codes; want 2", len(got))
	}
	for _, v := range got {
		if !hex32.MatchString(v) {
			t.Fatalf("phonetic index %q; want 32 hex characters", v)
		}
	}
	// Duplicates and empty codes are dropped: "Thompson Thompson" has one
	// code, and a word without letters has none.
	if n := len(a.Phonetic("name", "Thompson thompson 123")); n != 1 {
		t.Fatalf("Phonetic gave %d codes; want 1", n)
	}
	if got := a.Phonetic("name", " 42 — "); len(got) != 0 {
		t.Fatalf("Phonetic of no letters = %v", got)
	}
	// Per agency, per kind, and never equal to an exact index.
	if shares(a.Phonetic("name", "Smith"), b.Phonetic("name", "Smith")) {
		t.Fatal("phonetic indexes comparable across agencies")
	}
	if shares(a.Phonetic("name", "Smith"), a.Phonetic("alias", "Smith")) {
		t.Fatal("phonetic indexes comparable across kinds")
	}
	p, _ := DoubleMetaphone("Smith")
	if slices.Contains(a.Phonetic("name", "Smith"), a.Exact("name", p)) {
		t.Fatal("phonetic index equals an exact index")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "Zoë", "José", "O'Brien-Smith", "Straße", "ﬁ", "İ", "ẞ", "Ǆ", "\u0345", "ΐ",
		"\xff\xfe", "a\u0301\u0301b", "ℌ", "㍱", "\uE000", "٠١٢", "  x  y  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("Normalize not idempotent: %q → %q → %q", s, n, n2)
		}
		if !utf8.ValidString(n) || strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: invalid or untidy", s, n)
		}
		NormalizePhone(s)
		NormalizeEmail(s)
	})
}

func BenchmarkExact(b *testing.B) {
	ix := NewIndexer(GenerateMasterKey(), "agency-a")
	b.ReportAllocs()
	for b.Loop() {
		ix.Exact("name", "José Álvarez-O'Brien")
	}
}

func BenchmarkExactASCII(b *testing.B) {
	ix := NewIndexer(GenerateMasterKey(), "agency-a")
	b.ReportAllocs()
	for b.Loop() {
		ix.Exact("name", "Jane Doe")
	}
}

func BenchmarkPhonetic(b *testing.B) {
	ix := NewIndexer(GenerateMasterKey(), "agency-a")
	b.ReportAllocs()
	for b.Loop() {
		ix.Phonetic("name", "Catherine Schmidt")
	}
}

func BenchmarkDoubleMetaphone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		DoubleMetaphone("Schwarzenegger")
	}
}
