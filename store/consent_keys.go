package store

// Key rotation for consents: the sealed purpose, witness and revoke reason
// of each grant, one value per row. A grant revoked during a rotation is
// sealed afresh under the current key and left alone by it.
var consentSealed = sealedColumns{{"consents", "id", "sealed", consentAAD}}
