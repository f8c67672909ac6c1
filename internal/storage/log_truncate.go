package storage

import (
	"errors"
	"fmt"
)

// TruncateTo removes every record at or after offset, as a follower does when
// its log diverged from the leader's. Truncation works on whole batches: the
// batch containing offset goes entirely, so the new log end offset is the
// start of that batch. The recovery point and producer state follow.
func (l *Log) TruncateTo(offset int64) error {
	l.syncMu.Lock() // lock order: syncMu, then mu
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if offset >= l.logEndOffset.Load() {
		return nil
	}
	if offset <= l.logStartOffset.Load() {
		return l.truncateFullyAndStartAtLocked(offset)
	}
	segs := l.segs()
	keep := len(segs)
	for keep > 0 && segs[keep-1].baseOffset >= offset {
		keep--
	}
	if keep == 0 {
		return l.truncateFullyAndStartAtLocked(offset)
	}
	last := segs[keep-1]
	if _, err := last.truncateTo(offset); err != nil {
		return err
	}
	leo, err := last.nextOffset()
	if err != nil {
		return err
	}
	if last.size.Load() == 0 {
		keep-- // emptied: it goes too, and a fresh segment starts at its base
	}
	if keep == 0 {
		return l.truncateFullyAndStartAtLocked(leo)
	}
	rest := append([]*segment(nil), segs[:keep]...)
	// Dropped segments are renamed away before a new segment may reuse a base.
	for _, s := range segs[keep:] {
		l.scheduleDelete(s)
	}
	if keep < len(segs) {
		// The old active segment is gone, and the kept ones have trimmed,
		// read-only indexes: appends continue in a fresh segment.
		s, err := createSegment(l.fsys, l.dir, leo, l.opts, l.jitter())
		if err != nil {
			return err
		}
		rest = append(rest, s)
		l.dirDirty.Store(true)
	}
	l.segments.Store(&rest)
	l.logEndOffset.Store(leo)
	if l.logStartOffset.Load() > leo {
		l.logStartOffset.Store(leo)
	}
	if err := l.syncAllLocked(); err != nil {
		return err
	}
	if err := l.pstate.truncateAndReload(l.logStartOffset.Load(), leo); err != nil {
		return fmt.Errorf("storage: reload producer state after truncation: %w", err)
	}
	return l.replayProducerState(l.pstate.mapEndOffset())
}

// TruncateFullyAndStartAt deletes every segment and restarts the log empty at
// offset (a follower that fell below the leader's log start offset).
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.truncateFullyAndStartAtLocked(offset)
}

func (l *Log) truncateFullyAndStartAtLocked(offset int64) error {
	segs := l.segs()
	for _, s := range segs {
		l.scheduleDelete(s)
	}
	s, err := createSegment(l.fsys, l.dir, offset, l.opts, l.jitter())
	if err != nil {
		return err
	}
	next := []*segment{s}
	l.segments.Store(&next)
	l.dirDirty.Store(true)
	l.logEndOffset.Store(offset)
	l.logStartOffset.Store(offset)
	if err := l.syncAllLocked(); err != nil {
		return err
	}
	return l.pstate.truncateFullyAndStartAt(offset)
}

// syncAllLocked makes the whole log durable: the directory (renamed-away
// and new segments), every segment with unsynced bytes, older first, so no
// hole can open below the end, and the indexes. Truncation calls it so that a
// crash cannot bring back records a follower removed because they diverged
// from the leader (truncation is rare, so a full flush is an acceptable
// price); Close calls it before declaring the log clean. The caller holds
// syncMu and mu.
func (l *Log) syncAllLocked() error {
	l.dirDirty.Store(false)
	if err := l.fsys.SyncDir(l.dir); err != nil {
		l.dirDirty.Store(true)
		return l.fail(fmt.Errorf("storage: fsync dir %s: %w", l.dir, err))
	}
	for _, s := range l.segs() {
		if err := s.sync(); err != nil {
			return l.fail(err)
		}
	}
	// A truncated segment's indexes lost entries; flush them too, so a crash
	// does not bring back entries pointing past the new end. (Open checks
	// indexes against their logs anyway; this keeps it from having to rebuild.)
	for _, s := range l.segs() {
		if err := errors.Join(s.offIdx.flush(), s.timeIdx.flush()); err != nil {
			return l.fail(err)
		}
	}
	l.recoveryPoint.Store(l.logEndOffset.Load())
	l.unflushedMessages = 0
	l.oldestUnflushed.Store(0)
	return nil
}
