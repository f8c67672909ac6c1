//go:build compat

// Package compat is the compatibility suite: the real samsa binary, started
// once per package run on a fresh data directory and free ports, driven by
// real, unmodified Kafka clients. Go clients (franz-go, sarama, kafka-go) run
// in this process; kcat, confluent-kafka-python, kafka-python and kafkajs run
// as child processes (kcat command lines, python/*.py, js/*.js) that print a
// JSON result which the Go tests check. Every client runs the same scenario
// (harness_test.go): create a 3-partition topic, produce keyed and unkeyed
// records with headers under each codec the client supports, consume them
// back without a consumer group, look offsets up by timestamp, delete the
// topic. The consumer-group tests (group_*_test.go) run group members of
// five clients through rebalances, restarts and the example; the
// broker runs with group overrides (groupOverrides) so that short session
// timeouts are allowed, and `make test-compat-kfake` runs them against
// kfake (kfakesrv). docs/compatibility.md describes the matrix and the
// limitations.
//
// Run it with `make test-compat` (or `go test -tags compat ./test/compat/`).
// The build tag keeps it out of `go test ./...`: it needs the clients that
// scripts/deps.sh installs, and a missing client fails the suite.
//
// Environment:
//   - SAMSA_BIN: the broker binary to run (default: built into a temp dir).
//   - COMPAT_DEBUG=1: client protocol debug logs (sarama.Logger, kafka-go
//     Logger, kcat -d protocol, librdkafka debug=protocol,broker,
//     kafka-python DEBUG logging, KAFKAJS_LOG_LEVEL=debug) on stderr.
//   - COMPAT_BROKER_LOG_LEVEL: the broker's --log-level (default info; debug
//     logs why a connection was closed on an error).
//   - COMPAT_PYTHON: the python interpreter that has the Debian client
//     packages (default /usr/bin/python3, not a pyenv shim).
package compat

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// brokerAddr is the PLAINTEXT listener of the broker TestMain started.
var brokerAddr string

// theBroker is the running broker process.
var theBroker *brokerProc

// samsaBin is the broker binary (SAMSA_BIN, or built by TestMain); the group
// tests start more processes of it (group_harness_test.go).
var samsaBin string

// groupOverrides are the broker settings every broker of the suite runs
// with, for the consumer-group tests: no initial rebalance delay (Kafka's
// 3 s would only slow every new group down), and a minimum session timeout
// low enough for clients to use sessionTimeout (2 s), so that a killed
// member is noticed quickly; the offsets topic has one replica on one node.
var groupOverrides = []string{
	"group.initial.rebalance.delay.ms=0",
	"group.min.session.timeout.ms=500",
	"offsets.topic.replication.factor=1",
}

// versions collects the client versions the tests saw, printed at the end.
var versions = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func recordVersion(client, v string) {
	versions.Lock()
	defer versions.Unlock()
	versions.m[client] = v
}

// stepTimeout bounds each step (a script phase, a produce, a consume) as a
// hang guard only; nothing asserts on durations.
const stepTimeout = 90 * time.Second

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	start := time.Now()
	dir, err := os.MkdirTemp("", "samsa-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat:", err)
		return 1
	}
	bin := os.Getenv("SAMSA_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "samsa")
		build := exec.Command("go", "build", "-o", bin, "./cmd/samsa")
		build.Dir = repoRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "compat: building samsa:", err)
			return 1
		}
	} else if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}
	samsaBin = bin
	b, err := startBrokerProc(bin, filepath.Join(dir, "data"), filepath.Join(dir, "broker.log"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat: starting samsa:", err)
		return 1
	}
	theBroker = b
	brokerAddr = b.addr
	fmt.Printf("compat: samsa %s on %s (data and log under %s), started in %v\n", bin, b.addr, dir, time.Since(start).Round(time.Millisecond))

	code := m.Run()

	if err := b.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "compat: stopping samsa:", err)
		code = 1
	}
	versions.Lock()
	names := make([]string, 0, len(versions.m))
	for k := range versions.m {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Println("compat: client versions tested:")
	for _, k := range names {
		fmt.Printf("  %-24s %s\n", k, versions.m[k])
	}
	versions.Unlock()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "compat: FAILED; broker log kept in %s; its last lines:\n%s\n", b.logPath, tail(b.logPath, 40))
	} else {
		os.RemoveAll(dir)
	}
	fmt.Printf("compat: suite ran in %v\n", time.Since(start).Round(time.Millisecond))
	return code
}

// repoRoot is the module root: tests run in test/compat.
func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// brokerProc is one samsa server child process.
type brokerProc struct {
	cmd     *exec.Cmd
	addr    string
	admin   string
	logPath string
	logFile *os.File
	exited  chan struct{}
	waitErr error
}

// freePorts reserves n distinct loopback ports and releases them; the broker
// binds them a moment later (startBrokerProc retries if one got taken).
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func startBrokerProc(bin, dataDir, logPath string, extra ...string) (*brokerProc, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		os.RemoveAll(dataDir)
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		b, err := tryStartBroker(bin, dataDir, logPath, ports, extra...)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// tryStartBroker starts bin on dataDir (kept as it is) with the PLAINTEXT,
// CONTROLLER and admin listeners on ports, the groupOverrides and the extra
// overrides, and waits until /readyz answers 200. The log is appended to
// logPath.
func tryStartBroker(bin, dataDir, logPath string, ports []int, extra ...string) (*brokerProc, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	b := &brokerProc{
		addr:    fmt.Sprintf("127.0.0.1:%d", ports[0]),
		admin:   fmt.Sprintf("127.0.0.1:%d", ports[2]),
		logPath: logPath,
		logFile: lf,
		exited:  make(chan struct{}),
	}
	b.cmd = exec.Command(bin, "server",
		"--override", "log.dirs="+dataDir,
		"--override", fmt.Sprintf("listeners=PLAINTEXT://%s,CONTROLLER://127.0.0.1:%d", b.addr, ports[1]),
		"--override", "samsa.admin.listener="+b.admin,
	)
	for _, o := range append(append([]string{}, groupOverrides...), extra...) {
		b.cmd.Args = append(b.cmd.Args, "--override", o)
	}
	if lvl := os.Getenv("COMPAT_BROKER_LOG_LEVEL"); lvl != "" {
		b.cmd.Args = append(b.cmd.Args, "--log-level", lvl)
	}
	b.cmd.Stdout, b.cmd.Stderr = lf, lf
	if err := b.cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	go func() {
		b.waitErr = b.cmd.Wait()
		close(b.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-b.exited:
			lf.Close()
			return nil, fmt.Errorf("samsa exited before it was ready (%v):\n%s", b.waitErr, tail(logPath, 20))
		default:
		}
		resp, err := hc.Get("http://" + b.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.cmd.Process.Kill()
	<-b.exited
	lf.Close()
	return nil, fmt.Errorf("samsa not ready after 60s:\n%s", tail(logPath, 20))
}

// stop sends SIGTERM and waits for a clean exit (kill after 30 s).
func (b *brokerProc) stop() error {
	defer b.logFile.Close()
	select {
	case <-b.exited:
		return fmt.Errorf("samsa had already exited: %v", b.waitErr)
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		var ee *exec.ExitError
		if b.waitErr != nil && !errors.As(b.waitErr, &ee) {
			return b.waitErr
		}
		if b.waitErr != nil {
			return fmt.Errorf("samsa exited with %v", b.waitErr)
		}
		return nil
	case <-time.After(30 * time.Second):
		b.cmd.Process.Kill()
		<-b.exited
		return errors.New("samsa did not stop within 30s of SIGTERM; killed")
	}
}

// logSize is the broker log's current length (tests print what they added
// to it when they fail).
func (b *brokerProc) logSize() int64 {
	fi, err := os.Stat(b.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// brokerLogSince returns the broker log from offset off (at most the last
// 8 KiB of it).
func brokerLogSince(off int64) string {
	f, err := os.Open(theBroker.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	fi, _ := f.Stat()
	if fi.Size()-off > 8<<10 {
		off = fi.Size() - 8<<10
	}
	f.Seek(off, io.SeekStart)
	b, _ := io.ReadAll(f)
	return string(b)
}

// watchBrokerLog makes a failing test print the broker log it produced.
func watchBrokerLog(t *testing.T) {
	off := theBroker.logSize()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("broker log during this test:\n%s", brokerLogSince(off))
		}
	})
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// stepCtx is a hang guard for one step.
func stepCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	t.Cleanup(cancel)
	return ctx
}
