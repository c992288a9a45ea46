package access

import "github.com/haven-dv/haven"

// decideConsent is the rule for the consent actions; ok is false
// for actions it does not know.
func decideConsent(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	return Decision{}, false
}
