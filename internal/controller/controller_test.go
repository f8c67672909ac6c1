package controller

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/samsa-io/samsa/internal/metadata"
)

func TestOptionsValidate(t *testing.T) {
	good := testOptions("/tmp/x")
	if err := good.Validate(); err != nil {
		t.Fatalf("defaults with a dir: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(*Options)
	}{
		{"no dir", func(o *Options) { o.Dir = "" }},
		{"negative node", func(o *Options) { o.NodeID = -1 }},
		{"zero partitions", func(o *Options) { o.DefaultNumPartitions = 0 }},
		{"zero replication", func(o *Options) { o.DefaultReplicationFactor = 0 }},
		{"tiny heartbeat", func(o *Options) { o.HeartbeatTimeout = time.Millisecond }},
		{"election below heartbeat", func(o *Options) { o.ElectionTimeout = 10 * time.Millisecond }},
		{"lease above heartbeat", func(o *Options) { o.LeaderLeaseTimeout = time.Second }},
		{"commit timeout", func(o *Options) { o.CommitTimeout = 0 }},
		{"snapshot threshold", func(o *Options) { o.SnapshotThreshold = 0 }},
		{"snapshot retain", func(o *Options) { o.SnapshotRetain = 0 }},
		{"bad cluster ID", func(o *Options) { o.ClusterID = "not-a-uuid" }},
		{"two voters", func(o *Options) { o.Voters = []Voter{{ID: 1}, {ID: 2}} }},
		{"other voter", func(o *Options) { o.Voters = []Voter{{ID: 2}} }},
	}
	for _, tc := range tests {
		o := good
		tc.mutate(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", tc.name, o)
		}
		if _, err := New(o, testLogger(), nil); err == nil {
			t.Errorf("%s: New accepted invalid options", tc.name)
		}
	}
	o := good
	o.Voters = []Voter{{ID: good.NodeID}}
	o.ClusterID = metadata.RandomUUID().String()
	if err := o.Validate(); err != nil {
		t.Fatalf("single self voter with a cluster ID: %v", err)
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := New(testOptions(dir), testLogger(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if img := c.Image(); img == nil || img.Offset() != -1 {
		t.Fatalf("image before Start: %v", img)
	}
	// Operations before Start are refused.
	if res := c.CreateTopics(context.Background(), []CreateTopic{{Name: "t", NumPartitions: 1, ReplicationFactor: 1}}); !errors.Is(res[0].Err, ErrNotController) {
		t.Fatalf("CreateTopics before Start: %v", res[0].Err)
	}
	began := time.Now()
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	t.Logf("first Start (bootstrap, election, cluster ID): %v", took)
	if took > time.Second {
		t.Errorf("a single voter took %v to start; want well under a second", took)
	}
	img := c.Image()
	if len(img.ClusterID()) != 22 {
		t.Fatalf("generated cluster ID %q is not a Kafka UUID", img.ClusterID())
	}
	if _, err := metadata.ParseUUID(img.ClusterID()); err != nil {
		t.Fatal(err)
	}
	if img.Offset() <= 0 {
		t.Fatalf("offset %d after bootstrap", img.Offset())
	}
	if c.Start(context.Background()) == nil {
		t.Fatal("a second Start succeeded")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if res := c.CreateTopics(context.Background(), []CreateTopic{{Name: "t"}}); !errors.Is(res[0].Err, ErrClosed) {
		t.Fatalf("CreateTopics after Close: %v", res[0].Err)
	}
	if _, err := c.AllocateProducerIDs(context.Background(), 1, 10); !errors.Is(err, ErrClosed) {
		t.Fatalf("AllocateProducerIDs after Close: %v", err)
	}

	// A restart on the same directory elects itself again, quickly.
	began = time.Now()
	c2 := startController(t, testOptions(dir))
	t.Logf("restart Start (replay, election): %v", time.Since(began))
	if c2.Image().ClusterID() != img.ClusterID() {
		t.Fatalf("cluster ID changed across restart: %s, was %s", c2.Image().ClusterID(), img.ClusterID())
	}
}

func TestStartRespectsContextAndClose(t *testing.T) {
	t.Parallel()
	c, err := New(testOptions(t.TempDir()), testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Start(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a cancelled context: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close after a failed Start: %v", err)
	}

	c, err = New(testOptions(t.TempDir()), testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := c.Start(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestClusterID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id := metadata.RandomUUID().String()
	opts := testOptions(dir)
	opts.ClusterID = id
	c := startController(t, opts)
	if c.Image().ClusterID() != id {
		t.Fatalf("cluster ID %q, configured %q", c.Image().ClusterID(), id)
	}
	c.Close()

	opts.ClusterID = metadata.RandomUUID().String()
	c2, err := New(opts, testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := c2.Start(context.Background()); !errors.Is(err, ErrInconsistentClusterID) {
		t.Fatalf("Start with another cluster's ID: %v", err)
	}
}

func TestSecondProcessOnSameDirFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	startController(t, testOptions(dir))
	began := time.Now()
	if c, err := New(testOptions(dir), testLogger(), nil); err == nil {
		c.Close()
		t.Fatal("a second controller opened a locked metadata.log.dir")
	}
	if d := time.Since(began); d > 3*time.Second {
		t.Fatalf("the lock wait took %v", d)
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := c.CreateTopics(ctx, []CreateTopic{{Name: "t", NumPartitions: 1, ReplicationFactor: 1}})
	if !errors.Is(res[0].Err, context.Canceled) || res[0].Name != "t" {
		t.Fatalf("cancelled CreateTopics: %+v", res[0])
	}
	if c.Image().Topic("t") != nil {
		t.Fatal("a cancelled-before-start CreateTopics created the topic")
	}
	if _, err := c.AllocateProducerIDs(ctx, 1, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled AllocateProducerIDs: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	c, err := New(testOptions(t.TempDir()), testLogger(), reg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	registerBrokers(t, c, 1)
	createTopic(t, c, "m", 1, 1)
	c.CreateTopics(context.Background(), []CreateTopic{{Name: "m", NumPartitions: 1, ReplicationFactor: 1}})
	if got := testutil.ToFloat64(c.metrics.operations.WithLabelValues(opCreateTopics)); got != 2 {
		t.Fatalf("create_topics operations = %v", got)
	}
	if got := testutil.ToFloat64(c.metrics.offset); got != float64(c.Image().Offset()) {
		t.Fatalf("offset gauge %v, image %d", got, c.Image().Offset())
	}
	if got := testutil.ToFloat64(c.metrics.leader); got != 1 {
		t.Fatalf("is_leader %v", got)
	}
	n, err := testutil.GatherAndCount(reg, "samsa_controller_apply_duration_seconds")
	if err != nil || n != 1 {
		t.Fatalf("apply latency histogram: %d series, %v", n, err)
	}
}

// TestConcurrentCreateSameName: many callers create the same topic at once;
// the event loop orders them, so exactly one wins.
func TestConcurrentCreateSameName(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1, 2, 3)
	const callers = 16
	var wg sync.WaitGroup
	results := make([]CreateTopicResult, callers)
	for i := range callers {
		wg.Go(func() {
			results[i] = c.CreateTopics(context.Background(), []CreateTopic{{Name: "race", NumPartitions: 3, ReplicationFactor: 2}})[0]
		})
	}
	wg.Wait()
	wins := 0
	var winner metadata.UUID
	for _, r := range results {
		switch {
		case r.Err == nil:
			wins++
			winner = r.TopicID
		case !errors.Is(r.Err, ErrTopicAlreadyExists):
			t.Fatalf("unexpected error %v", r.Err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d callers created the topic", wins)
	}
	if c.Image().Topic("race").ID != winner {
		t.Fatal("the image holds another topic ID than the winner's")
	}
}

// TestConcurrentOperations runs different operations from many goroutines
// (under -race this checks the loop, waiter and FSM hand-offs) and then
// checks the image against what the callers were told.
func TestConcurrentOperations(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1, 2, 3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]bool{}
	blocks := map[int64]bool{}
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				name := "t" + string(rune('a'+g)) + string(rune('a'+i))
				if r := c.CreateTopics(context.Background(), []CreateTopic{{Name: name, NumPartitions: 2, ReplicationFactor: 3}}); r[0].Err == nil {
					mu.Lock()
					created[name] = true
					mu.Unlock()
				} else {
					t.Errorf("create %s: %v", name, r[0].Err)
				}
				start, err := c.AllocateProducerIDs(context.Background(), int32(g%3+1), ProducerIDBlockSize)
				if err != nil {
					t.Errorf("allocate: %v", err)
					continue
				}
				mu.Lock()
				if blocks[start] {
					t.Errorf("block %d handed out twice", start)
				}
				blocks[start] = true
				mu.Unlock()
				_ = c.Image().NumTopics() // concurrent reads of published images
			}
		})
	}
	wg.Wait()
	img := c.Image()
	if img.NumTopics() != len(created) {
		t.Fatalf("image has %d topics, callers created %d", img.NumTopics(), len(created))
	}
	if img.NextProducerID() != int64(len(blocks))*ProducerIDBlockSize {
		t.Fatalf("next producer ID %d after %d blocks", img.NextProducerID(), len(blocks))
	}
}

// TestCloseDuringOperations closes the controller while operations are in
// flight: every call returns (success or ErrClosed/ErrNotController), and
// Close does not hang.
func TestCloseDuringOperations(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				r := c.CreateTopics(context.Background(), []CreateTopic{{Name: "c" + string(rune('a'+g)) + strings.Repeat("x", i), NumPartitions: 1, ReplicationFactor: 1}})
				if err := r[0].Err; err != nil {
					if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrNotController) {
						t.Errorf("unexpected error %v", err)
					}
					return
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan error)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung with operations in flight")
	}
	wg.Wait()
}

// TestGarbageLogEntries feeds the FSM entries that do not decode or do not
// apply, through raft: they are rejected with an error (never a panic), the
// image stays as it was, and the controller keeps working.
func TestGarbageLogEntries(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	createTopic(t, c, "keep", 1, 1)
	before := c.Image()
	valid := metadata.EncodeBatch([]metadata.Record{&metadata.TopicRecord{Name: "x", TopicID: metadata.UUID{1}}})
	rng := rand.New(rand.NewPCG(1, 2))
	var entries [][]byte
	entries = append(entries, nil, []byte{0, 0, 0, 1}, []byte{0xff, 0xff, 0xff, 0xff}, valid[:len(valid)-1])
	for range 100 {
		b := make([]byte, rng.IntN(64))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		entries = append(entries, b)
		flipped := append([]byte(nil), valid...)
		flipped[rng.IntN(len(flipped))] ^= byte(1 << rng.IntN(8))
		entries = append(entries, flipped)
	}
	// Well-formed but inconsistent with the image.
	entries = append(entries,
		metadata.EncodeBatch([]metadata.Record{&metadata.PartitionRecord{TopicID: metadata.UUID{9}, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1}}),
		metadata.EncodeBatch([]metadata.Record{&metadata.TopicRecord{Name: "keep", TopicID: metadata.UUID{7}}}),
	)
	rejected := 0
	for _, e := range entries {
		f := c.raft.Apply(e, 0)
		if err := f.Error(); err != nil {
			t.Fatalf("raft.Apply: %v", err)
		}
		resp := f.Response()
		if resp == nil {
			continue // a flip may leave a valid batch; it then applied
		}
		err, ok := resp.(error)
		if !ok || !errors.Is(err, metadata.ErrCorruptRecord) && !errors.Is(err, metadata.ErrInvalidRecord) {
			t.Fatalf("FSM response %v for entry %x", resp, e)
		}
		rejected++
	}
	if rejected < len(entries)/2 {
		t.Fatalf("only %d of %d garbage entries rejected", rejected, len(entries))
	}
	after := c.Image()
	if after.Topic("keep") == nil || after.Topic("keep").ID != before.Topic("keep").ID {
		t.Fatal("garbage changed the topic")
	}
	if got := testutilCount(c); got != float64(rejected) {
		t.Fatalf("rejected_entries_total %v, want %d", got, rejected)
	}
	// The controller goes on, validating against the current image.
	createTopic(t, c, "after", 1, 1)
}

func testutilCount(c *Controller) float64 {
	return testutil.ToFloat64(c.metrics.rejected)
}

// TestFSMApplyNeverPanics drives fsm.Apply directly with random entries,
// without raft, much faster than through it.
func TestFSMApplyNeverPanics(t *testing.T) {
	t.Parallel()
	c, err := New(testOptions(t.TempDir()), testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f := &fsm{c: c}
	seed := metadata.EncodeBatch([]metadata.Record{
		&metadata.BootstrapRecord{ClusterID: "c"},
		&metadata.RegisterBrokerRecord{BrokerID: 1, Endpoints: []metadata.Endpoint{{Name: "P"}}},
		&metadata.TopicRecord{Name: "t", TopicID: metadata.UUID{1}},
		&metadata.PartitionRecord{TopicID: metadata.UUID{1}, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1},
	})
	rng := rand.New(rand.NewPCG(3, 4))
	index := uint64(1)
	for range 20000 {
		b := append([]byte(nil), seed...)
		switch rng.IntN(3) {
		case 0:
			b = b[:rng.IntN(len(b)+1)]
		case 1:
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] ^= byte(rng.Uint32())
			}
		case 2:
			b = make([]byte, rng.IntN(48))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
		}
		index++
		before := c.Image()
		if resp := f.Apply(&raft.Log{Index: index, Type: raft.LogCommand, Data: b}); resp != nil {
			if _, ok := resp.(error); !ok {
				t.Fatalf("response %v is not an error", resp)
			}
			if c.Image() != before {
				t.Fatal("a rejected entry changed the image")
			}
		}
	}
}
