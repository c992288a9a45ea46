package access

import "github.com/haven-dv/haven"

// The resource directory (issue 7). Its records are public directory data
// (who helps, where, when), read by everyone through the HSDS API with the
// confidentiality rule applied by the store. Changing an agency's directory
// — an import — is for that agency's administrators and for a named system
// process (the CLI); exporting it with its confidential locations in full
// likewise.
const (
	DirectoryImport Action = "directory.import" // upsert an agency's records; Target.AgencyID the owning agency
	DirectoryExport Action = "directory.export" // export an agency's records; with confidential data only for the owner
)

// decideDirectory is the rule for the directory actions; ok is false for
// actions it does not know.
func decideDirectory(a haven.Actor, action Action, t Target) (d Decision, ok bool) {
	switch action {
	case DirectoryImport, DirectoryExport:
	default:
		return Decision{}, false
	}
	if a.System != "" {
		return Decision{Allow: true, Reason: "system process " + a.System, Basis: Basis{Kind: BasisSystem, ID: a.System}}, true
	}
	if t.AgencyID == "" {
		return deny("no agency named"), true
	}
	if (a.Role == haven.RoleAgencyAdmin || a.Role == haven.RoleSystemAdmin) && t.AgencyID == a.AgencyID {
		return Decision{Allow: true, Reason: "own agency", Basis: Basis{Kind: BasisOwnAgency}}, true
	}
	return deny("only the agency's administrators change or export its directory"), true
}
