package crypt

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// KeySize is the size in bytes of the master key and of every data key.
const KeySize = 32

// MasterKey is the installation's root secret. It only wraps data keys and
// derives index keys; it never encrypts person data directly.
type MasterKey [KeySize]byte

// GenerateMasterKey returns a new random master key.
func GenerateMasterKey() MasterKey {
	var k MasterKey
	rand.Read(k[:]) // never fails (crypto/rand since Go 1.24 crashes instead)
	return k
}

// String does not print the key, so a stray %v or log line cannot leak it.
func (MasterKey) String() string { return "MasterKey(redacted)" }

// GoString redacts %#v too.
func (k MasterKey) GoString() string { return k.String() }

// Format redacts every fmt verb, including %x and %d which would otherwise
// print the underlying bytes.
func (k MasterKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue redacts the key in log/slog output.
func (k MasterKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText refuses, so the key cannot end up in a JSON or config dump by
// accident; use Base64 to export it deliberately.
func (MasterKey) MarshalText() ([]byte, error) {
	return nil, errors.New("crypt: refusing to marshal a master key; use Base64 to export it")
}

// Base64 returns the key in standard base64, for deliberate export (the
// format of the key file and of HAVEN_MASTER_KEY).
func (k MasterKey) Base64() string { return base64.StdEncoding.EncodeToString(k[:]) }

// ParseMasterKey decodes a base64 master key (standard or URL alphabet, with
// or without padding; surrounding white space is ignored). Errors never
// include the input.
func ParseMasterKey(s string) (MasterKey, error) {
	var k MasterKey
	s = strings.TrimSpace(s)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return k, errors.New("not valid base64 (standard or URL alphabet)")
	}
	if len(raw) != KeySize {
		return k, fmt.Errorf("decodes to %d bytes; a master key is %d bytes", len(raw), KeySize)
	}
	copy(k[:], raw)
	return k, nil
}

// MasterKeyOptions says where LoadMasterKey looks, in this order: EnvValue,
// File, then DataDir/keys/master.key (created when missing).
type MasterKeyOptions struct {
	DataDir  string // the data directory; its keys/master.key is used, or created
	EnvValue string // the contents of HAVEN_MASTER_KEY: base64 (std or URL) of 32 bytes
	File     string // an explicit key file path; it must exist
}

// ErrInsecureKeyFile is returned (wrapped) for a key file that group or
// others may access.
var ErrInsecureKeyFile = errors.New("crypt: master key file is accessible by group or others")

// MasterKeyPath returns where LoadMasterKey keeps the key in dataDir.
func MasterKeyPath(dataDir string) string { return filepath.Join(dataDir, "keys", "master.key") }

// LoadMasterKey finds the master key: the environment value, else the
// explicit file, else dataDir/keys/master.key. When none of these holds a
// key it creates a new one in dataDir/keys/master.key (directory 0700, file
// 0600) and reports created. Two processes starting at once end up with the
// same key: the file is published with a no-overwrite link, and the loser
// reads the winner's key.
func LoadMasterKey(opts MasterKeyOptions) (key MasterKey, created bool, err error) {
	if opts.EnvValue != "" {
		k, err := ParseMasterKey(opts.EnvValue)
		if err != nil {
			return k, false, fmt.Errorf("crypt: HAVEN_MASTER_KEY: %w", err)
		}
		return k, false, nil
	}
	if opts.File != "" {
		k, err := readKeyFile(opts.File)
		return k, false, err
	}
	if opts.DataDir == "" {
		return key, false, errors.New("crypt: no master key: set HAVEN_MASTER_KEY, give a key file, or a data directory")
	}
	path := MasterKeyPath(opts.DataDir)
	k, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	return createKeyFile(path)
}

// maxKeyFile bounds what is read from a key file: a key is 45 bytes.
const maxKeyFile = 4096

func readKeyFile(path string) (MasterKey, error) {
	var k MasterKey
	f, err := os.Open(path)
	if err != nil {
		return k, fmt.Errorf("crypt: master key file: %w", err)
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is the mode of
	// what is read.
	fi, err := f.Stat()
	if err != nil {
		return k, fmt.Errorf("crypt: master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return k, fmt.Errorf("crypt: master key file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return k, fmt.Errorf("%w: %s has mode %04o; restrict it with: chmod 600 %s", ErrInsecureKeyFile, path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return k, fmt.Errorf("crypt: master key file %s: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return k, fmt.Errorf("crypt: master key file %s is too large to hold a key", path)
	}
	if k, err = ParseMasterKey(string(b)); err != nil {
		return k, fmt.Errorf("crypt: master key file %s: %w", path, err)
	}
	return k, nil
}

// createKeyFile writes a new key to a temporary file and publishes it with
// os.Link, which (unlike rename) fails when path already exists: a process
// racing us cannot replace a key that may already have wrapped data keys.
func createKeyFile(path string) (MasterKey, bool, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return MasterKey{}, false, fmt.Errorf("crypt: creating key directory: %w", err)
	}
	k := GenerateMasterKey()
	content := []byte(k.Base64() + "\n")

	tmp, err := os.CreateTemp(dir, ".master.key.*") // O_EXCL, mode 0600
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("crypt: creating master key: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("crypt: writing master key: %w", err)
	}

	err = os.Link(tmpName, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links on this file system: fall back to creating the
		// file itself exclusively.
		err = writeExclusive(path, content)
	}
	if errors.Is(err, fs.ErrExist) {
		// Another process won the race: use its key.
		k, err := readRacedKeyFile(path)
		return k, false, err
	}
	if err != nil {
		return MasterKey{}, false, fmt.Errorf("crypt: publishing master key: %w", err)
	}
	syncDir(dir)
	return k, true, nil
}

func writeExclusive(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // a half-written key must not be found later
	}
	return err
}

// readRacedKeyFile reads a key file another process just created. Published
// by link it is complete at once; published by writeExclusive it may briefly
// be empty or partial, so a short file is read again a few times.
func readRacedKeyFile(path string) (MasterKey, error) {
	var k MasterKey
	var err error
	for i := 0; i < 20; i++ {
		if k, err = readKeyFile(path); err == nil || errors.Is(err, ErrInsecureKeyFile) {
			return k, err
		}
		time.Sleep(25 * time.Millisecond)
	}
	return k, err
}

// syncDir makes the new directory entry durable; failure only weakens
// durability (some systems cannot sync a directory), so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
