package web

// The public finder's expectations: the same page for everyone, signed in
// or not (the policy world's directory is empty, so it shows no results).

func init() {
	policyExpectations["GET /find"] = policyCase{Path: "/find?need=stay&area=Northgate", Want: everyone(200)}
}
