package hsds

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// The standard's data package descriptor, copied unchanged from the HSDS 3.0
// specification (CC BY-SA 4.0; see standard/README.md). The tables, their
// columns in order, column types, required and enum constraints and foreign
// keys all come from it.
//
//go:embed standard/datapackage.json
var standardDescriptor []byte

// StandardDescriptor returns a copy of the HSDS 3.0 datapackage.json that
// WritePackage writes.
func StandardDescriptor() []byte {
	return append([]byte(nil), standardDescriptor...)
}

// table is one HSDS table: a resource of the data package, a slice of the
// Document and a Go struct type.
type table struct {
	Name     string // resource name: "service"
	Path     string // CSV file name: "services.csv"
	Columns  []column
	FKs      []foreignKey
	byName   map[string]int // column name → index in Columns
	docField int            // index of the slice in Document
	typ      reflect.Type   // the struct type
	nested   []nestedField  // the struct's nested (JSON-only) fields
}

type column struct {
	Name     string
	Type     string // string, number, date, datetime, time
	Format   string // uuid, email, uri or ""
	Required bool
	Unique   bool
	Enum     []string
	field    int // struct field index
}

type foreignKey struct {
	Column string // column of this table
	Table  string // resource name of the referenced table (always by id)
}

type nestedField struct {
	Name  string       // JSON name: "phones"
	field int          // struct field index
	many  bool         // a slice (true) or a pointer (false)
	elem  reflect.Type // the element struct type
}

var (
	tables      []*table          // in the descriptor's order
	tableByName map[string]*table // by resource name
	tableByPath map[string]*table // by CSV file name
	tableByType map[reflect.Type]*table
)

func init() {
	if err := loadTables(); err != nil {
		panic("hsds: the embedded HSDS descriptor does not match the Go types: " + err.Error())
	}
}

func loadTables() error {
	var desc struct {
		Resources []struct {
			Name   string `json:"name"`
			Path   string `json:"path"`
			Schema struct {
				Fields []struct {
					Name        string `json:"name"`
					Type        string `json:"type"`
					Format      string `json:"format"`
					Constraints struct {
						Required bool     `json:"required"`
						Unique   bool     `json:"unique"`
						Enum     []string `json:"enum"`
					} `json:"constraints"`
				} `json:"fields"`
				ForeignKeys []struct {
					Fields    string `json:"fields"`
					Reference struct {
						Resource string `json:"resource"`
						Fields   string `json:"fields"`
					} `json:"reference"`
				} `json:"foreignKeys"`
			} `json:"schema"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(standardDescriptor, &desc); err != nil {
		return err
	}
	docType := reflect.TypeFor[Document]()
	fieldOf := map[string]int{}
	for i := range docType.NumField() {
		f := docType.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			fieldOf[name] = i
		}
	}
	tableByName = map[string]*table{}
	tableByPath = map[string]*table{}
	tableByType = map[reflect.Type]*table{}
	for _, r := range desc.Resources {
		di, ok := fieldOf[r.Name]
		if !ok {
			return fmt.Errorf("resource %q has no slice in Document", r.Name)
		}
		typ := docType.Field(di).Type.Elem()
		t := &table{Name: r.Name, Path: r.Path, docField: di, typ: typ, byName: map[string]int{}}
		jsonField := map[string]int{}
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			jsonField[name] = i
		}
		scalars := 0
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Type.Kind() == reflect.Slice:
				t.nested = append(t.nested, nestedField{Name: name, field: i, many: true, elem: f.Type.Elem()})
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct:
				t.nested = append(t.nested, nestedField{Name: name, field: i, elem: f.Type.Elem()})
			default:
				scalars++
			}
		}
		if scalars != len(r.Schema.Fields) {
			return fmt.Errorf("%s: %d scalar fields in %s, %d columns in the descriptor", r.Name, scalars, typ.Name(), len(r.Schema.Fields))
		}
		for ci, f := range r.Schema.Fields {
			fi, ok := jsonField[f.Name]
			if !ok || fi != ci {
				return fmt.Errorf("%s: column %d %q is not field %d of %s", r.Name, ci, f.Name, ci, typ.Name())
			}
			want := reflect.TypeFor[string]()
			if f.Type == "number" {
				want = reflect.TypeFor[*float64]()
			}
			if typ.Field(fi).Type != want {
				return fmt.Errorf("%s.%s: a %s column, but the Go field is %s", r.Name, f.Name, f.Type, typ.Field(fi).Type)
			}
			t.byName[f.Name] = ci
			t.Columns = append(t.Columns, column{Name: f.Name, Type: f.Type, Format: f.Format,
				Required: f.Constraints.Required, Unique: f.Constraints.Unique, Enum: f.Constraints.Enum, field: fi})
		}
		for _, fk := range r.Schema.ForeignKeys {
			if fk.Reference.Fields != "id" {
				return fmt.Errorf("%s: foreign key %s refers to %s.%s, not an id", r.Name, fk.Fields, fk.Reference.Resource, fk.Reference.Fields)
			}
			t.FKs = append(t.FKs, foreignKey{Column: fk.Fields, Table: fk.Reference.Resource})
		}
		tables = append(tables, t)
		tableByName[t.Name] = t
		tableByPath[t.Path] = t
		tableByType[typ] = t
	}
	if len(tables) != len(fieldOf) {
		return fmt.Errorf("%d resources in the descriptor, %d tables in Document", len(tables), len(fieldOf))
	}
	for _, t := range tables {
		for _, fk := range t.FKs {
			if tableByName[fk.Table] == nil {
				return fmt.Errorf("%s.%s refers to an unknown resource %q", t.Name, fk.Column, fk.Table)
			}
		}
		for _, n := range t.nested {
			if tableByType[n.elem] == nil {
				return fmt.Errorf("%s.%s nests %s, which is no table", t.Name, n.Name, n.elem)
			}
		}
	}
	return nil
}

// slice returns the Document's slice of table t (addressable).
func (t *table) slice(d *Document) reflect.Value {
	return reflect.ValueOf(d).Elem().Field(t.docField)
}

// str returns the text of column c of record v (a struct value).
func (c *column) str(v reflect.Value) string {
	f := v.Field(c.field)
	if c.Type == "number" {
		if f.IsNil() {
			return ""
		}
		return formatNumber(f.Elem().Float())
	}
	return f.String()
}

// empty reports whether column c of record v has no value.
func (c *column) empty(v reflect.Value) bool {
	f := v.Field(c.field)
	if c.Type == "number" {
		return f.IsNil()
	}
	return f.String() == ""
}

// recordID returns the id of record v (the first column of every table).
func recordID(v reflect.Value) string {
	return v.Field(0).String()
}

// flatCopy returns a copy of record v (a struct value) with its nested
// fields cleared and its numbers copied, so that nothing is shared.
func flatCopy(v reflect.Value) reflect.Value {
	t := tableByType[v.Type()]
	out := reflect.New(v.Type()).Elem()
	for _, c := range t.Columns {
		f := v.Field(c.field)
		if c.Type == "number" {
			if !f.IsNil() {
				n := f.Elem().Float()
				out.Field(c.field).Set(reflect.ValueOf(&n))
			}
			continue
		}
		out.Field(c.field).SetString(f.String())
	}
	return out
}

// flat returns a copy of record r without its nested objects.
func flat[T any](r T) T {
	return flatCopy(reflect.ValueOf(r)).Interface().(T)
}
