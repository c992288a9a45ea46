package hsds

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodePackage reads the HSDS tabular data package in folder dir of fsys:
// datapackage.json and one CSV file per table, as in the standard's
// examples/csv. Each CSV file is read as a stream, one record at a time.
//
// The files are found through datapackage.json (each resource's name and
// path); without one, by the standard's file names. A datapackage.json
// that is only a relative path to another datapackage.json (a symbolic
// link checked out as a file, as in the standard's examples/csv) stands for
// the standard's descriptor. Columns may come in any order; the columns and
// tables are the standard's, whatever the descriptor says.
//
// Problems name the file, the line where the record starts and the column:
// a column or table HSDS does not have, a malformed CSV record (a stray or
// unterminated quote, the wrong number of cells), a value of the wrong type,
// and what Document.Validate finds (a required field empty, a duplicate id,
// a link to a record that is not in the package, …). DecodePackage collects
// up to MaxErrors errors and then stops reading; it never panics. When there
// are errors it returns a nil Document and an EINVALID *haven.Error whose
// cause is the Problems; warnings are kept in Document.Warnings.
func DecodePackage(fsys fs.FS, dir string) (*Document, error) {
	p := &pkgDecoder{fsys: fsys, dir: path.Clean(dir), doc: &Document{}, lines: map[*table][]int{}, rejected: map[*table]map[string]bool{}}
	p.read()
	ps := p.c.done()
	if err := ps.Err(); err != nil {
		return nil, err
	}
	p.doc.Warnings = ps
	return p.doc, nil
}

type pkgDecoder struct {
	fsys  fs.FS
	dir   string
	doc   *Document
	c     collector
	files map[*table]string // table → file name within dir
	lines map[*table][]int  // row → line where it starts
	// rejected are the ids of records that could not be read (reported);
	// links to them are not reported again.
	rejected map[*table]map[string]bool
}

func (p *pkgDecoder) add(pr *Problem) bool { return p.c.add(pr) }

func (p *pkgDecoder) read() {
	if !p.descriptor() {
		return
	}
	for _, t := range tables {
		name, ok := p.files[t]
		if !ok {
			continue
		}
		if !p.table(t, name) {
			return
		}
	}
	loc := func(pr *Problem, t *table, row int) {
		pr.File, pr.Line = p.files[t], p.lines[t][row]
	}
	checkDocument(p.doc, loc, func(t *table, id string) bool { return p.rejected[t][id] }, p.add)
}

// descriptor reads datapackage.json and decides which file holds which
// table. It reports false when reading must stop.
func (p *pkgDecoder) descriptor() bool {
	const name = "datapackage.json"
	entries, err := fs.ReadDir(p.fsys, p.dir)
	if err != nil {
		p.add(&Problem{Kind: KindFile, File: p.dir, Message: "cannot read the package folder: " + errText(err)})
		return false
	}
	present := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			present[e.Name()] = true
		}
	}
	p.files = map[*table]string{}
	standard := func() {
		for _, t := range tables {
			if present[t.Path] {
				p.files[t] = t.Path
			}
		}
	}
	data, err := fs.ReadFile(p.fsys, path.Join(p.dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		standard()
		p.add(&Problem{Kind: KindFile, Warning: true, File: name, Message: "missing; the tables are read from the standard's file names"})
	case err != nil:
		p.add(&Problem{Kind: KindFile, File: name, Message: "cannot read: " + errText(err)})
		return false
	case isLinkStub(data):
		standard()
		p.add(&Problem{Kind: KindFile, Warning: true, File: name, Message: fmt.Sprintf("is a link to %s, not a descriptor; read as the standard's HSDS 3.0 descriptor", quote(strings.TrimSpace(string(data))))})
	default:
		var desc struct {
			Resources []struct {
				Name string `json:"name"`
				Path any    `json:"path"`
			} `json:"resources"`
		}
		if err := json.Unmarshal(data, &desc); err != nil {
			p.add(&Problem{Kind: KindSyntax, File: name, Message: "not a data package descriptor: " + strings.TrimPrefix(err.Error(), "json: ")})
			return false
		}
		for i, r := range desc.Resources {
			where := fmt.Sprintf("resources[%d]", i)
			t := tableByName[r.Name]
			file, isString := r.Path.(string)
			switch {
			case t == nil:
				p.add(&Problem{Kind: KindUnknown, File: name, Column: where, Message: fmt.Sprintf("%s is not a table of HSDS 3.0", quote(r.Name))})
			case p.files[t] != "":
				p.add(&Problem{Kind: KindDuplicate, File: name, Column: where, Message: fmt.Sprintf("table %s listed twice", quote(r.Name))})
			case !isString || file == "":
				p.add(&Problem{Kind: KindFormat, File: name, Column: where, Message: "path must be one file name (a list of files is not supported)"})
			case !fs.ValidPath(file) || strings.Contains(file, "://"):
				p.add(&Problem{Kind: KindFormat, File: name, Column: where, Message: fmt.Sprintf("path %s must be a file within the package folder", quote(file))})
			case !present[file] && !dirPresent(p.fsys, p.dir, file):
				p.add(&Problem{Kind: KindFile, Warning: true, File: file, Message: fmt.Sprintf("listed for table %s but missing; read as empty", r.Name)})
			default:
				p.files[t] = file
			}
		}
		if p.c.errors > 0 {
			return false
		}
	}
	// CSV files that hold no table are worth a word: a misspelt file name
	// would otherwise lose a whole table without a sound.
	used := map[string]bool{}
	for _, f := range p.files {
		used[f] = true
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && strings.EqualFold(path.Ext(n), ".csv") && !used[n] {
			p.add(&Problem{Kind: KindFile, Warning: true, File: n, Message: "not a table of the package; ignored"})
		}
	}
	return true
}

// dirPresent reports whether file (a path that may have folders) exists.
func dirPresent(fsys fs.FS, dir, file string) bool {
	if !strings.Contains(file, "/") {
		return false
	}
	st, err := fs.Stat(fsys, path.Join(dir, file))
	return err == nil && !st.IsDir()
}

// isLinkStub reports whether a datapackage.json is a symbolic link checked
// out as a file: one line, a relative path to another datapackage.json.
func isLinkStub(data []byte) bool {
	s := strings.TrimSpace(string(data))
	return len(s) < 256 && !strings.ContainsAny(s, "{\n") && strings.HasSuffix(s, "datapackage.json")
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// table reads one CSV file, the rows of table t. It reports false when the
// error limit is reached.
func (p *pkgDecoder) table(t *table, name string) bool {
	f, err := p.fsys.Open(path.Join(p.dir, name))
	if err != nil {
		return p.add(&Problem{Kind: KindFile, File: name, Message: "cannot open: " + errText(err)})
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	errorf := func(kind Kind, line int, col, format string, args ...any) bool {
		return p.add(&Problem{Kind: kind, File: name, Line: line, Column: col, Message: fmt.Sprintf(format, args...)})
	}

	header, err := r.Read()
	if err == io.EOF {
		return p.add(&Problem{Kind: KindFile, Warning: true, File: name, Message: "empty file, without even a header; read as an empty table"})
	}
	if err != nil {
		return p.csvError(name, err)
	}
	cols := make([]*column, len(header)) // nil: a column to skip (reported)
	seen := map[string]bool{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		switch ci, ok := t.byName[h]; {
		case !ok:
			if !errorf(KindUnknown, 1, h, "%s is not a column of %s (%s)", quote(h), name, columnList(t)) {
				return false
			}
		case seen[h]:
			if !errorf(KindDuplicate, 1, h, "column %s given twice", quote(h)) {
				return false
			}
		default:
			seen[h] = true
			cols[i] = &t.Columns[ci]
		}
	}
	idCol := slices.IndexFunc(cols, func(c *column) bool { return c != nil && c.Name == "id" })
	missing := map[string]bool{}
	for _, c := range t.Columns {
		if c.Required && !seen[c.Name] {
			missing[c.Name] = true
			if !errorf(KindRequired, 1, c.Name, "required column %s is missing", quote(c.Name)) {
				return false
			}
		}
	}

	s := t.slice(p.doc)
	for {
		offset := r.InputOffset()
		rec, err := r.Read()
		if err == io.EOF {
			return true
		}
		if err != nil {
			if !p.csvError(name, err) {
				return false
			}
			if r.InputOffset() == offset {
				return true // no progress: give up on this file
			}
			continue
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(header) {
			if idCol >= 0 && idCol < len(rec) && rec[idCol] != "" {
				if p.rejected[t] == nil {
					p.rejected[t] = map[string]bool{}
				}
				p.rejected[t][rec[idCol]] = true
			}
			if !errorf(KindSyntax, line, "", "%d cells, but the header has %d columns", len(rec), len(header)) {
				return false
			}
			continue
		}
		v := reflect.New(t.typ).Elem()
		for i, cell := range rec {
			c := cols[i]
			if c == nil || cell == "" {
				continue
			}
			if !utf8.ValidString(cell) {
				if !errorf(KindFormat, line, c.Name, "not valid UTF-8 text") {
					return false
				}
				continue
			}
			if c.Type == "number" {
				n, err := parseNumber(strings.TrimSpace(cell))
				if err != nil {
					if !errorf(KindType, line, c.Name, "%s", err) {
						return false
					}
					continue
				}
				v.Field(c.field).Set(reflect.ValueOf(&n))
				continue
			}
			v.Field(c.field).SetString(cell)
		}
		ok := checkRecord(t, v, func(pr *Problem) bool {
			if pr.Kind == KindRequired && missing[pr.Column] {
				return true // said once, at the header
			}
			pr.File, pr.Line = name, line
			return p.add(pr)
		})
		if !ok {
			return false
		}
		s.Set(reflect.Append(s, v))
		p.lines[t] = append(p.lines[t], line)
	}
}

// csvError reports a malformed CSV record.
func (p *pkgDecoder) csvError(name string, err error) bool {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if pe.Line != pe.StartLine {
			msg += fmt.Sprintf(" (the record starts at line %d; the fault is at line %d)", pe.StartLine, pe.Line)
		}
		return p.add(&Problem{Kind: KindSyntax, File: name, Line: pe.StartLine, Message: msg})
	}
	return p.add(&Problem{Kind: KindFile, File: name, Message: "cannot read: " + errText(err)})
}

func columnList(t *table) string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	if len(names) > 8 {
		return "the standard's columns are " + strings.Join(names[:8], ", ") + ", …"
	}
	return "the standard's columns are " + strings.Join(names, ", ")
}

// numberRE is the lexical form of a number: decimal, with an optional
// exponent. No hexadecimal, no underscores, no NaN or infinity.
var numberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseNumber reads a number of a CSV cell or JSON value.
func parseNumber(s string) (float64, error) {
	if !numberRE.MatchString(s) {
		return 0, errors.New("not a number")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, errors.New("a number too large")
	}
	return f, nil
}

// formatNumber writes a number for a CSV cell: plain decimal, as short as
// it can be and still read back the same.
func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
