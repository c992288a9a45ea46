package hsds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DecodeJSON reads an HSDS JSON document into a Document. It takes:
//
//   - one organization, service, service at location, location, taxonomy
//     or taxonomy term, with its nested objects (the standard's
//     examples/*_full.json, location.json, taxonomy_term.json);
//   - a JSON array of them;
//   - a page of the HSDS API ({"total_items": …, "contents": […]});
//   - the tabular form as JSON: an object of tables, keyed by resource name
//     ("service") or by CSV file name ("services.csv"), each an array of
//     records (the standard's examples/tabular.json).
//
// Which object a single document or list item is follows from its fields
// ("status" makes a service, "location_type" a location; otherwise the type
// whose fields fit best, an organization when in doubt).
//
// Nesting becomes links: a phone inside a service gets the service's id as
// its service_id, a service's organization gives the service its
// organization_id, an attribute gets its parent as link_id and link_entity,
// metadata their parent as resource_id and resource_type. An object that
// appears more than once (the standard's examples repeat a location, its
// contacts and phones in several places) becomes one record with the links
// of all its places; when two places give a field different values, that is
// an error.
//
// Errors name the JSON path and the problem: a field HSDS does not have, a
// value of the wrong type, a nested id that contradicts its place, and what
// Document.Validate finds. DecodeJSON collects up to MaxErrors errors; when
// there are any it returns a nil Document and an EINVALID *haven.Error
// whose cause is the Problems. Warnings are kept in Document.Warnings.
//
// In the tabular form, as in a CSV file, a number given where HSDS has text
// is taken as its text (with a warning: the standard's example gives an
// organization identifier as a number) and text that is a number is taken
// for a number field. The nested form is strict.
//
// The API's root document ({"version": "3.0", …}) holds no data: DecodeJSON
// refuses it with an error saying so.
//
// DecodeJSON reads the whole document into memory; limit r (for example
// with http.MaxBytesReader) when it comes from someone you do not trust.
func DecodeJSON(r io.Reader) (*Document, error) {
	data, err := io.ReadAll(r)
	dec := &jsonDecoder{doc: &Document{}, seen: map[recordKey]int{}, paths: map[*table][]string{}}
	if err != nil {
		dec.c.add(&Problem{Kind: KindFile, Path: "$", Message: "cannot read the document: " + err.Error()})
		return nil, dec.c.done().Err()
	}
	dec.decode(data)
	if !dec.c.stopped {
		dec.check()
	}
	ps := dec.c.done()
	if err := ps.Err(); err != nil {
		return nil, err
	}
	dec.doc.Warnings = ps
	return dec.doc, nil
}

type recordKey struct {
	t  *table
	id string
}

type jsonDecoder struct {
	c       collector
	doc     *Document
	seen    map[recordKey]int   // record → its row in its table
	paths   map[*table][]string // row → JSON path of its first place
	tabular bool                // cells are coerced as in CSV
}

// parentLink is what a nested object inherits from the object it is nested
// in.
type parentLink struct {
	column string // the child's column that holds the parent's id
	id     string // the parent's id
	entity string // the parent's table, for link_entity and resource_type
	infer  bool   // fill column only when empty, never a conflict
}

func (dec *jsonDecoder) add(p *Problem) bool { return dec.c.add(p) }

func (dec *jsonDecoder) errorf(kind Kind, path, format string, args ...any) bool {
	return dec.c.add(&Problem{Kind: kind, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (dec *jsonDecoder) warnf(kind Kind, path, format string, args ...any) bool {
	return dec.c.add(&Problem{Kind: kind, Warning: true, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (dec *jsonDecoder) decode(data []byte) {
	jd := json.NewDecoder(bytes.NewReader(data))
	jd.UseNumber()
	var v any
	if err := jd.Decode(&v); err != nil {
		dec.syntax(data, err)
		return
	}
	if _, err := jd.Token(); err != io.EOF {
		line, col := lineCol(data, jd.InputOffset())
		dec.errorf(KindSyntax, "$", "line %d, column %d: more data after the JSON document", line, col)
		return
	}
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			if !dec.top(fmt.Sprintf("$[%d]", i), item) {
				return
			}
		}
	case map[string]any:
		switch {
		case isPage(x):
			dec.page(x)
		case isTabular(x):
			dec.tabularDoc(x)
		case isRoot(x):
			version, _ := x["version"].(string)
			dec.errorf(KindUnknown, "$", "this is the root document of an HSDS API (version %s); it holds no directory data", quote(version))
		default:
			dec.top("$", x)
		}
	default:
		dec.errorf(KindType, "$", "want an HSDS object, a list or a page, got %s", jsonType(v))
	}
}

func (dec *jsonDecoder) syntax(data []byte, err error) {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset-1) // Offset is just past the fault
		dec.errorf(KindSyntax, "$", "line %d, column %d: %s", line, col, strings.TrimPrefix(se.Error(), "json: "))
	case err == io.EOF:
		dec.errorf(KindSyntax, "$", "empty document")
	case err == io.ErrUnexpectedEOF:
		dec.errorf(KindSyntax, "$", "the document ends too soon")
	default:
		dec.errorf(KindSyntax, "$", "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

var pageKeys = []string{"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}

func isPage(m map[string]any) bool {
	_, ok := m["contents"]
	return ok
}

func isRoot(m map[string]any) bool {
	if _, ok := m["version"]; !ok {
		return false
	}
	for k := range m {
		if k != "version" && k != "profile" && k != "openapi_url" {
			return false
		}
	}
	return true
}

func isTabular(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for k, v := range m {
		if tableByName[k] == nil && tableByPath[k] == nil {
			return false
		}
		if _, ok := v.([]any); !ok {
			return false
		}
	}
	return true
}

func (dec *jsonDecoder) page(m map[string]any) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p := jsonPath("$", k)
		switch v := m[k]; k {
		case "contents":
			items, ok := v.([]any)
			if !ok {
				dec.errorf(KindType, p, "want an array, got %s", jsonType(v))
				continue
			}
			for i, item := range items {
				if !dec.top(fmt.Sprintf("%s[%d]", p, i), item) {
					return
				}
			}
		case "total_items", "total_pages", "page_number", "size":
			if n, ok := v.(json.Number); !ok || !isInteger(n) {
				dec.errorf(KindType, p, "want an integer, got %s", jsonType(v))
			}
		case "first_page", "last_page", "empty":
			if _, ok := v.(bool); !ok {
				dec.errorf(KindType, p, "want true or false, got %s", jsonType(v))
			}
		default:
			dec.errorf(KindUnknown, p, "not a field of an HSDS page (%s)", strings.Join(pageKeys, ", "))
		}
	}
}

func isInteger(n json.Number) bool {
	_, err := strconv.ParseInt(string(n), 10, 64)
	return err == nil
}

func (dec *jsonDecoder) tabularDoc(m map[string]any) {
	dec.tabular = true
	for _, t := range tables {
		for _, key := range []string{t.Name, t.Path} {
			rows, ok := m[key].([]any)
			if !ok {
				continue
			}
			p := jsonPath("$", key)
			for i, row := range rows {
				rp := fmt.Sprintf("%s[%d]", p, i)
				obj, ok := row.(map[string]any)
				if !ok {
					if !dec.errorf(KindType, rp, "want an object, got %s", jsonType(row)) {
						return
					}
					continue
				}
				if _, ok := dec.record(rp, t, obj, parentLink{}, true); !ok {
					return
				}
			}
		}
	}
}

// topKinds are the objects a document or list item may be, in the order
// that breaks ties.
var topKinds = []string{"organization", "service", "service_at_location", "location", "taxonomy_term", "taxonomy"}

// top decodes a document or list item; false: stop.
func (dec *jsonDecoder) top(path string, v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return dec.errorf(KindType, path, "want an HSDS object, got %s", jsonType(v))
	}
	_, ok = dec.record(path, detect(m), m, parentLink{}, false)
	return ok
}

// detect says which object m is.
func detect(m map[string]any) *table {
	if _, ok := m["status"]; ok {
		return tableByName["service"]
	}
	if _, ok := m["location_type"]; ok {
		return tableByName["location"]
	}
	var best *table
	bestUnknown, bestComplete := -1, false
	for _, name := range topKinds {
		t := tableByName[name]
		unknown := 0
		for k := range m {
			if _, ok := t.byName[k]; !ok && t.nestedField(k) == nil {
				unknown++
			}
		}
		complete := true
		for _, c := range t.Columns {
			if _, ok := m[c.Name]; !ok && c.jsonRequired(t) {
				complete = false
			}
		}
		if best == nil || unknown < bestUnknown || unknown == bestUnknown && complete && !bestComplete {
			best, bestUnknown, bestComplete = t, unknown, complete
		}
	}
	return best
}

func (t *table) nestedField(name string) *nestedField {
	for i := range t.nested {
		if t.nested[i].Name == name {
			return &t.nested[i]
		}
	}
	return nil
}

// jsonRequired reports whether the standard's JSON schema requires column c
// (the Go field has no omitempty).
func (c *column) jsonRequired(t *table) bool {
	return !strings.Contains(t.typ.Field(c.field).Tag.Get("json"), ",omitempty")
}

// toOne are the links a nested single object gives its parent: a service's
// organization sets the service's organization_id, and so on.
var toOne = map[string]string{
	"service.organization":          "organization_id",
	"service.program":               "program_id",
	"service_at_location.location":  "location_id",
	"service_at_location.service":   "service_id",
	"attribute.taxonomy_term":       "taxonomy_term_id",
	"taxonomy_term.taxonomy_detail": "taxonomy_id",
}

// childLink is the column of a nested array's items that holds the parent's
// id: the phones of a service have its id as service_id. Attributes and
// metadata link to any parent through link_id and resource_id.
func childLink(parent *table, field string) string {
	switch field {
	case "attributes":
		return "link_id"
	case "metadata":
		return "resource_id"
	}
	return parent.Name + "_id"
}

// record decodes object m, which is a record of table t found at path, with
// everything nested in it, into the Document. It returns the record's id,
// and false when the error limit is reached.
func (dec *jsonDecoder) record(path string, t *table, m map[string]any, up parentLink, tabularRow bool) (string, bool) {
	v := reflect.New(t.typ).Elem()
	for i := range t.Columns {
		c := &t.Columns[i]
		if val, ok := m[c.Name]; ok {
			if !dec.scalar(jsonPath(path, c.Name), c, v.Field(c.field), val) {
				return "", false
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, ok := t.byName[k]; !ok && t.nestedField(k) == nil {
			if !dec.errorf(KindUnknown, jsonPath(path, k), "%s has no field %s", article(t.Name), quote(k)) {
				return "", false
			}
		}
	}
	id := v.Field(0).String()
	if up.column != "" && up.id != "" {
		f := v.Field(t.Columns[t.byName[up.column]].field)
		switch {
		case f.String() == "":
			f.SetString(up.id)
		case f.String() != up.id && !up.infer:
			if !dec.errorf(KindConflict, jsonPath(path, up.column), "is %s, but this %s is nested in %s %s", quote(f.String()), spaced(t.Name), article(up.entity), quote(up.id)) {
				return "", false
			}
		}
		if up.column == "link_id" || up.column == "resource_id" {
			col := "link_entity"
			if up.column == "resource_id" {
				col = "resource_type"
			}
			if f := v.Field(t.Columns[t.byName[col]].field); f.String() == "" {
				f.SetString(up.entity)
			}
		}
	}
	// A nested single object links its parent to it; do those first, so
	// that the record is complete when it is stored.
	for _, n := range t.nested {
		if n.many {
			continue
		}
		val, ok := m[n.Name]
		if !ok {
			continue
		}
		p := jsonPath(path, n.Name)
		if val == nil {
			if !dec.warnf(KindType, p, "null; read as empty") {
				return "", false
			}
			continue
		}
		obj, isObj := val.(map[string]any)
		if !isObj {
			if !dec.errorf(KindType, p, "want an object, got %s", jsonType(val)) {
				return "", false
			}
			continue
		}
		nt := tableByType[n.elem]
		link := parentLink{}
		if t.Name == "service" && n.Name == "program" {
			// A service's program belongs to the service's organization.
			link = parentLink{column: "organization_id", id: v.FieldByName("OrganizationID").String(), entity: "organization", infer: true}
		}
		childID, ok := dec.record(p, nt, obj, link, false)
		if !ok {
			return "", false
		}
		ci, ok := t.byName[toOne[t.Name+"."+n.Name]]
		if !ok {
			continue // every nested single object of HSDS 3.0 is in toOne
		}
		col := t.Columns[ci].Name
		f := v.Field(t.Columns[ci].field)
		switch {
		case childID == "":
		case f.String() == "":
			f.SetString(childID)
		case f.String() != childID:
			if !dec.errorf(KindConflict, jsonPath(path, col), "is %s, but the nested %s has id %s", quote(f.String()), spaced(n.Name), quote(childID)) {
				return "", false
			}
		}
	}
	if !dec.store(path, t, v, tabularRow) {
		return "", false
	}
	for _, n := range t.nested {
		if !n.many {
			continue
		}
		val, ok := m[n.Name]
		if !ok {
			continue
		}
		p := jsonPath(path, n.Name)
		if val == nil {
			if !dec.warnf(KindType, p, "null; read as empty") {
				return "", false
			}
			continue
		}
		items, isArr := val.([]any)
		if !isArr {
			if !dec.errorf(KindType, p, "want an array, got %s", jsonType(val)) {
				return "", false
			}
			continue
		}
		nt := tableByType[n.elem]
		link := parentLink{column: childLink(t, n.Name), id: id, entity: t.Name}
		if _, ok := nt.byName[link.column]; !ok {
			link = parentLink{} // cannot happen with the standard's tables
		}
		for i, item := range items {
			ip := fmt.Sprintf("%s[%d]", p, i)
			obj, isObj := item.(map[string]any)
			if !isObj {
				if !dec.errorf(KindType, ip, "want an object, got %s", jsonType(item)) {
					return "", false
				}
				continue
			}
			if _, ok := dec.record(ip, nt, obj, link, false); !ok {
				return "", false
			}
		}
	}
	return id, true
}

// scalar sets field f (of column c) from the JSON value val found at path.
func (dec *jsonDecoder) scalar(path string, c *column, f reflect.Value, val any) bool {
	if val == nil {
		return dec.warnf(KindType, path, "null; read as empty")
	}
	if c.Type == "number" {
		var text string
		switch x := val.(type) {
		case json.Number:
			text = string(x)
		case string:
			if !dec.tabular {
				return dec.errorf(KindType, path, "want a number, got a string")
			}
			if text = strings.TrimSpace(x); text == "" {
				return true
			}
		default:
			return dec.errorf(KindType, path, "want a number, got %s", jsonType(val))
		}
		n, err := parseNumber(text)
		if err != nil {
			return dec.errorf(KindType, path, "%s", err)
		}
		f.Set(reflect.ValueOf(&n))
		return true
	}
	switch x := val.(type) {
	case string:
		f.SetString(x)
	case json.Number:
		if !dec.tabular {
			return dec.errorf(KindType, path, "want a string, got a number")
		}
		f.SetString(string(x))
		return dec.warnf(KindType, path, "a number where HSDS has text; read as the text %s", quote(string(x)))
	default:
		return dec.errorf(KindType, path, "want a string, got %s", jsonType(val))
	}
	return true
}

// store adds record v of table t, found at path, to the Document, or merges
// it into the record with the same id found earlier.
func (dec *jsonDecoder) store(path string, t *table, v reflect.Value, tabularRow bool) bool {
	id := recordID(v)
	s := t.slice(dec.doc)
	k := recordKey{t, id}
	row, seen := dec.seen[k]
	if id == "" || !seen || tabularRow {
		if id != "" && !seen {
			dec.seen[k] = s.Len()
		}
		s.Set(reflect.Append(s, v))
		dec.paths[t] = append(dec.paths[t], path)
		return true
	}
	old := s.Index(row)
	for i := range t.Columns {
		c := &t.Columns[i]
		switch {
		case c.empty(v):
		case c.empty(old):
			old.Field(c.field).Set(v.Field(c.field))
		case c.str(old) != c.str(v):
			if !dec.errorf(KindConflict, jsonPath(path, c.Name), "differs from the same %s (id %s) at %s", spaced(t.Name), quote(id), dec.paths[t][row]) {
				return false
			}
		}
	}
	return true
}

// check runs the record and document checks, locating problems by path.
func (dec *jsonDecoder) check() {
	loc := func(p *Problem, t *table, row int) {
		p.Path = dec.paths[t][row]
		if p.Column != "" {
			p.Path = jsonPath(p.Path, p.Column)
		}
	}
	for _, t := range tables {
		s := t.slice(dec.doc)
		for i := range s.Len() {
			if !checkRecord(t, s.Index(i), func(p *Problem) bool { loc(p, t, i); return dec.add(p) }) {
				return
			}
		}
	}
	checkDocument(dec.doc, loc, nil, dec.add)
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPath appends key to path.
func jsonPath(path, key string) string {
	if identRE.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// spaced turns a table name into words: "service_at_location" → "service at location".
func spaced(name string) string { return strings.ReplaceAll(name, "_", " ") }

func article(name string) string {
	s := spaced(name)
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}
