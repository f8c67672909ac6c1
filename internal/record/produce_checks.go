package record

import (
	"fmt"
	"math"
)

// RecordChecks are the per-record rules a topic's configuration asks of a
// produced batch (shared/reference/kafka-protocol.md §4.4, the rows that
// need the records decoded). The zero value checks only what every
// produced batch must satisfy: that its records decode.
type RecordChecks struct {
	// RequireKeys rejects a record with a null key: a compacted topic
	// cannot keep a record it has no key to compact by (cleanup.policy
	// contains "compact").
	RequireKeys bool
	// CheckTimestamps bounds CreateTime timestamps to [Now-BeforeMaxMs,
	// Now+AfterMaxMs] (message.timestamp.before.max.ms and
	// message.timestamp.after.max.ms, KIP-937). Records without a
	// timestamp (-1) pass, as in Kafka.
	CheckTimestamps bool
	Now             int64
	BeforeMaxMs     int64
	AfterMaxMs      int64
}

// RecordError says which record of a batch broke a rule: Kafka reports it
// in Produce v8+ RecordErrors (KIP-467) so a client can tell which record
// to drop. It wraps ErrInvalidRecord or ErrInvalidTimestamp.
type RecordError struct {
	Index int32 // position of the record in its batch
	Err   error
}

func (e *RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Index, e.Err) }

func (e *RecordError) Unwrap() error { return e.Err }

// CheckRecords decodes b's records (decompressing if needed, within
// DefaultMaxDecompressedSize) and applies c to each, after the batch-level
// ValidateProduce. Decoding enforces the record framing that the stored
// bytes will be served with: exactly RecordCount records, offset deltas
// 0..n-1 with nothing after them. It returns the records' largest
// timestamp, which a correct producer also wrote as the header's
// MaxTimestamp; the caller rewrites the header when they differ, because
// the time index is built from it.
//
// A rule broken by a record returns a *RecordError; malformed records or
// sections wrap ErrInvalidRecord or ErrCorrupt.
func (b Batch) CheckRecords(c RecordChecks) (maxTimestamp int64, err error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if c.CheckTimestamps {
		lo, hi = satSub(c.Now, c.BeforeMaxMs), satAdd(c.Now, c.AfterMaxMs)
	}
	data, err := b.decodedSection(DefaultDecodeOptions())
	if err != nil {
		return -1, err
	}
	baseTS := b.BaseTimestamp()
	maxTimestamp = -1
	rr := b.newRecordReader(data)
	var r Record
	for i := int32(0); ; i++ {
		tsDelta, _, done, err := rr.next(&r, false)
		if err != nil {
			return -1, err
		}
		if done {
			return maxTimestamp, nil
		}
		if c.RequireKeys && r.Key == nil {
			return -1, &RecordError{Index: i, Err: fmt.Errorf("%w: a compacted topic cannot accept a record without a key", ErrInvalidRecord)}
		}
		ts := baseTS + tsDelta
		if ts >= 0 && (ts < lo || ts > hi) {
			return -1, &RecordError{Index: i, Err: fmt.Errorf("%w: timestamp %d is outside [%d, %d] (message.timestamp.before.max.ms / after.max.ms)", ErrInvalidTimestamp, ts, lo, hi)}
		}
		maxTimestamp = max(maxTimestamp, ts)
	}
}

// satAdd and satSub clamp instead of overflowing: the "never" default of
// the before bound is Long.MAX_VALUE.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satSub(a, b int64) int64 {
	if b > 0 && a < math.MinInt64+b {
		return math.MinInt64
	}
	return a - b
}
