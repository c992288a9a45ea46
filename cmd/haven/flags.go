package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Where a flag's value came from; a higher source wins.
type source int

const (
	fromDefault source = iota
	fromEnv
	fromFlag
)

func (s source) String() string {
	return [...]string{"default", "env", "flag"}[s]
}

// flagDef is one flag with the environment variable that may also set it.
type flagDef struct {
	name        string
	env         string
	placeholder string // shown in help: --addr ADDR
	usage       string
	group       string // help section
	def         string // default, as shown in help
	value       flag.Value
	source      source
}

// flagSet wraps flag.FlagSet so that every flag has a matching environment
// variable, HAVEN_ plus the flag name in upper case with underscores.
// Flags override the environment, which overrides defaults.
type flagSet struct {
	fs    *flag.FlagSet
	defs  []*flagDef
	byKey map[string]*flagDef
	group string // section that flags registered now belong to
	// operands, when set, receives the arguments that are not flags (a
	// file name); commands that do not set it take none.
	operands *[]string
}

func newFlagSet(name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we print our own help and errors
	fs.Usage = func() {}
	return &flagSet{fs: fs, byKey: map[string]*flagDef{}}
}

// envName is the environment variable matching a flag.
func envName(flagName string) string {
	return "HAVEN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Var registers v, whose current value is the default.
func (f *flagSet) Var(v flag.Value, name, placeholder, usage string) {
	d := &flagDef{name: name, env: envName(name), placeholder: placeholder, usage: usage,
		group: f.group, def: v.String(), value: v}
	f.defs = append(f.defs, d)
	f.byKey[name] = d
	f.fs.Var(v, name, usage)
}

func (f *flagSet) String(p *string, name, def, placeholder, usage string) {
	*p = def
	f.Var((*stringValue)(p), name, placeholder, usage)
}

func (f *flagSet) Bool(p *bool, name string, def bool, usage string) {
	*p = def
	f.Var((*boolValue)(p), name, "", usage)
}

func (f *flagSet) Int(p *int, name string, def int, placeholder, usage string) {
	*p = def
	f.Var((*intValue)(p), name, placeholder, usage)
}

func (f *flagSet) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	f.Var((*durationValue)(p), name, "DURATION", usage)
}

// Enum registers a string flag that accepts only the given choices.
func (f *flagSet) Enum(p *string, name, def string, choices []string, usage string) {
	*p = def
	f.Var(&enumValue{p: p, choices: choices}, name, strings.Join(choices, "|"), usage)
}

// Operands lets the command take arguments that are not flags, such as a
// file name, before, between or after its flags; they are appended to p.
func (f *flagSet) Operands(p *[]string) { f.operands = p }

// parse reads args, then fills every flag not given on the command line
// from its environment variable. Errors are usage errors that name the
// flag or the variable at fault; -h and --help return flag.ErrHelp.
func (f *flagSet) parse(args []string, lookupEnv func(string) (string, bool)) error {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%s", flagError(err))
	}
	// The flag package stops at the first operand; take it and go on, so
	// that flags may follow it (haven import incidents FILE --agency x).
	for f.operands != nil && f.fs.NArg() > 0 {
		*f.operands = append(*f.operands, f.fs.Arg(0))
		if err := f.fs.Parse(f.fs.Args()[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageErrorf("%s", flagError(err))
		}
	}
	if f.fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q: every value is given with a flag, like --name VALUE", f.fs.Arg(0))
	}
	f.fs.Visit(func(fl *flag.Flag) { f.byKey[fl.Name].source = fromFlag })
	for _, d := range f.defs {
		if d.source == fromFlag {
			continue
		}
		// An empty variable counts as unset, so that a line HAVEN_X= in an
		// env file means "the default" rather than an invalid value.
		v, ok := lookupEnv(d.env)
		if !ok || v == "" {
			continue
		}
		if err := d.value.Set(v); err != nil {
			return usageErrorf("invalid value %q for %s (--%s): %v", v, d.env, d.name, err)
		}
		d.source = fromEnv
	}
	return nil
}

// flagError rewrites the flag package's messages to name flags as we
// document them, with two dashes.
func flagError(err error) string {
	s := err.Error()
	if name, ok := strings.CutPrefix(s, "flag provided but not defined: -"); ok {
		return fmt.Sprintf("unknown flag --%s", name)
	}
	if name, ok := strings.CutPrefix(s, "flag needs an argument: -"); ok {
		return fmt.Sprintf("flag --%s needs a value", name)
	}
	if !strings.HasPrefix(s, "invalid ") {
		return s
	}
	// "invalid value %q for flag -%s: …", "invalid boolean value %q for -%s: …"
	for _, sep := range []string{" for flag -", " for -"} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			return s[:i] + " for flag --" + s[i+len(sep):]
		}
	}
	return s
}

// source reports where the named flag's value came from.
func (f *flagSet) source(name string) source {
	if d, ok := f.byKey[name]; ok {
		return d.source
	}
	return fromDefault
}

// isSet reports whether the flag was given on the command line or in the
// environment.
func (f *flagSet) isSet(name string) bool { return f.source(name) != fromDefault }

// describe says where a flag's value came from, for messages and `config`.
func (f *flagSet) describe(name string) string {
	d, ok := f.byKey[name]
	if !ok {
		return ""
	}
	switch d.source {
	case fromFlag:
		return "flag --" + d.name
	case fromEnv:
		return "env " + d.env
	}
	return "default"
}

// required returns a usage error when the flag has no value.
func (f *flagSet) required(names ...string) error {
	for _, n := range names {
		d := f.byKey[n]
		if strings.TrimSpace(d.value.String()) == "" {
			return usageErrorf("--%s is required (or set %s)", d.name, d.env)
		}
	}
	return nil
}

// Values. Each Set explains what it wants, because its message reaches the
// user next to the flag's name.

type stringValue string

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }
func (s *stringValue) String() string     { return string(*s) }

type boolValue bool

func (b *boolValue) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return errors.New("want true or false")
	}
	*b = boolValue(x)
	return nil
}
func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (n *intValue) Set(v string) error {
	x, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return errors.New("want a whole number")
	}
	*n = intValue(x)
	return nil
}
func (n *intValue) String() string { return strconv.Itoa(int(*n)) }

type durationValue time.Duration

func (d *durationValue) Set(v string) error {
	x, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		if n, nerr := strconv.Atoi(strings.TrimSpace(v)); nerr == nil && n == 0 {
			x, err = 0, nil // a bare 0 is clear enough
		} else {
			return errors.New("want a duration such as 90s, 30m or 12h")
		}
	}
	*d = durationValue(x)
	return nil
}
func (d *durationValue) String() string { return formatDuration(time.Duration(*d)) }

// formatDuration drops the zero tails Go prints: 30m0s → 30m, 12h0m0s → 12h.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

type enumValue struct {
	p       *string
	choices []string
}

func (e *enumValue) Set(v string) error {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, c := range e.choices {
		if v == c {
			*e.p = v
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(e.choices, ", "))
}
func (e *enumValue) String() string {
	if e.p == nil {
		return ""
	}
	return *e.p
}

// perMinute is a rate such as "20/min"; a bare number means per minute.
type perMinute int

func (r *perMinute) Set(v string) error {
	v = strings.TrimSpace(v)
	for _, suffix := range []string{"/min", "/m", "/minute"} {
		if s, ok := strings.CutSuffix(v, suffix); ok {
			v = s
			break
		}
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("want a number per minute, such as 20/min")
	}
	*r = perMinute(n)
	return nil
}
func (r *perMinute) String() string { return strconv.Itoa(int(*r)) + "/min" }

// autoBool is true, false or auto (decided later, from other settings).
type autoBool struct {
	set   bool // false means auto
	value bool
}

func (a *autoBool) Set(v string) error {
	if strings.EqualFold(strings.TrimSpace(v), "auto") {
		*a = autoBool{}
		return nil
	}
	x, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return errors.New("want true, false or auto")
	}
	*a = autoBool{set: true, value: x}
	return nil
}
func (a *autoBool) String() string {
	if !a.set {
		return "auto"
	}
	return strconv.FormatBool(a.value)
}
func (a *autoBool) IsBoolFlag() bool { return true }

// resolve returns the value, or auto's answer when none was chosen.
func (a *autoBool) resolve(auto bool) bool {
	if a.set {
		return a.value
	}
	return auto
}
