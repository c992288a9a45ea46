package risk

// prorate scales a count of yes answers to the full item count when some
// items are missing: raw × total ÷ answered, rounded to the nearest whole
// number with halves rounded up. This is the proportional proration the
// ODARA scoring criteria call for when one to five of the 13 items cannot
// be scored (see docs/RISK.md, "ODARA proration", for the source and what
// could not be confirmed). Integer arithmetic keeps it exact.
func prorate(raw, missing, total int) float64 {
	answered := total - missing
	if answered <= 0 || missing <= 0 {
		return float64(raw)
	}
	return float64((2*raw*total + answered) / (2 * answered))
}
