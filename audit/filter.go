package audit

import "time"

// Filter narrows a listing of the log. Empty fields do not filter.
type Filter struct {
	UserID    string
	RecordID  string
	Action    string // exact, or a prefix ending in "." ("person.")
	From, To  time.Time
	BeforeSeq int64 // for paging backwards: entries with a smaller seq
	Limit     int
}
