package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress writes a long command's progress to standard error: on a
// terminal one line rewritten in place ("\r…"), elsewhere (a log file, a
// pipe, a test) plain lines, fewer of them, so that a log is not flooded.
type progress struct {
	w     io.Writer
	tty   bool
	shown bool // something was written on the current terminal line
	step  int  // the last tenth reported in plain mode; -1 before any
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), step: -1}
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// line shows s: in place on a terminal, as a line of its own otherwise.
func (p *progress) line(s string) {
	if p.tty {
		// Pad over the rest of a longer previous line.
		fmt.Fprintf(p.w, "\r%-60s", s)
		p.shown = true
		return
	}
	fmt.Fprintln(p.w, s)
}

// count reports n items done of an unknown total (the audit log is
// streamed, its length is not counted first).
func (p *progress) count(format string, n int64) {
	p.line(fmt.Sprintf(format, n))
}

// bar reports done of total with a bar. In plain mode it writes the first
// call, each further tenth and the end.
func (p *progress) bar(done, total int, suffix string) {
	const width = 20
	filled := width
	if total > 0 {
		filled = min(width, done*width/total)
	}
	s := fmt.Sprintf("[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat("-", width-filled), done, total, suffix)
	if p.tty {
		p.line(s)
		return
	}
	step := 10
	if total > 0 {
		step = min(10, done*10/total)
	}
	if step != p.step { // done == total is step 10: the end is written once
		p.step = step
		p.line(s)
	}
}

// end finishes the terminal line, so that what follows starts on its own.
func (p *progress) end() {
	if p.tty && p.shown {
		fmt.Fprintln(p.w)
		p.shown = false
	}
}
