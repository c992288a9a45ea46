package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sort"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
)

// Main is the haven command. Its zero value behaves as the installed
// binary; tests set the fields to run commands in-process.
type Main struct {
	// Stdin is read by `user create --password-stdin`; nil reads nothing.
	Stdin io.Reader
	// LookupEnv reads environment variables; nil means os.LookupEnv.
	LookupEnv func(key string) (string, bool)
	// StoreConfig, when set, adjusts the store configuration after the
	// flags are applied. Tests use it for cheap password hashing; it is
	// deliberately not a flag.
	StoreConfig func(*store.Config)
	// Listening, when set, is called by serve with the address it listens
	// on (useful with --addr 127.0.0.1:0), before it starts serving.
	Listening func(addr net.Addr)
}

// command is one subcommand. setup declares its flags on f and returns
// the function that runs it once the flags are parsed.
type command struct {
	name     string // "user create"
	synopsis string // what follows the name on the usage line
	summary  string // one line for the command list
	about    string // paragraphs for its help
	common   bool   // takes the database and logging flags
	setup    func(f *flagSet, e *env) func(ctx context.Context) error
}

// env is what a running command has at hand.
type env struct {
	m      *Main
	stdout io.Writer
	stderr io.Writer
	flags  *flagSet
	common commonFlags
	log    *slog.Logger
	dbName string // the open database, for messages (no password)
}

// commands lists every subcommand in the order help shows them.
func commands() []*command {
	return []*command{
		serveCommand,
		migrateCommand,
		agencyCreateCommand,
		agencyListCommand,
		agencySetMFACommand,
		agencyUpdateCommand,
		userCreateCommand,
		userListCommand,
		userDisableCommand,
		userEnableCommand,
		userResetPasswordCommand,
		userResetSecondFactorCommand,
		tokenCreateCommand,
		tokenListCommand,
		tokenRevokeCommand,
		importIncidentsCommand,
		importHSDSCommand,
		importBoundariesCommand,
		exportHSDSCommand,
		directoryPublishLocationCommand,
		benchImportCommand,
		riskInstrumentsCommand,
		riskValidateCommand,
		riskScoreCommand,
		auditVerifyCommand,
		auditHeadCommand,
		keysRotateCommand,
		configCommand,
		versionCommand,
	}
}

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct {
	cmd string // the command whose help explains it, if known
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Run runs the command named by args (without the program name).
func (m *Main) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeOverview(stderr)
		return usageErrorf("no command given")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return helpCommand(args[1:], stdout)
	case "-version", "--version":
		args = []string{"version"}
	}
	cmd, rest, err := lookup(args, stdout)
	if err != nil || cmd == nil {
		return err
	}
	e := &env{m: m, stdout: stdout, stderr: stderr}
	run := cmd.build(e)
	if err := e.flags.parse(rest, m.lookupEnv); errors.Is(err, flag.ErrHelp) {
		writeCommandHelp(stdout, cmd, e.flags)
		return nil
	} else if err != nil {
		return withCommand(err, cmd.name)
	}
	e.log = slog.New(slog.DiscardHandler)
	if cmd.common {
		e.log = e.common.logger(stderr)
	}
	// Commands act as the named system actor, so stores authorize and
	// (later) audit them like any other caller.
	ctx = haven.NewContextWithActor(ctx, haven.SystemActor("cli"))
	return withCommand(run(ctx), cmd.name)
}

// build declares c's flags in e.flags and returns the function that runs c.
func (c *command) build(e *env) func(ctx context.Context) error {
	e.flags = newFlagSet(c.name)
	run := c.setup(e.flags, e)
	if c.common {
		e.flags.group = "Database and logging flags"
		e.common.register(e.flags)
	}
	return run
}

func (m *Main) lookupEnv(key string) (string, bool) {
	if m.LookupEnv != nil {
		return m.LookupEnv(key)
	}
	return os.LookupEnv(key)
}

// withCommand names the command on a usage error that does not say yet.
func withCommand(err error, name string) error {
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd == "" {
		ue.cmd = name
	}
	return err
}

// lookup finds the command that args name: one word ("serve") or a group
// and a word ("user create"). For a group's --help it prints the group's
// commands and returns no command.
func lookup(args []string, stdout io.Writer) (*command, []string, error) {
	all := commands()
	for _, c := range all {
		if c.name == args[0] {
			return c, args[1:], nil
		}
	}
	group := groupCommands(args[0])
	if len(group) == 0 {
		return nil, nil, usageErrorf("unknown command %q; run 'haven help' for the list", args[0])
	}
	if len(args) == 1 {
		return nil, nil, &usageError{cmd: args[0], msg: fmt.Sprintf("%s needs a subcommand: %s", args[0], subNames(group))}
	}
	switch args[1] {
	case "-h", "-help", "--help", "help":
		writeGroupHelp(stdout, args[0], group)
		return nil, nil, nil
	}
	for _, c := range group {
		if c.name == args[0]+" "+args[1] {
			return c, args[2:], nil
		}
	}
	return nil, nil, &usageError{cmd: args[0], msg: fmt.Sprintf("unknown command %q; %s has: %s", args[0]+" "+args[1], args[0], subNames(group))}
}

// groupCommands returns the commands whose name starts with the group word.
func groupCommands(group string) []*command {
	var out []*command
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group+" ") {
			out = append(out, c)
		}
	}
	return out
}

func subNames(group []*command) string {
	var names []string
	for _, c := range group {
		_, sub, _ := strings.Cut(c.name, " ")
		names = append(names, sub)
	}
	return strings.Join(names, ", ")
}

// report prints err for a person at a terminal and returns the exit
// status: 0 for nil, 2 for usage errors, 1 otherwise. Only Haven's
// user-facing message and field are shown, plus the underlying cause of
// an internal or unavailable error, which the operator needs to fix it.
func report(w io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "haven: %s\n", ue.msg)
		if ue.cmd != "" {
			fmt.Fprintf(w, "Run 'haven help %s' for usage.\n", ue.cmd)
		} else {
			fmt.Fprintln(w, "Run 'haven help' for usage.")
		}
		return 2
	}
	msg := haven.ErrorMessage(err)
	if f := haven.ErrorField(err); f != "" {
		msg += " (field " + f + ")"
	}
	fmt.Fprintf(w, "haven: %s\n", msg)
	if c := cause(err); c != "" {
		fmt.Fprintf(w, "  cause: %s\n", c)
	}
	return 1
}

// cause returns the text behind an internal or unavailable error.
func cause(err error) string {
	var he *haven.Error
	if !errors.As(err, &he) {
		return err.Error()
	}
	if (he.Code == haven.EINTERNAL || he.Code == haven.EUNAVAILABLE) && he.Err != nil {
		return causeText(he.Err)
	}
	return ""
}

// causeText is err's text with every wrapped Haven error replaced by the
// text of its own cause, which its Error method leaves out.
func causeText(err error) string {
	var he *haven.Error
	if errors.As(err, &he) && he.Err != nil {
		return strings.Replace(err.Error(), he.Error(), causeText(he.Err), 1)
	}
	return err.Error()
}

// Help.

func writeOverview(w io.Writer) {
	fmt.Fprint(w, `Haven: one platform for the agencies that respond to domestic violence.

Usage: haven COMMAND [flags]

Commands:
`)
	tw := newTable(w)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help [COMMAND]", "explain a command and every flag it takes")
	tw.Flush()
	fmt.Fprint(w, `
Every flag can also be set by an environment variable: HAVEN_ and the flag's
name in capitals with underscores (--session-idle → HAVEN_SESSION_IDLE).
A flag on the command line overrides the environment.

Run 'haven help COMMAND' (or 'haven COMMAND --help') for a command's flags.
`)
}

func writeGroupHelp(w io.Writer, group string, cmds []*command) {
	fmt.Fprintf(w, "Usage: haven %s SUBCOMMAND [flags]\n\nSubcommands:\n", group)
	tw := newTable(w)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun 'haven help %s SUBCOMMAND' for its flags.\n", group)
}

func writeCommandHelp(w io.Writer, c *command, f *flagSet) {
	usage := "haven " + c.name
	if c.synopsis != "" {
		usage += " " + c.synopsis
	}
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", usage, strings.TrimSpace(c.about))
	var groups []string
	seen := map[string]bool{}
	for _, d := range f.defs {
		if !seen[d.group] {
			seen[d.group] = true
			groups = append(groups, d.group)
		}
	}
	for _, g := range groups {
		title := g
		if title == "" {
			title = "Flags"
		}
		fmt.Fprintf(w, "\n%s:\n", title)
		for _, d := range f.defs {
			if d.group != g {
				continue
			}
			head := "  --" + d.name
			if d.placeholder != "" {
				head += " " + d.placeholder
			}
			meta := "env " + d.env
			if d.def != "" && d.def != "false" {
				meta += ", default " + d.def
			}
			fmt.Fprintf(w, "%s   (%s)\n", head, meta)
			for _, line := range wrap(d.usage, 72) {
				fmt.Fprintf(w, "        %s\n", line)
			}
		}
	}
	if len(f.defs) == 0 {
		fmt.Fprintln(w, "\nThis command takes no flags.")
	}
}

// wrap breaks s into lines of at most width characters.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// helpCommand is `haven help [COMMAND]`.
func helpCommand(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		writeOverview(stdout)
		return nil
	}
	name := strings.Join(args, " ")
	if name == "help" {
		writeOverview(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			e := &env{}
			c.build(e)
			writeCommandHelp(stdout, c, e.flags)
			return nil
		}
	}
	if group := groupCommands(name); len(group) > 0 {
		writeGroupHelp(stdout, name, group)
		return nil
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	sort.Strings(names)
	return usageErrorf("no help for %q: there is no such command (commands: %s)", name, strings.Join(names, ", "))
}
