package access

import "github.com/haven-dv/haven"

// decideReferral is the rule for the referral actions; ok is false
// for actions it does not know.
func decideReferral(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	return Decision{}, false
}
