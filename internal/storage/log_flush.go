package storage

import (
	"context"
	"fmt"
	"time"
)

// Flush makes every record appended so far durable: the directory entries of
// new segment files, then the .log bytes of every segment with unsynced
// writes, each with one fdatasync.
func (l *Log) Flush() error {
	return l.WaitDurable(context.Background(), l.logEndOffset.Load())
}

// WaitDurable returns once every record below offset is durable. Callers
// that arrive while an fdatasync is running wait for it; the first of them to
// get the sync lock next starts one fdatasync that covers all of them (group
// commit): n waiters cost far fewer than n syncs.
func (l *Log) WaitDurable(ctx context.Context, offset int64) error {
	// A dirty directory (a new, renamed or removed segment file) is synced
	// even when the offsets are: otherwise a segment created by a roll just
	// before Close would never have its name made durable.
	//
	// The context bounds the waiting, not the first attempt: one sync round
	// always runs, so an already-expired deadline (a produce timeout of 0)
	// still gets its data synced if that takes one round, as Kafka answers
	// such a request with what can be had at once.
	for {
		if l.recoveryPoint.Load() >= offset && !l.dirDirty.Load() {
			return nil
		}
		if err := l.syncOnce(offset); err != nil {
			return err
		}
		if l.recoveryPoint.Load() >= offset && !l.dirDirty.Load() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// syncOnce runs one group-commit round unless one that finished while this
// caller waited for the lock already covered offset.
func (l *Log) syncOnce(offset int64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.recoveryPoint.Load() >= offset && !l.dirDirty.Load() {
		return nil
	}
	if l.failed.Load() {
		return ErrLogDirFailed
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	// Everything up to target is written to the page cache; syncing after
	// this point covers it, and appends that race with the sync are simply
	// not claimed.
	target := l.logEndOffset.Load()
	segs := l.segs()
	l.unflushedMessages = 0
	l.oldestUnflushed.Store(0)
	l.mu.Unlock()

	start := time.Now()
	if l.dirDirty.Swap(false) {
		if err := l.fsys.SyncDir(l.dir); err != nil {
			l.dirDirty.Store(true)
			return l.fail(fmt.Errorf("storage: fsync dir %s: %w", l.dir, err))
		}
	}
	for _, s := range segs {
		if err := s.sync(); err != nil {
			return l.fail(err)
		}
	}
	l.metrics.flushSeconds.Observe(time.Since(start).Seconds())
	for {
		cur := l.recoveryPoint.Load()
		if cur >= target || l.recoveryPoint.CompareAndSwap(cur, target) {
			return nil
		}
	}
}

// fail takes the log offline for writes after an fdatasync error: the kernel
// may have dropped the dirty pages, so no later sync could prove them durable.
func (l *Log) fail(err error) error {
	if !l.failed.Swap(true) {
		l.logger.Error("log failed; refusing further writes", "err", err)
		if l.onFailure != nil {
			l.onFailure(err)
		}
	}
	return fmt.Errorf("%w: %w", ErrLogDirFailed, err)
}

// flushIfDue is the flush.ms scheduler's check: flush when the oldest
// unflushed append is older than the flush interval.
func (l *Log) flushIfDue(now time.Time) error {
	interval := l.Options().FlushInterval
	if interval < 0 {
		return nil
	}
	oldest := l.oldestUnflushed.Load()
	if oldest == 0 || now.UnixMilli()-oldest < interval.Milliseconds() {
		return nil
	}
	return l.Flush()
}
