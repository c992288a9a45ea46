// Package referral is the life cycle of a closed-loop referral and its
// service-level targets. It is pure: no I/O and no clock; the store asks
// it inside its transactions and the web layer asks it which buttons to
// show.
//
// The life cycle:
//
//	sent → received → accepted → in_progress → completed
//	                ↘ declined              ↘ closed
//
// received is automatic: the receiving agency's first read. The receiving
// agency accepts or declines (with a reason), starts, completes, and may
// close an accepted or started referral (with a reason). The sending
// agency may close (withdraw, with a reason) a referral that is still sent
// or received. declined, completed and closed are final.
package referral

import (
	"slices"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// Actions move a referral from one status to the next.
const (
	Receive  = "receive" // automatic: the receiving agency's first read
	Accept   = "accept"
	Decline  = "decline" // with a reason
	Start    = "start"
	Complete = "complete"
	Close    = "close" // with a reason; by the sender a withdrawal
)

// Statuses lists every status in the order of the life cycle.
var Statuses = []string{haven.ReferralSent, haven.ReferralReceived, haven.ReferralAccepted, haven.ReferralDeclined,
	haven.ReferralInProgress, haven.ReferralCompleted, haven.ReferralClosed}

// UserActions are the actions people take, in the order they are offered
// (receive happens on its own).
var UserActions = []string{Accept, Decline, Start, Complete, Close}

// Urgencies lists the urgencies, most urgent first.
var Urgencies = []string{haven.UrgencyEmergency, haven.UrgencyUrgent, haven.UrgencyRoutine}

// step is one edge of the life cycle.
type step struct{ from, action string }

var next = map[step]string{
	{haven.ReferralSent, Receive}:        haven.ReferralReceived,
	{haven.ReferralReceived, Accept}:     haven.ReferralAccepted,
	{haven.ReferralReceived, Decline}:    haven.ReferralDeclined,
	{haven.ReferralAccepted, Start}:      haven.ReferralInProgress,
	{haven.ReferralInProgress, Complete}: haven.ReferralCompleted,
	{haven.ReferralSent, Close}:          haven.ReferralClosed,
	{haven.ReferralReceived, Close}:      haven.ReferralClosed,
	{haven.ReferralAccepted, Close}:      haven.ReferralClosed,
	{haven.ReferralInProgress, Close}:    haven.ReferralClosed,
}

// verbs say an action in a sentence: "a referral that is declined cannot
// be started".
var verbs = map[string]string{Receive: "received", Accept: "accepted", Decline: "declined", Start: "started",
	Complete: "completed", Close: "closed"}

// ValidStatus reports whether s is a status.
func ValidStatus(s string) bool { return slices.Contains(Statuses, s) }

// ValidUrgency reports whether u is an urgency.
func ValidUrgency(u string) bool { return slices.Contains(Urgencies, u) }

// Final reports whether a referral in status s can no longer move.
func Final(s string) bool {
	return s == haven.ReferralDeclined || s == haven.ReferralCompleted || s == haven.ReferralClosed
}

// NeedsReason reports whether action must say why.
func NeedsReason(action string) bool { return action == Decline || action == Close }

// Next is the status action leads to from status, or an error saying why
// it cannot be taken: an unknown action is invalid, a step the life cycle
// does not have is a conflict.
func Next(status, action string) (string, error) {
	if _, ok := verbs[action]; !ok {
		return "", haven.FieldErrorf(haven.EINVALID, "action", "unknown action %q: use accept, decline, start, complete or close", action)
	}
	if !ValidStatus(status) {
		return "", haven.Errorf(haven.ECONFLICT, "unknown referral status %q", status)
	}
	if to, ok := next[step{status, action}]; ok {
		return to, nil
	}
	return "", haven.Errorf(haven.ECONFLICT, "a referral that is %s cannot be %s", words(status), verbs[action])
}

// words is a status as written in a sentence.
func words(status string) string { return strings.ReplaceAll(status, "_", " ") }

// Party is who acts on a referral.
type Party string

const (
	// Sender is the referring agency.
	Sender Party = "sender"
	// Receiver is the agency referred to.
	Receiver Party = "receiver"
	// Tracker is the sender of a referral to a directory service, which
	// has no agency in Haven: the sender records the service's answers
	// as well as its own.
	Tracker Party = "tracker"
)

// who says which party takes each step (a tracker takes every step).
var who = map[step]Party{
	{haven.ReferralSent, Receive}:        Receiver,
	{haven.ReferralReceived, Accept}:     Receiver,
	{haven.ReferralReceived, Decline}:    Receiver,
	{haven.ReferralAccepted, Start}:      Receiver,
	{haven.ReferralInProgress, Complete}: Receiver,
	{haven.ReferralAccepted, Close}:      Receiver,
	{haven.ReferralInProgress, Close}:    Receiver,
	{haven.ReferralSent, Close}:          Sender, // a withdrawal
	{haven.ReferralReceived, Close}:      Sender, // a withdrawal
}

// May says whether party p may take action on a referral in status: nil,
// or an error saying why not. The other party's action is forbidden
// whatever the status; a step the life cycle does not have is a conflict
// (an unknown action invalid).
func May(p Party, status, action string) error {
	if _, ok := verbs[action]; !ok {
		_, err := Next(status, action)
		return err
	}
	switch p {
	case Sender:
		if action != Close {
			return haven.Errorf(haven.EFORBIDDEN, "only the receiving agency can %s a referral", action)
		}
	case Receiver, Tracker:
	default:
		return haven.Errorf(haven.EFORBIDDEN, "only the sending or the receiving agency acts on a referral")
	}
	if _, err := Next(status, action); err != nil {
		return err
	}
	if p == Tracker || who[step{status, action}] == p {
		return nil
	}
	if p == Sender {
		return haven.Errorf(haven.EFORBIDDEN, "the sending agency can withdraw a referral only before it is accepted")
	}
	return haven.Errorf(haven.EFORBIDDEN, "decline the referral instead: the receiving agency closes only a referral it has accepted")
}

// Actions lists what p may do to a referral in status, in UserActions
// order: the buttons to offer. For a receiver (or a tracker) a sent
// referral offers what a received one does: acting on it receives it
// first.
func Actions(p Party, status string) []string {
	out := []string{}
	for _, a := range UserActions {
		st := status
		if p != Sender && st == haven.ReferralSent && a != Close {
			st = haven.ReferralReceived
		}
		if May(p, st, a) == nil {
			out = append(out, a)
		}
	}
	return out
}

// ---- service-level targets ----

// Targets are how long each urgency allows: to acknowledge (accept or
// decline) after the referral is sent, and to start after it is accepted.
var targets = map[string]struct{ acknowledge, start time.Duration }{
	haven.UrgencyEmergency: {time.Hour, time.Hour},
	haven.UrgencyUrgent:    {24 * time.Hour, 48 * time.Hour},
	haven.UrgencyRoutine:   {72 * time.Hour, 7 * 24 * time.Hour},
}

// Target names.
const (
	TargetAcknowledge = "acknowledge" // accepted or declined
	TargetStart       = "start"       // in progress, once accepted
)

// AcknowledgeBy is when a referral sent at created with urgency must be
// accepted or declined. An unknown urgency is held to the routine target.
func AcknowledgeBy(created time.Time, urgency string) time.Time {
	return created.Add(durations(urgency).acknowledge)
}

// StartBy is when a referral accepted at accepted must be in progress.
func StartBy(accepted time.Time, urgency string) time.Time {
	return accepted.Add(durations(urgency).start)
}

func durations(urgency string) struct{ acknowledge, start time.Duration } {
	if d, ok := targets[urgency]; ok {
		return d
	}
	return targets[haven.UrgencyRoutine]
}

// Fields are what the targets are computed from.
type Fields struct {
	Status   string
	Urgency  string
	Created  time.Time  // when it was sent
	Accepted *time.Time // when it was accepted, if it was
}

// Target is a service-level target a referral is waiting on.
type Target struct {
	Name string    // TargetAcknowledge or TargetStart
	By   time.Time // the deadline
}

// Pending is the target the referral is waiting on in its status: to be
// acknowledged while sent or received, to be started while accepted;
// none otherwise.
func Pending(f Fields) (Target, bool) {
	switch f.Status {
	case haven.ReferralSent, haven.ReferralReceived:
		return Target{TargetAcknowledge, AcknowledgeBy(f.Created, f.Urgency)}, true
	case haven.ReferralAccepted:
		at := f.Created
		if f.Accepted != nil {
			at = *f.Accepted
		}
		return Target{TargetStart, StartBy(at, f.Urgency)}, true
	}
	return Target{}, false
}

// Overdue reports the target the referral has missed at now, if any. A
// target is met up to and including its deadline: the referral is overdue
// from the first instant after it.
func Overdue(f Fields, now time.Time) (Target, bool) {
	t, ok := Pending(f)
	if !ok || !now.After(t.By) {
		return Target{}, false
	}
	return t, true
}

// targetWords are the targets in words, per urgency.
var targetWords = map[string]struct{ acknowledge, start string }{
	haven.UrgencyEmergency: {"1 hour", "1 hour"},
	haven.UrgencyUrgent:    {"24 hours", "2 days"},
	haven.UrgencyRoutine:   {"72 hours", "7 days"},
}

// Describe says a target in words: "accepted or declined within 24 hours".
func Describe(target, urgency string) string {
	w, ok := targetWords[urgency]
	if !ok {
		w = targetWords[haven.UrgencyRoutine]
	}
	switch target {
	case TargetAcknowledge:
		return "accepted or declined within " + w.acknowledge
	case TargetStart:
		return "started within " + w.start + " of being accepted"
	}
	return ""
}

// Needs are what a referral is for: the needs a survivor case records,
// and shelter, the hotline and anything else.
var Needs = append(append([]string{}, haven.CaseNeeds...), "shelter", "hotline", "other")

// ValidNeed reports whether n is one of Needs.
func ValidNeed(n string) bool { return slices.Contains(Needs, n) }

// CaseNeed reports whether n is a need a survivor case records, so that a
// case opened from the referral starts with it.
func CaseNeed(n string) bool { return slices.Contains(haven.CaseNeeds, n) }
