package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/haven-dv/haven"
)

var versionCommand = &command{
	name:    "version",
	summary: "print the version of Haven and of Go it was built with",
	about: `Prints Haven's version, the commit it was built from when known, and
the Go version and platform.`,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		return func(ctx context.Context) error {
			fmt.Fprintf(e.stdout, "haven %s\n", haven.Version)
			if rev := vcsRevision(); rev != "" {
				fmt.Fprintf(e.stdout, "commit %s\n", rev)
			}
			fmt.Fprintf(e.stdout, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		}
	},
}

// vcsRevision is the commit the binary was built from, when go build knew it.
func vcsRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " (modified)"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}
