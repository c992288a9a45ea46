package hsds

import (
	"encoding/csv"
	"fmt"
	"io"
)

// PackageWriter receives the files of a data package. Create returns where
// to write the file name (a plain file name, no folders); when the writer it
// returns is also an io.Closer, WritePackage closes it when the file is
// written. A *zip.Writer is a PackageWriter; so is a small type that creates
// files in a folder.
type PackageWriter interface {
	Create(name string) (io.Writer, error)
}

// WritePackage writes doc as an HSDS tabular data package: datapackage.json,
// the standard's own descriptor unchanged, then one CSV file for each of its
// 21 tables, in its order, with a header row of the standard's columns in the
// standard's order (a table without records is a header alone). Numbers are
// written in plain decimal; empty fields as empty cells.
//
// WritePackage writes what doc holds; it does not validate it (call
// Document.Validate first) and it does not redact anything: confidential
// locations must be taken out or blurred by the caller.
func WritePackage(w PackageWriter, doc *Document) error {
	if err := writeFile(w, "datapackage.json", func(out io.Writer) error {
		_, err := out.Write(standardDescriptor)
		return err
	}); err != nil {
		return err
	}
	for _, t := range tables {
		if err := writeFile(w, t.Path, func(out io.Writer) error { return writeTable(out, t, doc) }); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(w PackageWriter, name string, write func(io.Writer) error) error {
	out, err := w.Create(name)
	if err != nil {
		return fmt.Errorf("hsds: creating %s: %w", name, err)
	}
	err = write(out)
	if c, ok := out.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("hsds: writing %s: %w", name, err)
	}
	return nil
}

func writeTable(out io.Writer, t *table, doc *Document) error {
	cw := csv.NewWriter(out)
	row := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		row[i] = c.Name
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	s := t.slice(doc)
	for i := range s.Len() {
		v := s.Index(i)
		for j := range t.Columns {
			row[j] = t.Columns[j].str(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
