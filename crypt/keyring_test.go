package crypt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	kr, err := NewKeyring("dk-01", map[string][]byte{"dk-01": NewDataKey()})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpenRoundTrip(t *testing.T) {
	kr := testKeyring(t)
	for _, tc := range []struct {
		name      string
		plaintext []byte
		aad       []byte
	}{
		{"empty", nil, nil},
		{"name", []byte("Zoë Ångström-O'Brien"), []byte(AAD("persons", "name", "0199d3c0-0000-7000-8000-000000000001"))},
		{"binary", []byte{0, 1, 2, 0xff}, []byte("t/c/1")},
		{"large", bytes.Repeat([]byte("narrative "), 10000), []byte("incidents/narrative/9")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sealed, err := kr.Seal(tc.plaintext, tc.aad)
			if err != nil {
				t.Fatal(err)
			}
			if want := 2 + len("dk-01") + nonceSize + len(tc.plaintext) + tagSize; len(sealed) != want {
				t.Fatalf("sealed length %d; want %d", len(sealed), want)
			}
			if sealed[0] != 1 || sealed[1] != 5 || string(sealed[2:7]) != "dk-01" {
				t.Fatalf("header % x", sealed[:7])
			}
			if len(tc.plaintext) > 4 && bytes.Contains(sealed, tc.plaintext) {
				t.Fatal("plaintext visible in sealed value")
			}
			got, err := kr.Open(sealed, tc.aad)
			if err != nil || !bytes.Equal(got, tc.plaintext) {
				t.Fatalf("Open = %q, %v", got, err)
			}
			again, _ := kr.Seal(tc.plaintext, tc.aad)
			if bytes.Equal(again, sealed) {
				t.Fatal("two seals of one value are equal: nonce reused")
			}
		})
	}
}

func TestSealStringAndKeyIDOf(t *testing.T) {
	kr := testKeyring(t)
	aad := AAD("persons", "dob", "42")
	if aad != "persons/dob/42" {
		t.Fatalf("AAD = %q", aad)
	}
	sealed, err := kr.SealString("1990-04-01", aad)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := kr.OpenString(sealed, aad); err != nil || s != "1990-04-01" {
		t.Fatalf("OpenString = %q, %v", s, err)
	}
	if id, err := KeyIDOf(sealed); err != nil || id != "dk-01" {
		t.Fatalf("KeyIDOf = %q, %v", id, err)
	}
}

func TestOpenTamperedFails(t *testing.T) {
	kr := testKeyring(t)
	aad := []byte("persons/name/1")
	sealed, _ := kr.Seal([]byte("Jane Doe"), aad)
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80} {
			bad := append([]byte(nil), sealed...)
			bad[i] ^= flip
			pt, err := kr.Open(bad, aad)
			if err == nil {
				t.Fatalf("byte %d ^ %#x: Open succeeded: %q", i, flip, pt)
			}
			if strings.Contains(err.Error(), "Jane") {
				t.Fatalf("error leaks plaintext: %v", err)
			}
			// Which error depends on the byte: the header gives a version,
			// length or key error, the rest an authentication failure.
			switch {
			case i == 0:
				if !errors.Is(err, ErrUnsupportedVersion) {
					t.Errorf("byte 0: %v", err)
				}
			case i >= 2+len("dk-01"):
				if !errors.Is(err, ErrAuthFailed) {
					t.Errorf("byte %d: %v; want ErrAuthFailed", i, err)
				}
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	kr := testKeyring(t)
	aad := []byte("persons/name/1")
	sealed, _ := kr.Seal([]byte("Jane Doe"), aad)
	other, _ := NewKeyring("dk-02", map[string][]byte{"dk-02": NewDataKey()})
	sameIDOtherKey, _ := NewKeyring("dk-01", map[string][]byte{"dk-01": NewDataKey()})

	for _, tc := range []struct {
		name   string
		kr     *Keyring
		sealed []byte
		aad    []byte
		want   error
	}{
		{"wrong aad: other row", kr, sealed, []byte("persons/name/2"), ErrAuthFailed},
		{"wrong aad: other column", kr, sealed, []byte("persons/alias/1"), ErrAuthFailed},
		{"no aad", kr, sealed, nil, ErrAuthFailed},
		{"unknown key id", other, sealed, aad, ErrUnknownKey},
		{"same id, other key", sameIDOtherKey, sealed, aad, ErrAuthFailed},
		{"empty", kr, nil, aad, ErrTruncated},
		{"one byte", kr, []byte{1}, aad, ErrTruncated},
		{"header only", kr, sealed[:7], aad, ErrTruncated},
		{"no tag", kr, sealed[:7+nonceSize+tagSize-1], aad, ErrTruncated},
		{"cut tag", kr, sealed[:len(sealed)-1], aad, ErrAuthFailed},
		{"version 2", kr, append([]byte{2}, sealed[1:]...), aad, ErrUnsupportedVersion},
		{"id length past end", kr, []byte{1, 200, 'x'}, aad, ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt, err := tc.kr.Open(tc.sealed, tc.aad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %q, %v; want %v", pt, err, tc.want)
			}
			if pt != nil {
				t.Fatalf("Open returned plaintext with an error")
			}
			if strings.Contains(err.Error(), "Jane") {
				t.Fatalf("error leaks plaintext: %v", err)
			}
		})
	}

	_, err := other.Open(sealed, aad)
	var uk *UnknownKeyError
	if !errors.As(err, &uk) || uk.KeyID != "dk-01" || !strings.Contains(err.Error(), `"dk-01"`) {
		t.Fatalf("unknown key error = %v", err)
	}
}

func TestKeyringRotation(t *testing.T) {
	kr := testKeyring(t)
	aad := []byte("persons/name/7")
	old, _ := kr.Seal([]byte("old value"), aad)

	k2 := NewDataKey()
	kr2, err := kr.WithCurrent("dk-02", k2)
	if err != nil {
		t.Fatal(err)
	}
	if kr.CurrentID() != "dk-01" || kr2.CurrentID() != "dk-02" {
		t.Fatalf("current ids %q, %q", kr.CurrentID(), kr2.CurrentID())
	}
	if pt, err := kr2.Open(old, aad); err != nil || string(pt) != "old value" {
		t.Fatalf("old value after rotation: %q, %v", pt, err)
	}
	fresh, _ := kr2.Seal([]byte("new value"), aad)
	if id, _ := KeyIDOf(fresh); id != "dk-02" {
		t.Fatalf("new seal under %q; want dk-02", id)
	}
	// The old keyring is untouched and does not know the new key.
	if _, err := kr.Open(fresh, aad); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("old keyring opened a value under the new key: %v", err)
	}
	// A key must be 32 bytes; re-adding an id with the same bytes just
	// makes it current, with other bytes it is refused.
	if _, err := kr2.WithCurrent("dk-03", nil); err == nil {
		t.Fatal("WithCurrent accepted a nil key")
	}
	if _, err := kr2.WithCurrent("dk-02", NewDataKey()); err == nil {
		t.Fatal("WithCurrent replaced a key id with other bytes")
	}
	if kr3, err := kr2.WithCurrent("dk-02", k2); err != nil || kr3.CurrentID() != "dk-02" {
		t.Fatalf("WithCurrent same key: %v", err)
	}
}

func TestNewKeyringValidates(t *testing.T) {
	good := NewDataKey()
	for _, tc := range []struct {
		name    string
		current string
		keys    map[string][]byte
	}{
		{"no keys", "dk-01", nil},
		{"current missing", "dk-02", map[string][]byte{"dk-01": good}},
		{"short key", "dk-01", map[string][]byte{"dk-01": good[:16]}},
		{"empty id", "", map[string][]byte{"": good}},
		{"id with space", "dk 1", map[string][]byte{"dk 1": good}},
		{"id too long", strings.Repeat("k", 256), map[string][]byte{strings.Repeat("k", 256): good}},
		{"id not ascii", "dk-é", map[string][]byte{"dk-é": good}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if kr, err := NewKeyring(tc.current, tc.keys); err == nil {
				t.Fatalf("NewKeyring succeeded: %v", kr)
			}
		})
	}
	// The keyring copies key bytes: changing the caller's slice later does
	// not change the key.
	k := NewDataKey()
	kr, err := NewKeyring("dk-01", map[string][]byte{"dk-01": k})
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := kr.Seal([]byte("x"), nil)
	k[0] ^= 0xff
	if _, err := kr.Open(sealed, nil); err != nil {
		t.Fatal("keyring shares the caller's key bytes")
	}
	long := strings.Repeat("k", 255)
	if _, err := NewKeyring(long, map[string][]byte{long: k}); err != nil {
		t.Fatalf("255-byte id refused: %v", err)
	}
}

func TestKeyringConcurrent(t *testing.T) {
	kr := testKeyring(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v := fmt.Sprintf("value %d/%d", g, i)
				aad := []byte(fmt.Sprintf("t/c/%d", i))
				sealed, err := kr.Seal([]byte(v), aad)
				if err == nil {
					var pt []byte
					pt, err = kr.Open(sealed, aad)
					if err == nil && string(pt) != v {
						err = fmt.Errorf("got %q want %q", pt, v)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestWrapUnwrapDataKey(t *testing.T) {
	master := GenerateMasterKey()
	dek := NewDataKey()
	if len(dek) != KeySize || bytes.Equal(dek, NewDataKey()) {
		t.Fatal("NewDataKey is not 32 random bytes")
	}
	wrapped, err := WrapDataKey(master, "dk-01", dek)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrapped) != 1+nonceSize+KeySize+tagSize || bytes.Contains(wrapped, dek) {
		t.Fatalf("wrapped key: %d bytes", len(wrapped))
	}
	got, err := UnwrapDataKey(master, "dk-01", wrapped)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("UnwrapDataKey = %x, %v", got, err)
	}

	tampered := append([]byte(nil), wrapped...)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name    string
		master  MasterKey
		id      string
		wrapped []byte
		want    error
	}{
		{"other id", master, "dk-02", wrapped, ErrAuthFailed},
		{"other master key", GenerateMasterKey(), "dk-01", wrapped, ErrAuthFailed},
		{"tampered", master, "dk-01", tampered, ErrAuthFailed},
		{"truncated", master, "dk-01", wrapped[:20], ErrTruncated},
		{"version", master, "dk-01", append([]byte{9}, wrapped[1:]...), ErrUnsupportedVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if k, err := UnwrapDataKey(tc.master, tc.id, tc.wrapped); !errors.Is(err, tc.want) || k != nil {
				t.Fatalf("UnwrapDataKey = %x, %v; want %v", k, err, tc.want)
			}
		})
	}

	if _, err := WrapDataKey(master, "dk-01", dek[:31]); err == nil {
		t.Fatal("wrapped a 31-byte key")
	}
	if _, err := WrapDataKey(master, "", dek); !errors.Is(err, ErrInvalidKeyID) {
		t.Fatalf("wrapped under an empty id: %v", err)
	}
}

// FuzzOpen: arbitrary bytes never make Open or KeyIDOf panic, and nothing
// but a real seal opens.
func FuzzOpen(f *testing.F) {
	kr, err := NewKeyring("dk-01", map[string][]byte{"dk-01": bytes.Repeat([]byte{7}, KeySize)})
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := kr.Seal([]byte("Jane Doe"), []byte("persons/name/1"))
	f.Add(sealed, []byte("persons/name/1"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{1}, []byte("x"))
	f.Add([]byte{1, 5, 'd', 'k', '-', '0', '1'}, []byte{})
	f.Add([]byte{1, 255}, []byte{})
	f.Add(sealed[:len(sealed)-1], []byte("persons/name/1"))
	f.Fuzz(func(t *testing.T, data, aad []byte) {
		KeyIDOf(data)
		pt, err := kr.Open(data, aad)
		// The only seals under this key are of "Jane Doe" at persons/name/1
		// (made afresh in each fuzz worker); anything else that opens would
		// be a forgery of AES-GCM.
		if err == nil && (string(pt) != "Jane Doe" || string(aad) != "persons/name/1") {
			t.Fatalf("Open accepted a value we did not seal: %q", pt)
		}
		if err != nil && pt != nil {
			t.Fatal("Open returned plaintext with an error")
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	kr := testKeyring(b)
	pt := bytes.Repeat([]byte("x"), 100)
	aad := []byte(AAD("persons", "name", "0199d3c0-0000-7000-8000-000000000001"))
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := kr.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	kr := testKeyring(b)
	pt := bytes.Repeat([]byte("x"), 100)
	aad := []byte(AAD("persons", "name", "0199d3c0-0000-7000-8000-000000000001"))
	sealed, _ := kr.Seal(pt, aad)
	b.ReportAllocs()
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := kr.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
