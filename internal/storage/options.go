package storage

import (
	"fmt"
	"math"
	"time"
)

// Options are the per-log settings, named after the Kafka topic configs they
// implement. The broker turns topic and broker configs into Options; storage
// never reads configuration itself.
type Options struct {
	// SegmentBytes (segment.bytes) is the size at which the active segment rolls.
	SegmentBytes int64
	// SegmentMs (segment.ms) rolls a non-empty active segment this long after
	// its first batch was appended, even if it is not full.
	SegmentMs time.Duration
	// SegmentJitter (segment.jitter.ms) subtracts a random amount up to this
	// from SegmentMs, per segment, so many logs do not roll at the same instant.
	SegmentJitter time.Duration
	// IndexIntervalBytes (index.interval.bytes) is how many log bytes pass
	// between offset-index (and time-index) entries.
	IndexIntervalBytes int
	// MaxIndexBytes (segment.index.bytes) is the size each index file is
	// preallocated to; a full index rolls the segment.
	MaxIndexBytes int
	// FlushMessages (flush.messages) forces an fdatasync after this many
	// messages have been appended without one. math.MaxInt64 disables it.
	FlushMessages int64
	// FlushInterval (flush.ms) makes the flush scheduler fdatasync a log whose
	// oldest unflushed append is older than this. Negative disables it.
	FlushInterval time.Duration
	// Retention (retention.ms) deletes segments whose newest record is older
	// than this. Negative means unlimited.
	Retention time.Duration
	// RetentionBytes (retention.bytes) deletes the oldest segments while the
	// log would stay at least this large without them. Negative means unlimited.
	RetentionBytes int64
	// FileDeleteDelay (file.delete.delay.ms) is how long a deleted segment's
	// files stay open under a ".deleted" name, so reads already holding a
	// region of them finish.
	FileDeleteDelay time.Duration
	// ProducerIDExpiration (producer.id.expiration.ms) forgets an idempotent
	// producer that has not written for this long.
	ProducerIDExpiration time.Duration
}

// DefaultOptions are Kafka's defaults.
func DefaultOptions() Options {
	return Options{
		SegmentBytes:         1 << 30,
		SegmentMs:            7 * 24 * time.Hour,
		SegmentJitter:        0,
		IndexIntervalBytes:   4096,
		MaxIndexBytes:        10 << 20,
		FlushMessages:        math.MaxInt64,
		FlushInterval:        -1,
		Retention:            7 * 24 * time.Hour,
		RetentionBytes:       -1,
		FileDeleteDelay:      time.Minute,
		ProducerIDExpiration: 24 * time.Hour,
	}
}

// minSegmentBytes is the smallest segment Kafka accepts (LegacyRecord
// overhead); smaller values would roll on every batch.
const minSegmentBytes = 14

// Validate reports the first setting out of range.
func (o Options) Validate() error {
	switch {
	case o.SegmentBytes < minSegmentBytes:
		return fmt.Errorf("storage: segment.bytes %d is below %d", o.SegmentBytes, minSegmentBytes)
	case o.SegmentBytes > math.MaxInt32:
		// Positions in the offset index are 32-bit.
		return fmt.Errorf("storage: segment.bytes %d exceeds %d", o.SegmentBytes, math.MaxInt32)
	case o.SegmentMs <= 0:
		return fmt.Errorf("storage: segment.ms must be positive, got %v", o.SegmentMs)
	case o.SegmentJitter < 0:
		return fmt.Errorf("storage: segment.jitter.ms must not be negative")
	case o.IndexIntervalBytes < 0:
		return fmt.Errorf("storage: index.interval.bytes must not be negative")
	case o.MaxIndexBytes < 4*12:
		return fmt.Errorf("storage: segment.index.bytes %d is below %d", o.MaxIndexBytes, 4*12)
	case o.FlushMessages < 1:
		return fmt.Errorf("storage: flush.messages must be at least 1")
	case o.FileDeleteDelay < 0:
		return fmt.Errorf("storage: file.delete.delay.ms must not be negative")
	}
	return nil
}
