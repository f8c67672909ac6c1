package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// offsetIndexEntrySize is the size of one .index entry: a 4-byte relative
// offset and a 4-byte file position, both big-endian (Kafka's layout, see
// docs/format/offset-index.md).
const offsetIndexEntrySize = 8

// offsetIndex is a segment's sparse offset index (<base offset>.index): it
// maps offsets to byte positions of batches in the segment's .log file, so
// that a read can start scanning near the batch it wants instead of at the
// start of the segment. The log adds an entry after every index.interval.bytes
// of appended data, so the index stays small enough to be kept mapped.
//
// Offsets are stored relative to the segment's base offset, which is why a
// segment must roll before an offset more than 2^32-1 past its base. Entry
// offsets are strictly increasing and positions non-decreasing.
//
// Concurrency is that of indexFile: one writer under the log's mutex
// (append, truncateTo, reset, resize, trimToValidSize, renameTo, close) and
// any number of readers that do not hold the log's lock (lookup, entryAt,
// entries, lastOffset, isFull, sizeInBytes, path, sanityCheck, flush); they
// take only the index's own shared lock for the length of one search. A
// reader's answer can be stale by the time it uses it; entries are only
// hints where to start scanning the log, and the scan re-validates them.
type offsetIndex struct {
	baseOffset int64
	f          *indexFile
}

// openOffsetIndex opens or creates the offset index at path for the segment
// starting at baseOffset. The entries are those in the file (its length
// divided by 8). writable preallocates the file to maxIndexBytes (rounded
// down to whole entries) for the active segment; a sealed segment's index is
// opened with writable=false, at its trimmed size, and is full until resized.
// Call sanityCheck before trusting the entries of a file that may not have
// been closed cleanly.
func openOffsetIndex(fsys fileutil.FS, path string, baseOffset int64, maxIndexBytes int, writable bool) (*offsetIndex, error) {
	f, err := openIndexFile(fsys, path, offsetIndexEntrySize, maxIndexBytes, writable)
	if err != nil {
		return nil, err
	}
	return &offsetIndex{baseOffset: baseOffset, f: f}, nil
}

// offsetIndexKey is the search key of an offset index entry: its relative
// offset.
func offsetIndexKey(e []byte) int64 { return int64(binary.BigEndian.Uint32(e)) }

// decode turns an entry's bytes into an absolute offset and a position.
func (i *offsetIndex) decode(e []byte) (offset int64, position int32) {
	return i.baseOffset + int64(binary.BigEndian.Uint32(e[0:4])), int32(binary.BigEndian.Uint32(e[4:8]))
}

// append adds an entry mapping offset to the batch at position in the .log
// file. offset must be above the last entry's offset (equal is invalid too:
// an offset has one position), within 2^32-1 of the base offset, and
// position must not go backwards; violations return ErrInvalidOffset. A full
// index returns ErrIndexFull, the signal to roll the segment. Writer only.
func (i *offsetIndex) append(offset int64, position int32) error {
	rel := offset - i.baseOffset
	if rel < 0 || rel > math.MaxUint32 {
		return fmt.Errorf("%w: offset %d is not within 2^32-1 of base offset %d of %s", ErrInvalidOffset, offset, i.baseOffset, i.f.name)
	}
	if position < 0 {
		return fmt.Errorf("%w: negative position %d for offset %d in %s", ErrInvalidOffset, position, offset, i.f.name)
	}
	if e, ok := i.f.last(); ok {
		lastOff, lastPos := i.decode(e[:])
		if offset <= lastOff {
			return fmt.Errorf("%w: offset %d is not above last indexed offset %d in %s", ErrInvalidOffset, offset, lastOff, i.f.name)
		}
		if position < lastPos {
			return fmt.Errorf("%w: position %d is below last indexed position %d in %s", ErrInvalidOffset, position, lastPos, i.f.name)
		}
	}
	var e [offsetIndexEntrySize]byte
	binary.BigEndian.PutUint32(e[0:4], uint32(rel))
	binary.BigEndian.PutUint32(e[4:8], uint32(position))
	return i.f.appendEntry(e[:])
}

// lookup returns the entry with the largest offset <= target: where a read
// of target starts scanning. With no such entry (target below the first
// entry, or an empty index) it returns (baseOffset, 0), the start of the
// segment, which is always a safe place to scan from.
func (i *offsetIndex) lookup(target int64) (offset int64, position int32) {
	rel := target - i.baseOffset
	if rel < 0 {
		return i.baseOffset, 0
	}
	e, ok := i.f.floor(rel, offsetIndexKey)
	if !ok {
		return i.baseOffset, 0
	}
	return i.decode(e[:])
}

// entryAt returns entry n. An n outside [0, entries()) (possibly because a
// truncation just ran) yields (baseOffset, 0), the same safe answer lookup
// gives when nothing is indexed, rather than a panic in a reader.
func (i *offsetIndex) entryAt(n int) (offset int64, position int32) {
	e, ok := i.f.at(n)
	if !ok {
		return i.baseOffset, 0
	}
	return i.decode(e[:])
}

// entries is the number of entries.
func (i *offsetIndex) entries() int { return i.f.entries() }

// isFull reports that append would return ErrIndexFull; the log checks it to
// roll the segment before appending.
func (i *offsetIndex) isFull() bool { return i.f.isFull() }

// lastOffset is the offset of the last entry, or the base offset when the
// index is empty.
func (i *offsetIndex) lastOffset() int64 {
	e, ok := i.f.last()
	if !ok {
		return i.baseOffset
	}
	off, _ := i.decode(e[:])
	return off
}

// truncateTo drops the entries with offset >= offset, when the log truncates
// (follower divergence, or recovery stopping at a corrupt batch). Writer only.
func (i *offsetIndex) truncateTo(offset int64) {
	rel := offset - i.baseOffset
	if rel > math.MaxUint32 {
		return // every entry is below offset
	}
	i.f.truncateAbove(rel-1, offsetIndexKey)
}

// reset drops every entry and grows the file back to its configured maximum,
// for a rebuild from the log. Writer only.
//
// It returns an error (the brief's signature had none) because growing the
// file is I/O that can fail; a call used as a statement still compiles.
func (i *offsetIndex) reset() error { return i.f.reset() }

// sanityCheck reports ErrCorruptIndex unless the file is a whole number of
// entries with strictly increasing offsets and non-decreasing, non-negative
// positions. After a crash the file is still at its preallocated length, and
// the zero entries after the real ones break the ordering, so the log learns
// to rebuild the index. Indexes carry no checksum; this is the only check.
func (i *offsetIndex) sanityCheck() error {
	return i.f.sanityCheck(func(_ int, prev, cur []byte) error {
		if int32(binary.BigEndian.Uint32(cur[4:8])) < 0 {
			return fmt.Errorf("position %d is negative", binary.BigEndian.Uint32(cur[4:8]))
		}
		if prev == nil {
			return nil
		}
		if po, co := offsetIndexKey(prev), offsetIndexKey(cur); co <= po {
			return fmt.Errorf("relative offset %d is not above the previous %d", co, po)
		}
		if pp, cp := binary.BigEndian.Uint32(prev[4:8]), binary.BigEndian.Uint32(cur[4:8]); cp < pp {
			return fmt.Errorf("position %d is below the previous %d", cp, pp)
		}
		return nil
	})
}

// flush makes the entries durable (msync or fdatasync).
func (i *offsetIndex) flush() error { return i.f.flush() }

// trimToValidSize shrinks the file to its entries, on roll and on close.
func (i *offsetIndex) trimToValidSize() error { return i.f.trimToValidSize() }

// close trims the file, releases the mapping and closes the file.
func (i *offsetIndex) close() error { return i.f.close() }

// resize sets the file length (rounded down to whole entries, never below
// the entries); the log grows a sealed index with it when truncation makes
// its segment active again.
func (i *offsetIndex) resize(maxIndexBytes int) error { return i.f.resize(maxIndexBytes) }

// sizeInBytes is the size of the entries (the trimmed file size).
func (i *offsetIndex) sizeInBytes() int { return i.f.sizeInBytes() }

// path is the file's current name.
func (i *offsetIndex) path() string { return i.f.path() }

// renameTo renames the file (for example to its .deleted name).
func (i *offsetIndex) renameTo(fsys fileutil.FS, newPath string) error {
	return i.f.renameTo(fsys, newPath)
}
