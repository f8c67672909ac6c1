// Command samsa is the Samsa broker and its command-line tools in one binary.
//
//	samsa server [--config server.properties] [--override key=value ...]
//	samsa topic|produce|consume|group|config|cluster|perf ...
//
// With no arguments, `samsa server` runs a single node (controller and
// broker) on 127.0.0.1:9092 with its data under ./data. Every other command
// is the client CLI of package cli (cmd/samsa/cli), which uses only franz-go
// and so works against any Kafka-compatible cluster; docs/cli.md lists the
// verbs.
package main

import (
	"os"

	"github.com/samsa-io/samsa/cmd/samsa/cli"
)

func main() {
	// `server` is dispatched before the CLI parses anything so that its
	// flags, exit codes and output stay exactly what they were.
	if len(os.Args) >= 2 && os.Args[1] == "server" {
		os.Exit(runServer(os.Args[2:]))
	}
	os.Exit(cli.Main(os.Args[1:], runServer))
}
