// Command samsa is the Samsa broker and its command-line tools in one binary.
//
// Today only the storage engine exists; `samsa server` reports that the
// broker is not built yet (see README.md for the status table).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: samsa server [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		fmt.Fprintln(os.Stderr, "samsa: the broker is not built yet; the log storage engine is (internal/storage). See README.md.")
		os.Exit(1)
	default:
		fmt.Fprintf(os.Stderr, "samsa: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}
