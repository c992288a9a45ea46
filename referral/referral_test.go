package referral

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/haven-dv/haven"
)

const (
	sent       = haven.ReferralSent
	received   = haven.ReferralReceived
	accepted   = haven.ReferralAccepted
	declined   = haven.ReferralDeclined
	inProgress = haven.ReferralInProgress
	completed  = haven.ReferralCompleted
	closed     = haven.ReferralClosed
)

// TestNext checks every status × action: the steps the life cycle has,
// and the error of every other pair.
func TestNext(t *testing.T) {
	allowed := map[[2]string]string{
		{sent, Receive}:        received,
		{sent, Close}:          closed,
		{received, Accept}:     accepted,
		{received, Decline}:    declined,
		{received, Close}:      closed,
		{accepted, Start}:      inProgress,
		{accepted, Close}:      closed,
		{inProgress, Complete}: completed,
		{inProgress, Close}:    closed,
	}
	actions := append([]string{Receive}, UserActions...)
	n := 0
	for _, st := range Statuses {
		for _, a := range actions {
			got, err := Next(st, a)
			want, ok := allowed[[2]string{st, a}]
			switch {
			case ok && (err != nil || got != want):
				t.Errorf("Next(%s, %s) = %q, %v; want %q", st, a, got, err, want)
			case !ok && err == nil:
				t.Errorf("Next(%s, %s) = %q; want an error", st, a, got)
			case !ok && haven.ErrorCode(err) != haven.ECONFLICT:
				t.Errorf("Next(%s, %s): code %s, want conflict", st, a, haven.ErrorCode(err))
			}
			if ok {
				n++
			}
		}
	}
	if n != len(allowed) {
		t.Errorf("%d steps allowed, want %d", n, len(allowed))
	}
	for _, c := range []struct{ status, action, code, msg string }{
		{declined, Start, haven.ECONFLICT, "a referral that is declined cannot be started"},
		{completed, Close, haven.ECONFLICT, "a referral that is completed cannot be closed"},
		{inProgress, Accept, haven.ECONFLICT, "a referral that is in progress cannot be accepted"},
		{sent, Accept, haven.ECONFLICT, "a referral that is sent cannot be accepted"},
		{received, "approve", haven.EINVALID, `unknown action "approve": use accept, decline, start, complete or close`},
		{"lost", Accept, haven.ECONFLICT, `unknown referral status "lost"`},
	} {
		_, err := Next(c.status, c.action)
		if haven.ErrorCode(err) != c.code || haven.ErrorMessage(err) != c.msg {
			t.Errorf("Next(%s, %s) = %v; want %s %q", c.status, c.action, err, c.code, c.msg)
		}
	}
	for _, st := range Statuses {
		for _, a := range actions {
			if _, err := Next(st, a); Final(st) && err == nil {
				t.Errorf("final status %s moves on %s", st, a)
			}
		}
	}
}

// TestMay checks who may take each step: the table of the issue.
func TestMay(t *testing.T) {
	type key struct {
		p      Party
		status string
		action string
	}
	allowed := map[key]bool{
		{Receiver, sent, Receive}:        true,
		{Receiver, received, Accept}:     true,
		{Receiver, received, Decline}:    true,
		{Receiver, accepted, Start}:      true,
		{Receiver, accepted, Close}:      true,
		{Receiver, inProgress, Complete}: true,
		{Receiver, inProgress, Close}:    true,
		{Sender, sent, Close}:            true,
		{Sender, received, Close}:        true,
	}
	actions := append([]string{Receive}, UserActions...)
	for _, p := range []Party{Sender, Receiver, Tracker, "stranger"} {
		for _, st := range Statuses {
			for _, a := range actions {
				_, stepErr := Next(st, a)
				want := allowed[key{p, st, a}] || (p == Tracker && stepErr == nil)
				err := May(p, st, a)
				if (err == nil) != want {
					t.Errorf("May(%s, %s, %s) = %v; want allowed=%v", p, st, a, err, want)
				}
				// The other party's action is forbidden whatever the
				// status; otherwise a step that does not exist is the
				// step's own error, and one that does is forbidden.
				otherParty := p == "stranger" || (p == Sender && a != Close)
				switch {
				case err == nil:
				case otherParty || stepErr == nil:
					if haven.ErrorCode(err) != haven.EFORBIDDEN {
						t.Errorf("May(%s, %s, %s) = %v; want forbidden", p, st, a, err)
					}
				case haven.ErrorMessage(err) != haven.ErrorMessage(stepErr):
					t.Errorf("May(%s, %s, %s) = %v; want the step's own error %v", p, st, a, err, stepErr)
				}
			}
		}
	}
	if err := May(Receiver, received, "approve"); haven.ErrorCode(err) != haven.EINVALID {
		t.Errorf("unknown action: %v", err)
	}
	for _, c := range []struct {
		p              Party
		status, action string
		msg            string
	}{
		{Sender, received, Accept, "only the receiving agency can accept a referral"},
		{Sender, declined, Start, "only the receiving agency can start a referral"},
		{Sender, accepted, Close, "the sending agency can withdraw a referral only before it is accepted"},
		{Receiver, received, Close, "decline the referral instead: the receiving agency closes only a referral it has accepted"},
		{"stranger", received, Accept, "only the sending or the receiving agency acts on a referral"},
	} {
		if err := May(c.p, c.status, c.action); haven.ErrorMessage(err) != c.msg {
			t.Errorf("May(%s, %s, %s) = %v; want %q", c.p, c.status, c.action, err, c.msg)
		}
	}
}

// TestActions checks the buttons each party gets in each status.
func TestActions(t *testing.T) {
	for _, c := range []struct {
		p      Party
		status string
		want   []string
	}{
		{Receiver, sent, []string{Accept, Decline}},
		{Receiver, received, []string{Accept, Decline}},
		{Receiver, accepted, []string{Start, Close}},
		{Receiver, inProgress, []string{Complete, Close}},
		{Sender, sent, []string{Close}},
		{Sender, received, []string{Close}},
		{Sender, accepted, []string{}},
		{Sender, inProgress, []string{}},
		{Tracker, sent, []string{Accept, Decline, Close}},
		{Tracker, received, []string{Accept, Decline, Close}},
		{Tracker, accepted, []string{Start, Close}},
		{Tracker, inProgress, []string{Complete, Close}},
	} {
		if got := Actions(c.p, c.status); !slices.Equal(got, c.want) {
			t.Errorf("Actions(%s, %s) = %v, want %v", c.p, c.status, got, c.want)
		}
	}
	for _, p := range []Party{Sender, Receiver, Tracker} {
		for _, st := range []string{declined, completed, closed} {
			if got := Actions(p, st); len(got) != 0 {
				t.Errorf("Actions(%s, %s) = %v: a final status offers nothing", p, st, got)
			}
		}
	}
}

func TestNeedsAndReasons(t *testing.T) {
	for _, a := range UserActions {
		if want := a == Decline || a == Close; NeedsReason(a) != want {
			t.Errorf("NeedsReason(%s) = %v", a, !want)
		}
	}
	for _, n := range haven.CaseNeeds {
		if !ValidNeed(n) || !CaseNeed(n) {
			t.Errorf("case need %s", n)
		}
	}
	for _, n := range []string{"shelter", "hotline", "other"} {
		if !ValidNeed(n) || CaseNeed(n) {
			t.Errorf("need %s", n)
		}
	}
	if ValidNeed("Housing") || ValidNeed("") || ValidUrgency("soon") || !ValidUrgency("urgent") {
		t.Error("validation accepts what it should not")
	}
}

func ptr(t time.Time) *time.Time { return &t }

// TestTargets checks every target's deadline and its boundary: met up to
// and including the deadline, missed from the instant after.
func TestTargets(t *testing.T) {
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	acc := created.Add(5 * time.Hour)
	for _, c := range []struct {
		urgency  string
		ack, run time.Duration
	}{
		{haven.UrgencyEmergency, time.Hour, time.Hour},
		{haven.UrgencyUrgent, 24 * time.Hour, 48 * time.Hour},
		{haven.UrgencyRoutine, 72 * time.Hour, 7 * 24 * time.Hour},
		{"unknown", 72 * time.Hour, 7 * 24 * time.Hour}, // held to routine
	} {
		if got := AcknowledgeBy(created, c.urgency); !got.Equal(created.Add(c.ack)) {
			t.Errorf("AcknowledgeBy(%s) = %v", c.urgency, got)
		}
		if got := StartBy(acc, c.urgency); !got.Equal(acc.Add(c.run)) {
			t.Errorf("StartBy(%s) = %v", c.urgency, got)
		}
		for _, st := range []string{sent, received} {
			f := Fields{Status: st, Urgency: c.urgency, Created: created}
			checkBoundary(t, f, Target{TargetAcknowledge, created.Add(c.ack)})
		}
		f := Fields{Status: accepted, Urgency: c.urgency, Created: created, Accepted: ptr(acc)}
		checkBoundary(t, f, Target{TargetStart, acc.Add(c.run)})
		// No target once started, declined, completed or closed, however late.
		for _, st := range []string{inProgress, declined, completed, closed} {
			f := Fields{Status: st, Urgency: c.urgency, Created: created, Accepted: ptr(acc)}
			if tg, ok := Pending(f); ok {
				t.Errorf("%s %s: pending %v", c.urgency, st, tg)
			}
			if tg, ok := Overdue(f, created.AddDate(1, 0, 0)); ok {
				t.Errorf("%s %s: overdue %v", c.urgency, st, tg)
			}
		}
	}
}

func checkBoundary(t *testing.T, f Fields, want Target) {
	t.Helper()
	name := fmt.Sprintf("%s/%s", f.Urgency, f.Status)
	if got, ok := Pending(f); !ok || got != want {
		t.Errorf("%s: Pending = %v, %v; want %v", name, got, ok, want)
	}
	for _, c := range []struct {
		at      time.Time
		overdue bool
	}{
		{f.Created, false},
		{want.By.Add(-time.Second), false},
		{want.By, false},
		{want.By.Add(time.Nanosecond), true},
		{want.By.Add(time.Second), true},
		{want.By.AddDate(0, 1, 0), true},
	} {
		got, ok := Overdue(f, c.at)
		if ok != c.overdue || (ok && got != want) {
			t.Errorf("%s: Overdue at %v = %v, %v; want %v", name, c.at.Sub(want.By), got, ok, c.overdue)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct{ target, urgency, want string }{
		{TargetAcknowledge, haven.UrgencyEmergency, "accepted or declined within 1 hour"},
		{TargetAcknowledge, haven.UrgencyUrgent, "accepted or declined within 24 hours"},
		{TargetAcknowledge, haven.UrgencyRoutine, "accepted or declined within 72 hours"},
		{TargetStart, haven.UrgencyEmergency, "started within 1 hour of being accepted"},
		{TargetStart, haven.UrgencyUrgent, "started within 2 days of being accepted"},
		{TargetStart, haven.UrgencyRoutine, "started within 7 days of being accepted"},
		{"other", haven.UrgencyRoutine, ""},
	} {
		if got := Describe(c.target, c.urgency); got != c.want {
			t.Errorf("Describe(%s, %s) = %q, want %q", c.target, c.urgency, got, c.want)
		}
	}
}
