package robust

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// samsaBin is the `samsa` binary TestMain builds: the robustness tests run
// the real process so that SIGKILL, SIGTERM and RSS mean what they mean in
// production.
var samsaBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "samsa-robust-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	samsaBin = filepath.Join(dir, "samsa")
	// Built without -race even when the tests run with it: the binary's
	// behaviour under kill -9 is what is tested, and the in-process tests
	// already put the broker under the race detector.
	build := exec.Command("go", "build", "-o", samsaBin, "github.com/samsa-io/samsa/cmd/samsa")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building samsa: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// freePorts returns n distinct free TCP ports on 127.0.0.1. They are held
// open together while chosen so that they differ; another process may still
// take one before the broker binds it, which would show as a start failure,
// not a wrong result.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// node is one `samsa server` process with a fixed data dir and fixed ports,
// so that it can be killed and restarted on the same state.
type node struct {
	t         testing.TB
	dataDir   string
	logDir    string
	addr      string // PLAINTEXT listener
	adminAddr string // admin HTTP
	args      []string

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the current process has been reaped
	exitErr error
	starts  int
	started time.Time // when the current process was started
}

// newNode prepares (but does not start) a node with a fresh data dir;
// overrides are extra config keys. A cleanup kills the process if the test
// left it running and prints the end of its logs if the test failed.
func newNode(t testing.TB, overrides map[string]string) *node {
	t.Helper()
	p := freePorts(t, 3)
	n := &node{
		t:         t,
		dataDir:   filepath.Join(t.TempDir(), "data"),
		logDir:    t.TempDir(),
		addr:      fmt.Sprintf("127.0.0.1:%d", p[0]),
		adminAddr: fmt.Sprintf("127.0.0.1:%d", p[2]),
	}
	conf := map[string]string{
		"listeners":            fmt.Sprintf("PLAINTEXT://%s,CONTROLLER://127.0.0.1:%d", n.addr, p[1]),
		"log.dirs":             n.dataDir,
		"samsa.admin.listener": n.adminAddr,
	}
	for k, v := range overrides {
		conf[k] = v
	}
	n.args = []string{"server"}
	for k, v := range conf {
		n.args = append(n.args, "--override", k+"="+v)
	}
	t.Cleanup(func() {
		if n.running() {
			n.kill()
		}
		if t.Failed() {
			n.dumpLogs()
		}
	})
	return n
}

// logPath is the stderr file of the i-th start (1-based).
func (n *node) logPath(i int) string { return filepath.Join(n.logDir, fmt.Sprintf("samsa-%d.log", i)) }

// start launches the process; waitReady waits until it serves.
func (n *node) start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		n.t.Fatal("node already running")
	}
	n.starts++
	logf, err := os.Create(n.logPath(n.starts))
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command(samsaBin, n.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	n.started = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		n.t.Fatalf("starting samsa: %v", err)
	}
	exited := make(chan struct{})
	n.cmd, n.exited = cmd, exited
	go func() {
		err := cmd.Wait()
		logf.Close()
		n.mu.Lock()
		n.exitErr = err
		n.mu.Unlock()
		close(exited)
	}()
}

func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// pid is the current process id.
func (n *node) pid() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd.Process.Pid
}

// waitReady polls /readyz until it answers 200 and returns how long after
// the process start that was. It fails the test if the process exits first
// or takes longer than timeout.
func (n *node) waitReady(timeout time.Duration) time.Duration {
	n.t.Helper()
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		n.mu.Lock()
		exited, started := n.exited, n.started
		n.mu.Unlock()
		select {
		case <-exited:
			n.mu.Lock()
			err := n.exitErr
			n.mu.Unlock()
			n.t.Fatalf("samsa exited before becoming ready: %v", err)
		default:
		}
		if readyz(hc, n.adminAddr) == http.StatusOK {
			return time.Since(started)
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("samsa not ready after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readyz returns the /readyz status code, or 0 when it cannot be reached.
func readyz(hc *http.Client, adminAddr string) int {
	resp, err := hc.Get("http://" + adminAddr + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// kill sends SIGKILL and reaps the process: the crash that
// docs/durability.md calls a process crash.
func (n *node) kill() {
	n.t.Helper()
	n.signal(syscall.SIGKILL)
	n.wait(10 * time.Second)
}

// stop sends SIGTERM and waits for a graceful exit with status 0; the broker
// then writes its clean-shutdown marker.
func (n *node) stop() {
	n.t.Helper()
	n.signal(syscall.SIGTERM)
	if err := n.wait(40 * time.Second); err != nil {
		n.t.Fatalf("samsa did not exit cleanly on SIGTERM: %v", err)
	}
}

func (n *node) signal(sig syscall.Signal) {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		n.t.Fatal("node not running")
	}
	// An already exited process is fine: wait reports how it ended.
	if err := n.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		n.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait reaps the current process and returns its exit error.
func (n *node) wait(timeout time.Duration) error {
	n.t.Helper()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	select {
	case <-exited:
	case <-time.After(timeout):
		n.t.Fatalf("samsa did not exit within %v", timeout)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cmd = nil
	return n.exitErr
}

// logContains reports whether the i-th start's log has a line containing
// every one of parts.
func (n *node) logContains(i int, parts ...string) bool {
	f, err := os.Open(n.logPath(i))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
lines:
	for sc.Scan() {
		for _, p := range parts {
			if !strings.Contains(sc.Text(), p) {
				continue lines
			}
		}
		return true
	}
	return false
}

// dumpLogs prints the last lines of every start's log (on failure).
func (n *node) dumpLogs() {
	for i := 1; i <= n.starts; i++ {
		b, err := os.ReadFile(n.logPath(i))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		n.t.Logf("samsa log of start %d (last %d lines):\n%s", i, len(lines), strings.Join(lines, "\n"))
	}
}

// vmRSS is the process's resident set size in bytes, from /proc.
func vmRSS(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// metric reads one unlabelled sample from the admin /metrics page.
func metric(t testing.TB, adminAddr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// newClient returns a franz-go client for addr, closed at cleanup.
func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// testContext is a context bounded by d and cancelled at cleanup.
func testContext(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// consumeAll reads every partition of topic from the start up to the end
// offsets it has now, and returns the records per partition in offset order.
func consumeAll(t testing.TB, addr, topic string, timeout time.Duration) map[int32][]*kgo.Record {
	t.Helper()
	ctx := testContext(t, timeout)
	adm := kadm.NewClient(newClient(t, addr))
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	if err := ends.Error(); err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	cl := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond))
	got := map[int32][]*kgo.Record{}
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consuming %s: %v; still missing %v", topic, ctx.Err(), want)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch partition %d: %v", p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], r)
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	return got
}
