package crypt

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// indexSize is how much of the HMAC-SHA256 an index value keeps: 128 bits
// is ample against collisions and keeps index columns short.
const indexSize = 16

// Indexer computes one agency's blind indexes. It is safe for concurrent
// use.
type Indexer struct {
	macs sync.Pool // of hash.Hash: HMAC-SHA256 under the agency's index key
}

// NewIndexer derives the index key of agencyID from the master key (HKDF-
// SHA256, info "haven blind index v1|" + agencyID). Index values of two
// agencies are unrelated even for equal inputs.
func NewIndexer(master MasterKey, agencyID string) *Indexer {
	key, err := hkdf.Key(sha256.New, master[:], nil, "haven blind index v1|"+agencyID, KeySize)
	if err != nil {
		panic(err) // only for an impossible length
	}
	ix := &Indexer{}
	ix.macs.New = func() any { return hmac.New(sha256.New, key) }
	return ix
}

// mac returns hex(HMAC(kind 0x00 value)[:16]). The kind prefix separates
// domains: a date of birth and a phone number with equal text index
// differently, and a phonetic code (kind "ph:"+kind) never equals an exact
// index of the same kind.
func (ix *Indexer) mac(kind, value string) string {
	h := ix.macs.Get().(hash.Hash)
	h.Reset()
	buf := make([]byte, 0, len(kind)+1+len(value))
	buf = append(buf, kind...)
	buf = append(buf, 0)
	buf = append(buf, value...)
	h.Write(buf)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	ix.macs.Put(h)
	return hex.EncodeToString(sum[:indexSize])
}

// Exact returns the exact-match index of value, 32 hex characters. The value
// is normalized by kind first: "phone" with NormalizePhone, "email" with
// NormalizeEmail, any other kind ("name", "dob", …) with Normalize, so
// "José" and "jose" index alike. Normalize does not parse dates: pass them
// in one format (ISO 8601). Kinds starting "ph:" are Phonetic's.
func (ix *Indexer) Exact(kind, value string) string {
	switch kind {
	case "phone":
		value = NormalizePhone(value)
	case "email":
		value = NormalizeEmail(value)
	default:
		value = Normalize(value)
	}
	return ix.mac(kind, value)
}

// Phonetic returns the sounds-like indexes of value: for each word of
// Normalize(value), its Double Metaphone primary and alternate codes,
// deduplicated, empty ones dropped, each keyed under kind "ph:"+kind. A
// search matches when any of its codes is among a record's codes.
func (ix *Indexer) Phonetic(kind, value string) []string {
	var codes []string
	for _, w := range strings.Fields(Normalize(value)) {
		p, a := DoubleMetaphone(w)
		for _, c := range [2]string{p, a} {
			if c != "" && !slices.Contains(codes, c) {
				codes = append(codes, c)
			}
		}
	}
	if len(codes) == 0 {
		return nil
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = ix.mac("ph:"+kind, c)
	}
	return out
}

// Normalize folds a name-like value for comparison: Unicode compatibility
// decomposition (NFKD) with combining marks dropped ("Zoë" → "zoe"), lower
// case, a few letters NFKD leaves alone spelled out (ß → ss, æ → ae, ø → o,
// ł → l, đ → d, œ → oe, þ → th, ð → d, ı → i, ħ → h), and every character
// that is not a letter or digit (hyphens, apostrophes, punctuation, symbols,
// spaces) a single space between words, with none at either end.
func Normalize(s string) string {
	if ascii, ok := normalizeASCII(s); ok {
		return ascii
	}
	// Lower-casing can, for a few characters, yield one that decomposes
	// further; repeat until nothing changes so Normalize is idempotent.
	out := normalizeOnce(s)
	if isASCII(out) {
		return out // lower-case ASCII letters, digits and single spaces: stable
	}
	for i := 0; i < 4; i++ {
		next := normalizeOnce(out)
		if next == out {
			break
		}
		out = next
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normalizeASCII is the fast path for the common all-ASCII value.
func normalizeASCII(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return "", false
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String(), true
}

func normalizeOnce(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	emit := func(r rune) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	for _, r := range norm.NFKD.String(s) {
		if isMark(r) {
			continue
		}
		r = unicode.ToLower(r)
		if f, ok := foldExtra(r); ok {
			for _, c := range f {
				emit(c)
			}
			continue
		}
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mc, r) {
			emit(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// isMark reports a combining mark that only decorates its base letter
// (accents, cedillas, enclosing marks). Spacing marks (Mc), vowel signs in
// Indic scripts, are kept: they are part of the word.
func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// foldExtra spells out lower-case letters that NFKD does not decompose but
// that people commonly write without their stroke or ligature.
func foldExtra(r rune) (string, bool) {
	switch r {
	case 'ß', 'ẞ':
		return "ss", true
	case 'æ':
		return "ae", true
	case 'œ':
		return "oe", true
	case 'ø':
		return "o", true
	case 'ł':
		return "l", true
	case 'đ', 'ð':
		return "d", true
	case 'þ':
		return "th", true
	case 'ı':
		return "i", true
	case 'ħ':
		return "h", true
	}
	return "", false
}

// NormalizePhone keeps a phone number's digits (any script's decimal digits,
// as 0-9), with "+" in front when the number starts with one: "+44 (20)
// 7946-0018" → "+442079460018". Without digits it returns "".
func NormalizePhone(s string) string {
	s = norm.NFKC.String(strings.TrimSpace(s))
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
	}
	digits := 0
	for _, r := range s {
		if d, ok := digitValue(r); ok {
			b.WriteByte(byte('0' + d))
			digits++
		}
	}
	if digits == 0 {
		return ""
	}
	return b.String()
}

// digitValue returns the value of a decimal digit of any script. Unicode
// lays decimal digits out as runs of ten consecutive code points from zero,
// and the Nd table keeps adjacent runs in one range, so the value is the
// offset into the range modulo ten.
func digitValue(r rune) (int, bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) && rg.Stride == 1 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) && rg.Stride == 1 {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// NormalizeEmail lower-cases and trims an e-mail address.
func NormalizeEmail(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
