package robust

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/broker"
	"github.com/samsa-io/samsa/internal/config"
)

// inProcess is a broker running inside the test process: faster to start
// than the binary, and under the race detector when the suite runs with
// -race. Where a test needs process-level facts (RSS, SIGKILL) it uses node.
type inProcess struct {
	b        *broker.Broker
	addr     string
	registry *prometheus.Registry
	logs     *logRecorder
}

// startInProcess runs a single node on free ports with a temp data dir;
// overrides are extra config keys. It is shut down at cleanup.
func startInProcess(t testing.TB, overrides map[string]string) *inProcess {
	t.Helper()
	props := map[string]string{
		"node.id":                   "1",
		"process.roles":             "broker,controller",
		"listeners":                 "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0",
		"controller.listener.names": "CONTROLLER",
		"log.dirs":                  t.TempDir(),
		"samsa.admin.listener":      "127.0.0.1:0",
	}
	cfg, err := config.NewBroker(props, overrides)
	if err != nil {
		t.Fatal(err)
	}
	logs := &logRecorder{}
	reg := prometheus.NewRegistry()
	b, err := broker.New(cfg, slog.New(logs), reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := b.Shutdown(ctx); err != nil {
			t.Errorf("broker shutdown: %v", err)
		}
	})
	return &inProcess{b: b, addr: b.Addr("PLAINTEXT").String(), registry: reg, logs: logs}
}

// adminAddr is the admin HTTP address.
func (p *inProcess) adminAddr() string { return p.b.AdminAddr().String() }

// counter sums the samples of a counter family whose labels include every
// name=value pair in labels.
func (p *inProcess) counter(t testing.TB, family string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := p.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
	samples:
		for _, m := range mf.GetMetric() {
			for k, v := range labels {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == k && lp.GetValue() == v {
						found = true
					}
				}
				if !found {
					continue samples
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

// logRecorder is a slog.Handler that keeps warnings and errors, so a test
// can show what the broker complained about without logging from broker
// goroutines after the test ended.
type logRecorder struct {
	mu      sync.Mutex
	records []string
}

func (l *logRecorder) Enabled(_ context.Context, lv slog.Level) bool { return lv >= slog.LevelWarn }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	l.mu.Lock()
	l.records = append(l.records, b.String())
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.records...)
}

// rawConn speaks the Kafka protocol by hand over one TCP connection, for
// requests a real client would never send. Its response parsing is written
// here, independently of internal/wire, so that it checks the broker rather
// than agreeing with it.
type rawConn struct {
	t    testing.TB
	nc   net.Conn
	r    *bufio.Reader
	corr int32
	f    *kmsg.RequestFormatter
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc), f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("robust"))}
}

// send writes req at its set version and returns its correlation id.
func (c *rawConn) send(req kmsg.Request) int32 {
	c.t.Helper()
	c.corr++
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(c.f.AppendRequest(nil, req, c.corr)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.corr
}

// roundTrip sends req and decodes the response at req's version.
func (c *rawConn) roundTrip(req kmsg.Request) kmsg.Response {
	c.t.Helper()
	corr := c.send(req)
	body, err := readFrame(c.r, c.nc, 10*time.Second)
	if err != nil {
		c.t.Fatalf("%s v%d: no response: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	resp, err := decodeResponse(req, corr, body)
	if err != nil {
		c.t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp
}

// expectClosed checks that the broker closes the connection without
// answering.
func (c *rawConn) expectClosed(what string) {
	c.t.Helper()
	body, err := readFrame(c.r, c.nc, 10*time.Second)
	switch {
	case err == nil:
		c.t.Errorf("%s: got a %d-byte response, want the connection closed", what, len(body))
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), isConnReset(err):
	default:
		c.t.Errorf("%s: want the connection closed, got %v", what, err)
	}
}

func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "connection reset")
}

// readFrame reads one size-prefixed frame within timeout.
func readFrame(r *bufio.Reader, nc net.Conn, timeout time.Duration) ([]byte, error) {
	nc.SetReadDeadline(time.Now().Add(timeout))
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 4 || n > 64<<20 {
		return nil, fmt.Errorf("response frame size %d", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	return body, nil
}

// decodeResponse checks the correlation id and decodes a response frame
// body for req: response header v1 (tagged fields) for flexible versions,
// except ApiVersions, whose response header is always v0 (KIP-511).
func decodeResponse(req kmsg.Request, corr int32, body []byte) (kmsg.Response, error) {
	if len(body) < 4 {
		return nil, fmt.Errorf("%d-byte response", len(body))
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, corr)
	}
	body = body[4:]
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		rest, err := skipTags(body)
		if err != nil {
			return nil, fmt.Errorf("response header: %w", err)
		}
		body = rest
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	return resp, nil
}

// skipTags skips a tagged-field section.
func skipTags(b []byte) ([]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errors.New("bad tag count")
	}
	b = b[k:]
	for range n {
		if _, k = binary.Uvarint(b); k <= 0 {
			return nil, errors.New("bad tag")
		}
		b = b[k:]
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return nil, errors.New("bad tag size")
		}
		b = b[k+int(size):]
	}
	return b, nil
}
