package haven

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// EvidenceKind is what sort of thing an evidence item is.
type EvidenceKind string

const (
	EvidencePhoto    EvidenceKind = "photo"
	EvidenceDocument EvidenceKind = "document"
	EvidenceAudio    EvidenceKind = "audio"
	EvidenceVideo    EvidenceKind = "video"
	EvidencePhysical EvidenceKind = "physical" // a physical item: no file, only its record and custody
)

// ETOOLARGE is the error code of an upload over its kind's size limit
// (HTTP 413).
const ETOOLARGE = "too_large"

// EvidenceRule is one kind's limits: the largest file it may have and the
// content types accepted for it. Content types are detected from the
// file's bytes, never taken from the client's word; for the few audio and
// video formats the bytes do not settle, the file name's extension decides
// among the types the bytes allow.
type EvidenceRule struct {
	Kind    EvidenceKind
	Label   string   // for forms: "Photo"
	MaxSize int64    // bytes; 0: the kind has no file
	Types   []string // accepted content types
	Accept  string   // the HTML file input's accept attribute
}

// EvidenceRules is the one table of evidence kinds, their size limits and
// accepted types, in display order. Uploads larger than MaxSize are
// refused with ETOOLARGE while they stream, before the rest is read.
var EvidenceRules = []EvidenceRule{
	{Kind: EvidencePhoto, Label: "Photo", MaxSize: 25 << 20,
		Types: []string{"image/jpeg", "image/png", "image/gif", "image/webp"}, Accept: "image/*"},
	{Kind: EvidenceDocument, Label: "Document", MaxSize: 25 << 20,
		Types: []string{"application/pdf", "text/plain"}, Accept: "application/pdf,text/plain,.pdf,.txt"},
	{Kind: EvidenceAudio, Label: "Audio recording", MaxSize: 200 << 20,
		Types: []string{"audio/mpeg", "audio/wav", "audio/ogg", "audio/mp4"}, Accept: "audio/*,.mp3,.m4a,.wav,.ogg,.oga"},
	{Kind: EvidenceVideo, Label: "Video", MaxSize: 500 << 20,
		Types: []string{"video/mp4", "video/webm", "video/quicktime"}, Accept: "video/*,.mp4,.m4v,.mov,.webm"},
	{Kind: EvidencePhysical, Label: "Physical item"},
}

// MaxEvidenceSize is the largest file of any kind.
const MaxEvidenceSize = 500 << 20

// Rule returns the kind's rule; ok is false for an unknown kind.
func (k EvidenceKind) Rule() (EvidenceRule, bool) {
	for _, r := range EvidenceRules {
		if r.Kind == k {
			return r, true
		}
	}
	return EvidenceRule{}, false
}

// TooLarge is the error of a file over the rule's limit: ETOOLARGE on
// the field "file".
func (r EvidenceRule) TooLarge() error {
	limit := fmt.Sprintf("%d bytes", r.MaxSize)
	if r.MaxSize >= 1<<20 && r.MaxSize%(1<<20) == 0 {
		limit = fmt.Sprintf("%d MiB", r.MaxSize>>20)
	}
	return &Error{Code: ETOOLARGE, Field: "file", Message: fmt.Sprintf("the file is larger than %s, the limit for a %s", limit, strings.ToLower(r.Label))}
}

// HasFile reports whether items of the kind carry a file.
func (k EvidenceKind) HasFile() bool {
	r, ok := k.Rule()
	return ok && r.MaxSize > 0
}

// EvidenceItem is one piece of evidence in an incident: a photo, a
// document, a recording, a video, or a physical item held by the agency.
// The description and the file name are sealed at rest, as are the file's
// bytes and its thumbnail.
type EvidenceItem struct {
	ID          string       `json:"id"`
	IncidentID  string       `json:"incident_id"`
	AgencyID    string       `json:"agency_id"`
	Kind        EvidenceKind `json:"kind"`
	Description string       `json:"description"` // sealed
	// CollectedBy is who collected it: the collecting officer's user id
	// (the uploader when not given) or, for a system process, its name.
	CollectedBy string    `json:"collected_by"`
	CollectedAt time.Time `json:"collected_at"`

	FileName    string `json:"file_name,omitempty"`    // sealed; as uploaded, without any directory
	ContentType string `json:"content_type,omitempty"` // detected from the bytes at upload
	Size        int64  `json:"size"`
	// SHA256 is the hex SHA-256 of the file's bytes, computed as they were
	// uploaded, so that integrity can be shown later (VerifyEvidence).
	SHA256       string `json:"sha256,omitempty"`
	HasFile      bool   `json:"has_file"`
	HasThumbnail bool   `json:"has_thumbnail"`

	// Custodian is who holds the item now: the last transfer's recipient,
	// or the collector. Released is set once it has left the agency's custody.
	Custodian string `json:"custodian"`
	Released  bool   `json:"released"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// CustodyAction is one kind of chain-of-custody event.
type CustodyAction string

const (
	CustodyCollected   CustodyAction = "collected"
	CustodyUploaded    CustodyAction = "uploaded"
	CustodyViewed      CustodyAction = "viewed" // the thumbnail was shown
	CustodyDownloaded  CustodyAction = "downloaded"
	CustodyTransferred CustodyAction = "transferred"
	CustodyReleased    CustodyAction = "released"
)

// CustodyEvent is one entry of an item's chain of custody: every
// collection, upload, access, transfer and release. From, To and Note are
// sealed at rest.
type CustodyEvent struct {
	ID     string        `json:"id"`
	At     time.Time     `json:"at"`
	By     string        `json:"by"`      // user id, or system:<name>
	ByName string        `json:"by_name"` // username at the time
	Action CustodyAction `json:"action"`
	From   string        `json:"from,omitempty"`
	To     string        `json:"to,omitempty"`
	Note   string        `json:"note,omitempty"`
}

// EvidenceVerification is the result of recomputing a file's SHA-256.
type EvidenceVerification struct {
	EvidenceID string    `json:"evidence_id"`
	Recorded   string    `json:"recorded_sha256"`
	Computed   string    `json:"computed_sha256"`
	Size       int64     `json:"size"`
	Match      bool      `json:"match"`
	Problem    string    `json:"problem,omitempty"` // why not, when it does not match
	CheckedAt  time.Time `json:"checked_at"`
}

// EvidenceService keeps evidence items, their sealed files and their chain
// of custody. Whoever may see the incident may see its evidence; for
// anyone else an item, like its incident, does not exist.
type EvidenceService interface {
	// AddEvidence records item for the incident and stores file (nil for
	// physical items), streaming it: its size and type are checked as it
	// is read, its SHA-256 computed, and it is sealed chunk by chunk.
	AddEvidence(ctx context.Context, incidentID string, item *EvidenceItem, file io.Reader) (*EvidenceItem, error)
	ListEvidence(ctx context.Context, incidentID string) ([]*EvidenceItem, error)
	Evidence(ctx context.Context, id string) (*EvidenceItem, error)
	// OpenEvidenceFile records a "downloaded" custody event and an audit
	// entry, then returns the item and a reader of its file. The reader
	// checks the SHA-256 as it goes and, on a mismatch, fails instead of
	// returning the last chunk.
	OpenEvidenceFile(ctx context.Context, id string) (*EvidenceItem, io.ReadCloser, error)
	// Thumbnail records a "viewed" custody event and returns a photo's
	// JPEG thumbnail.
	Thumbnail(ctx context.Context, id string) ([]byte, error)
	// TransferCustody hands the item to someone (a person, a unit, a lab).
	TransferCustody(ctx context.Context, id, to, note string) (*CustodyEvent, error)
	// ReleaseEvidence records that the item left the agency's custody (to
	// its owner, a court); it cannot be transferred after that.
	ReleaseEvidence(ctx context.Context, id, to, note string) (*CustodyEvent, error)
	Custody(ctx context.Context, id string) ([]CustodyEvent, error)
	// VerifyEvidence recomputes the file's SHA-256 and compares it with the
	// one recorded at upload.
	VerifyEvidence(ctx context.Context, id string) (*EvidenceVerification, error)
}
