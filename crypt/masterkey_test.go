package crypt

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestMasterKeyNeverPrints(t *testing.T) {
	k := GenerateMasterKey()
	if k == (MasterKey{}) || k == GenerateMasterKey() {
		t.Fatal("GenerateMasterKey is not random")
	}
	secret := k.Base64()
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "key", k)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "key", k)
	outs := []string{k.String(), fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", k, k, k, k, k, k, k, k),
		fmt.Sprintf("%v", struct{ K MasterKey }{k}), logged.String()}
	for _, out := range outs {
		if !strings.Contains(out, "MasterKey(redacted)") {
			t.Errorf("output lacks the redaction: %s", out)
		}
		for _, leak := range []string{secret, fmt.Sprintf("%x", k[:]), fmt.Sprint(k[:4])} {
			if strings.Contains(out, leak) {
				t.Errorf("output leaks the key: %s", out)
			}
		}
	}
	if b, err := json.Marshal(struct{ K MasterKey }{k}); err == nil {
		t.Fatalf("json.Marshal of a master key succeeded: %s", b)
	}
}

func TestParseMasterKey(t *testing.T) {
	k := GenerateMasterKey()
	raw := k[:]
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"std", base64.StdEncoding.EncodeToString(raw), true},
		{"std with newline", base64.StdEncoding.EncodeToString(raw) + "\n", true},
		{"url", base64.URLEncoding.EncodeToString(raw), true},
		{"raw std", base64.RawStdEncoding.EncodeToString(raw), true},
		{"raw url", base64.RawURLEncoding.EncodeToString(raw), true},
		{"Base64()", k.Base64(), true},
		{"empty", "", false},
		{"not base64", "this is not base64 at all!!!", false},
		{"16 bytes", base64.StdEncoding.EncodeToString(raw[:16]), false},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(raw, 0)), false},
		{"hex", fmt.Sprintf("%x", raw), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMasterKey(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v; want ok %v", err, tc.ok)
			}
			if tc.ok && got != k {
				t.Fatal("decoded another key")
			}
			if err != nil && len(tc.in) > 8 && strings.Contains(err.Error(), tc.in[:8]) {
				t.Fatalf("error repeats the input: %v", err)
			}
		})
	}
}

func TestLoadMasterKeyCreatesAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "haven-data")
	k1, created, err := LoadMasterKey(MasterKeyOptions{DataDir: dir})
	if err != nil || !created {
		t.Fatalf("first load: created %v, %v", created, err)
	}
	path := MasterKeyPath(dir)
	if path != filepath.Join(dir, "keys", "master.key") {
		t.Fatalf("MasterKeyPath = %s", path)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v, %v; want 0600", fi.Mode(), err)
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil || di.Mode().Perm() != 0o700 {
			t.Fatalf("keys dir mode %v, %v; want 0700", di.Mode(), err)
		}
	}
	b, _ := os.ReadFile(path)
	if string(b) != k1.Base64()+"\n" {
		t.Fatalf("key file holds %q; want base64 and a newline", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("keys dir holds %d entries; a temporary file was left", len(entries))
	}

	k2, created, err := LoadMasterKey(MasterKeyOptions{DataDir: dir})
	if err != nil || created || k2 != k1 {
		t.Fatalf("second load: same %v, created %v, %v", k2 == k1, created, err)
	}
}

func TestLoadMasterKeyPrecedence(t *testing.T) {
	dir := t.TempDir()
	fileKey, envKey := GenerateMasterKey(), GenerateMasterKey()
	file := filepath.Join(dir, "explicit.key")
	if err := os.WriteFile(file, []byte(fileKey.Base64()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dataKey, _, err := LoadMasterKey(MasterKeyOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts MasterKeyOptions
		want MasterKey
	}{
		{"env over file and dir", MasterKeyOptions{DataDir: dir, File: file, EnvValue: envKey.Base64()}, envKey},
		{"env url alphabet", MasterKeyOptions{EnvValue: base64.RawURLEncoding.EncodeToString(envKey[:])}, envKey},
		{"file over dir", MasterKeyOptions{DataDir: dir, File: file}, fileKey},
		{"dir", MasterKeyOptions{DataDir: dir}, dataKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, created, err := LoadMasterKey(tc.opts)
			if err != nil || created || got != tc.want {
				t.Fatalf("LoadMasterKey: right key %v, created %v, %v", got == tc.want, created, err)
			}
		})
	}
	// An explicit file is never created: it must exist.
	missing := filepath.Join(dir, "missing.key")
	if _, _, err := LoadMasterKey(MasterKeyOptions{DataDir: dir, File: missing}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing explicit file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("LoadMasterKey created the explicit key file")
	}
	if _, _, err := LoadMasterKey(MasterKeyOptions{}); err == nil {
		t.Fatal("no options: no error")
	}
}

func TestLoadMasterKeyRejects(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	good := GenerateMasterKey().Base64() + "\n"
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    []string // in the error message
	}{
		{"world readable", good, 0o644, []string{"chmod 600", "0644"}},
		{"group readable", good, 0o640, []string{"chmod 600", "0640"}},
		{"group writable", good, 0o620, []string{"chmod 600"}},
		{"short key", base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n", 0o600, []string{"16 bytes"}},
		{"bad base64", "not*base64\n", 0o600, []string{"base64"}},
		{"empty", "", 0o600, []string{"0 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := MasterKeyPath(dir)
			os.MkdirAll(filepath.Dir(path), 0o700)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			for _, opts := range []MasterKeyOptions{{DataDir: dir}, {File: path}} {
				_, created, err := LoadMasterKey(opts)
				if err == nil || created {
					t.Fatalf("%+v: accepted (created %v)", opts, created)
				}
				for _, w := range append(tc.want, path) {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
			}
			// A bad key file is never replaced by a new key.
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Fatal("key file was rewritten")
			}
		})
	}
	dir := t.TempDir()
	path := MasterKeyPath(dir)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte(good), 0o644)
	os.Chmod(path, 0o644)
	if _, _, err := LoadMasterKey(MasterKeyOptions{DataDir: dir}); !errors.Is(err, ErrInsecureKeyFile) {
		t.Fatalf("0644: %v; want ErrInsecureKeyFile", err)
	}
	if _, _, err := LoadMasterKey(MasterKeyOptions{EnvValue: "short"}); err == nil || !strings.Contains(err.Error(), "HAVEN_MASTER_KEY") {
		t.Fatalf("bad env value: %v", err)
	}
	if _, _, err := LoadMasterKey(MasterKeyOptions{File: dir}); err == nil {
		t.Fatal("a directory was accepted as key file")
	}
}

// Processes (here goroutines) starting at once on a fresh data directory
// must agree on one key: exactly one creates it.
func TestLoadMasterKeyRace(t *testing.T) {
	for round := 0; round < 20; round++ {
		dir := t.TempDir()
		const n = 8
		keys := make([]MasterKey, n)
		createds := make([]bool, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				keys[i], createds[i], errs[i] = LoadMasterKey(MasterKeyOptions{DataDir: dir})
			}(i)
		}
		close(start)
		wg.Wait()
		nCreated := 0
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if keys[i] != keys[0] {
				t.Fatal("racing loads returned different keys")
			}
			if createds[i] {
				nCreated++
			}
		}
		if nCreated != 1 {
			t.Fatalf("%d loads report creating the key; want 1", nCreated)
		}
	}
}
