package store

// Key rotation for referrals: the sealed notes of referrals and the sealed
// reasons of their steps.
var referralSealed = sealedColumns{
	{"referrals", "id", "notes", referralNotesAAD},
	{"referral_transitions", "id", "reason", referralReasonAAD},
}
