// Package totp is Haven's second factor: time-based one-time passwords
// (RFC 6238, on HOTP, RFC 4226) as every authenticator app speaks them —
// HMAC-SHA1, 6 digits, 30-second steps — plus the otpauth:// URI and QR code
// that enrol an app, and single-use recovery codes for a lost phone.
//
// It is pure except for crypto/rand. The caller stores the secret (sealed,
// like other secrets), the last accepted step and the recovery codes'
// hashes; this package only computes.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The parameters every authenticator app supports; others are widely
// ignored, so Haven does not offer them.
const (
	Digits = 6
	Period = 30 // seconds per step
	// Skew is how many steps either side of now are accepted, for phones
	// whose clocks drift and people who type slowly.
	Skew = 1
	// SecretBytes is the length of a generated secret: 160 bits, the size
	// RFC 4226 recommends and HMAC-SHA1's block-fitting key length.
	SecretBytes = 20
	// minSecretBytes is RFC 4226's minimum of 128 bits.
	minSecretBytes = 16
)

// b32 is RFC 4648 base32 without padding, as authenticator apps expect.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// GenerateSecret returns a new random secret: 20 bytes, base32, upper case,
// no padding (32 characters).
func GenerateSecret() string {
	key := make([]byte, SecretBytes)
	rand.Read(key) // never fails (it crashes the program first)
	return b32.EncodeToString(key)
}

// decodeSecret accepts a secret as people copy it: any case, with spaces or
// dashes between groups and with or without padding.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '-', '=':
			return -1
		}
		return r
	}, strings.ToUpper(secret))
	key, err := b32.DecodeString(s)
	if err != nil {
		return nil, errors.New("totp: the secret is not valid base32")
	}
	if len(key) < minSecretBytes {
		return nil, errors.New("totp: the secret is shorter than 128 bits")
	}
	return key, nil
}

// stepAt returns the RFC 6238 time step of t: whole periods since the Unix
// epoch. Times before 1970 have no step.
func stepAt(t time.Time) (int64, bool) {
	u := t.Unix()
	if u < 0 {
		return 0, false
	}
	return u / Period, true
}

// Code returns the 6-digit code for secret at time t.
func Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	s, ok := stepAt(t)
	if !ok {
		return "", errors.New("totp: time before 1970")
	}
	return codeAt(key, uint64(s), Digits), nil
}

// codeAt is HOTP (RFC 4226 §5.3) with HMAC-SHA1: dynamic truncation of the
// MAC of the big-endian counter, reduced to the given number of digits and
// zero-padded.
func codeAt(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(bin%mod), 10)
	return strings.Repeat("0", digits-len(s)) + s
}

// Validate checks a code typed by the user at time t. It accepts the codes
// of the current step and of Skew steps either side, but never a step at or
// before lastUsedStep, so that a code seen over a shoulder or replayed from
// a proxy cannot be used a second time. On success it returns the step the
// code belongs to: the caller must store it as the new lastUsedStep in the
// same transaction that accepts the sign-in (pass 0 before the first use).
//
// Spaces are ignored ("123 456"); anything else that is not exactly six
// digits is refused. A malformed secret refuses every code.
func Validate(secret, code string, t time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\u00a0' {
			return -1
		}
		return r
	}, code)
	if len(code) != Digits {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	now, valid := stepAt(t)
	if !valid {
		return 0, false
	}
	// Every candidate is computed and compared in constant time, so the
	// time taken says nothing about which step, if any, matched. The latest
	// matching step wins: if one code happens to be valid for two steps,
	// recording the later one stops it being replayed for the other.
	found := int64(-1)
	for s := now - Skew; s <= now+Skew; s++ {
		if s < 0 {
			continue
		}
		match := subtle.ConstantTimeCompare([]byte(codeAt(key, uint64(s), Digits)), []byte(code)) == 1
		if match && s > lastUsedStep {
			found = s
		}
	}
	if found < 0 {
		return 0, false
	}
	return found, true
}
