package totp

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	qr "github.com/piglig/go-qr"
)

// rfcKey is the SHA-1 key of RFC 4226 and RFC 6238's test vectors.
var rfcKey = []byte("12345678901234567890")

// rfcSecret is rfcKey as base32, the form Code and Validate take.
var rfcSecret = base32.StdEncoding.EncodeToString(rfcKey)

func TestRFC6238Vectors(t *testing.T) {
	// RFC 6238 Appendix B, SHA-1 rows.
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := codeAt(rfcKey, uint64(tc.unix/30), 8); got != tc.want {
			t.Errorf("T=%d: got %s, want %s", tc.unix, got, tc.want)
		}
		// The 6-digit code an app shows is the same number's last six digits.
		got, err := Code(rfcSecret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want[2:] {
			t.Errorf("Code at T=%d: got %q, %v; want %s", tc.unix, got, err, tc.want[2:])
		}
	}
}

func TestRFC4226Vectors(t *testing.T) {
	// RFC 4226 Appendix D: HOTP values for counters 0–9.
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for c, w := range want {
		if got := codeAt(rfcKey, uint64(c), 6); got != w {
			t.Errorf("counter %d: got %s, want %s", c, got, w)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	a, b := GenerateSecret(), GenerateSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(a) {
		t.Fatalf("secret %q is not 32 upper-case base32 characters", a)
	}
	key, err := decodeSecret(a)
	if err != nil || len(key) != 20 {
		t.Fatalf("decoded %d bytes, %v", len(key), err)
	}
	if _, err := Code(a, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestSecretForms(t *testing.T) {
	want, _ := Code(rfcSecret, time.Unix(59, 0))
	for _, s := range []string{
		strings.ToLower(rfcSecret),
		"gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
		"GEZD-GNBV-GY3T-QOJQ-GEZD-GNBV-GY3T-QOJQ",
		rfcSecret + "====",
	} {
		if got, err := Code(s, time.Unix(59, 0)); err != nil || got != want {
			t.Errorf("secret %q: %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "not base32!", "GEZDGNBVGY3TQOJQ" /* 80 bits */, "18"} {
		if _, err := Code(s, time.Unix(59, 0)); err == nil {
			t.Errorf("secret %q accepted", s)
		}
		if _, ok := Validate(s, "123456", time.Unix(59, 0), 0); ok {
			t.Errorf("Validate with secret %q said ok", s)
		}
	}
	if _, err := Code(rfcSecret, time.Unix(-1, 0)); err == nil {
		t.Error("a time before 1970 has a code")
	}
}

func TestValidate(t *testing.T) {
	secret := GenerateSecret()
	now := time.Unix(1111111111, 0) // step 37037037, 1 s into it
	cur := now.Unix() / Period
	code := func(steps int64) string {
		c, err := Code(secret, now.Add(time.Duration(steps*Period)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name     string
		code     string
		lastUsed int64
		ok       bool
		step     int64
	}{
		{"current", code(0), 0, true, cur},
		{"previous step (clock behind)", code(-1), 0, true, cur - 1},
		{"next step (clock ahead)", code(1), 0, true, cur + 1},
		{"two steps behind", code(-2), 0, false, 0},
		{"two steps ahead", code(2), 0, false, 0},
		{"an hour old", code(-120), 0, false, 0},
		{"replayed", code(0), cur, false, 0},
		{"older than the last used", code(-1), cur, false, 0},
		{"after the last used", code(1), cur, true, cur + 1},
		{"last used long ago", code(0), cur - 100, true, cur},
		{"spaces stripped", " " + code(0)[:3] + " " + code(0)[3:] + " ", 0, true, cur},
		{"tab and no-break space", "\t" + code(0)[:3] + "\u00a0" + code(0)[3:], 0, true, cur},
		{"empty", "", 0, false, 0},
		{"only spaces", "      ", 0, false, 0},
		{"five digits", "12345", 0, false, 0},
		{"seven digits", "1234567", 0, false, 0},
		{"current code plus a digit", code(0) + "0", 0, false, 0},
		{"letters", "abcdef", 0, false, 0},
		{"one letter", code(0)[:5] + "a", 0, false, 0},
		{"dash", code(0)[:3] + "-" + code(0)[3:], 0, false, 0},
		{"sign", "+" + code(0)[1:], 0, false, 0},
		{"Arabic-Indic digits", "١٢٣٤٥٦", 0, false, 0},
		{"full-width digits", "１２３４５６", 0, false, 0},
		{"NUL", code(0)[:5] + "\x00", 0, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := Validate(secret, tc.code, now, tc.lastUsed)
			if ok != tc.ok || step != tc.step {
				t.Fatalf("Validate(%q) = %d, %v; want %d, %v", tc.code, step, ok, tc.step, tc.ok)
			}
		})
	}
	if _, ok := Validate(secret, code(0), time.Unix(-100, 0), 0); ok {
		t.Error("accepted at a time before 1970")
	}
}

// TestValidateSequence is a user signing in three times: each code once.
func TestValidateSequence(t *testing.T) {
	secret := GenerateSecret()
	var last int64
	at := time.Unix(1700000000, 0)
	for i := range 3 {
		c, _ := Code(secret, at)
		s, ok := Validate(secret, c, at, last)
		if !ok {
			t.Fatalf("sign-in %d refused", i)
		}
		if _, ok := Validate(secret, c, at.Add(10*time.Second), s); ok {
			t.Fatalf("sign-in %d: the same code worked twice", i)
		}
		last = s
		at = at.Add(Period * time.Second)
	}
}

func TestURI(t *testing.T) {
	for _, tc := range []struct {
		secret, issuer, account, want string
	}{
		{"JBSWY3DPEHPK3PXP", "Haven", "amy@metro-pd",
			"otpauth://totp/Haven:amy%40metro-pd?secret=JBSWY3DPEHPK3PXP&issuer=Haven&algorithm=SHA1&digits=6&period=30"},
		{"jbswy3dpehpk3pxp==", "Haven DV: Metro & Co", "a b+c/d?e#f",
			"otpauth://totp/Haven%20DV%3A%20Metro%20%26%20Co:a%20b%2Bc%2Fd%3Fe%23f?secret=JBSWY3DPEHPK3PXP&issuer=Haven%20DV%3A%20Metro%20%26%20Co&algorithm=SHA1&digits=6&period=30"},
		{"JBSWY3DPEHPK3PXP", "", "amy",
			"otpauth://totp/amy?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30"},
		{"JBSWY3DPEHPK3PXP", "Zuflucht", "jürgen",
			"otpauth://totp/Zuflucht:j%C3%BCrgen?secret=JBSWY3DPEHPK3PXP&issuer=Zuflucht&algorithm=SHA1&digits=6&period=30"},
	} {
		got := URI(tc.secret, tc.issuer, tc.account)
		if got != tc.want {
			t.Errorf("URI(%q, %q, %q) =\n%s\nwant\n%s", tc.secret, tc.issuer, tc.account, got, tc.want)
			continue
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("issuer") != tc.issuer || q.Get("digits") != "6" {
			t.Errorf("%s parses as %+v %v", got, u, q)
		}
		label := u.EscapedPath()[1:]
		if tc.issuer != "" && strings.Count(label, ":") != 1 {
			t.Errorf("label %q must have exactly one literal colon", label)
		}
	}
}

func TestQRCodePNG(t *testing.T) {
	uri := URI(GenerateSecret(), "Haven DV", "amy.officer@metro-pd")
	for _, size := range []int{120, 200, 256, 333, 1000} {
		b, err := QRCodePNG(uri, size)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Fatalf("size %d: image is %v", size, r)
		}
		got, err := qr.Decode(img)
		if err != nil || got != uri {
			t.Fatalf("size %d: decoded %q, %v; want %q", size, got, err, uri)
		}
	}
	for _, size := range []int{-1, 0, 20, MaxQRSize + 1} {
		if _, err := QRCodePNG(uri, size); err == nil {
			t.Errorf("size %d accepted", size)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	format := regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$`)
	codes := NewRecoveryCodes(RecoveryCodeCount)
	if len(codes) != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) {
			t.Errorf("code %q has the wrong form", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		if NormalizeRecoveryCode(c) != strings.ReplaceAll(c, "-", "") {
			t.Errorf("a generated code changes when normalized: %q", c)
		}
	}
	if NewRecoveryCodes(0) != nil || NewRecoveryCodes(-3) != nil {
		t.Error("no codes asked for, some given")
	}
	// Every symbol turns up: the alphabet is used whole.
	symbols := map[rune]bool{}
	for _, c := range NewRecoveryCodes(500) {
		for _, r := range strings.ReplaceAll(c, "-", "") {
			symbols[r] = true
		}
	}
	if len(symbols) != 32 {
		t.Errorf("%d distinct symbols in 6000", len(symbols))
	}
}

func TestNormalizeAndHashRecoveryCode(t *testing.T) {
	const code = "7k2m-q9xd-4hpa"
	for _, tc := range []struct{ in, want string }{
		{code, "7k2mq9xd4hpa"},
		{"7K2M-Q9XD-4HPA", "7k2mq9xd4hpa"},
		{" 7k2m q9xd 4hpa ", "7k2mq9xd4hpa"},
		{"7k2mq9xd4hpa", "7k2mq9xd4hpa"},
		{"O0-Il-1i", "001111"},
		{"", ""},
	} {
		if got := NormalizeRecoveryCode(tc.in); got != tc.want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// sha256("7k2mq9xd4hpa")
	const want = "9254e9a02231c3847959f2fbda923eb32401abd2fdd12b1657ca97a66054154d"
	h := HashRecoveryCode(code)
	if h != want {
		t.Errorf("HashRecoveryCode = %s, want %s", h, want)
	}
	if h != HashRecoveryCode("7K2M Q9XD 4HPA") || h != HashRecoveryCode("7k2mq9xd4hpa") {
		t.Error("the same code hashes differently when typed differently")
	}
	if h == HashRecoveryCode("7k2m-q9xd-4hpb") {
		t.Error("different codes, same hash")
	}
}
