// Command kfakesrv runs franz-go's kfake (an in-memory fake Kafka with
// consumer groups) behind the command line of `samsa server`, so that the
// compatibility suite's group tests (test/compat/group_*_test.go) can be run
// against kfake as a reference, unchanged:
//
//	go build -o /tmp/kfakesrv ./test/compat/kfakesrv
//	SAMSA_BIN=/tmp/kfakesrv go test -tags compat -run Group ./test/compat/
//
// It understands the overrides the harness passes: listeners (the PLAINTEXT
// port), log.dirs (kfake.DataDir: committed offsets and records persist
// across a restart on the same directory), samsa.admin.listener (an HTTP
// server answering /readyz and an empty /metrics), and the group.* keys
// kfake knows. Other keys are ignored. SIGTERM closes the cluster cleanly;
// SIGKILL is a crash.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

type overrides map[string]string

func (o overrides) String() string { return fmt.Sprint(map[string]string(o)) }

func (o overrides) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("override %q: want key=value", s)
	}
	o[k] = v
	return nil
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "server" {
		fmt.Fprintln(os.Stderr, "usage: kfakesrv server [--override key=value]...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	ov := overrides{}
	fs.Var(ov, "override", "key=value")
	fs.String("log-level", "info", "ignored")
	fs.Parse(os.Args[2:])

	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation()}
	for _, l := range strings.Split(ov["listeners"], ",") {
		if rest, ok := strings.CutPrefix(l, "PLAINTEXT://"); ok {
			_, port, err := net.SplitHostPort(rest)
			if err != nil {
				fail(err)
			}
			p, err := strconv.Atoi(port)
			if err != nil {
				fail(err)
			}
			opts = append(opts, kfake.Ports(p))
		}
	}
	if d := ov["log.dirs"]; d != "" {
		opts = append(opts, kfake.DataDir(d))
	}
	bcfg := map[string]string{}
	for _, k := range []string{"group.max.size", "group.min.session.timeout.ms", "group.max.session.timeout.ms"} {
		if v, ok := ov[k]; ok {
			bcfg[k] = v
		}
	}
	if v, ok := ov["group.min.session.timeout.ms"]; ok {
		ms, err := strconv.Atoi(v)
		if err != nil {
			fail(err)
		}
		opts = append(opts, kfake.GroupMinSessionTimeout(time.Duration(ms)*time.Millisecond))
	}
	if len(bcfg) > 0 {
		opts = append(opts, kfake.BrokerConfigs(bcfg))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "kfakesrv: kfake on %v\n", c.ListenAddrs())
	if a := ov["samsa.admin.listener"]; a != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
		mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {})
		ln, err := net.Listen("tcp", a)
		if err != nil {
			fail(err)
		}
		go http.Serve(ln, mux)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	c.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kfakesrv:", err)
	os.Exit(1)
}
