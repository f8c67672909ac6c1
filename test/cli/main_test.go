//go:build cli

// Package cli tests the samsa command line end to end: the real samsa
// binary is started once (fresh data directory, free ports) as the broker,
// and every test runs the same binary's client verbs against it as a child
// process, then checks their effect with franz-go's kadm/kgo (the topic
// exists with the asked-for partitions and configs, produced lines come
// back, offsets moved) and their output (JSON parses, errors are one line
// with a non-zero exit, nothing is half-applied).
//
// Run it with `make test-cli` (or `go test -tags cli ./test/cli/`); the
// build tag keeps it out of `go test ./...` because it builds and runs the
// binary.
//
// Environment:
//   - SAMSA_BIN: the binary to test (default: built into a temp dir).
//   - CLI_TEST_BROKERS: run against this existing single-node cluster
//     instead of starting samsa (to compare the verbs against another
//     Kafka-compatible broker); `make test-cli` never sets it.
package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	// bin is the samsa binary under test; brokerAddr its broker listener.
	bin        string
	brokerAddr string
	brokerLog  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "samsa-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cli:", err)
		return 1
	}
	bin = os.Getenv("SAMSA_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "samsa")
		build := exec.Command("go", "build", "-o", bin, "./cmd/samsa")
		build.Dir = filepath.Join("..", "..")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "cli: building samsa:", err)
			return 1
		}
	} else if abs, err := filepath.Abs(bin); err == nil {
		bin = abs
	}
	brokerLog = filepath.Join(dir, "broker.log")
	stop := func() error { return nil }
	if brokerAddr = os.Getenv("CLI_TEST_BROKERS"); brokerAddr == "" {
		if stop, err = startBroker(filepath.Join(dir, "data"), brokerLog); err != nil {
			fmt.Fprintln(os.Stderr, "cli: starting samsa:", err)
			return 1
		}
	}
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "cli: stopping samsa:", err)
		code = 1
	}
	if code == 0 {
		os.RemoveAll(dir)
	} else {
		fmt.Fprintf(os.Stderr, "cli: FAILED; broker log kept in %s\n", brokerLog)
	}
	return code
}

// freePorts reserves n loopback ports and releases them for the broker.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startBroker runs `samsa server` on free ports until /readyz answers (three
// attempts, in case another process took a port meanwhile).
func startBroker(dataDir, logPath string) (stop func() error, err error) {
	for attempt := 0; attempt < 3; attempt++ {
		os.RemoveAll(dataDir)
		if stop, err = tryStartBroker(dataDir, logPath); err == nil {
			return stop, nil
		}
	}
	return nil, err
}

func tryStartBroker(dataDir, logPath string) (func() error, error) {
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	admin := fmt.Sprintf("127.0.0.1:%d", ports[2])
	cmd := exec.Command(bin, "server",
		"--override", "log.dirs="+dataDir,
		"--override", fmt.Sprintf("listeners=PLAINTEXT://%s,CONTROLLER://127.0.0.1:%d", addr, ports[1]),
		"--override", "samsa.admin.listener="+admin,
		// Each `consume --group` is a new member of an empty group: without
		// the initial rebalance delay (3 s) the group tests run in seconds.
		"--override", "group.initial.rebalance.delay.ms=0",
	)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	stop := func() error {
		defer lf.Close()
		select {
		case <-exited:
			return fmt.Errorf("samsa had already exited: %v", waitErr)
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return waitErr
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
			return errors.New("samsa did not stop within 30s of SIGTERM; killed")
		}
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			lf.Close()
			return nil, fmt.Errorf("samsa exited before it was ready: %v", waitErr)
		default:
		}
		if resp, err := hc.Get("http://" + admin + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				brokerAddr = addr
				return stop, nil
			}
		}
	}
	cmd.Process.Kill()
	<-exited
	lf.Close()
	return nil, errors.New("samsa not ready after 60s")
}

// result is one CLI run.
type result struct {
	stdout, stderr string
	code           int
}

// samsa runs the binary with args and stdin against the test broker (unless
// args name --brokers or env sets SAMSA_BROKERS), with a hang guard.
func samsa(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return samsaEnv(t, nil, stdin, args...)
}

func samsaEnv(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	full := args
	if !slices.Contains(args, "--brokers") && !slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "SAMSA_BROKERS=") }) {
		full = append(slices.Clone(args), "--brokers", brokerAddr)
	}
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("samsa %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// ok runs samsa and fails the test on a non-zero exit.
func ok(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := samsa(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("samsa %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// fails runs samsa, expects exit code want and a one-line error on stderr
// ("samsa: ...") containing every string of mention; it returns the line.
func fails(t *testing.T, want int, stdin string, args []string, mention ...string) string {
	t.Helper()
	r := samsa(t, stdin, args...)
	if r.code != want {
		t.Fatalf("samsa %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	line := strings.TrimRight(r.stderr, "\n")
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "samsa: ") {
		t.Fatalf("samsa %s: want one 'samsa: ...' error line, got stderr:\n%s", strings.Join(args, " "), r.stderr)
	}
	for _, m := range mention {
		if !strings.Contains(line, m) {
			t.Errorf("samsa %s: error %q does not mention %q", strings.Join(args, " "), line, m)
		}
	}
	return line
}

// admin is a kadm client on the test broker.
func admin(t *testing.T) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokerAddr), kgo.MetadataMinAge(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// topicName is unique per test.
func topicName(t *testing.T, suffix string) string {
	name := strings.NewReplacer("/", "-", "_", "-").Replace(t.Name())
	return strings.ToLower(name) + suffix
}

// endOffsets sums the end offsets of topic's partitions (how many records
// it holds from offset 0).
func endOffsets(t *testing.T, topic string) map[int32]int64 {
	t.Helper()
	ends, err := admin(t).ListEndOffsets(ctx(t), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

func total(m map[int32]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// createTopic makes a topic directly with kadm (for tests of other verbs).
func createTopic(t *testing.T, topic string, partitions int32) {
	t.Helper()
	res, err := admin(t).CreateTopic(ctx(t), partitions, 1, nil, topic)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
}
