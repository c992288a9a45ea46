package store

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect is everything that differs between SQLite and PostgreSQL. SQL in
// this package is written once, with ? placeholders and the type tokens
// below, and passed through the dialect.
type dialect struct {
	name  string
	types map[string]string // migration type tokens → column types
}

var sqlite = dialect{name: "sqlite", types: map[string]string{
	"$TIME":  "TEXT", // fixed-width UTC text, sorts in time order
	"$BYTES": "BLOB",
	"$BOOL":  "BOOLEAN", // stored 0/1
}}

var postgres = dialect{name: "postgres", types: map[string]string{
	"$TIME":  "TIMESTAMPTZ",
	"$BYTES": "BYTEA",
	"$BOOL":  "BOOLEAN",
}}

// ddl expands the type tokens of a migration.
func (d dialect) ddl(s string) string {
	for tok, typ := range d.types {
		s = strings.ReplaceAll(s, tok, typ)
	}
	return s
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Our SQL never has
// a literal question mark.
func (d dialect) rebind(q string) string {
	if d.name != "postgres" || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeLayout is how times are stored in SQLite: UTC, fixed width, so that
// text comparison is time comparison.
const timeLayout = "2006-01-02 15:04:05.000000"

// args converts arguments: times become the stored text on SQLite.
func (d dialect) args(args []any) []any {
	if d.name != "sqlite" {
		return args
	}
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Format(timeLayout)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UTC().Format(timeLayout)
			}
		}
	}
	return args
}

// nullTime scans a time stored by either dialect.
type nullTime struct {
	Time  time.Time
	Valid bool
}

func (n *nullTime) Scan(v any) error {
	n.Valid = v != nil
	switch v := v.(type) {
	case nil:
		n.Time = time.Time{}
	case time.Time:
		n.Time = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T as time", v)
	}
	return nil
}

func (n *nullTime) parse(s string) error {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			n.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("store: cannot parse time %q", s)
}

// Value lets nullTime be an argument too (as NULL or the time).
func (n nullTime) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return n.Time, nil
}

// ptr returns the time as a pointer, nil when NULL.
func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}
