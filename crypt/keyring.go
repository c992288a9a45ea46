package crypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
)

const (
	sealVersion = 1  // first byte of every sealed value and wrapped key
	nonceSize   = 12 // AES-GCM standard nonce
	tagSize     = 16 // AES-GCM tag
	maxKeyID    = 255
)

// Errors from Open, KeyIDOf and UnwrapDataKey. None of their messages holds
// any part of a plaintext.
var (
	// ErrTruncated: too short to hold a header, nonce and tag.
	ErrTruncated = errors.New("crypt: sealed value is truncated")
	// ErrUnsupportedVersion: the first byte is not a format this code knows.
	ErrUnsupportedVersion = errors.New("crypt: sealed value has an unsupported format version")
	// ErrUnknownKey: the embedded key id is not in the keyring (returned as
	// an *UnknownKeyError, which matches it with errors.Is).
	ErrUnknownKey = errors.New("crypt: unknown data key")
	// ErrAuthFailed: the value was altered, or it is being opened with other
	// additional data than it was sealed with (another row or column). GCM
	// cannot tell these apart, by design.
	ErrAuthFailed = errors.New("crypt: sealed value failed authentication (altered, or opened in the wrong place)")
	// ErrInvalidKeyID: a key id is empty, longer than 255 bytes, or not
	// printable ASCII.
	ErrInvalidKeyID = errors.New("crypt: invalid data key id")
)

// UnknownKeyError names the key id that a sealed value asks for.
type UnknownKeyError struct{ KeyID string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("crypt: unknown data key %q", e.KeyID)
}

// Is makes errors.Is(err, ErrUnknownKey) true.
func (e *UnknownKeyError) Is(target error) bool { return target == ErrUnknownKey }

// validKeyID: ids travel inside every sealed value and appear in error
// messages and logs, so they are kept short and printable.
func validKeyID(id string) error {
	if id == "" || len(id) > maxKeyID {
		return fmt.Errorf("%w: must be 1 to %d bytes", ErrInvalidKeyID, maxKeyID)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return fmt.Errorf("%w: must be printable ASCII without spaces", ErrInvalidKeyID)
		}
	}
	return nil
}

// NewDataKey returns a new random 32-byte data key.
func NewDataKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails (crypto/rand since Go 1.24 crashes instead)
	return k
}

// wrapAEAD derives the key-encryption key from the master key. Deriving it,
// rather than using the master key as the AES key, keeps the master key's
// two uses (wrapping and index keys) cryptographically separate.
func wrapAEAD(master MasterKey) cipher.AEAD {
	kek, err := hkdf.Key(sha256.New, master[:], nil, "haven data key wrap v1", KeySize)
	if err != nil {
		panic(err) // only for an impossible length
	}
	return newGCM(kek)
}

func newGCM(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // callers pass KeySize keys only
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// WrapDataKey encrypts a data key under the master key for storage:
// version (1) | 12-byte nonce | ciphertext and tag, AES-256-GCM with keyID as
// additional data, so the wrapped key only unwraps under its own id.
func WrapDataKey(master MasterKey, keyID string, dek []byte) ([]byte, error) {
	if err := validKeyID(keyID); err != nil {
		return nil, err
	}
	if len(dek) != KeySize {
		return nil, fmt.Errorf("crypt: data key is %d bytes; want %d", len(dek), KeySize)
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+KeySize+tagSize)
	out[0] = sealVersion
	rand.Read(out[1:])
	return wrapAEAD(master).Seal(out, out[1:], dek, []byte(keyID)), nil
}

// UnwrapDataKey reverses WrapDataKey. A wrong master key, a wrong id or an
// altered value all give ErrAuthFailed.
func UnwrapDataKey(master MasterKey, keyID string, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 1+nonceSize+tagSize {
		return nil, ErrTruncated
	}
	if wrapped[0] != sealVersion {
		return nil, ErrUnsupportedVersion
	}
	dek, err := wrapAEAD(master).Open(nil, wrapped[1:1+nonceSize], wrapped[1+nonceSize:], []byte(keyID))
	if err != nil {
		return nil, ErrAuthFailed
	}
	if len(dek) != KeySize {
		return nil, fmt.Errorf("crypt: unwrapped data key is %d bytes; want %d", len(dek), KeySize)
	}
	return dek, nil
}

// Keyring holds unwrapped data keys by id and seals under the current one.
// It is immutable once made, so it is safe for concurrent use; rotation
// makes a new Keyring (WithCurrent) to swap in.
type Keyring struct {
	current string
	keys    map[string]*dataKey
}

type dataKey struct {
	raw  []byte // kept to compare on WithCurrent
	aead cipher.AEAD
}

// NewKeyring makes a keyring of keys (id → 32-byte key) sealing under
// currentID. The key bytes are copied.
func NewKeyring(currentID string, keys map[string][]byte) (*Keyring, error) {
	kr := &Keyring{current: currentID, keys: make(map[string]*dataKey, len(keys))}
	for id, k := range keys {
		dk, err := newDataKey(id, k)
		if err != nil {
			return nil, err
		}
		kr.keys[id] = dk
	}
	if _, ok := kr.keys[currentID]; !ok {
		return nil, fmt.Errorf("crypt: current data key %q is not among the keys", currentID)
	}
	return kr, nil
}

func newDataKey(id string, k []byte) (*dataKey, error) {
	if err := validKeyID(id); err != nil {
		return nil, fmt.Errorf("%w (%q)", err, id)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("crypt: data key %q is %d bytes; want %d", id, len(k), KeySize)
	}
	raw := append([]byte(nil), k...)
	return &dataKey{raw: raw, aead: newGCM(raw)}, nil
}

// CurrentID is the id of the key new values are sealed under.
func (kr *Keyring) CurrentID() string { return kr.current }

// WithCurrent returns a new keyring that also holds key under id and seals
// under it; kr itself is unchanged, and values sealed under its keys still
// open. An id already present must come with the same key.
func (kr *Keyring) WithCurrent(id string, key []byte) (*Keyring, error) {
	dk, err := newDataKey(id, key)
	if err != nil {
		return nil, err
	}
	if old, ok := kr.keys[id]; ok {
		if subtle.ConstantTimeCompare(old.raw, dk.raw) != 1 {
			return nil, fmt.Errorf("crypt: data key %q is already in the keyring with other key bytes", id)
		}
		dk = old
	}
	next := &Keyring{current: id, keys: make(map[string]*dataKey, len(kr.keys)+1)}
	for k, v := range kr.keys {
		next.keys[k] = v
	}
	next.keys[id] = dk
	return next, nil
}

// Seal encrypts plaintext under the current key with aad (the value's place,
// see AAD) as additional data. Output: version (1) | id length | id |
// 12-byte random nonce | ciphertext and tag.
func (kr *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	dk := kr.keys[kr.current]
	id := kr.current
	hdr := 2 + len(id)
	out := make([]byte, hdr+nonceSize, hdr+nonceSize+len(plaintext)+tagSize)
	out[0] = sealVersion
	out[1] = byte(len(id))
	copy(out[2:], id)
	nonce := out[hdr : hdr+nonceSize]
	rand.Read(nonce)
	return dk.aead.Seal(out, nonce, plaintext, aad), nil
}

// parseSealed splits a sealed value into key id, nonce and ciphertext.
func parseSealed(sealed []byte) (id string, nonce, ct []byte, err error) {
	if len(sealed) < 2 {
		return "", nil, nil, ErrTruncated
	}
	if sealed[0] != sealVersion {
		return "", nil, nil, ErrUnsupportedVersion
	}
	hdr := 2 + int(sealed[1])
	if len(sealed) < hdr+nonceSize+tagSize {
		return "", nil, nil, ErrTruncated
	}
	return string(sealed[2:hdr]), sealed[hdr : hdr+nonceSize], sealed[hdr+nonceSize:], nil
}

// KeyIDOf returns the id of the key a sealed value was sealed under, so a
// rotation job can find values still under an old key.
func KeyIDOf(sealed []byte) (string, error) {
	id, _, _, err := parseSealed(sealed)
	return id, err
}

// Open decrypts a value made by Seal, choosing the key by its embedded id.
// aad must be what it was sealed with.
func (kr *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, nonce, ct, err := parseSealed(sealed)
	if err != nil {
		return nil, err
	}
	dk, ok := kr.keys[id]
	if !ok {
		return nil, &UnknownKeyError{KeyID: id}
	}
	pt, err := dk.aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, ErrAuthFailed
	}
	return pt, nil
}

// SealString seals s with aad as additional data.
func (kr *Keyring) SealString(s, aad string) ([]byte, error) {
	return kr.Seal([]byte(s), []byte(aad))
}

// OpenString opens a value sealed by SealString.
func (kr *Keyring) OpenString(sealed []byte, aad string) (string, error) {
	pt, err := kr.Open(sealed, []byte(aad))
	return string(pt), err
}

// AAD returns the additional data for a value stored in table.column of the
// record with id recordID: "table/column/record-id". Sealing with it means a
// ciphertext moved to another row or field no longer opens.
func AAD(table, column, recordID string) string {
	return table + "/" + column + "/" + recordID
}
