package coordinator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/record"
)

// memLog is an in-memory partition log: a PartitionWriter and
// PartitionReader whose appends commit at once unless hold is set.
type memLog struct {
	mu       sync.Mutex
	batches  map[int32][]record.Batch
	start    map[int32]int64
	end      map[int32]int64
	hold     chan struct{} // when set, WaitCommitted blocks until closed or ctx ends
	readGate chan struct{} // when set, Bounds blocks until closed (a slow load)
}

func newMemLog() *memLog {
	return &memLog{batches: map[int32][]record.Batch{}, start: map[int32]int64{}, end: map[int32]int64{}}
}

func (l *memLog) Append(p int32, b record.Batch) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := append(record.Batch(nil), b...)
	c.SetBaseOffset(l.end[p])
	l.batches[p] = append(l.batches[p], c)
	l.end[p] = c.NextOffset()
	return l.end[p], nil
}

func (l *memLog) WaitCommitted(ctx context.Context, _ int32, _ int64) error {
	l.mu.Lock()
	hold := l.hold
	l.mu.Unlock()
	if hold == nil {
		return nil
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *memLog) DeleteRecordsBefore(p int32, offset int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.start[p] = max(l.start[p], offset)
	l.batches[p] = slices.DeleteFunc(l.batches[p], func(b record.Batch) bool { return b.NextOffset() <= l.start[p] })
	return nil
}

func (l *memLog) Bounds(p int32) (int64, int64, error) {
	l.mu.Lock()
	gate := l.readGate
	l.mu.Unlock()
	if gate != nil {
		<-gate
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.start[p], l.end[p], nil
}

func (l *memLog) ReadBatches(p int32, offset int64, _ int) ([]record.Batch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []record.Batch
	for _, b := range l.batches[p] {
		if b.NextOffset() > offset {
			out = append(out, b)
		}
	}
	return out, nil
}

// records counts the records readable from the log start.
func (l *memLog) records(p int32) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, b := range l.batches[p] {
		n += int(b.RecordCount())
	}
	return n
}

// kvState is a key/value State: the smallest coordinator.
type kvState struct {
	m  map[string]string
	sh *Shard
}

func newKV(int32) *kvState { return &kvState{m: map[string]string{}} }

func (s *kvState) Replay(_ int64, r Record) error {
	if r.Value == nil {
		delete(s.m, string(r.Key))
	} else {
		s.m[string(r.Key)] = string(r.Value)
	}
	return nil
}
func (s *kvState) Loaded(sh *Shard) { s.sh = sh }
func (s *kvState) Unloaded()        {}
func (s *kvState) LiveRecords() []Record {
	var out []Record
	for _, k := range slices.Sorted(maps.Keys(s.m)) {
		out = append(out, Record{Key: []byte(k), Value: []byte(s.m[k])})
	}
	return out
}

// put writes key=value (nil value: delete) and waits for the commit.
func put(t *testing.T, rt *Runtime[*kvState], key string, value *string) {
	t.Helper()
	done := make(chan error, 1)
	err := rt.Run(context.Background(), 0, func(sh *Shard, s *kvState) {
		r := Record{Key: []byte(key)}
		if value != nil {
			r.Value = []byte(*value)
		}
		if _, err := sh.Append([]Record{r}); err != nil {
			done <- err
			return
		}
		if value == nil {
			delete(s.m, key)
		} else {
			s.m[key] = *value
		}
		sh.AfterCommit(func(err error) { done <- err })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, rt *Runtime[*kvState]) map[string]string {
	t.Helper()
	var out map[string]string
	if err := rt.Run(context.Background(), 0, func(_ *Shard, s *kvState) { out = maps.Clone(s.m) }); err != nil {
		t.Fatal(err)
	}
	return out
}

func newRuntime(t *testing.T, log *memLog, mod func(*Options)) *Runtime[*kvState] {
	t.Helper()
	o := DefaultOptions()
	o.LoadRetry = 10 * time.Millisecond
	if mod != nil {
		mod(&o)
	}
	rt, err := New(o, log, log, newKV, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt
}

// waitLoaded retries until the shard serves.
func waitLoaded(t *testing.T, rt *Runtime[*kvState]) {
	t.Helper()
	for i := 0; ; i++ {
		err := rt.Run(context.Background(), 0, func(*Shard, *kvState) {})
		if err == nil {
			return
		}
		if !errors.Is(err, ErrLoadInProgress) || i > 2000 {
			t.Fatalf("shard not loaded: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRewriteBoundsLogAndReloadIsIdentical(t *testing.T) {
	log := newMemLog()
	rt := newRuntime(t, log, func(o *Options) { o.RewriteMinBytes = 2000 })
	rt.Load(0)
	waitLoaded(t, rt)
	// 2,000 writes over 20 keys, some deleted again: the log would hold
	// 2,000 records without rewrites.
	for i := range 2000 {
		k := fmt.Sprintf("key-%02d", i%20)
		v := fmt.Sprintf("value-%d", i)
		if i%7 == 0 {
			put(t, rt, k, nil)
		} else {
			put(t, rt, k, &v)
		}
	}
	want := snapshot(t, rt)
	if n := log.records(0); n > 200 {
		t.Errorf("%d records readable after 2,000 writes of 20 keys: the rewrite did not bound the log", n)
	}
	log.mu.Lock()
	start := log.start[0]
	log.mu.Unlock()
	if start == 0 {
		t.Error("the log start offset never advanced")
	}
	rt.Unload(0)
	rt2 := newRuntime(t, log, nil)
	rt2.Load(0)
	waitLoaded(t, rt2)
	if got := snapshot(t, rt2); !maps.Equal(got, want) {
		t.Errorf("reloaded state differs:\n got %v\nwant %v", got, want)
	}
}

func TestRunErrors(t *testing.T) {
	log := newMemLog()
	log.readGate = make(chan struct{})
	rt := newRuntime(t, log, nil)
	if err := rt.Run(context.Background(), 3, func(*Shard, *kvState) {}); !errors.Is(err, ErrNotCoordinator) {
		t.Errorf("unloaded partition: %v", err)
	}
	rt.Load(0)
	if err := rt.Run(context.Background(), 0, func(*Shard, *kvState) {}); !errors.Is(err, ErrLoadInProgress) {
		t.Errorf("loading partition: %v", err)
	}
	close(log.readGate)
	waitLoaded(t, rt)

	// A reply parked behind an uncommitted write fails with
	// ErrNotCoordinator when the shard is unloaded.
	log.mu.Lock()
	log.hold = make(chan struct{})
	log.mu.Unlock()
	got := make(chan error, 1)
	if err := rt.Run(context.Background(), 0, func(sh *Shard, _ *kvState) {
		if _, err := sh.Append([]Record{{Key: []byte("k"), Value: []byte("v")}}); err != nil {
			t.Error(err)
		}
		sh.AfterCommit(func(err error) { got <- err })
	}); err != nil {
		t.Fatal(err)
	}
	rt.Unload(0)
	if err := <-got; !errors.Is(err, ErrNotCoordinator) {
		t.Errorf("parked reply after unload: %v", err)
	}
	if err := rt.Run(context.Background(), 0, func(*Shard, *kvState) {}); !errors.Is(err, ErrNotCoordinator) {
		t.Errorf("after unload: %v", err)
	}
}

func TestTimersFireIntoLoop(t *testing.T) {
	clock := NewManualClock(time.Unix(1000, 0))
	rt := newRuntime(t, newMemLog(), func(o *Options) { o.Clock = clock })
	rt.Load(0)
	waitLoaded(t, rt)
	fired := make(chan string, 4)
	if err := rt.Run(context.Background(), 0, func(sh *Shard, _ *kvState) {
		sh.Schedule("a", time.Second, func() { fired <- "a" })
		sh.Schedule("b", 2*time.Second, func() { fired <- "b" })
		sh.Schedule("c", time.Second, func() { fired <- "c" })
		sh.Cancel("c")
		sh.Schedule("a", 3*time.Second, func() { fired <- "a2" }) // replaces a
	}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Second)
	// A no-op behind the timers' posts: the loop is FIFO.
	if err := rt.Run(context.Background(), 0, func(*Shard, *kvState) {}); err != nil {
		t.Fatal(err)
	}
	close(fired)
	var got []string
	for f := range fired {
		got = append(got, f)
	}
	if !slices.Equal(got, []string{"b", "a2"}) {
		t.Errorf("fired %v, want [b a2]", got)
	}
}
