package hsds

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// referenceDir returns the folder of the standard's reference files
// (../shared/reference/hsds, or $HAVEN_HSDS_REFERENCE), or skips the test
// when it is absent.
func referenceDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HAVEN_HSDS_REFERENCE")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "reference", "hsds")
	}
	if _, err := os.Stat(filepath.Join(dir, "schema", "datapackage.json")); err != nil {
		t.Skipf("the HSDS 3.0 reference files are not at %s (set HAVEN_HSDS_REFERENCE to their folder): %v", dir, err)
	}
	return dir
}

// memPackage is a PackageWriter in memory.
type memPackage struct {
	files map[string]*bytes.Buffer
	order []string
}

func (m *memPackage) Create(name string) (io.Writer, error) {
	if m.files == nil {
		m.files = map[string]*bytes.Buffer{}
	}
	if _, ok := m.files[name]; ok {
		return nil, errors.New("created twice: " + name)
	}
	b := &bytes.Buffer{}
	m.files[name] = b
	m.order = append(m.order, name)
	return b, nil
}

// fs returns the package as a file system, in folder dir.
func (m *memPackage) fs(dir string) fstest.MapFS {
	out := fstest.MapFS{}
	for name, b := range m.files {
		out[dir+"/"+name] = &fstest.MapFile{Data: bytes.Clone(b.Bytes())}
	}
	return out
}

// loadPackage reads a package folder from disk into a MapFS (dir "pkg").
func loadPackage(t testing.TB, dir string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out["pkg/"+e.Name()] = &fstest.MapFile{Data: data}
	}
	return out
}

// sameData reports whether a and b hold the same records, warnings aside.
func sameData(a, b *Document) bool {
	x, y := *a, *b
	x.Warnings, y.Warnings = nil, nil
	return reflect.DeepEqual(x, y)
}

// problemsOf returns the Problems behind err (nil for nil).
func problemsOf(t testing.TB, err error) Problems {
	t.Helper()
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v (%T) does not carry Problems", err, err)
	}
	return ps
}

// messages lists the problems one a line, for failure output.
func messages(ps Problems) string {
	var lines []string
	for _, p := range ps {
		lines = append(lines, "\t"+p.Error())
	}
	return strings.Join(lines, "\n")
}

func kinds(ps Problems) []Kind {
	var out []Kind
	for _, p := range ps {
		out = append(out, p.Kind)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
