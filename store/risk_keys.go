package store

// Key rotation for risk data: the sealed values of assessments, hotline
// calls and queue tasks.
var riskSealed = sealedColumns{
	{"risk_assessments", "id", "sealed", riskAssessmentAAD},
	{"risk_hotline", "assessment_id", "note", riskHotlineAAD},
	{"risk_tasks", "id", "reason", riskTaskAAD},
}
