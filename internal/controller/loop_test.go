package controller

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/metadata"
)

// TestRejectedProposal: when the log moves under a proposal (here: another
// writer commits the same topic name between validation and commit), the
// FSM rejects the batch and the caller gets its error, not a success.
func TestRejectedProposal(t *testing.T) {
	t.Parallel()
	c := newStarted(t, 1)
	ran, err := c.submit(context.Background(), "test", func(img *metadata.Image) ([]metadata.Record, error) {
		f := c.raft.Apply(metadata.EncodeBatch([]metadata.Record{&metadata.TopicRecord{Name: "z", TopicID: metadata.UUID{1}}}), 0)
		if err := f.Error(); err != nil {
			return nil, err
		}
		return []metadata.Record{&metadata.TopicRecord{Name: "z", TopicID: metadata.UUID{2}}}, nil
	})
	if !ran || !errors.Is(err, metadata.ErrInvalidRecord) {
		t.Fatalf("submit = %v, %v; want a rejection", ran, err)
	}
	if c.Image().Topic("z").ID != (metadata.UUID{1}) {
		t.Fatal("the rejected batch applied")
	}
	// The failure marked spec stale; the next operation starts from the log.
	wantErr(t, "next create", c.CreateTopics(context.Background(), []CreateTopic{{Name: "z", NumPartitions: 1, ReplicationFactor: 1}})[0].Err, ErrTopicAlreadyExists)

	// Records that do not even apply to the loop's own image never reach raft.
	off := c.Image().Offset()
	_, err = c.submit(context.Background(), "test", func(*metadata.Image) ([]metadata.Record, error) {
		return []metadata.Record{&metadata.RemoveTopicRecord{TopicID: metadata.UUID{9}}}, nil
	})
	if !errors.Is(err, metadata.ErrInvalidRecord) || c.Image().Offset() != off {
		t.Fatalf("inconsistent records: %v, offset %d → %d", err, off, c.Image().Offset())
	}
}

// TestBaseAfterFailure: after a failed proposal the loop waits for every
// other in-flight proposal before validating against the committed image.
func TestBaseAfterFailure(t *testing.T) {
	c := &Controller{drained: make(chan struct{}, 1), stop: make(chan struct{})}
	committed := metadata.EmptyImage()
	c.image.Store(committed)
	spec, _, err := committed.Apply([]metadata.Record{&metadata.BootstrapRecord{ClusterID: "x"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	c.spec = spec
	c.inflight.Store(2)
	if c.base() != spec {
		t.Fatal("with proposals in flight, base is not spec")
	}
	c.stale.Store(true)
	done := make(chan *metadata.Image)
	go func() { done <- c.base() }()
	for range 2 {
		select {
		case <-done:
			t.Fatal("base returned with proposals in flight after a failure")
		case <-time.After(20 * time.Millisecond):
		}
		c.inflight.Add(-1)
		select {
		case c.drained <- struct{}{}:
		default:
		}
	}
	if got := <-done; got != committed {
		t.Fatal("after the drain base is not the committed image")
	}
	if c.base() != committed {
		t.Fatal("nothing in flight, base is not the committed image")
	}
}

// TestNoGoroutineLeak: Close waits for everything Start started. Not
// parallel, so the count is this test's alone.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	c, err := New(testOptions(t.TempDir()), testLogger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	registerBrokers(t, c, 1)
	createTopic(t, c, "t", 3, 1)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestLatency measures time to leader and operation latency, logged for the
// record (go test -v -run Latency); it asserts only generous bounds.
func TestLatency(t *testing.T) {
	t.Parallel()
	began := time.Now()
	c := newStarted(t, 1, 2, 3)
	t.Logf("start + 3 registrations: %v", time.Since(began))
	const n = 50
	lat := make([]time.Duration, n)
	for i := range n {
		began := time.Now()
		createTopic(t, c, fmt.Sprintf("lat%d", i), 3, 3)
		lat[i] = time.Since(began)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("CreateTopics (3 partitions, rf 3), sequential: p50 %v, p90 %v, max %v", lat[n/2], lat[n*9/10], lat[n-1])
	if lat[n/2] > 500*time.Millisecond {
		t.Errorf("median CreateTopics latency %v", lat[n/2])
	}

	// Concurrent callers share commits (BatchApplyCh group commit).
	const callers, each = 16, 8
	began = time.Now()
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for i := range each {
				createTopic(t, c, fmt.Sprintf("conc%d_%d", g, i), 1, 1)
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	t.Logf("CreateTopics, %d concurrent callers: %d topics in %v (%.0f/s)", callers, callers*each, took, float64(callers*each)/took.Seconds())
	if got := c.Image().NumTopics(); got != n+callers*each {
		t.Fatalf("%d topics", got)
	}
}

// BenchmarkCreateTopics is the cost of one single-topic CreateTopics,
// commit (fsync) included.
func BenchmarkCreateTopics(b *testing.B) {
	c := newStarted(b, 1)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		createTopic(b, c, fmt.Sprintf("b%d", i), 1, 1)
	}
}

// BenchmarkCreateTopicsParallel: the same from many goroutines at once.
func BenchmarkCreateTopicsParallel(b *testing.B) {
	c := newStarted(b, 1)
	var mu sync.Mutex
	next := 0
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			i := next
			next++
			mu.Unlock()
			createTopic(b, c, fmt.Sprintf("b%d", i), 1, 1)
		}
	})
}
