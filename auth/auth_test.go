package auth

import (
	"regexp"
	"strings"
	"testing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery", TestParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash format: %s", h)
	}
	h2, _ := HashPassword("correct horse battery", TestParams)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if ok, err := CheckPassword(h, tc.pw); err != nil || ok != tc.want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
}

func TestCheckPasswordRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=1,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=x,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=1,t=1,p=1$!!$a2V5", "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$"} {
		if ok, err := CheckPassword(h, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", h, ok, err)
		}
	}
}

func TestSecrets(t *testing.T) {
	a, b := NewSecret("hvn_"), NewSecret("hvn_")
	if a == b || !strings.HasPrefix(a, "hvn_") || len(a) != 4+43 {
		t.Fatalf("NewSecret: %q %q", a, b)
	}
	if HashSecret(a) == HashSecret(b) || len(HashSecret(a)) != 64 || HashSecret(a) != HashSecret(a) {
		t.Fatal("HashSecret is not a stable SHA-256 hex digest")
	}
}

func TestNewPassword(t *testing.T) {
	re := regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){3}$`)
	seen := map[string]bool{}
	counts := map[rune]int{}
	for i := 0; i < 2000; i++ {
		p := NewPassword()
		if !re.MatchString(p) || strings.ContainsAny(p, "ilo01") {
			t.Fatalf("NewPassword = %q", p)
		}
		if seen[p] {
			t.Fatalf("repeated password %q", p)
		}
		seen[p] = true
		if err := ValidatePassword(p); err != nil {
			t.Fatalf("generated password fails the rule: %v", err)
		}
		for _, c := range strings.ReplaceAll(p, "-", "") {
			counts[c]++
		}
	}
	// 32,000 characters over 31 symbols: each near 1,032; a biased or
	// broken generator lands far outside this wide band.
	for c, n := range counts {
		if n < 800 || n > 1300 {
			t.Errorf("character %q appeared %d times", c, n)
		}
	}
	if len(counts) != 31 {
		t.Errorf("%d distinct characters, want 31", len(counts))
	}
}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{{"short", false}, {"exactly12chr", true}, {"ünïcödé-pässwörd", true}, {strings.Repeat("a", 257), false}} {
		if err := ValidatePassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%q) = %v", tc.pw, err)
		}
	}
}
