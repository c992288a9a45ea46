package web

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
)

// The audit viewer: GET /admin/audit (a page), /admin/audit.csv (an
// export) and /api/v1/audit (JSON), all with the same filters. The store's
// FindAudit decides who may look and scopes what they see (an agency
// administrator: entries by their agency's users or about its records).

// auditPageSize is how many entries a page of the viewer shows.
const auditPageSize = 100

// auditCSVBatch is how many entries the export reads at a time.
const auditCSVBatch = 5000

var auditActionRE = regexp.MustCompile(`^[a-z0-9_.]{1,100}$`)

// auditQuery is the filter as typed, to fill the form and build links.
type auditQuery struct {
	User, Record, Action, From, To string
	Before                         int64
}

// values returns q as query parameters; withBefore keeps the page position.
func (q auditQuery) values(withBefore bool) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": q.User, "record": q.Record, "action": q.Action, "from": q.From, "to": q.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if withBefore && q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	return v
}

// parseAuditDay reads a from/to bound: a date (YYYY-MM-DD) in loc, or, when
// exact is allowed (the API), an RFC 3339 time. A date as "to" includes the
// whole day.
func parseAuditDay(field, v string, loc *time.Location, exact bool) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		if field == "to" {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if exact {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t, nil
		}
		return time.Time{}, haven.FieldErrorf(haven.EINVALID, field, "%s must be a date as YYYY-MM-DD or an RFC 3339 time", field)
	}
	return time.Time{}, haven.FieldErrorf(haven.EINVALID, field, "%s must be a date as YYYY-MM-DD", field)
}

// auditFilter reads the filters from the query. Dates are days in loc (the
// agency's time zone); exact also accepts RFC 3339 times (the API).
func (s *Server) auditFilter(ctx context.Context, query url.Values, loc *time.Location, exact bool) (audit.Filter, auditQuery, error) {
	q := auditQuery{
		User:   strings.TrimSpace(query.Get("user")),
		Record: strings.TrimSpace(query.Get("record")),
		Action: strings.TrimSpace(query.Get("action")),
		From:   strings.TrimSpace(query.Get("from")),
		To:     strings.TrimSpace(query.Get("to")),
	}
	var f audit.Filter
	if b := strings.TrimSpace(query.Get("before")); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return f, q, haven.FieldErrorf(haven.EINVALID, "before", "before must be a positive entry number")
		}
		q.Before, f.BeforeSeq = n, n
	}
	if q.Record != "" {
		if len(q.Record) > 100 {
			return f, q, haven.FieldErrorf(haven.EINVALID, "record", "record must be a record id of at most 100 characters")
		}
		f.RecordID = q.Record
	}
	if q.Action != "" {
		if !auditActionRE.MatchString(q.Action) {
			return f, q, haven.FieldErrorf(haven.EINVALID, "action", `action must be an action such as person.read, or a prefix ending in "." such as person.`)
		}
		f.Action = q.Action
	}
	if q.From != "" {
		t, err := parseAuditDay("from", q.From, loc, exact)
		if err != nil {
			return f, q, err
		}
		f.From = t
	}
	if q.To != "" {
		t, err := parseAuditDay("to", q.To, loc, exact)
		if err != nil {
			return f, q, err
		}
		f.To = t
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, q, haven.FieldErrorf(haven.EINVALID, "to", "to must not be before from")
	}
	if q.User != "" {
		if len(q.User) > 200 {
			return f, q, haven.FieldErrorf(haven.EINVALID, "user", "no such user")
		}
		u, err := s.svc.Users.UserByUsername(ctx, q.User)
		switch haven.ErrorCode(err) {
		case "":
			f.UserID = u.ID
		case haven.ENOTFOUND, haven.EINVALID, haven.EFORBIDDEN:
			return f, q, haven.FieldErrorf(haven.EINVALID, "user", "no such user")
		default:
			return f, q, err
		}
	}
	return f, q, nil
}

// auditFilterErr answers for a filter that could not be read: someone who
// may not see the log at all learns that, not which filter was wrong.
func (s *Server) auditFilterErr(ctx context.Context, err error) error {
	if haven.ErrorCode(err) != haven.EINVALID {
		return err
	}
	if _, aerr := s.svc.Audit.FindAudit(ctx, audit.Filter{Limit: 1}); aerr != nil {
		return aerr
	}
	return err
}

// breakGlassEntry reports an entry made under, or opening, emergency access.
func breakGlassEntry(e audit.Entry) bool {
	return strings.HasPrefix(e.Basis, "break_glass") || e.Details["break_glass"] == "true"
}

// auditTime is how the viewer and the export show a time.
const auditTime = "2006-01-02 15:04:05 MST"

type auditRow struct {
	audit.Entry
	When       string
	BreakGlass bool
}

type auditPageData struct {
	Query   auditQuery
	Rows    []auditRow
	Older   string // link to the next page of older entries, if any
	Newest  string // link back to the first page, when paging
	CSV     string // the export with the same filters
	Loc     string // the time zone times are shown in
	Checked bool   // the page was asked for with filters
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, me *haven.User, status int, p *page, d auditPageData) {
	d.Loc = me.Agency.Location().String()
	d.CSV = "/admin/audit.csv"
	if v := d.Query.values(false); len(v) > 0 {
		d.CSV += "?" + v.Encode()
	}
	p.Title, p.Me, p.Data = "Audit log", me, d
	s.render(w, r, status, "audit", p)
}

func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	loc := me.Agency.Location()
	f, q, err := s.auditFilter(ctx, r.URL.Query(), loc, false)
	if err != nil {
		if err = s.auditFilterErr(ctx, err); haven.ErrorCode(err) != haven.EINVALID {
			s.fail(w, r, err)
			return
		}
		s.auditPage(w, r, me, ErrorStatus(err), &page{Error: haven.ErrorMessage(err), Field: haven.ErrorField(err)}, auditPageData{Query: q})
		return
	}
	f.Limit = auditPageSize + 1
	entries, err := s.svc.Audit.FindAudit(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditPageData{Query: q, Checked: len(q.values(true)) > 0}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		older := q
		older.Before = entries[len(entries)-1].Seq
		d.Older = "/admin/audit?" + older.values(true).Encode()
	}
	if q.Before > 0 {
		d.Newest = "/admin/audit"
		if v := q.values(false); len(v) > 0 {
			d.Newest += "?" + v.Encode()
		}
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, auditRow{Entry: e, When: e.At.In(loc).Format(auditTime), BreakGlass: breakGlassEntry(e)})
	}
	s.auditPage(w, r, me, http.StatusOK, &page{}, d)
}

// csvSafe neutralises a cell a spreadsheet would run as a formula: one that
// starts with =, +, -, @ (or a tab or carriage return, which some read
// past) gets a leading single quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var auditCSVHeader = []string{"seq", "time", "actor", "actor_user_id", "actor_agency_id", "role", "via", "action", "outcome",
	"record_type", "record_id", "record_agency_id", "basis", "reason", "break_glass", "details", "request_id", "client_ip", "hash"}

// detailsText writes details as "key=value" pairs in key order.
func detailsText(d map[string]string) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + d[k]
	}
	return strings.Join(parts, "; ")
}

func auditCSVRecord(e audit.Entry, loc *time.Location) []string {
	rec := []string{strconv.FormatInt(e.Seq, 10), e.At.In(loc).Format(time.RFC3339), e.ActorName, e.ActorUserID, e.ActorAgencyID,
		e.Role, e.Via, e.Action, e.Outcome, e.RecordType, e.RecordID, e.RecordAgencyID, e.Basis, e.Reason,
		strconv.FormatBool(breakGlassEntry(e)), detailsText(e.Details), e.RequestID, e.ClientIP, e.Hash}
	for i, c := range rec {
		rec[i] = csvSafe(c)
	}
	return rec
}

// handleAuditCSV exports every entry the filters select, newest first.
func (s *Server) handleAuditCSV(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	loc := me.Agency.Location()
	f, _, err := s.auditFilter(ctx, r.URL.Query(), loc, false)
	if err != nil {
		s.fail(w, r, s.auditFilterErr(ctx, err))
		return
	}
	f.Limit = auditCSVBatch
	// The first batch is read before anything is written, so a refusal is
	// a clean error page.
	entries, err := s.svc.Audit.FindAudit(ctx, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "haven-audit-" + time.Now().In(loc).Format("20060102-150405") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	cw.Write(auditCSVHeader)
	for {
		for _, e := range entries {
			cw.Write(auditCSVRecord(e, loc))
		}
		if len(entries) < auditCSVBatch {
			break
		}
		f.BeforeSeq = entries[len(entries)-1].Seq
		if entries, err = s.svc.Audit.FindAudit(ctx, f); err != nil {
			// Half an export must not pass for a whole one: break the
			// connection, so the download fails visibly.
			s.log.ErrorContext(ctx, "audit export failed", "request_id", requestID(ctx), "err", err.Error())
			cw.Flush()
			panic(http.ErrAbortHandler)
		}
	}
	cw.Flush()
}

// auditEntryJSON is an audit entry in the API.
type auditEntryJSON struct {
	Seq            int64             `json:"seq"`
	ID             string            `json:"id"`
	At             time.Time         `json:"at"`
	ActorUserID    string            `json:"actor_user_id"`
	ActorName      string            `json:"actor_name"`
	ActorAgencyID  string            `json:"actor_agency_id"`
	Role           string            `json:"role"`
	Via            string            `json:"via"`
	Action         string            `json:"action"`
	Outcome        string            `json:"outcome"`
	RecordType     string            `json:"record_type"`
	RecordID       string            `json:"record_id"`
	RecordAgencyID string            `json:"record_agency_id"`
	Basis          string            `json:"basis"`
	Reason         string            `json:"reason"`
	BreakGlass     bool              `json:"break_glass"`
	RequestID      string            `json:"request_id"`
	ClientIP       string            `json:"client_ip"`
	Details        map[string]string `json:"details"`
	PrevHash       string            `json:"prev_hash"`
	Hash           string            `json:"hash"`
}

func auditJSON(e audit.Entry) auditEntryJSON {
	d := e.Details
	if d == nil {
		d = map[string]string{}
	}
	return auditEntryJSON{Seq: e.Seq, ID: e.ID, At: e.At.UTC(), ActorUserID: e.ActorUserID, ActorName: e.ActorName,
		ActorAgencyID: e.ActorAgencyID, Role: e.Role, Via: e.Via, Action: e.Action, Outcome: e.Outcome,
		RecordType: e.RecordType, RecordID: e.RecordID, RecordAgencyID: e.RecordAgencyID, Basis: e.Basis, Reason: e.Reason,
		BreakGlass: breakGlassEntry(e), RequestID: e.RequestID, ClientIP: e.ClientIP, Details: d, PrevHash: e.PrevHash, Hash: e.Hash}
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	me, err := s.svc.Users.UserByID(ctx, haven.ActorFromContext(ctx).UserID)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	query := r.URL.Query()
	f, _, err := s.auditFilter(ctx, query, me.Agency.Location(), true)
	if err == nil {
		f.Limit = auditPageSize
		if l := strings.TrimSpace(query.Get("limit")); l != "" {
			n, perr := strconv.Atoi(l)
			if perr != nil || n < 1 || n > 1000 {
				err = haven.FieldErrorf(haven.EINVALID, "limit", "limit must be a whole number from 1 to 1000")
			}
			f.Limit = n
		}
	}
	if err != nil {
		s.apiErr(w, r, s.auditFilterErr(ctx, err))
		return
	}
	entries, err := s.svc.Audit.FindAudit(ctx, f)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	out := make([]auditEntryJSON, len(entries))
	for i, e := range entries {
		out[i] = auditJSON(e)
	}
	writeJSON(w, http.StatusOK, list(out))
}
