package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// TopicName is the internal topic that stores groups and offsets.
const TopicName = "__consumer_offsets"

// Coordinator is the group coordinator of this broker: it serves the
// groups that map to the __consumer_offsets partitions loaded here.
type Coordinator struct {
	opts          Options
	rt            *coordinator.Runtime[*shardState]
	metrics       *metrics
	logger        *slog.Logger
	numPartitions atomic.Int32
}

// New creates a Coordinator writing through w and loading through r;
// partitions are loaded by Load (broker calls it for the partitions this
// broker leads).
func New(opts Options, w coordinator.PartitionWriter, r coordinator.PartitionReader, logger *slog.Logger, reg prometheus.Registerer) (*Coordinator, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	c := &Coordinator{opts: opts, metrics: m, logger: logger}
	c.numPartitions.Store(opts.NumPartitions)
	c.rt, err = coordinator.New(opts.Runtime, w, r, func(int32) *shardState {
		return newShardState(&c.opts, m, logger)
	}, logger, reg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// PartitionFor is the __consumer_offsets partition of a group, as Kafka
// computes it.
func (c *Coordinator) PartitionFor(groupID string) int32 {
	return partitionFor(groupID, c.numPartitions.Load())
}

// SetNumPartitions takes the partition count of the existing topic, which
// wins over offsets.topic.num.partitions (as in Kafka, changing the key
// later does not move groups).
func (c *Coordinator) SetNumPartitions(n int32) {
	if n > 0 {
		c.numPartitions.Store(n)
	}
}

// Load starts serving partition (replaying it first).
func (c *Coordinator) Load(partition int32) { c.rt.Load(partition) }

// Unload stops serving partition; its waiting members get NOT_COORDINATOR.
func (c *Coordinator) Unload(partition int32) { c.rt.Unload(partition) }

// Loaded lists the partitions being served or loaded.
func (c *Coordinator) Loaded() []int32 { return c.rt.Loaded() }

// Hosts reports whether partition is loaded or loading here.
func (c *Coordinator) Hosts(partition int32) bool {
	return slices.Contains(c.rt.Loaded(), partition)
}

// Close unloads every partition and waits for their goroutines.
func (c *Coordinator) Close() { c.rt.Close() }

// call runs op on the group's shard and waits for its reply, or for ctx
// (a long JoinGroup or SyncGroup ends when its request context does, at
// shutdown or when the connection goes away).
func call[T any](ctx context.Context, c *Coordinator, partition int32, op func(s *shardState, reply func(T))) (T, error) {
	ch := make(chan T, 1)
	send := func(v T) {
		select {
		case ch <- v:
		default: // answered already; a state machine bug must not block the reply goroutine
		}
	}
	var zero T
	if err := c.rt.Run(ctx, partition, func(_ *coordinator.Shard, s *shardState) { op(s, send) }); err != nil {
		return zero, wrapContext(err)
	}
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		return zero, wrapContext(ctx.Err())
	}
}

// wrapContext makes a cancelled wait NOT_COORDINATOR: the broker is going
// away, and the client should look for the coordinator again.
func wrapContext(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrNotCoordinator, err)
	}
	return err
}

// JoinGroup serves JoinGroup. The answer comes when the join phase ends.
func (c *Coordinator) JoinGroup(ctx context.Context, req JoinRequest) JoinResult {
	res, err := call(ctx, c, c.PartitionFor(req.Group), func(s *shardState, reply func(JoinResult)) { s.join(req, reply) })
	if err != nil {
		return JoinResult{MemberID: req.MemberID, Generation: -1, Err: err}
	}
	return res
}

// SyncGroup serves SyncGroup. A follower's answer comes with the leader's
// assignment.
func (c *Coordinator) SyncGroup(ctx context.Context, req SyncRequest) SyncResult {
	res, err := call(ctx, c, c.PartitionFor(req.Group), func(s *shardState, reply func(SyncResult)) { s.sync(req, reply) })
	if err != nil {
		return SyncResult{Err: err}
	}
	return res
}

// Heartbeat serves Heartbeat.
func (c *Coordinator) Heartbeat(ctx context.Context, req HeartbeatRequest) error {
	res, err := call(ctx, c, c.PartitionFor(req.Group), func(s *shardState, reply func(error)) { s.heartbeat(req, reply) })
	if err != nil {
		return err
	}
	return res
}

// LeaveGroup serves LeaveGroup: one error per member, or a group-level one.
func (c *Coordinator) LeaveGroup(ctx context.Context, groupID string, members []LeaveMember) ([]error, error) {
	return call(ctx, c, c.PartitionFor(groupID), func(s *shardState, reply func([]error)) { s.leave(groupID, members, reply) })
}

// CommitOffsets serves OffsetCommit: one error per offset, or a
// group-level one.
func (c *Coordinator) CommitOffsets(ctx context.Context, req CommitRequest) ([]error, error) {
	return call(ctx, c, c.PartitionFor(req.Group), func(s *shardState, reply func([]error)) { s.commit(req, reply) })
}

// FetchOffsets serves OffsetFetch for one group: the committed offsets of
// partitions, or of every partition when all is set.
func (c *Coordinator) FetchOffsets(ctx context.Context, groupID string, partitions []TopicPartition, all bool) (map[TopicPartition]OffsetValue, error) {
	return call(ctx, c, c.PartitionFor(groupID), func(s *shardState, reply func(map[TopicPartition]OffsetValue)) {
		s.fetch(groupID, partitions, all, reply)
	})
}

// DeleteOffsets serves OffsetDelete: one error per partition, or a
// group-level one.
func (c *Coordinator) DeleteOffsets(ctx context.Context, groupID string, partitions []TopicPartition) ([]error, error) {
	type result struct {
		errs []error
		err  error
	}
	res, err := call(ctx, c, c.PartitionFor(groupID), func(s *shardState, reply func(result)) {
		s.deleteOffsets(groupID, partitions, func(errs []error, err error) { reply(result{errs, err}) })
	})
	if err != nil {
		return nil, err
	}
	return res.errs, res.err
}

// DescribeGroups serves DescribeGroups, in request order; a group whose
// shard is not served here carries that error.
func (c *Coordinator) DescribeGroups(ctx context.Context, ids []string) []Description {
	out := make([]Description, len(ids))
	for p, idx := range c.byPartition(ids) {
		sub := make([]string, len(idx))
		for i, j := range idx {
			sub[i] = ids[j]
		}
		ds, err := call(ctx, c, p, func(s *shardState, reply func([]Description)) { s.describe(sub, reply) })
		for i, j := range idx {
			if err != nil {
				out[j] = Description{Group: ids[j], Err: err}
				continue
			}
			out[j] = ds[i]
		}
	}
	return out
}

// DeleteGroups serves DeleteGroups: one error per group, in request order.
func (c *Coordinator) DeleteGroups(ctx context.Context, ids []string) []error {
	out := make([]error, len(ids))
	for p, idx := range c.byPartition(ids) {
		sub := make([]string, len(idx))
		for i, j := range idx {
			sub[i] = ids[j]
		}
		errs, err := call(ctx, c, p, func(s *shardState, reply func([]error)) { s.deleteGroups(sub, reply) })
		for i, j := range idx {
			if err != nil {
				out[j] = err
				continue
			}
			out[j] = errs[i]
		}
	}
	return out
}

func (c *Coordinator) byPartition(ids []string) map[int32][]int {
	m := map[int32][]int{}
	for i, id := range ids {
		p := c.PartitionFor(id)
		m[p] = append(m[p], i)
	}
	return m
}

// ListGroups serves ListGroups: the groups of every partition served here,
// filtered by state names (case-insensitive) when given. While a partition
// is still loading the error is coordinator.ErrLoadInProgress, with the
// groups of the others.
func (c *Coordinator) ListGroups(ctx context.Context, stateNames []string) ([]Listing, error) {
	var states []State
	for _, n := range stateNames {
		if st, ok := parseState(n); ok {
			states = append(states, st)
		}
	}
	if len(stateNames) > 0 && len(states) == 0 {
		return nil, nil
	}
	var out []Listing
	var firstErr error
	for _, p := range c.rt.Loaded() {
		ls, err := call(ctx, c, p, func(s *shardState, reply func([]Listing)) { s.list(states, reply) })
		if err != nil {
			if !errors.Is(err, coordinator.ErrNotCoordinator) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, ls...)
	}
	return out, firstErr
}
