package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// env is what every verb needs: the global flags and the process's streams.
// Verbs take it instead of globals so that tests (and perf suite) can run
// many in one process.
type env struct {
	brokers  string
	output   string
	timeout  time.Duration
	clientID string
	tls      tlsFlags
	sasl     saslFlags

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// defaultBrokers is used when neither --brokers nor SAMSA_BROKERS is set:
// `samsa server`'s default listener.
const defaultBrokers = "127.0.0.1:9092"

// Main runs the CLI with args (without the program name) and returns the
// process exit code. server runs `samsa server` (cmd/samsa owns it because it
// imports the broker); the CLI only lists it in help and completion.
func Main(args []string, server func(args []string) int) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	root := newRoot(e, server)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if errors.Is(err, errServerExit) {
		return exitCodeOf(err)
	}
	fmt.Fprintln(os.Stderr, "samsa: "+oneLine(err))
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func newRoot(e *env, server func([]string) int) *cobra.Command {
	root := &cobra.Command{
		Use:   "samsa",
		Short: "Samsa: a Kafka-compatible broker and the tools to drive any Kafka cluster",
		Long: `samsa is the Samsa broker (samsa server) and a command line for any
Kafka-compatible cluster: topics, produce, consume, consumer groups, configs,
cluster info and performance tests. The client verbs use only franz-go.

Brokers come from --brokers, else SAMSA_BROKERS, else ` + defaultBrokers + `.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// NoArgs makes an unknown verb a usage error (exit 2).
		Args: cobra.NoArgs,
		// A bare `samsa` prints help and exits 2, as before the CLI existed.
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.Help()
			return usageErrorf("a command is required")
		},
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%v (see '%s --help')", err, cmd.CommandPath())}
	})
	brokers := os.Getenv("SAMSA_BROKERS")
	if brokers == "" {
		brokers = defaultBrokers
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&e.brokers, "brokers", "b", brokers, "comma-separated bootstrap brokers host:port (env SAMSA_BROKERS)")
	pf.StringVarP(&e.output, "output", "o", "table", "output format: table or json")
	pf.DurationVar(&e.timeout, "timeout", 15*time.Second, "how long a request may take before the command gives up")
	pf.StringVar(&e.clientID, "client-id", "samsa-cli", "client.id sent to the brokers")
	e.tls.register(pf)
	e.sasl.register(pf)
	root.RegisterFlagCompletionFunc("output", fixedCompletion("table", "json"))
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if e.output != "table" && e.output != "json" {
			return usageErrorf("--output %q: want table or json", e.output)
		}
		return nil
	}

	root.AddCommand(
		serverCmd(server),
		topicCmd(e),
		produceCmd(e),
		consumeCmd(e),
		groupCmd(e),
		configCmd(e),
		clusterCmd(e),
		perfCmd(e),
	)
	// Wrap every command's argument validation so that wrong arity is a
	// usage error (exit 2) like a bad flag.
	wrapArgs(root)
	return root
}

// wrapArgs turns every command's Args errors into usage errors.
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		inner := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := inner(cmd, args); err != nil {
				return &usageError{fmt.Errorf("%v (see '%s --help')", err, cmd.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// errServerExit carries `samsa server`'s exit code through cobra when the
// server is started from the CLI's command tree (it normally is not:
// cmd/samsa dispatches `server` before the CLI parses anything).
var errServerExit = errors.New("server exited")

type serverExit struct{ code int }

func (s serverExit) Error() string   { return fmt.Sprintf("server exited with %d", s.code) }
func (s serverExit) Is(t error) bool { return t == errServerExit }

func exitCodeOf(err error) int {
	var s serverExit
	if errors.As(err, &s) {
		return s.code
	}
	return 1
}

// serverCmd lists `samsa server` in help and completion. Its flags are the
// server's own (flag package), so cobra passes them through untouched.
func serverCmd(server func([]string) int) *cobra.Command {
	return &cobra.Command{
		Use:                "server [--config server.properties] [--override key=value ...]",
		Short:              "Run a Samsa node (controller and broker)",
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if server == nil {
				return errors.New("this build has no server")
			}
			if code := server(args); code != 0 {
				return serverExit{code}
			}
			return nil
		},
	}
}

// fixedCompletion completes a flag from a fixed list of values.
func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// oneLine makes an error message a single line: verbs promise one-line
// errors, and broker messages sometimes carry newlines.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.FieldsFunc(err.Error(), func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
