package access

import "github.com/haven-dv/haven"

// decidePlan is the rule for the plan actions; ok is false
// for actions it does not know.
func decidePlan(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	return Decision{}, false
}
