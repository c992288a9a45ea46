package web

import (
	"bufio"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// Evidence handlers. Uploads are multipart/form-data with the fields
// kind, description, collected_at and collected_by first and the file
// last; the file is streamed to the store, which seals it chunk by chunk,
// so a video is never held in memory. A physical item, which has no file,
// may also be sent as JSON (API) or as a plain form.

const (
	// uploadFieldMax bounds one form field before the file.
	uploadFieldMax = 32 << 10
	// uploadFieldsMax bounds how many fields may come before the file.
	uploadFieldsMax = 20
	// uploadSlack is the multipart framing allowed around the file.
	uploadSlack = 64 << 10
	// uploadTimeout replaces the server's read and write timeouts for an
	// upload or a download: a video on a phone's connection takes minutes.
	uploadTimeout = 30 * time.Minute
)

// isStreamedUpload reports whether a request is a file upload (evidence of
// an incident, a document of a case), whose body is streamed and limited
// by its handler rather than by observe.
func isStreamedUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v1")
	for _, u := range []struct{ prefix, tail string }{{"/incidents/", "evidence"}, {"/cases/", "documents"}} {
		if rest, ok := strings.CutPrefix(path, u.prefix); ok {
			id, tail, ok := strings.Cut(rest, "/")
			return ok && id != "" && tail == u.tail
		}
	}
	return false
}

// limitedBody is a request body whose limit is tightened once the form
// has said what kind of file follows: http.MaxBytesReader per kind.
type limitedBody struct {
	w   http.ResponseWriter
	raw io.Reader
	cur io.Reader
}

func (b *limitedBody) Read(p []byte) (int, error) { return b.cur.Read(p) }

// limit allows n more bytes from here on.
func (b *limitedBody) limit(n int64) {
	b.cur = http.MaxBytesReader(b.w, io.NopCloser(b.raw), n)
}

// evidencePart reads the file part, enforcing the kind's size limit as it
// streams and turning the body limit's error into the same "too large".
type evidencePart struct {
	r    io.Reader
	rule haven.EvidenceRule
	n    int64
}

func (p *evidencePart) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.n > p.rule.MaxSize {
		return n, p.rule.TooLarge()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return n, p.rule.TooLarge()
	}
	return n, err
}

// evidenceForm is what the upload form sent, to show it again after an
// error (the file itself cannot be).
type evidenceForm struct {
	Which       string // "photo" (the camera form) or "other"
	Kind        string
	Description string
	CollectedAt string
	CollectedBy string
}

func (f *evidenceForm) fill(v url.Values) {
	f.Which, f.Kind, f.Description = v.Get("form"), v.Get("kind"), v.Get("description")
	f.CollectedAt, f.CollectedBy = v.Get("collected_at"), v.Get("collected_by")
}

// evidenceInput is the JSON body of a physical item.
type evidenceInput struct {
	Kind        string `json:"kind"`
	Description string `json:"description"`
	CollectedAt string `json:"collected_at"`
	CollectedBy string `json:"collected_by"`
}

// item turns the form's fields into an item. collected_at is RFC 3339, or
// (from the page's datetime-local input) a local time in loc.
func (f *evidenceForm) item(loc *time.Location) (*haven.EvidenceItem, haven.EvidenceRule, error) {
	kind := haven.EvidenceKind(strings.ToLower(strings.TrimSpace(f.Kind)))
	rule, ok := kind.Rule()
	if !ok {
		return nil, rule, haven.FieldErrorf(haven.EINVALID, "kind", "kind must be photo, document, audio, video or physical")
	}
	it := &haven.EvidenceItem{Kind: kind, Description: f.Description, CollectedBy: f.CollectedBy}
	if at := strings.TrimSpace(f.CollectedAt); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil && loc != nil {
			for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
				if t, err = time.ParseInLocation(layout, at, loc); err == nil {
					break
				}
			}
		}
		if err != nil {
			return nil, rule, haven.FieldErrorf(haven.EINVALID, "collected_at", "collected_at must be a date and time such as 2026-03-01T14:30:00-06:00")
		}
		it.CollectedAt = t
	}
	return it, rule, nil
}

// uploadCSRF checks the CSRF token of a cookie-borne upload, which guard
// leaves to the handler: from X-CSRF-Token, or for pages from the form
// field that came before the file.
func uploadCSRF(r *http.Request, formToken string) error {
	sess := sessionFrom(r.Context())
	if sess == nil {
		return nil // a bearer token: no cookie, no cross-site forgery
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && !strings.HasPrefix(r.URL.Path, "/api/") {
		got = formToken
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
		return haven.Errorf(haven.EFORBIDDEN, "the form has expired; reload the page and try again")
	}
	return nil
}

// receiveEvidence reads an upload and hands it to the store. loc is the
// time zone of a datetime-local collected_at (pages only).
func (s *Server) receiveEvidence(w http.ResponseWriter, r *http.Request, incidentID string, loc *time.Location, form *evidenceForm) (*haven.EvidenceItem, error) {
	ctx := r.Context()
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	_ = rc.SetWriteDeadline(time.Now().Add(uploadTimeout))
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		var in evidenceInput
		if err := decodeJSON(r, &in); err != nil {
			return nil, err
		}
		if err := uploadCSRF(r, ""); err != nil {
			return nil, err
		}
		*form = evidenceForm{Kind: in.Kind, Description: in.Description, CollectedAt: in.CollectedAt, CollectedBy: in.CollectedBy}
		it, _, err := form.item(nil)
		if err != nil {
			return nil, err
		}
		return s.svc.Evidence.AddEvidence(ctx, incidentID, it, nil)
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		if err := r.ParseForm(); err != nil {
			return nil, haven.Errorf(haven.EBADREQUEST, "the form could not be read")
		}
		form.fill(r.PostForm)
		if err := uploadCSRF(r, r.PostForm.Get("csrf_token")); err != nil {
			return nil, err
		}
		it, _, err := form.item(loc)
		if err != nil {
			return nil, err
		}
		return s.svc.Evidence.AddEvidence(ctx, incidentID, it, nil)
	case "multipart/form-data":
	default:
		return nil, haven.Errorf(haven.EBADREQUEST, "send evidence as multipart/form-data (the fields kind, description, collected_at, then file), or a physical item as JSON")
	}
	if r.ContentLength > uploadFieldsMax*uploadFieldMax+haven.MaxEvidenceSize+uploadSlack {
		return nil, &haven.Error{Code: haven.ETOOLARGE, Field: "file", Message: fmt.Sprintf("the upload is larger than %d MiB, the largest file Haven takes (a video)", haven.MaxEvidenceSize>>20)}
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, haven.Errorf(haven.EBADREQUEST, "the multipart/form-data body has no boundary")
	}
	body := &limitedBody{w: w, raw: r.Body}
	body.limit(uploadFieldsMax*uploadFieldMax + haven.MaxEvidenceSize + uploadSlack)
	mr := multipart.NewReader(body, boundary)
	fields := url.Values{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, &haven.Error{Code: haven.ETOOLARGE, Field: "file", Message: "the upload is larger than the file's kind allows"}
			}
			return nil, haven.Errorf(haven.EBADREQUEST, "the upload is not a well-formed multipart/form-data body")
		}
		if name := part.FormName(); name == "file" {
			form.fill(fields)
			if err := uploadCSRF(r, fields.Get("csrf_token")); err != nil {
				return nil, err
			}
			it, rule, err := form.item(loc)
			if err != nil {
				return nil, err
			}
			it.FileName = part.FileName()
			var file io.Reader
			br := bufio.NewReader(part)
			if _, err := br.Peek(1); err == nil || it.FileName != "" {
				// Something was sent (an empty file input sends an empty,
				// nameless part: no file).
				if rule.MaxSize == 0 {
					file = io.LimitReader(br, 1) // the store refuses a physical item's file
				} else {
					body.limit(rule.MaxSize + uploadSlack)
					file = &evidencePart{r: br, rule: rule}
				}
			}
			return s.svc.Evidence.AddEvidence(ctx, incidentID, it, file)
		}
		if n >= uploadFieldsMax {
			return nil, haven.Errorf(haven.EBADREQUEST, "too many form fields before the file")
		}
		v, err := io.ReadAll(io.LimitReader(part, uploadFieldMax+1))
		if err != nil {
			return nil, haven.Errorf(haven.EBADREQUEST, "the upload is not a well-formed multipart/form-data body")
		}
		if len(v) > uploadFieldMax {
			return nil, haven.FieldErrorf(haven.EINVALID, part.FormName(), "%s is too long", part.FormName())
		}
		fields.Add(part.FormName(), string(v))
	}
	// No file part: a physical item, or a file forgotten.
	form.fill(fields)
	if err := uploadCSRF(r, fields.Get("csrf_token")); err != nil {
		return nil, err
	}
	it, _, err := form.item(loc)
	if err != nil {
		return nil, err
	}
	return s.svc.Evidence.AddEvidence(ctx, incidentID, it, nil)
}

// ---------------------------------------------------------------- JSON API

func evidenceLocation(id string) string { return "/api/v1/evidence/" + url.PathEscape(id) }

func (s *Server) apiAddEvidence(w http.ResponseWriter, r *http.Request) {
	it, err := s.receiveEvidence(w, r, r.PathValue("id"), nil, &evidenceForm{})
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	w.Header().Set("Location", evidenceLocation(it.ID))
	writeJSON(w, http.StatusCreated, it)
}

func (s *Server) apiListEvidence(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.Evidence.ListEvidence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(items))
}

func (s *Server) apiGetEvidence(w http.ResponseWriter, r *http.Request) {
	it, err := s.svc.Evidence.Evidence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) apiCustody(w http.ResponseWriter, r *http.Request) {
	evs, err := s.svc.Evidence.Custody(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list(evs))
}

// custodyRequest is the body of POST /api/v1/evidence/{id}/custody.
type custodyRequest struct {
	Action string `json:"action"` // transferred (the default) or released
	To     string `json:"to"`
	Note   string `json:"note"`
}

// changeCustody records a transfer or a release.
func (s *Server) changeCustody(r *http.Request, id string, q custodyRequest) (*haven.CustodyEvent, error) {
	switch strings.ToLower(strings.TrimSpace(q.Action)) {
	case "", "transfer", "transferred":
		return s.svc.Evidence.TransferCustody(r.Context(), id, q.To, q.Note)
	case "release", "released":
		return s.svc.Evidence.ReleaseEvidence(r.Context(), id, q.To, q.Note)
	}
	return nil, haven.FieldErrorf(haven.EINVALID, "action", "action must be transferred or released")
}

func (s *Server) apiAddCustody(w http.ResponseWriter, r *http.Request) {
	var q custodyRequest
	if err := decodeJSON(r, &q); err != nil {
		s.apiErr(w, r, err)
		return
	}
	ev, err := s.changeCustody(r, r.PathValue("id"), q)
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ev)
}

func (s *Server) apiVerifyEvidence(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	v, err := s.svc.Evidence.VerifyEvidence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// ---------------------------------------------------------------- files

// evidenceExt names a download's extension by its content type.
var evidenceExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "application/pdf": ".pdf",
	"text/plain": ".txt", "audio/mpeg": ".mp3", "audio/wav": ".wav", "audio/ogg": ".ogg", "audio/mp4": ".m4a",
	"video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov",
}

// downloadName is the file name a download is saved under.
func downloadName(it *haven.EvidenceItem) string {
	if it.FileName != "" {
		return it.FileName
	}
	short := it.ID
	if len(short) > 8 {
		short = short[len(short)-8:]
	}
	return "evidence-" + short + evidenceExt[it.ContentType]
}

// handleEvidenceFile sends an item's file as a download (API and pages).
// The store has written the download to the custody and audit logs before
// it returns the reader. The reader withholds the last chunk of a file
// whose SHA-256 no longer matches; the connection is then cut, so that an
// altered file never arrives complete.
func (s *Server) handleEvidenceFile(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		if _, ok := s.me(w, r); !ok {
			return
		}
	}
	if r.Method == http.MethodHead {
		// The headers only: a read of the record, not a download.
		it, err := s.svc.Evidence.Evidence(r.Context(), r.PathValue("id"))
		if err == nil && !it.HasFile {
			err = haven.Errorf(haven.ENOTFOUND, "this evidence item has no file")
		}
		if err != nil {
			s.evidenceFail(w, r, err)
			return
		}
		setFileHeaders(w, it)
		return
	}
	it, rc, err := s.svc.Evidence.OpenEvidenceFile(r.Context(), r.PathValue("id"))
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	defer rc.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	setFileHeaders(w, it)
	if _, err := io.Copy(w, rc); err != nil {
		s.log.ErrorContext(r.Context(), "evidence download failed", "request_id", requestID(r.Context()), "err", err.Error())
		panic(http.ErrAbortHandler) // cut the connection: the client must not take a short file for the whole
	}
}

// setFileHeaders describes a download: the type detected at upload, an
// attachment under the uploaded name, nothing to sniff, run or keep.
func setFileHeaders(w http.ResponseWriter, it *haven.EvidenceItem) {
	h := w.Header()
	h.Set("Content-Type", it.ContentType)
	h.Set("Content-Length", strconv.FormatInt(it.Size, 10))
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(it)})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	// Opened in a tab anyway, the file runs nothing and reaches nothing.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
}

// handleEvidenceThumbnail sends a photo's thumbnail (API and pages; the
// evidence page's <img> elements). Each view is in the custody log.
func (s *Server) handleEvidenceThumbnail(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		if _, ok := s.me(w, r); !ok {
			return
		}
	}
	thumb, err := s.svc.Evidence.Thumbnail(r.Context(), r.PathValue("id"))
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("Content-Length", strconv.Itoa(len(thumb)))
	h.Set("Content-Disposition", `inline; filename="thumbnail.jpg"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(thumb)
}

// evidenceFail answers a failed evidence request: JSON for the API, a page
// for browsers, where "not found" (also the answer to a refusal) says so
// without saying which.
func (s *Server) evidenceFail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiErr(w, r, err)
		return
	}
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		err = haven.Errorf(haven.ENOTFOUND, "No such report or evidence, or not one you may see.")
	}
	s.errorPage(w, r, err)
}

// ---------------------------------------------------------------- pages

var evidenceNotices = map[string]string{
	"evidence-added":   "Evidence added. Its SHA-256 was recorded at upload.",
	"custody-recorded": "The change of custody is recorded.",
}

// evidenceLine is one item on the pages.
type evidenceLine struct {
	*haven.EvidenceItem
	KindLabel string
	SizeText  string
}

func kindLabel(k haven.EvidenceKind) string {
	if r, ok := k.Rule(); ok {
		return r.Label
	}
	return string(k)
}

// sizeText writes a file size as people read it.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func lineOf(it *haven.EvidenceItem) evidenceLine {
	return evidenceLine{EvidenceItem: it, KindLabel: kindLabel(it.Kind), SizeText: sizeText(it.Size)}
}

// kindChoice is one kind in the upload form's list.
type kindChoice struct {
	Value, Label string
}

func kindChoices() []kindChoice {
	out := make([]kindChoice, 0, len(haven.EvidenceRules))
	for _, r := range haven.EvidenceRules {
		label := r.Label
		if r.MaxSize > 0 {
			label += fmt.Sprintf(" (up to %d MiB)", r.MaxSize>>20)
		}
		out = append(out, kindChoice{Value: string(r.Kind), Label: label})
	}
	return out
}

// allAccept is the accept attribute of the general file input.
func allAccept() string {
	var parts []string
	for _, r := range haven.EvidenceRules {
		if r.Accept != "" {
			parts = append(parts, r.Accept)
		}
	}
	return strings.Join(parts, ",")
}

// evidencePage renders an incident's evidence list with the upload forms.
func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request, status int, p *page, me *haven.User, incidentID string, form *evidenceForm) {
	items, err := s.svc.Evidence.ListEvidence(r.Context(), incidentID)
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	number := ""
	if s.svc.Incidents != nil {
		if in, err := s.svc.Incidents.Incident(r.Context(), incidentID); err == nil {
			number = in.Number
		} else {
			s.logIfInternal(r, err)
		}
	}
	lines := make([]evidenceLine, len(items))
	for i, it := range items {
		lines[i] = lineOf(it)
	}
	if form == nil {
		form = &evidenceForm{}
	}
	p.Title, p.Me = "Evidence", me
	if p.Notice == "" {
		p.Notice = evidenceNotices[r.URL.Query().Get("done")]
	}
	p.Data = map[string]any{"IncidentID": incidentID, "Number": number, "Items": lines, "Loc": me.Agency.Location(),
		"Form": form, "Kinds": kindChoices(), "Accept": allAccept()}
	s.render(w, r, status, "evidence", p)
}

func (s *Server) handleEvidencePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	s.evidencePage(w, r, http.StatusOK, &page{}, me, r.PathValue("id"), nil)
}

// handleAddEvidencePage stores an upload from the page's forms and sends
// the browser back to the list (post, redirect, get).
func (s *Server) handleAddEvidencePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	form := &evidenceForm{}
	it, err := s.receiveEvidence(w, r, id, me.Agency.Location(), form)
	switch code := haven.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/incidents/"+url.PathEscape(id)+"/evidence?done=evidence-added#evidence-"+url.PathEscape(it.ID), http.StatusSeeOther)
	case code == haven.ENOTFOUND, code == haven.EFORBIDDEN, code == haven.EINTERNAL, code == haven.EUNAVAILABLE:
		s.evidenceFail(w, r, err)
	default:
		s.logIfInternal(r, err)
		s.evidencePage(w, r, ErrorStatus(err), &page{Error: formMessage(haven.ErrorMessage(err), "", ""), Field: haven.ErrorField(err)}, me, id, form)
	}
}

// evidenceItemPage renders one item with its chain of custody.
func (s *Server) evidenceItemPage(w http.ResponseWriter, r *http.Request, status int, p *page, me *haven.User, id string, v *haven.EvidenceVerification) {
	it, err := s.svc.Evidence.Evidence(r.Context(), id)
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	custody, err := s.svc.Evidence.Custody(r.Context(), id)
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	p.Title, p.Me = "Evidence item", me
	if p.Notice == "" {
		p.Notice = evidenceNotices[r.URL.Query().Get("done")]
	}
	p.Data = map[string]any{"Item": lineOf(it), "Custody": custody, "Loc": me.Agency.Location(), "Verification": v,
		"To": r.PostFormValue("to"), "Note": r.PostFormValue("note")}
	s.render(w, r, status, "evidence_view", p)
}

func (s *Server) handleEvidenceItemPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	s.evidenceItemPage(w, r, http.StatusOK, &page{}, me, r.PathValue("id"), nil)
}

func (s *Server) handleCustodyPage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	_, err := s.changeCustody(r, id, custodyRequest{Action: r.PostFormValue("action"), To: r.PostFormValue("to"), Note: r.PostFormValue("note")})
	switch code := haven.ErrorCode(err); {
	case err == nil:
		http.Redirect(w, r, "/evidence/"+url.PathEscape(id)+"?done=custody-recorded#custody", http.StatusSeeOther)
	case code == haven.ENOTFOUND, code == haven.EINTERNAL, code == haven.EUNAVAILABLE:
		s.evidenceFail(w, r, err)
	default:
		s.evidenceItemPage(w, r, ErrorStatus(err), &page{Error: formMessage(haven.ErrorMessage(err), "", ""), Field: haven.ErrorField(err)}, me, id, nil)
	}
}

func (s *Server) handleVerifyEvidencePage(w http.ResponseWriter, r *http.Request) {
	me, ok := s.me(w, r)
	if !ok {
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(uploadTimeout))
	id := r.PathValue("id")
	v, err := s.svc.Evidence.VerifyEvidence(r.Context(), id)
	if err != nil {
		s.evidenceFail(w, r, err)
		return
	}
	s.evidenceItemPage(w, r, http.StatusOK, &page{}, me, id, v)
}
