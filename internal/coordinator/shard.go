package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-io/samsa/internal/record"
)

// Shard status values.
const (
	statusLoading int32 = iota
	statusActive
	statusStopped
)

// Shard is one loaded partition: an event loop that owns the partition's
// State. The exported methods are for the State and must be called on the
// loop (from Loaded, an operation passed to Run, or a timer callback).
type Shard struct {
	partition int32
	opts      Options
	w         PartitionWriter
	r         PartitionReader
	logger    *slog.Logger
	metrics   *metrics

	status atomic.Int32
	ops    chan func()
	stop   chan struct{} // closed by stopAndWait
	done   chan struct{} // closed when the loop has exited
	// replyCtx is cancelled at stop, ending commit waits.
	replyCtx    context.Context
	cancelReply context.CancelFunc
	replies     replyQueue
	wg          sync.WaitGroup

	// Loop-only fields.
	end               int64 // log end offset after our last append
	bytesSinceRewrite int64
	liveBytes         int64
	timers            map[string]*timerEntry
	timerSeq          uint64
}

type timerEntry struct {
	t   Timer
	seq uint64
}

func newShard(partition int32, opts Options, w PartitionWriter, r PartitionReader, logger *slog.Logger, m *metrics) *Shard {
	ctx, cancel := context.WithCancel(context.Background())
	return &Shard{partition: partition, opts: opts, w: w, r: r, logger: logger, metrics: m,
		ops: make(chan func(), opts.QueueSize), stop: make(chan struct{}), done: make(chan struct{}),
		replyCtx: ctx, cancelReply: cancel, replies: replyQueue{wake: make(chan struct{}, 1)}, timers: map[string]*timerEntry{}}
}

// Partition is the shard's partition of the coordinator topic.
func (sh *Shard) Partition() int32 { return sh.partition }

// Now is the runtime clock's time.
func (sh *Shard) Now() time.Time { return sh.opts.Clock.Now() }

func (sh *Shard) start(st State) {
	sh.wg.Go(func() { sh.loop(st) })
	sh.wg.Go(sh.replyLoop)
}

func (sh *Shard) stopAndWait() {
	close(sh.stop)
	sh.cancelReply()
	sh.wg.Wait()
}

// run queues f for the loop and waits until it has run.
func (sh *Shard) run(ctx context.Context, f func()) error {
	switch sh.status.Load() {
	case statusLoading:
		return ErrLoadInProgress
	case statusStopped:
		return ErrNotCoordinator
	}
	ran := make(chan struct{})
	select {
	case sh.ops <- func() { f(); close(ran) }:
	case <-sh.stop:
		return ErrNotCoordinator
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ran:
		return nil
	case <-sh.done:
		select {
		case <-ran:
			return nil
		default:
			return ErrNotCoordinator
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post queues f for the loop without waiting (timers); dropped once stopped.
func (sh *Shard) post(f func()) {
	select {
	case sh.ops <- f:
	case <-sh.stop:
	}
}

func (sh *Shard) loop(st State) {
	defer close(sh.done)
	defer sh.status.Store(statusStopped)
	for {
		err := sh.load(st)
		if err == nil {
			break
		}
		sh.logger.Error("loading coordinator partition failed; retrying", "err", err)
		select {
		case <-sh.stop:
			return
		case <-time.After(sh.opts.LoadRetry):
		}
	}
	sh.metrics.loaded.Inc()
	defer sh.metrics.loaded.Dec()
	sh.status.Store(statusActive)
	st.Loaded(sh)
	sh.maybeRewrite(st)
	for {
		select {
		case <-sh.stop:
			sh.status.Store(statusStopped)
			st.Unloaded()
			for _, e := range sh.timers {
				e.t.Stop()
			}
			sh.timers = nil
			return
		case f := <-sh.ops:
			f()
			sh.maybeRewrite(st)
		}
	}
}

// load replays the log from its start to its high watermark into st.
func (sh *Shard) load(st State) error {
	start := sh.Now()
	from, hw, err := sh.r.Bounds(sh.partition)
	if err != nil {
		return err
	}
	var bytes, records int64
	for off := from; off < hw; {
		select {
		case <-sh.stop:
			return errors.New("coordinator: stopped while loading")
		default:
		}
		batches, err := sh.r.ReadBatches(sh.partition, off, sh.opts.MaxBatchBytes)
		if err != nil {
			return fmt.Errorf("coordinator: read partition %d at %d: %w", sh.partition, off, err)
		}
		if len(batches) == 0 {
			break
		}
		for _, b := range batches {
			off = b.NextOffset()
			bytes += int64(b.Size())
			if b.Control() {
				continue
			}
			err := b.EachRecord(func(r record.Record) error {
				records++
				return st.Replay(r.Offset, Record{Key: r.Key, Value: r.Value})
			})
			if err != nil {
				return fmt.Errorf("coordinator: replay partition %d batch at %d: %w", sh.partition, b.BaseOffset(), err)
			}
		}
	}
	sh.end = hw
	sh.bytesSinceRewrite = bytes
	for _, r := range st.LiveRecords() {
		sh.liveBytes += r.size()
	}
	sh.logger.Info("coordinator partition loaded", "coordinator", sh.opts.Name, "log_start", from, "high_watermark", hw,
		"records", records, "bytes", bytes, "live_bytes", sh.liveBytes, "elapsed", sh.Now().Sub(start).Round(time.Millisecond))
	return nil
}

// Append writes records to the partition, in batches of at most about
// Options.MaxBatchBytes, and returns the offset of the first. They are not
// committed yet: park replies that depend on them with AfterCommit. An error
// wraps ErrWriteFailed; batches before the failing one stay written.
func (sh *Shard) Append(recs []Record) (first int64, err error) {
	first = -1
	now := sh.Now().UnixMilli()
	for len(recs) > 0 {
		n, size := 0, 0
		for n < len(recs) && (n == 0 || size+int(recs[n].size()) <= sh.opts.MaxBatchBytes) {
			size += int(recs[n].size())
			n++
		}
		rs := make([]record.Record, n)
		for i, r := range recs[:n] {
			rs[i] = record.Record{Timestamp: now, Key: r.Key, Value: r.Value}
		}
		b, err := record.Build(record.DefaultBatchOptions(), rs)
		if err != nil {
			return first, fmt.Errorf("%w: %w", ErrWriteFailed, err)
		}
		size = b.Size()
		end, err := sh.w.Append(sh.partition, b)
		if err != nil {
			return first, fmt.Errorf("%w: partition %d: %w", ErrWriteFailed, sh.partition, err)
		}
		if first < 0 {
			first = end - int64(n)
		}
		sh.end = end
		sh.bytesSinceRewrite += int64(size)
		sh.metrics.appendedBytes.Add(float64(size))
		recs = recs[n:]
	}
	return first, nil
}

// AfterCommit calls fn once every record appended so far is committed, or
// with an error when that fails or the shard stops (ErrNotCoordinator).
// Calls happen in the order they were parked, on the shard's reply
// goroutine, not the loop: fn must only deliver a result, never touch the
// State.
func (sh *Shard) AfterCommit(fn func(err error)) {
	sh.replies.push(reply{end: sh.end, fn: fn})
}

// Schedule calls fn on the loop after d, replacing any timer set under the
// same key. Timers live on the runtime's Clock and stop with the shard.
func (sh *Shard) Schedule(key string, d time.Duration, fn func()) {
	sh.Cancel(key)
	sh.timerSeq++
	seq := sh.timerSeq
	e := &timerEntry{seq: seq}
	e.t = sh.opts.Clock.AfterFunc(max(d, 0), func() {
		sh.post(func() {
			if cur, ok := sh.timers[key]; ok && cur.seq == seq {
				delete(sh.timers, key)
				fn()
			}
		})
	})
	sh.timers[key] = e
}

// Cancel stops the timer set under key, if any.
func (sh *Shard) Cancel(key string) {
	if e, ok := sh.timers[key]; ok {
		e.t.Stop()
		delete(sh.timers, key)
	}
}

// maybeRewrite bounds the log (see the package doc): once enough has been
// appended since the last rewrite, the live state is appended afresh and,
// when committed, the log start offset moves to its first record.
func (sh *Shard) maybeRewrite(st State) {
	if sh.bytesSinceRewrite <= max(sh.opts.RewriteMinBytes, 4*sh.liveBytes) {
		return
	}
	recs := st.LiveRecords()
	var live int64
	for _, r := range recs {
		live += r.size()
	}
	before := sh.end
	start := sh.end
	if len(recs) > 0 {
		first, err := sh.Append(recs)
		if err != nil {
			sh.logger.Warn("rewriting coordinator state failed; the log is not trimmed", "err", err)
			return
		}
		start = first
	}
	sh.bytesSinceRewrite = 0
	sh.liveBytes = live
	sh.metrics.rewrites.Inc()
	sh.logger.Debug("rewrote coordinator state", "records", len(recs), "live_bytes", live, "new_log_start", start, "previous_end", before)
	sh.AfterCommit(func(err error) {
		if err != nil {
			return
		}
		if err := sh.w.DeleteRecordsBefore(sh.partition, start); err != nil {
			sh.logger.Warn("moving the log start after a rewrite failed", "offset", start, "err", err)
		}
	})
}
