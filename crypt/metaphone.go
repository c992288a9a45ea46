package crypt

import (
	"bytes"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Double Metaphone, after Lawrence Philips, "The Double Metaphone Search
// Algorithm", C/C++ Users Journal, June 2000 (his reference dmetaph.cpp).
// It codes a word by how it is likely pronounced, allowing for English
// spellings of Slavic, Germanic, Celtic, Greek, French, Italian, Spanish
// and Chinese names, and gives an alternate code where a spelling has two
// common pronunciations ("Smith" SM0/XMT, "Schmidt" XMT/SMT). Codes use A-Z
// and "0" for "th".

// metaphoneMax is the reference's code length.
const metaphoneMax = 4

// cCedilla stands for Ç in the folded word: the reference codes it "S"
// where a plain C would be "K" ("garçon"), and Ç is not ASCII.
const cCedilla = 0xC7

// DoubleMetaphone returns the primary and alternate Double Metaphone codes of
// word, each at most 4 characters. The word is folded first: accents
// dropped, upper case, white space and punctuation a space (the reference
// reads "VAN ", "SAN " and "-IER " up to a space) and trimmed from both
// ends; digits and other scripts' letters keep their place but code
// nothing. As in the reference, alternate equals primary when the word has
// no second pronunciation. An empty or letterless word gives "", "".
func DoubleMetaphone(word string) (primary, alternate string) {
	m := metaphone{word: bytes.Trim(foldMetaphone(word), " ")}
	return m.encode()
}

// foldMetaphone turns word into upper-case ASCII letters, spaces and
// cCedilla.
func foldMetaphone(word string) []byte {
	out := make([]byte, 0, len(word)+5)
	ascii := true
	for i := 0; i < len(word); i++ {
		if word[i] >= 0x80 {
			ascii = false
			break
		}
	}
	add := func(r rune) {
		switch {
		case 'a' <= r && r <= 'z':
			out = append(out, byte(r-'a'+'A'))
		case 'A' <= r && r <= 'Z':
			out = append(out, byte(r))
		case r == cCedilla:
			out = append(out, cCedilla)
		case unicode.IsLetter(r), unicode.IsNumber(r):
			// Another script's letter, or a digit: it holds its place but
			// codes nothing (the reference skips what it does not know).
			out = append(out, '-')
		default:
			out = append(out, ' ')
		}
	}
	if ascii {
		for i := 0; i < len(word); i++ {
			add(rune(word[i]))
		}
		return out
	}
	// Ç would lose its cedilla in NFKD; mark it first with a private-use
	// rune that NFKD leaves alone (and drop that rune from the input).
	const mark = '\uE000'
	word = strings.Map(func(r rune) rune {
		switch r {
		case 'Ç', 'ç':
			return mark
		case mark:
			return -1
		}
		return r
	}, word)
	for _, r := range norm.NFKD.String(word) {
		switch {
		case r == mark:
			add(cCedilla)
		case isMark(r):
		default:
			if f, ok := foldExtra(unicode.ToLower(r)); ok {
				for _, c := range f {
					add(c)
				}
			} else {
				add(r)
			}
		}
	}
	return out
}

type metaphone struct {
	word          []byte // folded word, then 5 spaces of padding as in the reference
	length, last  int    // of the word without padding
	primary, alt  []byte
	slavoGermanic bool
}

func (m *metaphone) encode() (string, string) {
	m.length = len(m.word)
	if m.length == 0 {
		return "", ""
	}
	m.last = m.length - 1
	m.word = append(m.word, "     "...)
	m.primary = make([]byte, 0, 8)
	m.alt = make([]byte, 0, 8)
	// The reference searches the word for these each time it asks; the word
	// does not change, so ask once.
	w := m.word
	m.slavoGermanic = bytes.ContainsAny(w, "WK") || bytes.Contains(w, []byte("CZ")) || bytes.Contains(w, []byte("WITZ"))

	current := 0
	// Skip these when at start of word.
	if m.at(0, "GN", "KN", "PN", "WR", "PS") {
		current++
	}
	// Initial 'X' is pronounced 'Z', e.g. "Xavier".
	if m.char(0) == 'X' {
		m.add("S") // 'Z' maps to 'S'
		current++
	}
	for current < m.length && (len(m.primary) < metaphoneMax || len(m.alt) < metaphoneMax) {
		current = m.step(current)
	}
	p, a := string(m.primary), string(m.alt)
	if len(p) > metaphoneMax {
		p = p[:metaphoneMax]
	}
	if len(a) > metaphoneMax {
		a = a[:metaphoneMax]
	}
	return p, a
}

// char returns the byte at i, or 0 outside the (padded) word.
func (m *metaphone) char(i int) byte {
	if i < 0 || i >= len(m.word) {
		return 0
	}
	return m.word[i]
}

func (m *metaphone) vowel(i int) bool {
	switch m.char(i) {
	case 'A', 'E', 'I', 'O', 'U', 'Y':
		return true
	}
	return false
}

// at reports whether one of subs (all of one length) starts at start.
func (m *metaphone) at(start int, subs ...string) bool {
	if start < 0 {
		return false
	}
	for _, s := range subs {
		if start+len(s) <= len(m.word) && string(m.word[start:start+len(s)]) == s {
			return true
		}
	}
	return false
}

// add appends to both codes.
func (m *metaphone) add(s string) {
	m.primary = append(m.primary, s...)
	m.alt = append(m.alt, s...)
}

// add2 appends main to the primary and alt to the alternate code.
func (m *metaphone) add2(main, alt string) {
	m.primary = append(m.primary, main...)
	m.alt = append(m.alt, alt...)
}

// germanic: the word begins "VAN ", "VON " or "SCH".
func (m *metaphone) germanic() bool { return m.at(0, "VAN ", "VON ") || m.at(0, "SCH") }

// step codes the letter at current and returns where to continue. The cases
// follow the reference in order; their comments name its examples.
func (m *metaphone) step(current int) int {
	switch c := m.char(current); c {
	case 'A', 'E', 'I', 'O', 'U', 'Y':
		if current == 0 {
			m.add("A") // all initial vowels map to 'A'
		}
		return current + 1

	case 'B':
		m.add("P") // "-mb", e.g. "dumb", already skipped over
		if m.char(current+1) == 'B' {
			return current + 2
		}
		return current + 1

	case cCedilla:
		m.add("S")
		return current + 1

	case 'C':
		return m.c(current)

	case 'D':
		if m.at(current, "DG") {
			if m.at(current+2, "I", "E", "Y") {
				m.add("J") // "edge"
				return current + 3
			}
			m.add("TK") // "edgar"
			return current + 2
		}
		m.add("T")
		if m.at(current, "DT", "DD") {
			return current + 2
		}
		return current + 1

	case 'F':
		m.add("F")
		if m.char(current+1) == 'F' {
			return current + 2
		}
		return current + 1

	case 'G':
		return m.g(current)

	case 'H':
		// Only keep if first and before a vowel, or between two vowels.
		if (current == 0 || m.vowel(current-1)) && m.vowel(current+1) {
			m.add("H")
			return current + 2
		}
		return current + 1 // also takes care of "HH"

	case 'J':
		return m.j(current)

	case 'K':
		m.add("K")
		if m.char(current+1) == 'K' {
			return current + 2
		}
		return current + 1

	case 'L':
		if m.char(current+1) == 'L' {
			// Spanish, e.g. "cabrillo", "gallegos".
			if (current == m.length-3 && m.at(current-1, "ILLO", "ILLA", "ALLE")) ||
				((m.at(m.last-1, "AS", "OS") || m.at(m.last, "A", "O")) && m.at(current-1, "ALLE")) {
				m.add2("L", "")
				return current + 2
			}
			m.add("L")
			return current + 2
		}
		m.add("L")
		return current + 1

	case 'M':
		m.add("M")
		// "dumb", "thumb"
		if (m.at(current-1, "UMB") && (current+1 == m.last || m.at(current+2, "ER"))) || m.char(current+1) == 'M' {
			return current + 2
		}
		return current + 1

	case 'N':
		m.add("N")
		if m.char(current+1) == 'N' {
			return current + 2
		}
		return current + 1

	case 'P':
		if m.char(current+1) == 'H' {
			m.add("F")
			return current + 2
		}
		m.add("P")
		if m.at(current+1, "P", "B") { // also "campbell", "raspberry"
			return current + 2
		}
		return current + 1

	case 'Q':
		m.add("K")
		if m.char(current+1) == 'Q' {
			return current + 2
		}
		return current + 1

	case 'R':
		// French, e.g. "rogier", but not "hochmeier".
		if current == m.last && !m.slavoGermanic && m.at(current-2, "IE") && !m.at(current-4, "ME", "MA") {
			m.add2("", "R")
		} else {
			m.add("R")
		}
		if m.char(current+1) == 'R' {
			return current + 2
		}
		return current + 1

	case 'S':
		return m.s(current)

	case 'T':
		return m.t(current)

	case 'V':
		m.add("F")
		if m.char(current+1) == 'V' {
			return current + 2
		}
		return current + 1

	case 'W':
		return m.w(current)

	case 'X':
		// French, e.g. "breaux".
		if !(current == m.last && (m.at(current-3, "IAU", "EAU") || m.at(current-2, "AU", "OU"))) {
			m.add("KS")
		}
		if m.at(current+1, "C", "X") {
			return current + 2
		}
		return current + 1

	case 'Z':
		// Chinese pinyin, e.g. "zhao".
		if m.char(current+1) == 'H' {
			m.add("J")
			return current + 2
		}
		if m.at(current+1, "ZO", "ZI", "ZA") || (m.slavoGermanic && current > 0 && m.char(current-1) != 'T') {
			m.add2("S", "TS")
		} else {
			m.add("S")
		}
		if m.char(current+1) == 'Z' {
			return current + 2
		}
		return current + 1
	}
	return current + 1
}

func (m *metaphone) c(current int) int {
	// Various Germanic.
	if current > 1 && !m.vowel(current-2) && m.at(current-1, "ACH") &&
		m.char(current+2) != 'I' && (m.char(current+2) != 'E' || m.at(current-2, "BACHER", "MACHER")) {
		m.add("K")
		return current + 2
	}
	// Special case "caesar".
	if current == 0 && m.at(current, "CAESAR") {
		m.add("S")
		return current + 2
	}
	// Italian "chianti".
	if m.at(current, "CHIA") {
		m.add("K")
		return current + 2
	}
	if m.at(current, "CH") {
		// "michael"
		if current > 0 && m.at(current, "CHAE") {
			m.add2("K", "X")
			return current + 2
		}
		// Greek roots, e.g. "chemistry", "chorus".
		if current == 0 && (m.at(current+1, "HARAC", "HARIS") || m.at(current+1, "HOR", "HYM", "HIA", "HEM")) &&
			!m.at(0, "CHORE") {
			m.add("K")
			return current + 2
		}
		// Germanic, Greek, or otherwise "ch" for a "kh" sound.
		if m.germanic() ||
			// "architect" but not "arch", "orchestra", "orchid"
			m.at(current-2, "ORCHES", "ARCHIT", "ORCHID") ||
			m.at(current+2, "T", "S") ||
			((m.at(current-1, "A", "O", "U", "E") || current == 0) &&
				// "wachtler", "wechsler", but not "tichner"
				m.at(current+2, "L", "R", "N", "M", "B", "H", "F", "V", "W", " ")) {
			m.add("K")
		} else if current > 0 {
			if m.at(0, "MC") {
				m.add("K") // "McHugh"
			} else {
				m.add2("X", "K")
			}
		} else {
			m.add("X")
		}
		return current + 2
	}
	// "czerny"
	if m.at(current, "CZ") && !m.at(current-2, "WICZ") {
		m.add2("S", "X")
		return current + 2
	}
	// "focaccia"
	if m.at(current+1, "CIA") {
		m.add("X")
		return current + 3
	}
	// Double 'C', but not if e.g. "McClellan".
	if m.at(current, "CC") && !(current == 1 && m.char(0) == 'M') {
		// "bellocchio" but not "bacchus"
		if m.at(current+2, "I", "E", "H") && !m.at(current+2, "HU") {
			if (current == 1 && m.char(current-1) == 'A') || m.at(current-1, "UCCEE", "UCCES") {
				m.add("KS") // "accident", "accede", "succeed"
			} else {
				m.add("X") // "bacci", "bertucci", other Italian
			}
			return current + 3
		}
		m.add("K") // Pierce's rule
		return current + 2
	}
	if m.at(current, "CK", "CG", "CQ") {
		m.add("K")
		return current + 2
	}
	if m.at(current, "CI", "CE", "CY") {
		// Italian vs. English.
		if m.at(current, "CIO", "CIE", "CIA") {
			m.add2("S", "X")
		} else {
			m.add("S")
		}
		return current + 2
	}
	m.add("K")
	// Names sent in as "mac caffrey", "mac gregor".
	if m.at(current+1, " C", " Q", " G") {
		return current + 3
	}
	if m.at(current+1, "C", "K", "Q") && !m.at(current+1, "CE", "CI") {
		return current + 2
	}
	return current + 1
}

func (m *metaphone) g(current int) int {
	if m.char(current+1) == 'H' {
		if current > 0 && !m.vowel(current-1) {
			m.add("K")
			return current + 2
		}
		// "ghislane", "ghiradelli"
		if current == 0 {
			if m.char(current+2) == 'I' {
				m.add("J")
			} else {
				m.add("K")
			}
			return current + 2
		}
		// Parker's rule (with some further refinements), e.g. "hugh",
		// "bough", "broughton": silent.
		if (current > 1 && m.at(current-2, "B", "H", "D")) ||
			(current > 2 && m.at(current-3, "B", "H", "D")) ||
			(current > 3 && m.at(current-4, "B", "H")) {
			return current + 2
		}
		// "laugh", "McLaughlin", "cough", "gough", "rough", "tough"
		if current > 2 && m.char(current-1) == 'U' && m.at(current-3, "C", "G", "L", "R", "T") {
			m.add("F")
		} else if current > 0 && m.char(current-1) != 'I' {
			m.add("K")
		}
		return current + 2
	}

	if m.char(current+1) == 'N' {
		if current == 1 && m.vowel(0) && !m.slavoGermanic {
			m.add2("KN", "N")
		} else if !m.at(current+2, "EY") && m.char(current+1) != 'Y' && !m.slavoGermanic {
			// not e.g. "cagney"
			m.add2("N", "KN")
		} else {
			m.add("KN")
		}
		return current + 2
	}
	// "tagliaro"
	if m.at(current+1, "LI") && !m.slavoGermanic {
		m.add2("KL", "L")
		return current + 2
	}
	// -ges-, -gep-, -gel-, -gie- at beginning
	if current == 0 && (m.char(current+1) == 'Y' ||
		m.at(current+1, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")) {
		m.add2("K", "J")
		return current + 2
	}
	// -ger-, -gy-
	if (m.at(current+1, "ER") || m.char(current+1) == 'Y') &&
		!m.at(0, "DANGER", "RANGER", "MANGER") &&
		!m.at(current-1, "E", "I") && !m.at(current-1, "RGY", "OGY") {
		m.add2("K", "J")
		return current + 2
	}
	// Italian, e.g. "biaggi"
	if m.at(current+1, "E", "I", "Y") || m.at(current-1, "AGGI", "OGGI") {
		if m.germanic() || m.at(current+1, "ET") {
			m.add("K") // obvious Germanic
		} else if m.at(current+1, "IER ") {
			m.add("J") // always soft if French ending
		} else {
			m.add2("J", "K")
		}
		return current + 2
	}
	m.add("K")
	if m.char(current+1) == 'G' {
		return current + 2
	}
	return current + 1
}

func (m *metaphone) j(current int) int {
	// Obvious Spanish, "jose", "san jacinto".
	if m.at(current, "JOSE") || m.at(0, "SAN ") {
		if (current == 0 && m.char(current+4) == ' ') || m.at(0, "SAN ") {
			m.add("H")
		} else {
			m.add2("J", "H")
		}
		return current + 1
	}
	if current == 0 && !m.at(current, "JOSE") {
		m.add2("J", "A") // Yankelovich/Jankelowicz
	} else if m.vowel(current-1) && !m.slavoGermanic && (m.char(current+1) == 'A' || m.char(current+1) == 'O') {
		m.add2("J", "H") // Spanish pronunciation of e.g. "bajador"
	} else if current == m.last {
		m.add2("J", "")
	} else if !m.at(current+1, "L", "T", "K", "S", "N", "M", "B", "Z") && !m.at(current-1, "S", "K", "L") {
		m.add("J")
	}
	if m.char(current+1) == 'J' { // it could happen!
		return current + 2
	}
	return current + 1
}

func (m *metaphone) s(current int) int {
	// Special cases "island", "isle", "carlisle", "carlysle".
	if m.at(current-1, "ISL", "YSL") {
		return current + 1
	}
	// Special case "sugar-".
	if current == 0 && m.at(current, "SUGAR") {
		m.add2("X", "S")
		return current + 1
	}
	if m.at(current, "SH") {
		if m.at(current+1, "HEIM", "HOEK", "HOLM", "HOLZ") {
			m.add("S") // Germanic
		} else {
			m.add("X")
		}
		return current + 2
	}
	// Italian and Armenian.
	if m.at(current, "SIO", "SIA") || m.at(current, "SIAN") {
		if !m.slavoGermanic {
			m.add2("S", "X")
		} else {
			m.add("S")
		}
		return current + 3
	}
	// German and anglicisations, e.g. "smith" matches "schmidt", "snider"
	// matches "schneider"; also -sz- in Slavic languages, although in
	// Hungarian it is pronounced "s".
	if (current == 0 && m.at(current+1, "M", "N", "L", "W")) || m.at(current+1, "Z") {
		m.add2("S", "X")
		if m.at(current+1, "Z") {
			return current + 2
		}
		return current + 1
	}
	if m.at(current, "SC") {
		// Schlesinger's rule.
		if m.char(current+2) == 'H' {
			// Dutch origin, e.g. "school", "schooner".
			if m.at(current+3, "OO", "ER", "EN", "UY", "ED", "EM") {
				if m.at(current+3, "ER", "EN") {
					m.add2("X", "SK") // "schermerhorn", "schenker"
				} else {
					m.add("SK")
				}
				return current + 3
			}
			if current == 0 && !m.vowel(3) && m.char(3) != 'W' {
				m.add2("X", "S")
			} else {
				m.add("X")
			}
			return current + 3
		}
		if m.at(current+2, "I", "E", "Y") {
			m.add("S")
			return current + 3
		}
		m.add("SK")
		return current + 3
	}
	// French, e.g. "resnais", "artois".
	if current == m.last && m.at(current-2, "AI", "OI") {
		m.add2("", "S")
	} else {
		m.add("S")
	}
	if m.at(current+1, "S", "Z") {
		return current + 2
	}
	return current + 1
}

func (m *metaphone) t(current int) int {
	if m.at(current, "TION") {
		m.add("X")
		return current + 3
	}
	if m.at(current, "TIA", "TCH") {
		m.add("X")
		return current + 3
	}
	if m.at(current, "TH") || m.at(current, "TTH") {
		// Special case "thomas", "thames", or Germanic.
		if m.at(current+2, "OM", "AM") || m.germanic() {
			m.add("T")
		} else {
			m.add2("0", "T")
		}
		return current + 2
	}
	m.add("T")
	if m.at(current+1, "T", "D") {
		return current + 2
	}
	return current + 1
}

func (m *metaphone) w(current int) int {
	// Can also be in the middle of a word.
	if m.at(current, "WR") {
		m.add("R")
		return current + 2
	}
	if current == 0 && (m.vowel(current+1) || m.at(current, "WH")) {
		if m.vowel(current + 1) {
			m.add2("A", "F") // Wasserman should match Vasserman
		} else {
			m.add("A") // need Uomo to match Womo
		}
	}
	// Arnow should match Arnoff.
	if (current == m.last && m.vowel(current-1)) ||
		m.at(current-1, "EWSKI", "EWSKY", "OWSKI", "OWSKY") || m.at(0, "SCH") {
		m.add2("", "F")
		return current + 1
	}
	// Polish, e.g. "filipowicz".
	if m.at(current, "WICZ", "WITZ") {
		m.add2("TS", "FX")
		return current + 4
	}
	return current + 1 // else skip it
}
