package storage

import (
	"errors"
	"fmt"

	"github.com/samsa-io/samsa/internal/record"
)

// OffsetForTimestamp finds the earliest record at or after the log start
// offset whose timestamp is >= ts (ListOffsets by time). found is false when
// every record is older. The record's own timestamp is returned with it.
//
// It skips segments whose newest timestamp is below ts, narrows the search
// with the time index and the offset index, scans batch headers for the
// first batch whose max timestamp reaches ts, and decodes only that batch.
func (l *Log) OffsetForTimestamp(ts int64) (offset, timestamp int64, found bool, err error) {
	start := l.logStartOffset.Load()
	for _, s := range l.segs() {
		if s.maxTimestamp.Load() < ts {
			continue
		}
		_, hintOffset := s.timeIdx.lookup(ts)
		_, pos := s.offIdx.lookup(max(hintOffset, start))
		limit := s.size.Load()
		p := int64(pos)
		for {
			bp, more, err := s.scanFrom(p, limit, func(bp batchPosition) bool { return bp.maxTS >= ts && bp.lastOffset >= start })
			if err != nil || !more {
				if err != nil {
					return 0, 0, false, err
				}
				break
			}
			off, rts, hit, err := firstRecordAtOrAfter(s, bp, ts, start)
			if err != nil || hit {
				return off, rts, hit, err
			}
			// Only control records matched: keep looking after this batch.
			p = bp.pos + bp.size
		}
	}
	return 0, 0, false, nil
}

// MaxTimestamp finds the record with the largest timestamp (ListOffsets
// MAX_TIMESTAMP, KIP-734): its offset and timestamp. found is false for an
// empty log or one without timestamps.
func (l *Log) MaxTimestamp() (offset, timestamp int64, found bool, err error) {
	var best *segment
	for _, s := range l.segs() {
		if best == nil || s.maxTimestamp.Load() > best.maxTimestamp.Load() {
			best = s
		}
	}
	if best == nil || best.maxTimestamp.Load() < 0 {
		return 0, 0, false, nil
	}
	ts := best.maxTimestamp.Load()
	bp, ok, err := best.translateOffset(best.offsetOfMaxTimestamp.Load(), best.size.Load())
	if err != nil || !ok {
		return 0, 0, false, err
	}
	off, rts, hit, err := firstRecordAtOrAfter(best, bp, ts, l.logStartOffset.Load())
	if err != nil || !hit {
		return bp.lastOffset, ts, err == nil, err
	}
	return off, rts, true, nil
}

// firstRecordAtOrAfter decodes the batch at bp and returns the first record
// with offset >= minOffset and timestamp >= ts.
func firstRecordAtOrAfter(s *segment, bp batchPosition, ts, minOffset int64) (int64, int64, bool, error) {
	buf := make([]byte, bp.size)
	if _, err := s.file.ReadAt(buf, bp.pos); err != nil {
		return 0, 0, false, fmt.Errorf("storage: read batch at %d: %w", bp.pos, err)
	}
	b, err := record.ParseBatch(buf)
	if err != nil {
		return 0, 0, false, err
	}
	if b.Control() {
		return 0, 0, false, nil
	}
	if b.LogAppendTime() {
		return max(b.BaseOffset(), minOffset), b.MaxTimestamp(), true, nil
	}
	var off, rts int64
	hit := false
	err = b.EachRecord(func(r record.Record) error {
		if r.Offset >= minOffset && r.Timestamp >= ts {
			off, rts, hit = r.Offset, r.Timestamp, true
			return errStopIteration
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopIteration) {
		return 0, 0, false, err
	}
	return off, rts, hit, nil
}

// errStopIteration ends a record iteration early once the answer is found.
var errStopIteration = errors.New("storage: stop iteration")
