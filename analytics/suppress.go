package analytics

import "strconv"

// DefaultSuppressThreshold is the usual small-cell threshold: counts 1..4
// are shown as "<5".
const DefaultSuppressThreshold = 5

// Suppress formats a count for tables and CSV shown outside the owning
// agency: 0 stays "0", 1..threshold−1 becomes "<threshold", anything else is
// the number. threshold ≤ 1 disables suppression.
func Suppress(n, threshold int) string {
	if threshold > 1 && n >= 1 && n < threshold {
		return "<" + strconv.Itoa(threshold)
	}
	return strconv.Itoa(n)
}

// SuppressCount is Suppress for JSON: it returns the int n itself, or the
// string "<threshold" when n is suppressed.
func SuppressCount(n, threshold int) any {
	if threshold > 1 && n >= 1 && n < threshold {
		return "<" + strconv.Itoa(threshold)
	}
	return n
}

// Suppressor says how counts are shown. The zero value shows everything
// (for the owning agency); use Suppressor{Threshold: DefaultSuppressThreshold}
// for anything exported or shown outside it.
type Suppressor struct {
	Threshold int // counts 1..Threshold−1 are suppressed; ≤ 1 disables
}

// Active reports whether s suppresses anything.
func (s Suppressor) Active() bool { return s.Threshold > 1 }

// Count formats n like [Suppress].
func (s Suppressor) Count(n int) string { return Suppress(n, s.Threshold) }
