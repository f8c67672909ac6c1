package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// timeIndexEntrySize is the size of one .timeindex entry: an 8-byte
// timestamp and a 4-byte relative offset, both big-endian (Kafka's layout,
// see docs/format/time-index.md).
const timeIndexEntrySize = 12

// noTimestamp is the timestamp of "no entry" answers, Kafka's
// RecordBatch.NO_TIMESTAMP. Real timestamps are >= 0.
const noTimestamp = -1

// timeIndex is a segment's sparse time index (<base offset>.timeindex): it
// maps timestamps to offsets, for ListOffsets by timestamp and for time-based
// retention (the last entry is the segment's largest timestamp once the
// segment is sealed).
//
// It is monotonic: an entry is added only when its timestamp is above the
// last entry's, so timestamps are strictly increasing while offsets are
// non-decreasing. A lookup therefore finds the first offset that may hold a
// record at or after a timestamp by binary search, and the log scans from
// there.
//
// Concurrency is that of indexFile (see offsetIndex): one writer under the
// log's mutex (maybeAppend, truncateTo, reset, resize, trimToValidSize,
// renameTo, close), and readers outside it whose answers may be stale and
// are re-validated against the log.
type timeIndex struct {
	baseOffset int64
	f          *indexFile
}

// openTimeIndex opens or creates the time index at path for the segment
// starting at baseOffset, with the same file handling as openOffsetIndex
// (entries = length / 12; writable preallocates to maxIndexBytes rounded
// down to whole entries).
func openTimeIndex(fsys fileutil.FS, path string, baseOffset int64, maxIndexBytes int, writable bool) (*timeIndex, error) {
	f, err := openIndexFile(fsys, path, timeIndexEntrySize, maxIndexBytes, writable)
	if err != nil {
		return nil, err
	}
	return &timeIndex{baseOffset: baseOffset, f: f}, nil
}

// timeIndexTimestampKey is the lookup key of a time index entry.
func timeIndexTimestampKey(e []byte) int64 { return int64(binary.BigEndian.Uint64(e)) }

// timeIndexOffsetKey is the truncation key of a time index entry: its
// relative offset.
func timeIndexOffsetKey(e []byte) int64 { return int64(binary.BigEndian.Uint32(e[8:])) }

// decode turns an entry's bytes into a timestamp and an absolute offset.
func (t *timeIndex) decode(e []byte) (timestamp, offset int64) {
	return int64(binary.BigEndian.Uint64(e[0:8])), t.baseOffset + int64(binary.BigEndian.Uint32(e[8:12]))
}

// maybeAppend records that the batch ending at offset reached timestamp,
// if timestamp is above the last entry's (or, for an empty index, is a real
// timestamp, >= 0); otherwise it does nothing and returns nil, which keeps
// the index monotonic as Kafka's is. offset must not be below the last
// entry's offset and must be within 2^32-1 of the base offset
// (ErrInvalidOffset). With no slot left it returns ErrIndexFull. Writer only.
//
// The last slot is reserved as in Kafka: isFull reports full one entry early,
// so a log that rolls when isFull says so can still record the segment's
// largest timestamp in the last slot when it seals the segment.
func (t *timeIndex) maybeAppend(timestamp, offset int64) error {
	rel := offset - t.baseOffset
	if rel < 0 || rel > math.MaxUint32 {
		return fmt.Errorf("%w: offset %d is not within 2^32-1 of base offset %d of %s", ErrInvalidOffset, offset, t.baseOffset, t.f.name)
	}
	lastTs, lastOff := t.lastEntry()
	if offset < lastOff {
		return fmt.Errorf("%w: offset %d is below last indexed offset %d in %s", ErrInvalidOffset, offset, lastOff, t.f.name)
	}
	if timestamp <= lastTs {
		return nil
	}
	var e [timeIndexEntrySize]byte
	binary.BigEndian.PutUint64(e[0:8], uint64(timestamp))
	binary.BigEndian.PutUint32(e[8:12], uint32(rel))
	return t.f.appendEntry(e[:])
}

// lookup returns the entry with the largest timestamp <= target; the log
// scans from its offset for the first batch whose max timestamp reaches
// target. With no such entry it returns (-1, baseOffset): scan the segment
// from its start.
func (t *timeIndex) lookup(target int64) (timestamp, offset int64) {
	e, ok := t.f.floor(target, timeIndexTimestampKey)
	if !ok {
		return noTimestamp, t.baseOffset
	}
	return t.decode(e[:])
}

// lastEntry is the entry with the largest timestamp, or (-1, baseOffset)
// when the index is empty.
func (t *timeIndex) lastEntry() (timestamp, offset int64) {
	e, ok := t.f.last()
	if !ok {
		return noTimestamp, t.baseOffset
	}
	return t.decode(e[:])
}

// entries is the number of entries.
func (t *timeIndex) entries() int { return t.f.entries() }

// isFull reports that at most the reserved last slot is left (see
// maybeAppend); the log rolls the segment when it is true.
func (t *timeIndex) isFull() bool { return t.f.entries() >= t.f.capacity()-1 }

// truncateTo drops the entries with offset >= offset, along with the log.
// Writer only.
func (t *timeIndex) truncateTo(offset int64) {
	rel := offset - t.baseOffset
	if rel > math.MaxUint32 {
		return // every entry is below offset
	}
	t.f.truncateAbove(rel-1, timeIndexOffsetKey)
}

// reset drops every entry and grows the file back to its configured maximum,
// for a rebuild from the log. Writer only. It returns an error for the
// reason offsetIndex.reset does.
func (t *timeIndex) reset() error { return t.f.reset() }

// sanityCheck reports ErrCorruptIndex unless the file is a whole number of
// entries with non-negative, strictly increasing timestamps and
// non-decreasing offsets. The zero entries a crash leaves in the
// preallocated tail break the timestamp order, so the log rebuilds the index.
func (t *timeIndex) sanityCheck() error {
	return t.f.sanityCheck(func(_ int, prev, cur []byte) error {
		ts := timeIndexTimestampKey(cur)
		if ts < 0 {
			return fmt.Errorf("timestamp %d is negative", ts)
		}
		if prev == nil {
			return nil
		}
		if pts := timeIndexTimestampKey(prev); ts <= pts {
			return fmt.Errorf("timestamp %d is not above the previous %d", ts, pts)
		}
		if po, co := timeIndexOffsetKey(prev), timeIndexOffsetKey(cur); co < po {
			return fmt.Errorf("relative offset %d is below the previous %d", co, po)
		}
		return nil
	})
}

// flush makes the entries durable (msync or fdatasync).
func (t *timeIndex) flush() error { return t.f.flush() }

// trimToValidSize shrinks the file to its entries, on roll and on close.
func (t *timeIndex) trimToValidSize() error { return t.f.trimToValidSize() }

// close trims the file, releases the mapping and closes the file.
func (t *timeIndex) close() error { return t.f.close() }

// resize sets the file length (rounded down to whole entries, never below
// the entries), as offsetIndex.resize does.
func (t *timeIndex) resize(maxIndexBytes int) error { return t.f.resize(maxIndexBytes) }

// sizeInBytes is the size of the entries (the trimmed file size).
func (t *timeIndex) sizeInBytes() int { return t.f.sizeInBytes() }

// path is the file's current name.
func (t *timeIndex) path() string { return t.f.path() }

// renameTo renames the file (for example to its .deleted name).
func (t *timeIndex) renameTo(fsys fileutil.FS, newPath string) error {
	return t.f.renameTo(fsys, newPath)
}
