package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// RecoveryCodeCount is how many recovery codes a user is given at a time.
const RecoveryCodeCount = 10

// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o (read as
// 1 and 0) and no u. 32 symbols are 5 bits each, so 12 of them carry 60
// bits, and a random byte masked to 5 bits picks one without bias.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// NewRecoveryCodes returns n distinct single-use recovery codes, each like
// "7k2m-q9xd-4hpa": 12 symbols (60 random bits) in three groups of four.
// Show them to the user once and store only HashRecoveryCode of each; a
// code is spent (its hash deleted or marked used) in the transaction that
// accepts it.
func NewRecoveryCodes(n int) []string {
	if n <= 0 {
		return nil
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	buf := make([]byte, 12)
	for len(codes) < n {
		rand.Read(buf) // never fails (it crashes the program first)
		var b strings.Builder
		for i, c := range buf {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[c&31])
		}
		if code := b.String(); !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes
}

// NormalizeRecoveryCode returns the form of a typed code that is hashed:
// lower case, without dashes or white space, and with the letters people
// confuse for digits read as those digits (o → 0, i and l → 1), which the
// alphabet never uses.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t', '\n', '\r', '\u00a0':
			return -1
		case 'o':
			return '0'
		case 'i', 'l':
			return '1'
		}
		return r
	}, strings.ToLower(code))
}

// HashRecoveryCode returns the lower-case hex SHA-256 of the normalized
// code: what is stored and looked up. 60 random bits make a fast hash
// adequate here, unlike for passwords people choose.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
