package coordinator

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Runtime runs the shards of one coordinator topic on this broker: one per
// partition this broker leads. S is the State type of the coordinator that
// uses it.
type Runtime[S State] struct {
	opts     Options
	w        PartitionWriter
	r        PartitionReader
	newState func(partition int32) S
	logger   *slog.Logger
	metrics  *metrics

	mu     sync.Mutex
	shards map[int32]*Shard
	states map[*Shard]S
	closed bool
}

// New creates a Runtime; nothing is loaded until Load. newState returns an
// empty State for a partition about to be loaded.
func New[S State](opts Options, w PartitionWriter, r PartitionReader, newState func(partition int32) S, logger *slog.Logger, reg prometheus.Registerer) (*Runtime[S], error) {
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(opts.Name, reg)
	if err != nil {
		return nil, err
	}
	return &Runtime[S]{opts: opts, w: w, r: r, newState: newState, logger: logger, metrics: m,
		shards: map[int32]*Shard{}, states: map[*Shard]S{}}, nil
}

// Load starts the shard of partition: its loop replays the log, then serves.
// Loading a partition that is already loaded does nothing.
func (rt *Runtime[S]) Load(partition int32) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed || rt.shards[partition] != nil {
		return
	}
	st := rt.newState(partition)
	sh := newShard(partition, rt.opts, rt.w, rt.r, rt.logger.With("partition", partition), rt.metrics)
	rt.shards[partition] = sh
	rt.states[sh] = st
	sh.start(st)
}

// Unload stops the shard of partition and waits for its goroutines; its
// waiting replies fail with ErrNotCoordinator. Unloading a partition that is
// not loaded does nothing.
func (rt *Runtime[S]) Unload(partition int32) {
	rt.mu.Lock()
	sh := rt.shards[partition]
	delete(rt.shards, partition)
	delete(rt.states, sh)
	rt.mu.Unlock()
	if sh != nil {
		sh.stopAndWait()
	}
}

// Loaded returns the partitions with a shard, sorted.
func (rt *Runtime[S]) Loaded() []int32 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := make([]int32, 0, len(rt.shards))
	for p := range rt.shards {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Close unloads every shard; later Loads do nothing.
func (rt *Runtime[S]) Close() {
	rt.mu.Lock()
	rt.closed = true
	shards := make([]*Shard, 0, len(rt.shards))
	for _, sh := range rt.shards {
		shards = append(shards, sh)
	}
	rt.shards = map[int32]*Shard{}
	rt.states = map[*Shard]S{}
	rt.mu.Unlock()
	var wg sync.WaitGroup
	for _, sh := range shards {
		wg.Go(sh.stopAndWait)
	}
	wg.Wait()
}

// Run executes op on the event loop of partition's shard and returns once it
// has run. op sees the shard and its State; it replies to its caller through
// whatever it captured (typically a buffered channel filled from a reply
// parked with AfterCommit). Run fails with ErrNotCoordinator when the shard
// is not loaded or stops before op runs, ErrLoadInProgress while it loads,
// or ctx's error; in those cases op never runs... except after a context
// error, when it may still run later, so whatever op replies to must not
// block.
func (rt *Runtime[S]) Run(ctx context.Context, partition int32, op func(sh *Shard, st S)) error {
	rt.mu.Lock()
	sh := rt.shards[partition]
	st, ok := rt.states[sh]
	rt.mu.Unlock()
	if sh == nil || !ok {
		return ErrNotCoordinator
	}
	return sh.run(ctx, func() { op(sh, st) })
}
