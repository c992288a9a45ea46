// Command haven runs Haven: the web server and the administration commands.
// Run `haven help` for the list.
package main

import (
	"context"
	"os"
)

func main() {
	m := &Main{Stdin: os.Stdin}
	err := m.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(report(os.Stderr, err))
}
