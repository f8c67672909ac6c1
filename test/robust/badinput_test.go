package robust

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	// badInputIterations connections are thrown at the broker, or as many
	// as fit in badInputBudget (the race detector on two shared cores is
	// slow); the count reached is logged.
	badInputIterations = 2000
	badInputBudget     = 20 * time.Second
	badInputWorkers    = 4
	// connDeadline is how long one connection may take to be answered or
	// closed. Waits inside requests are capped at 100 ms (reqRand.int), so
	// reaching it means a hang.
	connDeadline = 15 * time.Second
	// probeCorr is the correlation id of the ApiVersions request sent after
	// each well-framed fuzz request: its answer shows the connection was
	// still in step, and it forces an answer even when the fuzz request
	// legitimately had none (Produce with acks=0).
	probeCorr = 0x7eadbeef
)

const (
	healthTopic = "healthy"
)

// fuzzTopics are the topic names random requests use, created up front so
// that random requests reach real partitions.
var fuzzTopics = []string{"fuzz-a", "fuzz-b", "fuzz-new"}

// TestBadInputKeepsBrokerHealthy throws hostile connections at a live
// broker: random byte streams (random size prefix, random body), valid
// headers with random bodies, and randomly filled kmsg requests of every
// advertised API at random versions (out-of-range ones included), half of
// them with random byte mutations. Every connection must be answered or
// closed within connDeadline; meanwhile a franz-go client keeps producing
// and consuming; at the end the broker is ready, serves a round trip, and no
// request handler panicked.
func TestBadInputKeepsBrokerHealthy(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	b := startInProcess(t, nil)
	ctx := testContext(t, 60*time.Second)
	adm := kadm.NewClient(newClient(t, b.addr))
	for _, topic := range []string{healthTopic, fuzzTopics[0], fuzzTopics[1]} {
		if res, err := adm.CreateTopics(ctx, 2, 1, nil, topic); err != nil || res.Error() != nil {
			t.Fatalf("create %s: %v %v", topic, err, res.Error())
		}
	}
	versions := advertisedVersions(t, b.addr)
	h := newHealth(t, b.addr)
	h.roundTrip(t)

	var (
		next, done atomic.Int64
		stats      = newFuzzStats()
		wg         sync.WaitGroup
	)
	deadline := time.Now().Add(badInputBudget)
	for w := range badInputWorkers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		g := &reqRand{r: rng, topics: fuzzTopics}
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > badInputIterations || time.Now().After(deadline) {
					return
				}
				c := newFuzzCase(g, versions)
				outcome, err := c.run(b.addr)
				stats.add(c, outcome)
				if err != nil {
					t.Errorf("iteration %d, %s: %v\nsent %d bytes: %x", i, c, err, len(c.stream), c.stream[:min(len(c.stream), 256)])
				}
				done.Add(1)
			}
		})
	}
	// The health client runs alongside the workers, one round trip each
	// time another 100 connections have been served.
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	checked := int64(0)
loop:
	for {
		select {
		case <-workersDone:
			break loop
		case <-time.After(20 * time.Millisecond):
		}
		if n := done.Load(); n/100 > checked/100 {
			checked = n
			h.roundTrip(t)
		}
	}
	iterations := done.Load()
	t.Logf("%d hostile connections in %v, %d health round trips", iterations, time.Since(deadline.Add(-badInputBudget)).Round(time.Millisecond), h.n)
	stats.log(t)

	// Still healthy: ready, and a produce/consume round trip works.
	if code := readyz(&http.Client{Timeout: 5 * time.Second}, b.adminAddr()); code != http.StatusOK {
		t.Errorf("/readyz: %d after the bad input", code)
	}
	h.roundTrip(t)
	if panics := b.counter(t, "samsa_server_connections_closed_on_error_total", map[string]string{"reason": "panic"}); panics > 0 {
		t.Errorf("%v request handlers panicked (recovered, but a panic is a bug)", panics)
	}
	for _, reason := range []string{"bad_frame", "bad_request", "handler", "panic"} {
		t.Logf("connections closed on %s: %v", reason, b.counter(t, "samsa_server_connections_closed_on_error_total", map[string]string{"reason": reason}))
	}
	logs := b.logs.all()
	for i, l := range logs {
		if i == 20 {
			t.Logf("... %d more broker warnings/errors", len(logs)-20)
			break
		}
		if strings.Contains(l, "panicked") {
			t.Errorf("broker: %s", l)
		} else {
			t.Logf("broker: %s", l)
		}
	}
}

// advertisedVersions asks the broker which API versions it advertises.
func advertisedVersions(t *testing.T, addr string) map[int16][2]int16 {
	t.Helper()
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(3)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "robust", "1"
	resp := dialRaw(t, addr).roundTrip(req).(*kmsg.ApiVersionsResponse)
	if resp.ErrorCode != 0 || len(resp.ApiKeys) == 0 {
		t.Fatalf("ApiVersions: error %d, %d keys", resp.ErrorCode, len(resp.ApiKeys))
	}
	out := map[int16][2]int16{}
	for _, k := range resp.ApiKeys {
		out[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
	}
	return out
}

// fuzzCase is one hostile connection.
type fuzzCase struct {
	kind         string // "raw", "header+random", "kmsg", "kmsg+mutated"
	key, version int16
	stream       []byte
	// corr is the fuzz frame's correlation id when the frame is well framed
	// (kinds other than raw); probe says an ApiVersions with probeCorr
	// follows it.
	corr  int32
	probe bool
	// req is set when the frame is kmsg's own encoding at an advertised
	// version: an answer to it must then decode.
	req kmsg.Request
}

func (c *fuzzCase) String() string {
	return fmt.Sprintf("%s %s(%d) v%d", c.kind, kmsg.NameForKey(c.key), c.key, c.version)
}

// newFuzzCase draws one case.
func newFuzzCase(g *reqRand, versions map[int16][2]int16) *fuzzCase {
	r := g.r
	keys := slices.Sorted(func(yield func(int16) bool) {
		for k := range versions {
			if !yield(k) {
				return
			}
		}
	})
	c := &fuzzCase{corr: int32(r.Uint32() >> 1)}
	// Mostly advertised keys; sometimes any key kmsg knows, or none.
	c.key = keys[r.IntN(len(keys))]
	if r.IntN(10) == 0 {
		c.key = int16(r.IntN(80))
	}
	rng, advertised := versions[c.key]
	c.version = rng[0] + int16(r.IntN(int(rng[1]-rng[0])+1))
	if !advertised || r.IntN(4) == 0 {
		c.version = []int16{-1, rng[0] - 1, rng[1] + 1, rng[1] + 5, int16(r.Uint32())}[r.IntN(5)]
	}

	switch k := r.IntN(10); {
	case k < 2:
		// Random bytes behind a random size prefix, which may promise
		// more or fewer bytes than follow, or a negative or huge size.
		c.kind = "raw"
		body := make([]byte, r.IntN(300))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		size := []int32{int32(len(body)), int32(r.IntN(400)), 0, -1, int32(r.Uint32())}[r.IntN(5)]
		c.stream = binary.BigEndian.AppendUint32(nil, uint32(size))
		c.stream = append(c.stream, body...)
		sanitize(c.stream[4:])
		return c
	case k < 4:
		c.kind = "header+random"
		body := make([]byte, r.IntN(200))
		for i := range body {
			body[i] = byte(r.Uint32())
		}
		sanitize(body)
		c.stream = frame(c.key, c.version, c.corr, isFlexible(c.key, c.version), body)
	default:
		req := g.request(c.key, c.version)
		if req == nil { // a key kmsg does not know: header only
			c.kind = "header+random"
			c.stream = frame(c.key, c.version, c.corr, false, nil)
			break
		}
		enc, ok := encode(req, c.corr)
		if !ok {
			c.kind = "header+random"
			c.stream = frame(c.key, c.version, c.corr, false, nil)
			break
		}
		c.kind = "kmsg"
		if r.IntN(2) == 0 {
			// Mutate the body only: a mangled header is the other kinds'
			// job, and the correlation id must survive to be checked.
			c.kind = "kmsg+mutated"
			hdr := enc[4 : len(enc)-len(req.AppendTo(nil))]
			body := mutate(r, slices.Clone(enc[4+len(hdr):]))
			sanitize(body)
			enc = binary.BigEndian.AppendUint32(nil, uint32(len(hdr)+len(body)))
			enc = append(append(enc, hdr...), body...)
		} else if advertised && c.version >= rng[0] && c.version <= rng[1] {
			c.kind = "kmsg advertised"
			c.req = req
		}
		c.stream = enc
	}
	c.probe = true
	probe := kmsg.NewPtrApiVersionsRequest()
	probe.SetVersion(0)
	// (AppendRequest writes its size prefix at dst[0]: it must be given an
	// empty dst, never one that already holds a frame.)
	c.stream = append(c.stream, kmsg.NewRequestFormatter(kmsg.FormatterClientID("probe")).AppendRequest(nil, probe, probeCorr)...)
	return c
}

// encode is kmsg's encoding of req as a frame; false if kmsg panicked on
// the random field values (not the broker's problem).
func encode(req kmsg.Request, corr int32) (b []byte, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz")).AppendRequest(nil, req, corr), true
}

// isFlexible reports whether key at version uses flexible (KIP-482)
// headers, as far as kmsg knows.
func isFlexible(key, version int16) bool {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return false
	}
	req.SetVersion(version)
	return req.IsFlexible()
}

// frameHeader is a request header: key, version, correlation id, client id
// "fuzz", and an empty tagged-field section when flexible.
func frameHeader(key, version int16, corr int32, flexible bool) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = append(b, 0, 4, 'f', 'u', 'z', 'z')
	if flexible {
		b = append(b, 0)
	}
	return b
}

// frame is a size-prefixed request frame with the given body.
func frame(key, version int16, corr int32, flexible bool, body []byte) []byte {
	h := frameHeader(key, version, corr, flexible)
	b := binary.BigEndian.AppendUint32(nil, uint32(len(h)+len(body)))
	return append(append(b, h...), body...)
}

// run sends the case on a new connection, half-closes it (so that a frame
// promising more bytes than were sent ends in EOF rather than a wait for the
// rest), and reads until the broker closes the connection. It returns
// "answered" (the probe was answered), "closed" (the broker closed the
// connection before) or an error: no end within connDeadline (a hang), a
// malformed or out-of-order answer.
func (c *fuzzCase) run(addr string) (string, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("dial: %w", err)
	}
	defer nc.Close()
	deadline := time.Now().Add(connDeadline)
	nc.SetDeadline(deadline)
	if _, err := nc.Write(c.stream); err != nil {
		// The broker may close on the first bad bytes, before we finish
		// writing (a huge size prefix, for one).
		if isConnReset(err) || errors.Is(err, io.ErrClosedPipe) || strings.Contains(err.Error(), "broken pipe") {
			return "closed", nil
		}
		return "", fmt.Errorf("write: %w", err)
	}
	nc.(*net.TCPConn).CloseWrite()
	r := bufio.NewReader(nc)
	outcome := "closed"
	for frames := 0; ; frames++ {
		body, err := readFrame(r, nc, time.Until(deadline))
		if err != nil {
			switch {
			case errors.Is(err, io.EOF), isConnReset(err):
				return outcome, nil
			case errors.Is(err, os.ErrDeadlineExceeded):
				return "", fmt.Errorf("no answer and no close within %v (hang)", connDeadline)
			}
			return "", fmt.Errorf("reading the answer: %w", err)
		}
		if c.kind == "raw" {
			continue // no expectation about what random bytes mean
		}
		corr := int32(binary.BigEndian.Uint32(body))
		switch {
		case corr == probeCorr && c.probe:
			probe := kmsg.NewPtrApiVersionsRequest()
			probe.SetVersion(0)
			if _, err := decodeResponse(probe, probeCorr, body); err != nil {
				return "", fmt.Errorf("probe answer: %w", err)
			}
			outcome = "answered"
		case corr == c.corr && frames == 0:
			if c.req != nil {
				if _, err := decodeResponse(c.req, c.corr, body); err != nil {
					return "", fmt.Errorf("answer to a well-formed request: %w", err)
				}
			}
		default:
			return "", fmt.Errorf("answer %d has correlation id %d, want %d then %d", frames, corr, c.corr, probeCorr)
		}
	}
}

// fuzzStats counts outcomes per case kind and API, for the log.
type fuzzStats struct {
	mu sync.Mutex
	m  map[string]map[string]int
}

func newFuzzStats() *fuzzStats { return &fuzzStats{m: map[string]map[string]int{}} }

func (s *fuzzStats) add(c *fuzzCase, outcome string) {
	if outcome == "" {
		outcome = "failed"
	}
	k := c.kind
	if c.kind != "raw" {
		k += " " + kmsg.NameForKey(c.key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[k] == nil {
		s.m[k] = map[string]int{}
	}
	s.m[k][outcome]++
}

func (s *fuzzStats) log(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for k, o := range s.m {
		lines = append(lines, fmt.Sprintf("  %-40s answered %4d  closed %4d  failed %d", k, o["answered"], o["closed"], o["failed"]))
	}
	sort.Strings(lines)
	t.Logf("outcomes (answered: the probe after the case was answered):\n%s", strings.Join(lines, "\n"))
}

// health is a normal franz-go producer and consumer on healthTopic.
type health struct {
	prod, cons *kgo.Client
	n          int
}

func newHealth(t *testing.T, addr string) *health {
	return &health{
		prod: newClient(t, addr, kgo.DefaultProduceTopic(healthTopic), kgo.RequiredAcks(kgo.AllISRAcks())),
		cons: newClient(t, addr, kgo.ConsumeTopics(healthTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
			kgo.FetchMaxWait(100*time.Millisecond)),
	}
}

// roundTrip produces one record and consumes until it arrives.
func (h *health) roundTrip(t *testing.T) {
	t.Helper()
	ctx := testContext(t, 10*time.Second)
	h.n++
	v := fmt.Sprintf("health-%d", h.n)
	if err := h.prod.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
		t.Fatalf("health round trip %d: produce: %v", h.n, err)
	}
	for {
		fs := h.cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("health round trip %d: %s never consumed: %v", h.n, v, err)
		}
		fs.EachError(func(_ string, p int32, err error) {
			t.Fatalf("health round trip %d: fetch partition %d: %v", h.n, p, err)
		})
		found := false
		fs.EachRecord(func(r *kgo.Record) { found = found || string(r.Value) == v })
		if found {
			return
		}
	}
}
