package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/haven-dv/haven"
)

// maxJSONBody bounds request bodies; nothing in the API needs more.
const maxJSONBody = 1 << 20

// decodeJSON reads one JSON object from r into v. Unknown fields, trailing
// data, wrong types and oversize bodies are errors that say what and where.
func decodeJSON(r *http.Request, v any) error {
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	return decodeJSONBytes(body, v)
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(r *http.Request, v any) error {
	body, err := readJSONBody(r)
	if err != nil || len(bytes.TrimSpace(body)) == 0 {
		return err
	}
	return decodeJSONBytes(body, v)
}

// readJSONBody checks the content type and reads a bounded body.
func readJSONBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, haven.Errorf(haven.EBADREQUEST, "send the body as application/json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return nil, haven.Errorf(haven.EBADREQUEST, "could not read the request body")
	}
	if len(body) > maxJSONBody {
		return nil, haven.Errorf(haven.EBADREQUEST, "the request body is larger than %d bytes", maxJSONBody)
	}
	return body, nil
}

// decodeJSONBytes is decodeJSON's parser, separate so that it can be fuzzed.
func decodeJSONBytes(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return haven.Errorf(haven.EBADREQUEST, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return haven.Errorf(haven.EBADREQUEST, "the request body has data after the JSON object")
	}
	return nil
}

// jsonError turns encoding/json's errors into ones a client can act on.
func jsonError(body []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(body, syn.Offset)
		return haven.Errorf(haven.EBADREQUEST, "malformed JSON at line %d, column %d", line, col)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return haven.Errorf(haven.EBADREQUEST, "the body must be a JSON object")
		}
		return haven.FieldErrorf(haven.EBADREQUEST, field, "%s must be %s, not %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return haven.Errorf(haven.EBADREQUEST, "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return haven.FieldErrorf(haven.EBADREQUEST, name, "unknown field %q", name)
	}
	return haven.Errorf(haven.EBADREQUEST, "the body is not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float") {
		return "a number"
	}
	return fmt.Sprintf("a %s", goKind)
}

func position(b []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// writeJSON writes v with status; encoding into a buffer first so that an
// encoding failure becomes a clean 500 rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
