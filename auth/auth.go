// Package auth holds the credential primitives: argon2id password hashes
// and random bearer secrets (session and API tokens) with their hashes. It
// does no I/O besides reading the system's random source.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB, t=3).
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 4}

// TestParams are cheap, for tests only.
var TestParams = Params{Memory: 1024, Time: 1, Threads: 1}

const saltLen, keyLen = 16, 32

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches the PHC-format hash.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NewSecret returns a random token with the given prefix ("hvn_" for API
// tokens, "" for sessions): 32 random bytes, base64url.
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: system random source failed: " + err.Error())
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the stored form of a high-entropy secret. A plain
// SHA-256 suffices: the secret has 256 random bits, so there is nothing to
// brute-force.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewPassword returns a random password people can type: 4 groups of 4
// lowercase letters and digits, without look-alikes.
func NewPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	// Reject bytes at or above the largest multiple of the alphabet size, so
	// every character is equally likely.
	limit := byte(256 - 256%len(alphabet))
	var sb strings.Builder
	buf := make([]byte, 32)
	for n := 0; n < 16; {
		if _, err := rand.Read(buf); err != nil {
			panic("auth: system random source failed: " + err.Error())
		}
		for _, c := range buf {
			if c >= limit || n == 16 {
				continue
			}
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(alphabet[int(c)%len(alphabet)])
			n++
		}
	}
	return sb.String()
}

// ValidatePassword enforces the password rule: at least 12 characters, at
// most 256 (argon2 takes any length, but a cap stops abuse).
func ValidatePassword(pw string) error {
	switch {
	case len([]rune(pw)) < 12:
		return errors.New("password must be at least 12 characters")
	case len(pw) > 256:
		return errors.New("password must be at most 256 characters")
	}
	return nil
}
