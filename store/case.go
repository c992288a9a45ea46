package store

import (
	"context"

	"github.com/haven-dv/haven"
)

// STUB: replaced by the real implementation.

var _ haven.CaseService = (*DB)(nil)

func (db *DB) CreateCase(ctx context.Context, in haven.CaseInput) (*haven.Case, error) {
	return nil, notBuilt()
}

func (db *DB) Case(ctx context.Context, id string) (*haven.Case, error) { return nil, notBuilt() }

func (db *DB) UpdateCase(ctx context.Context, id string, p haven.CasePatch) (*haven.Case, error) {
	return nil, notBuilt()
}

func (db *DB) FindCases(ctx context.Context, f haven.CaseFilter) ([]*haven.Case, error) {
	return nil, notBuilt()
}

func (db *DB) Caseloads(ctx context.Context) ([]haven.CaseloadRow, error) { return nil, notBuilt() }

func (db *DB) AddService(ctx context.Context, caseID string, sd haven.ServiceDelivered) (*haven.ServiceDelivered, error) {
	return nil, notBuilt()
}

func (db *DB) Services(ctx context.Context, caseID string) ([]haven.ServiceDelivered, error) {
	return nil, notBuilt()
}

func (db *DB) AddNote(ctx context.Context, caseID, text string) (*haven.CaseNote, error) {
	return nil, notBuilt()
}

func (db *DB) Notes(ctx context.Context, caseID string) ([]haven.CaseNote, error) {
	return nil, notBuilt()
}

func (db *DB) AddTask(ctx context.Context, caseID string, ct haven.CaseTask) (*haven.CaseTask, error) {
	return nil, notBuilt()
}

func (db *DB) CompleteTask(ctx context.Context, taskID string) (*haven.CaseTask, error) {
	return nil, notBuilt()
}

func (db *DB) Tasks(ctx context.Context, caseID string) ([]haven.CaseTask, error) {
	return nil, notBuilt()
}

func (db *DB) Reminders(ctx context.Context) ([]haven.CaseTask, error) { return nil, notBuilt() }

func (db *DB) AddCourtDate(ctx context.Context, caseID string, c haven.CourtDate) (*haven.CourtDate, error) {
	return nil, notBuilt()
}

func (db *DB) CourtDates(ctx context.Context, caseID string) ([]haven.CourtDate, error) {
	return nil, notBuilt()
}

func (db *DB) AddDocument(ctx context.Context, caseID string, d haven.CaseDocument, body []byte) (*haven.CaseDocument, error) {
	return nil, notBuilt()
}

func (db *DB) Documents(ctx context.Context, caseID string) ([]haven.CaseDocument, error) {
	return nil, notBuilt()
}

func (db *DB) OpenCaseFromRiskTask(ctx context.Context, taskID string) (*haven.Case, error) {
	return nil, notBuilt()
}

func (db *DB) Document(ctx context.Context, id string) (*haven.CaseDocument, []byte, error) {
	return nil, nil, notBuilt()
}

// openCase opens a case in t for the actor's agency (STUB, the cases
// feature replaces it). When sourcePersonID is set (another agency's
// record of the person), it first creates the agency's own person record
// from what the actor may see of that record (under the survivor's
// consent) and links it; in.PersonID is then ignored. referralID and
// riskTaskID record where the case came from. Audited inside t.
func (db *DB) openCase(ctx context.Context, t *tx, actor haven.Actor, in haven.CaseInput, sourcePersonID, referralID, riskTaskID string) (*haven.Case, error) {
	return nil, notBuilt()
}
