package storage

import (
	"fmt"

	"github.com/samsa-io/samsa/internal/record"
)

// AppendOptions are the leader's per-append settings.
type AppendOptions struct {
	// LeaderEpoch is written into the batch's partitionLeaderEpoch field.
	LeaderEpoch int32
	// AppendTime, when >= 0, makes this a LogAppendTime append: the batch's
	// timestamp type and max timestamp are set to it (ms since the epoch).
	// -1 keeps the producer's CreateTime timestamps.
	AppendTime int64
}

// AppendResult describes where a batch went.
type AppendResult struct {
	// FirstOffset and LastOffset are the offsets the batch's records got (for
	// a duplicate: the offsets they got the first time).
	FirstOffset, LastOffset int64
	// LogAppendTime is the append time for LogAppendTime appends, else -1.
	LogAppendTime int64
	// LogStartOffset is the log start offset after the append.
	LogStartOffset int64
	// Duplicate is true when an idempotent producer retried a batch the log
	// already holds; nothing was written.
	Duplicate bool
}

// Append adds one batch as the partition leader: it checks the batch's
// framing and CRC (a bad batch is refused with an error wrapping
// record.ErrCorrupt and nothing is written), applies the idempotent-producer
// rules (ErrOutOfOrderSequence, ErrInvalidProducerEpoch, or a duplicate
// answered with its original offsets), assigns offsets from the log end,
// stamps the leader epoch (and the append time), rolls the segment if
// needed, and writes. b is rewritten in place; the caller keeps ownership.
//
// The data is in the page cache when Append returns; WaitDurable or Flush
// makes it durable. flush.messages may flush before Append returns.
func (l *Log) Append(b record.Batch, opts AppendOptions) (AppendResult, error) {
	parsed, err := record.ParseBatch(b)
	if err != nil {
		return AppendResult{}, err
	}
	if len(parsed) != len(b) {
		return AppendResult{}, fmt.Errorf("%w: %d bytes after the batch; append takes exactly one", record.ErrCorrupt, len(b)-len(parsed))
	}
	res, flush, err := l.appendLocked(b, opts)
	if err != nil {
		return res, err
	}
	if flush {
		if err := l.Flush(); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (l *Log) appendLocked(b record.Batch, opts AppendOptions) (AppendResult, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return AppendResult{}, false, ErrClosed
	}
	if l.failed.Load() {
		return AppendResult{}, false, ErrLogDirFailed
	}
	if int64(len(b)) > l.opts.SegmentBytes {
		return AppendResult{}, false, fmt.Errorf("%w: %d bytes exceeds segment.bytes %d", ErrRecordTooLarge, len(b), l.opts.SegmentBytes)
	}
	dup, err := l.pstate.checkAppend(b)
	if err != nil {
		return AppendResult{}, false, err
	}
	if dup != nil {
		return AppendResult{
			FirstOffset: dup.FirstOffset, LastOffset: dup.LastOffset,
			LogAppendTime: -1, LogStartOffset: l.logStartOffset.Load(), Duplicate: true,
		}, false, nil
	}

	leo := l.logEndOffset.Load()
	b.SetBaseOffset(leo)
	b.SetPartitionLeaderEpoch(opts.LeaderEpoch)
	appendTime := int64(-1)
	if opts.AppendTime >= 0 {
		appendTime = opts.AppendTime
		b.SetLogAppendTime(appendTime)
	}
	nowMs := l.now().UnixMilli()
	segs := l.segs()
	active := segs[len(segs)-1]
	if active.shouldRoll(b, l.opts, nowMs) {
		if active, err = l.rollLocked(); err != nil {
			return AppendResult{}, false, err
		}
	}
	if err := active.append(b, l.opts.IndexIntervalBytes, nowMs); err != nil {
		l.metrics.appendErrors.Inc()
		return AppendResult{}, false, err
	}
	l.pstate.update(b)
	l.logEndOffset.Store(b.NextOffset())
	count := int64(b.RecordCount())
	l.unflushedMessages += count
	if l.oldestUnflushed.Load() == 0 {
		l.oldestUnflushed.Store(nowMs)
	}
	l.metrics.appendedBytes.Add(float64(len(b)))
	l.metrics.appendedRecords.Add(float64(count))
	return AppendResult{
		FirstOffset: b.BaseOffset(), LastOffset: b.LastOffset(),
		LogAppendTime: appendTime, LogStartOffset: l.logStartOffset.Load(),
	}, l.unflushedMessages >= l.opts.FlushMessages, nil
}

// Roll closes the active segment to appends and starts a new one at the log
// end offset (a no-op when the active segment is empty).
func (l *Log) Roll() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	_, err := l.rollLocked()
	return err
}

// rollLocked starts a new active segment at the log end offset. The old
// segment's indexes get their final entries and are trimmed, and a producer
// state snapshot is taken so a restart need not replay the whole log.
func (l *Log) rollLocked() (*segment, error) {
	segs := l.segs()
	active := segs[len(segs)-1]
	leo := l.logEndOffset.Load()
	if active.size.Load() == 0 {
		return active, nil
	}
	if err := l.pstate.takeSnapshot(); err != nil {
		// Not fatal: recovery replays from an older snapshot instead.
		l.logger.Warn("producer state snapshot failed at roll", "offset", leo, "err", err)
	}
	s, err := createSegment(l.fsys, l.dir, leo, l.opts, l.jitter())
	if err != nil {
		return nil, err
	}
	if err := active.onBecomeInactive(); err != nil {
		s.close()
		_ = l.removeSegmentFiles(leo)
		return nil, err
	}
	next := make([]*segment, len(segs), len(segs)+1)
	copy(next, segs)
	next = append(next, s)
	l.segments.Store(&next)
	l.dirDirty.Store(true)
	l.metrics.rolls.Inc()
	return s, nil
}
