package hsds

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/haven-dv/haven"
)

// Kind says what is wrong with the data.
type Kind string

// The kinds of problem.
const (
	KindSyntax    Kind = "syntax"    // the CSV or JSON itself is malformed
	KindFile      Kind = "file"      // a file is missing, unreadable, or not part of HSDS
	KindUnknown   Kind = "unknown"   // a column, field or table that HSDS 3.0 does not have
	KindType      Kind = "type"      // a value of the wrong type (text for a number, …)
	KindRequired  Kind = "required"  // a required field is empty or missing
	KindEnum      Kind = "enum"      // a value outside the standard's list
	KindFormat    Kind = "format"    // a malformed id, date, time, e-mail, URI or recurrence rule
	KindValue     Kind = "value"     // a well-formed value that makes no sense (latitude 100)
	KindDuplicate Kind = "duplicate" // a second record with the same id (or term code)
	KindReference Kind = "reference" // a link to a record that is not in the data
	KindConflict  Kind = "conflict"  // one id given twice with different values (nested JSON)
	KindLimit     Kind = "limit"     // too many problems; reading stopped
)

// MaxErrors is how many errors a decoder collects before it stops reading.
// Warnings are capped at the same number; past it they are only counted.
const MaxErrors = 100

// Problem is one thing wrong with HSDS data. CSV problems name the file, the
// line and the column; JSON problems name the path of the value; problems
// found by Document.Validate name the table, the record's id and the column.
// A Warning is noted but does not stop an import.
//
// Messages never quote free text, addresses or coordinates (they may be a
// confidential location's); they quote ids, enum values, dates and times.
type Problem struct {
	Kind    Kind
	Warning bool
	File    string // file within the package ("services.csv", "datapackage.json")
	Line    int    // 1-based line of File where the record starts; 0 when not known
	Path    string // JSON path of the value: $.service_at_locations[0].location.latitude
	Table   string // HSDS table (resource name: "service", "phone", …)
	ID      string // id of the record at fault, when known
	Column  string // column or field name
	Message string
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.Warning {
		b.WriteString("warning: ")
	}
	switch {
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		fmt.Fprintf(&b, "%s: ", p.File)
	}
	switch {
	case p.Path != "":
		b.WriteString(p.Path)
		b.WriteString(": ")
	case p.File == "" && p.Table != "":
		b.WriteString(p.Table)
		if p.ID != "" {
			b.WriteString(" " + p.ID)
		}
		b.WriteString(": ")
		if p.Column != "" {
			b.WriteString(p.Column + ": ")
		}
	case p.Column != "":
		b.WriteString(p.Column)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems; it is an error.
type Problems []*Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Err returns nil when there are no errors (warnings alone are no error),
// and otherwise an EINVALID *haven.Error whose message is the first error
// and whose cause is the whole list: errors.As(err, &problems) gets it.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	msg := errs[0].Error()
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(errs)-1)
	}
	return &haven.Error{Code: haven.EINVALID, Message: msg, Err: ps}
}

// collector gathers problems up to the limits.
type collector struct {
	list     Problems
	errors   int
	warnings int
	dropped  int // warnings past the cap
	stopped  bool
}

// add records p. It reports false once the error limit is reached: the
// caller stops reading.
func (c *collector) add(p *Problem) bool {
	if c.stopped {
		return false
	}
	if p.Warning {
		if c.warnings >= MaxErrors {
			c.dropped++
			return true
		}
		c.warnings++
		c.list = append(c.list, p)
		return true
	}
	c.errors++
	c.list = append(c.list, p)
	if c.errors >= MaxErrors {
		c.stopped = true
		c.list = append(c.list, &Problem{Kind: KindLimit, Message: fmt.Sprintf("%d errors; stopped reading", c.errors)})
		return false
	}
	return true
}

// done finishes the list: a count of dropped warnings, if any.
func (c *collector) done() Problems {
	if c.dropped > 0 {
		c.list = append(c.list, &Problem{Kind: KindLimit, Warning: true,
			Message: fmt.Sprintf("%d more warnings not shown", c.dropped)})
		c.dropped = 0
	}
	return c.list
}

// quote quotes a value for a message, shortened and made printable.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
