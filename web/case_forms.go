package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

// What the case pages and the document upload read from requests.

// maxCaseDocument is the largest document a case keeps (the store checks
// it again).
const maxCaseDocument = 10 << 20

// caseUploadMax bounds a whole document upload: the fields before the
// file, the file, and the multipart framing.
const caseUploadMax = maxCaseDocument + uploadFieldsMax*uploadFieldMax + uploadSlack

func tooLargeDocument() error {
	return &haven.Error{Code: haven.ETOOLARGE, Field: "file", Message: "a document can be at most 10 MiB"}
}

// receiveCaseDocument reads a multipart/form-data upload: the field name
// (and csrf_token, for pages) before the part file; the document's name
// defaults to the file's name. fields, when not nil, receives the fields
// read (to show the form again).
func (s *Server) receiveCaseDocument(w http.ResponseWriter, r *http.Request, caseID string, fields url.Values) (*haven.CaseDocument, error) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(uploadTimeout))
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, haven.Errorf(haven.EBADREQUEST, "send the document as multipart/form-data with the fields name, then file")
	}
	if r.ContentLength > caseUploadMax {
		return nil, tooLargeDocument()
	}
	if fields == nil {
		fields = url.Values{}
	}
	if r.MultipartForm != nil {
		// guard read the form already (to find a page's csrf_token).
		return s.parsedCaseDocument(r, caseID, fields)
	}
	mr := multipart.NewReader(http.MaxBytesReader(w, r.Body, caseUploadMax), params["boundary"])
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if tooLarge(err) {
				return nil, tooLargeDocument()
			}
			return nil, haven.Errorf(haven.EBADREQUEST, "the upload is not a well-formed multipart/form-data body")
		}
		if part.FormName() == "file" {
			if err := uploadCSRF(r, fields.Get("csrf_token")); err != nil {
				return nil, err
			}
			body, err := io.ReadAll(io.LimitReader(part, maxCaseDocument+1))
			if err != nil {
				if tooLarge(err) {
					return nil, tooLargeDocument()
				}
				return nil, haven.Errorf(haven.EBADREQUEST, "the upload is not a well-formed multipart/form-data body")
			}
			if len(body) > maxCaseDocument {
				return nil, tooLargeDocument()
			}
			name := strings.TrimSpace(fields.Get("name"))
			if name == "" {
				name = part.FileName()
			}
			return s.svc.Cases.AddDocument(r.Context(), caseID, haven.CaseDocument{Name: name}, body)
		}
		if n >= uploadFieldsMax {
			return nil, haven.Errorf(haven.EBADREQUEST, "too many form fields before the file")
		}
		v, err := io.ReadAll(io.LimitReader(part, uploadFieldMax+1))
		if err != nil {
			if tooLarge(err) {
				return nil, tooLargeDocument()
			}
			return nil, haven.Errorf(haven.EBADREQUEST, "the upload is not a well-formed multipart/form-data body")
		}
		if len(v) > uploadFieldMax {
			return nil, haven.FieldErrorf(haven.EINVALID, part.FormName(), "%s is too long", part.FormName())
		}
		fields.Add(part.FormName(), string(v))
	}
	if err := uploadCSRF(r, fields.Get("csrf_token")); err != nil {
		return nil, err
	}
	return nil, haven.FieldErrorf(haven.EINVALID, "file", "choose a file to upload")
}

// parsedCaseDocument takes the document from a form already parsed.
func (s *Server) parsedCaseDocument(r *http.Request, caseID string, fields url.Values) (*haven.CaseDocument, error) {
	for k, v := range r.MultipartForm.Value {
		fields[k] = v
	}
	if err := uploadCSRF(r, fields.Get("csrf_token")); err != nil {
		return nil, err
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		return nil, haven.FieldErrorf(haven.EINVALID, "file", "choose a file to upload")
	}
	if files[0].Size > maxCaseDocument {
		return nil, tooLargeDocument()
	}
	f, err := files[0].Open()
	if err != nil {
		return nil, haven.Errorf(haven.EBADREQUEST, "the upload could not be read")
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxCaseDocument+1))
	if err != nil || len(body) > maxCaseDocument {
		return nil, tooLargeDocument()
	}
	name := strings.TrimSpace(fields.Get("name"))
	if name == "" {
		name = files[0].Filename
	}
	return s.svc.Cases.AddDocument(r.Context(), caseID, haven.CaseDocument{Name: name}, body)
}

// parseCaseTime reads a time from a form: RFC 3339, or a page's
// datetime-local (2026-03-01T14:30) or date (2026-03-01, taken as 09:00)
// in the agency's time zone. Empty is the zero time.
func parseCaseTime(field, s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return d.Add(9 * time.Hour), nil
	}
	return time.Time{}, haven.FieldErrorf(haven.EINVALID, field, "%s must be a date and time such as 2026-03-01T14:30", field)
}

// parseCaseMinutes reads a duration in whole minutes from a form ("" is 0).
func parseCaseMinutes(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 100000 {
			return 0, haven.FieldErrorf(haven.EINVALID, "minutes", "minutes must be a whole number from 1 to 1440")
		}
		n = n*10 + int(r-'0')
	}
	return n, nil
}
