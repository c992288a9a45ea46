package store

// Key rotation for safety plans: every version's sealed content. Versions
// are never changed otherwise.
var planSealed = sealedColumns{{"safety_plans", "id", "sealed", safetyPlanAAD}}
