package storage

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync/atomic"
	"time"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// File suffixes of a segment (docs/format/).
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	txnIndexSuffix  = ".txnindex"
	deletedSuffix   = ".deleted"
	cleanedSuffix   = ".cleaned"
	swapSuffix      = ".swap"
)

// segment is one .log file of verbatim batches starting at baseOffset, with
// its offset and time indexes.
//
// Writes (append, truncate, roll, recover) happen under the owning Log's
// mutex. Reads happen without it: they load size once and read only below
// it, because bytes below size are completely written before size moves.
type segment struct {
	fsys       fileutil.FS
	dir        string
	baseOffset int64

	file    fileutil.File
	offIdx  *offsetIndex
	timeIdx *timeIndex

	// size is the number of valid bytes in the .log file.
	size atomic.Int64
	// maxTimestamp is the largest batch max timestamp in the segment (-1 when
	// none), and offsetOfMaxTimestamp the last offset of the batch that has it.
	// Retention and timestamp lookups read them without the log lock.
	maxTimestamp         atomic.Int64
	offsetOfMaxTimestamp atomic.Int64
	// dirty is set when bytes were written that no Sync has covered yet.
	dirty atomic.Bool

	// Guarded by the log mutex.
	bytesSinceLastIndexEntry int
	// rollJitter is this segment's share of segment.jitter.ms.
	rollJitter time.Duration
	// rollBase is the wall-clock time (ms) of the segment's first append, or
	// of the log's open for a reopened non-empty segment; segment.ms counts
	// from it. -1 while empty. Kafka counts from the first batch's record
	// timestamp instead, which makes a producer with a stale clock roll a
	// segment per batch; the wall clock cannot be skewed by clients.
	rollBase int64
	// timeIdxCap is the time index's entry capacity; one slot stays free for
	// the final entry written when the segment becomes inactive.
	timeIdxCap int
}

// segmentPaths returns the .log, .index and .timeindex paths of a segment.
func segmentPaths(dir string, base int64) (log, idx, timeIdx string) {
	return offsetFileName(dir, base, logSuffix), offsetFileName(dir, base, indexSuffix), offsetFileName(dir, base, timeIndexSuffix)
}

// createSegment makes a new, empty segment. An existing file at the same
// base offset (left by a roll that crashed before anything was appended) is
// truncated.
func createSegment(fsys fileutil.FS, dir string, base int64, opts Options, jitter time.Duration) (*segment, error) {
	logPath, _, _ := segmentPaths(dir, base)
	f, err := fsys.OpenFile(logPath, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("storage: create segment: %w", err)
	}
	// Stale indexes of an old segment at this base must not survive.
	_, idxPath, timePath := segmentPaths(dir, base)
	_ = fsys.Remove(idxPath)
	_ = fsys.Remove(timePath)
	s, err := newSegment(fsys, dir, base, f, 0, opts, true)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.rollJitter = jitter
	return s, nil
}

// openSegment opens an existing segment. writable segments get their indexes
// preallocated for appends; the others are mapped at their current size.
func openSegment(fsys fileutil.FS, dir string, base int64, opts Options, writable bool) (*segment, error) {
	logPath, _, _ := segmentPaths(dir, base)
	f, err := fsys.OpenFile(logPath, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("storage: open segment: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: stat segment: %w", err)
	}
	s, err := newSegment(fsys, dir, base, f, st.Size(), opts, writable)
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func newSegment(fsys fileutil.FS, dir string, base int64, f fileutil.File, size int64, opts Options, writable bool) (*segment, error) {
	_, idxPath, timePath := segmentPaths(dir, base)
	oi, err := openOffsetIndex(fsys, idxPath, base, opts.MaxIndexBytes, writable)
	if err != nil {
		return nil, fmt.Errorf("storage: open offset index: %w", err)
	}
	ti, err := openTimeIndex(fsys, timePath, base, opts.MaxIndexBytes, writable)
	if err != nil {
		oi.close()
		return nil, fmt.Errorf("storage: open time index: %w", err)
	}
	s := &segment{
		fsys: fsys, dir: dir, baseOffset: base,
		file: f, offIdx: oi, timeIdx: ti,
		rollBase:   -1,
		timeIdxCap: opts.MaxIndexBytes / timeIndexEntrySize,
	}
	s.size.Store(size)
	ts, off := ti.lastEntry()
	s.maxTimestamp.Store(ts)
	s.offsetOfMaxTimestamp.Store(off)
	return s, nil
}

// shouldRoll reports whether b must go to a new segment (Kafka's rules: size,
// age, full index, offsets that no longer fit a 32-bit relative offset).
func (s *segment) shouldRoll(b record.Batch, opts Options, nowMs int64) bool {
	size := s.size.Load()
	if size == 0 {
		return false
	}
	switch {
	case size > opts.SegmentBytes-int64(len(b)):
		return true
	case s.rollBase >= 0 && nowMs-s.rollBase > (opts.SegmentMs-s.rollJitter).Milliseconds():
		return true
	case s.offIdx.isFull() || s.timeIdx.entries() >= s.timeIdxCap-1:
		return true
	case b.LastOffset()-s.baseOffset > math.MaxUint32:
		return true
	}
	return false
}

// append writes b (offsets already assigned) at the end of the .log file and
// maintains the indexes. On a write error the file is cut back to its
// previous size, so the segment stays exactly as it was.
func (s *segment) append(b record.Batch, indexInterval int, nowMs int64) error {
	pos := s.size.Load()
	n, err := s.file.WriteAt(b, pos)
	if err != nil || n != len(b) {
		if err == nil {
			err = io.ErrShortWrite
		}
		// Best effort: even if the truncate fails, size stays at pos, so no
		// reader sees the partial bytes and the next append overwrites them.
		_ = s.file.Truncate(pos)
		return fmt.Errorf("storage: append to %s at position %d: %w", s.file.Name(), pos, err)
	}
	s.dirty.Store(true)
	if s.rollBase < 0 {
		s.rollBase = nowMs
	}
	s.indexBatch(b, pos, indexInterval)
	s.size.Store(pos + int64(len(b)))
	return nil
}

// indexBatch updates the max timestamp and adds index entries for the batch
// at pos, as Kafka's LogSegment.append does: an entry (batch last offset,
// batch position) once more than indexInterval bytes passed since the last one.
func (s *segment) indexBatch(b record.Batch, pos int64, indexInterval int) {
	if ts := b.MaxTimestamp(); ts > s.maxTimestamp.Load() {
		s.maxTimestamp.Store(ts)
		s.offsetOfMaxTimestamp.Store(b.LastOffset())
	}
	if s.bytesSinceLastIndexEntry > indexInterval {
		// Full indexes were checked by shouldRoll; errors here would only
		// make the index sparser, never wrong.
		_ = s.offIdx.append(b.LastOffset(), int32(pos))
		_ = s.timeIdx.maybeAppend(s.maxTimestamp.Load(), s.offsetOfMaxTimestamp.Load())
		s.bytesSinceLastIndexEntry = 0
	}
	s.bytesSinceLastIndexEntry += len(b)
}

// batchPosition describes where a batch sits in a segment.
type batchPosition struct {
	pos        int64 // byte position of the batch in the .log file
	size       int64 // batch size in bytes
	baseOffset int64
	lastOffset int64
	maxTS      int64
}

// readHeader reads the batch header at pos, below limit. ok is false when
// fewer than a header's bytes remain or the header is not a plausible batch.
func (s *segment) readHeader(pos, limit int64, hdr []byte) (batchPosition, bool, error) {
	if limit-pos < record.HeaderSize {
		return batchPosition{}, false, nil
	}
	if _, err := s.file.ReadAt(hdr[:record.HeaderSize], pos); err != nil {
		return batchPosition{}, false, fmt.Errorf("storage: read %s at %d: %w", s.file.Name(), pos, err)
	}
	b := record.Batch(hdr)
	size := int64(b.Size())
	if size < record.HeaderSize || pos+size > limit {
		return batchPosition{}, false, nil
	}
	return batchPosition{pos: pos, size: size, baseOffset: b.BaseOffset(), lastOffset: b.LastOffset(), maxTS: b.MaxTimestamp()}, true, nil
}

// translateOffset finds the first batch whose last offset is >= target,
// starting the scan at the offset index's hint. found is false when the
// segment holds no such batch below limit.
func (s *segment) translateOffset(target, limit int64) (batchPosition, bool, error) {
	_, pos := s.offIdx.lookup(target)
	return s.scanFrom(int64(pos), limit, func(bp batchPosition) bool { return bp.lastOffset >= target })
}

// scanFrom walks batch headers from pos and returns the first that stop accepts.
func (s *segment) scanFrom(pos, limit int64, stop func(batchPosition) bool) (batchPosition, bool, error) {
	var hdr [record.HeaderSize]byte
	for {
		bp, ok, err := s.readHeader(pos, limit, hdr[:])
		if err != nil || !ok {
			return batchPosition{}, false, err
		}
		if stop(bp) {
			return bp, true, nil
		}
		pos += bp.size
	}
}

// largestTimestamp is what time-based retention compares: the newest record
// timestamp, or the file's modification time when no batch has a timestamp.
func (s *segment) largestTimestamp() int64 {
	if ts := s.maxTimestamp.Load(); ts >= 0 {
		return ts
	}
	if st, err := s.file.Stat(); err == nil {
		return st.ModTime().UnixMilli()
	}
	return -1
}

// nextOffset is the offset after the segment's last batch, found by scanning
// from the last index entry. It is baseOffset for an empty segment.
func (s *segment) nextOffset() (int64, error) {
	size := s.size.Load()
	pos := int64(0)
	if n := s.offIdx.entries(); n > 0 {
		_, p := s.offIdx.entryAt(n - 1)
		pos = int64(p)
	}
	if pos > size || (pos == size && pos > 0) {
		return 0, fmt.Errorf("%w: %s: last index entry points at %d, past the %d bytes of the log", ErrCorruptIndex, s.file.Name(), pos, size)
	}
	next := s.baseOffset
	var hdr [record.HeaderSize]byte
	for pos < size {
		bp, ok, err := s.readHeader(pos, size, hdr[:])
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("%w: %s: no valid batch at position %d of %d", ErrCorruptIndex, s.file.Name(), pos, size)
		}
		next = bp.lastOffset + 1
		pos += bp.size
	}
	return next, nil
}

// checkIndexes verifies the indexes against the log file, for segments that
// open without a rescan. Index writes are never synced (indexes are rebuilt
// after a crash), so after a crash an index can hold entries that a
// truncation had removed: entries must be in order, and must point inside
// the log. It returns the segment's next offset.
func (s *segment) checkIndexes() (int64, error) {
	if err := errors.Join(s.offIdx.sanityCheck(), s.timeIdx.sanityCheck()); err != nil {
		return 0, err
	}
	next, err := s.nextOffset()
	if err != nil {
		return 0, err
	}
	if _, off := s.timeIdx.lastEntry(); s.timeIdx.entries() > 0 && off >= next {
		return 0, fmt.Errorf("%w: %s: time index entry at offset %d is past the log end %d", ErrCorruptIndex, s.file.Name(), off, next)
	}
	return next, nil
}

// truncateTo removes every batch whose last offset is >= offset (the whole
// batch containing offset goes, as Kafka does) and returns the bytes removed.
func (s *segment) truncateTo(offset int64) (int64, error) {
	size := s.size.Load()
	bp, found, err := s.translateOffset(offset, size)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, nil
	}
	s.offIdx.truncateTo(offset)
	s.timeIdx.truncateTo(offset)
	if err := s.file.Truncate(bp.pos); err != nil {
		return 0, fmt.Errorf("storage: truncate %s to %d: %w", s.file.Name(), bp.pos, err)
	}
	s.size.Store(bp.pos)
	s.dirty.Store(true)
	// The max timestamp may have been in the removed part: recompute it from
	// the surviving batches after the last time index entry.
	ts, off := s.timeIdx.lastEntry()
	s.maxTimestamp.Store(ts)
	s.offsetOfMaxTimestamp.Store(off)
	_, p := s.offIdx.lookup(offset)
	_, _, err = s.scanFrom(int64(p), bp.pos, func(b batchPosition) bool {
		if b.maxTS > s.maxTimestamp.Load() {
			s.maxTimestamp.Store(b.maxTS)
			s.offsetOfMaxTimestamp.Store(b.lastOffset)
		}
		return false
	})
	s.bytesSinceLastIndexEntry = 0
	if bp.pos == 0 {
		s.rollBase = -1
	}
	return size - bp.pos, err
}

// onBecomeInactive is called when the segment stops being the active one (a
// roll, recovery) or the log closes: it records the final max timestamp in
// the time index (so a later open knows it without a scan), trims both
// indexes and makes them durable. Open trusts the indexes of segments below
// the recovery point, and only inactive segments lie wholly below it, so
// this one flush per segment is what keeps that trust safe after a crash.
func (s *segment) onBecomeInactive() error {
	if ts := s.maxTimestamp.Load(); ts >= 0 {
		if err := s.timeIdx.maybeAppend(ts, s.offsetOfMaxTimestamp.Load()); err != nil && !errors.Is(err, ErrIndexFull) {
			return err
		}
	}
	if err := errors.Join(s.offIdx.trimToValidSize(), s.timeIdx.trimToValidSize()); err != nil {
		return err
	}
	return errors.Join(s.offIdx.flush(), s.timeIdx.flush())
}

// sync makes the segment's .log bytes durable. Indexes are not synced: they
// are rebuilt from the log after an unclean shutdown.
func (s *segment) sync() error {
	if !s.dirty.Swap(false) {
		return nil
	}
	if err := s.file.Sync(); err != nil {
		s.dirty.Store(true)
		return fmt.Errorf("storage: fdatasync %s: %w", s.file.Name(), err)
	}
	return nil
}

// close releases the files (the log calls onBecomeInactive first when it
// wants the indexes trimmed).
func (s *segment) close() error {
	err := errors.Join(s.offIdx.close(), s.timeIdx.close(), s.file.Close())
	if err != nil {
		return fmt.Errorf("storage: close segment %d: %w", s.baseOffset, err)
	}
	return nil
}

// markDeleted renames the segment's files to *.deleted; the caller closes and
// removes them after file.delete.delay.ms.
func (s *segment) markDeleted() error {
	logPath, idxPath, timePath := segmentPaths(s.dir, s.baseOffset)
	var errs []error
	if err := s.fsys.Rename(logPath, logPath+deletedSuffix); err != nil {
		errs = append(errs, err)
	}
	if err := s.offIdx.renameTo(s.fsys, idxPath+deletedSuffix); err != nil {
		errs = append(errs, err)
	}
	if err := s.timeIdx.renameTo(s.fsys, timePath+deletedSuffix); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeDeletedFiles closes the segment and removes its *.deleted files.
func (s *segment) removeDeletedFiles() error {
	logPath, idxPath, timePath := segmentPaths(s.dir, s.baseOffset)
	err := s.close()
	for _, p := range []string{logPath, idxPath, timePath} {
		if rerr := s.fsys.Remove(p + deletedSuffix); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	return err
}
