package storage

import (
	"fmt"
	"sync"
	"time"
)

// DeleteRecordsBefore moves the log start offset forward to offset
// (DeleteRecords): records below it can no longer be read, and segments that
// lie wholly below it are deleted. The caller bounds offset by the high
// watermark; here it must not pass the log end offset. It returns the new
// log start offset.
func (l *Log) DeleteRecordsBefore(offset int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, ErrClosed
	}
	if leo := l.logEndOffset.Load(); offset > leo {
		return 0, fmt.Errorf("%w: cannot delete records before %d, past the log end offset %d", ErrOffsetOutOfRange, offset, leo)
	}
	if offset > l.logStartOffset.Load() {
		l.logStartOffset.Store(offset)
	}
	l.deleteSegmentsLocked(func(s, next *segment) bool { return next.baseOffset <= l.logStartOffset.Load() }, "log start offset")
	return l.logStartOffset.Load(), nil
}

// DeleteOldSegments applies retention: segments below the log start offset,
// then segments older than retention.ms, then the oldest segments while the
// log exceeds retention.bytes. Only whole segments go, never the active one.
// It returns how many segments were deleted.
func (l *Log) DeleteOldSegments() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0
	}
	n := l.deleteSegmentsLocked(func(s, next *segment) bool { return next.baseOffset <= l.logStartOffset.Load() }, "log start offset")
	if l.opts.Retention >= 0 {
		cutoff := l.now().Add(-l.opts.Retention).UnixMilli()
		n += l.deleteSegmentsLocked(func(s, _ *segment) bool { return s.largestTimestamp() < cutoff }, "retention.ms")
	}
	if l.opts.RetentionBytes >= 0 {
		excess := l.Size() - l.opts.RetentionBytes
		n += l.deleteSegmentsLocked(func(s, _ *segment) bool {
			if excess-s.size.Load() < 0 {
				return false
			}
			excess -= s.size.Load()
			return true
		}, "retention.bytes")
	}
	return n
}

// deleteSegmentsLocked deletes the longest prefix of inactive segments for
// which deletable(segment, next segment) holds, and advances the log start
// offset to the first remaining segment.
func (l *Log) deleteSegmentsLocked(deletable func(s, next *segment) bool, reason string) int {
	segs := l.segs()
	k := 0
	for k < len(segs)-1 && deletable(segs[k], segs[k+1]) {
		k++
	}
	if k == 0 {
		return 0
	}
	doomed := segs[:k]
	rest := append([]*segment(nil), segs[k:]...)
	l.segments.Store(&rest)
	if first := rest[0].baseOffset; first > l.logStartOffset.Load() {
		l.logStartOffset.Store(first)
	}
	if err := l.pstate.deleteSnapshotsBefore(rest[0].baseOffset); err != nil {
		l.logger.Warn("deleting old producer snapshots", "err", err)
	}
	for _, s := range doomed {
		l.logger.Info("deleting segment", "segment", s.baseOffset, "size", s.size.Load(), "reason", reason)
		l.scheduleDelete(s)
	}
	l.metrics.deletedSegments.Add(float64(len(doomed)))
	return len(doomed)
}

// scheduleDelete renames a segment's files to *.deleted now and removes them
// after file.delete.delay.ms, as Kafka does: a fetch that already holds a
// region of the segment can still finish reading it.
func (l *Log) scheduleDelete(s *segment) {
	if err := s.markDeleted(); err != nil {
		l.logger.Warn("renaming deleted segment", "segment", s.baseOffset, "err", err)
	}
	l.dirDirty.Store(true)
	l.deletes.schedule(l.opts.FileDeleteDelay, func() {
		// Holding syncMu keeps an in-flight fdatasync from touching the files
		// while they close.
		l.syncMu.Lock()
		defer l.syncMu.Unlock()
		if err := s.removeDeletedFiles(); err != nil {
			l.logger.Warn("removing deleted segment", "segment", s.baseOffset, "err", err)
		}
	})
}

// segmentDeleter runs delayed segment removals and lets Close run the ones
// still waiting at once instead of sleeping through the delay.
type segmentDeleter struct {
	mu      sync.Mutex
	pending map[*time.Timer]func()
	running sync.WaitGroup
}

// schedule runs remove after delay on its own goroutine.
func (d *segmentDeleter) schedule(delay time.Duration, remove func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending == nil {
		d.pending = map[*time.Timer]func(){}
	}
	d.running.Add(1)
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		d.mu.Lock()
		_, mine := d.pending[t]
		delete(d.pending, t)
		d.mu.Unlock()
		if mine {
			remove()
			d.running.Done()
		}
	})
	d.pending[t] = remove
}

// flush runs every pending removal now and waits for those already running.
func (d *segmentDeleter) flush() {
	d.mu.Lock()
	var now []func()
	for t, remove := range d.pending {
		// A timer that already fired claims its entry itself; leave it.
		if t.Stop() {
			now = append(now, remove)
			delete(d.pending, t)
		}
	}
	d.mu.Unlock()
	for _, remove := range now {
		remove()
		d.running.Done()
	}
	d.running.Wait()
}
