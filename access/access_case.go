package access

import "github.com/haven-dv/haven"

// decideCase is the rule for the case actions; ok is false
// for actions it does not know.
func decideCase(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	return Decision{}, false
}
