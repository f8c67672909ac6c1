// Command samsa is the Samsa broker and its command-line tools in one binary.
//
//	samsa server [--config server.properties] [--override key=value ...]
//
// With no arguments, `samsa server` runs a single node (controller and
// broker) on 127.0.0.1:9092 with its data under ./data.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	switch os.Args[1] {
	case "server":
		os.Exit(runServer(os.Args[2:]))
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "samsa: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: samsa <command> [flags]

commands:
  server    run a Samsa node (controller and broker); see samsa server --help`)
}
