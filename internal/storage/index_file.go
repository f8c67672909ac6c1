package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// maxEntrySize is the largest entry of any index kind (the time index's 12
// bytes). Readers copy an entry out into an array of this size, so that they
// never hold a slice into memory that a later remap may release.
const maxEntrySize = 12

// warmIndexBytes is the size of the tail of an index that lookups search
// first. Fetches from caught-up consumers and followers, and the writer's own
// lookups, ask for offsets near the end of the active segment. A plain binary
// search over the whole index would start in the middle pages, which those
// readers otherwise never touch, so after the page cache evicts them every
// lookup would pay a page fault. Searching the last 8 KiB (two pages) first
// keeps the hot lookups within pages that stay resident. Kafka does the same.
const warmIndexBytes = 8192

// entry is a copy of one index entry's bytes; only the first entrySize bytes
// are meaningful.
type entry [maxEntrySize]byte

// keyFunc extracts the sort key (a relative offset or a timestamp) from the
// bytes of one entry. Index kinds pass plain, non-capturing functions so that
// searches do not allocate.
type keyFunc func(e []byte) int64

// indexFile is the storage shared by the offset and time indexes: a file of
// fixed-size entries, preallocated to its maximum size while its segment is
// active, mapped into memory when the file supports it (fileutil.Mmapper) or
// else read into a heap slice whose appends are also written through to the
// file. offsetIndex and timeIndex only encode, decode and validate entries.
//
// Concurrency. There is one writer: the log calls append, truncate, reset,
// resize, trim, rename and close with its mutex held. Readers (fetch, list
// offsets) call lookups and entries() without the log lock, so:
//
//   - The entry count n is an atomic. append writes an entry's bytes first
//     and publishes the new count after, and readers load n once and read
//     only entries below it; a reader therefore never sees a half-written
//     entry, and appends take no lock at all (the slot being written is one no
//     reader looks at).
//   - mu guards the layout (buf, the file length, the name, closed). Readers
//     hold it shared for the length of one search. The writer takes it
//     exclusively only for operations that change bytes a reader may be
//     looking at or move the memory itself: truncation and reset (which zero
//     dropped entries), resize and trim (which remap), rename and close. So a
//     remap or unmap can never pull memory from under a reader, and the
//     memory race detector sees no conflicting accesses on the heap path.
//   - A lookup's answer is consistent with the index at one instant, but can
//     be stale as soon as it returns: a truncation may drop the entry it
//     found right after, and later appends may put different batches at its
//     position. That is acceptable because an entry is only a hint of where
//     to start scanning the .log file: a reader racing a truncation must
//     re-validate whatever it reads from the log anyway (batch offsets
//     against the target, the log end offset it started from), and the same
//     check covers a stale index answer.
//
// mu is a leaf lock: nothing is called with it held that takes another lock.
type indexFile struct {
	entrySize int
	// maxBytes is the configured maximum size rounded down to whole entries;
	// reset grows the file back to it.
	maxBytes int

	// n is the number of published entries (see the type comment).
	n atomic.Int64
	// slots is how many entries the current file length holds; the writer
	// sets it under mu, anyone may read it to answer isFull.
	slots atomic.Int64
	// sizeDirty records that the file length changed since the last flush, so
	// flush (and close) must fdatasync even on the mmap path, where msync
	// covers only the mapped bytes.
	sizeDirty atomic.Bool

	mu sync.RWMutex
	f  fileutil.File
	// mm is f's Mmapper, or nil when entries live in a heap slice.
	mm fileutil.Mmapper
	// buf holds the entries: the mapping of the first len(buf) bytes of the
	// file, or a heap copy of them. len(buf) is a whole number of entries.
	// Every byte past the published entries is zero (the file was extended
	// with zeros and truncation zeroes what it drops), which is what lets
	// sanity checks see where valid entries end after a crash.
	buf []byte
	// fileLen is the file's length as last set by us (or found at open).
	fileLen int64
	name    string
	// tornTail records that the file's length at open was not a whole number
	// of entries, which no clean write produces.
	tornTail bool
	closed   bool
}

// openIndexFile opens or creates the index file at path. Existing entries
// are counted from the file length (a cleanly closed index was trimmed to
// exactly its entries; after a crash the count includes the zero-filled
// preallocated tail, which sanity checks detect). A writable index is then
// grown to maxIndexBytes so that appends never extend the file; a read-only
// one (a sealed segment's) is left at its length until resize or reset.
//
// The file is opened read-write in both cases because the Mmapper contract
// maps read-write; writable=false only means that nothing grows or writes
// the file until the caller resizes it.
func openIndexFile(fsys fileutil.FS, path string, entrySize, maxIndexBytes int, writable bool) (*indexFile, error) {
	maxBytes := max(maxIndexBytes, 0) / entrySize * entrySize
	if writable && maxBytes < entrySize {
		return nil, fmt.Errorf("storage: index %s: max index size %d is smaller than one %d-byte entry", path, maxIndexBytes, entrySize)
	}
	f, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	size := st.Size()
	x := &indexFile{
		entrySize: entrySize,
		maxBytes:  maxBytes,
		f:         f,
		fileLen:   size,
		name:      path,
		tornTail:  size%int64(entrySize) != 0,
	}
	if mm, ok := f.(fileutil.Mmapper); ok {
		x.mm = mm
	}
	used := int(size / int64(entrySize) * int64(entrySize))
	length := used
	if writable {
		length = max(used, maxBytes)
		if int64(length) != size {
			if err := x.truncateFile(length); err != nil {
				f.Close()
				return nil, err
			}
		}
	}
	if err := x.load(length, used); err != nil {
		f.Close()
		return nil, err
	}
	x.n.Store(int64(used / entrySize))
	return x, nil
}

// load makes the first length bytes of the file available in buf at open:
// mapped, or read into a heap slice. Only the first used bytes can be
// non-zero, so only they are read.
func (x *indexFile) load(length, used int) error {
	if x.mm != nil {
		return x.remap(length)
	}
	// The heap slice gets the full preallocated capacity now, so that appends
	// never reallocate it.
	buf := make([]byte, length)
	if used > 0 {
		if _, err := x.f.ReadAt(buf[:used], 0); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	x.buf = buf
	x.slots.Store(int64(length / x.entrySize))
	return nil
}

// remap replaces the mapping with one of the first length bytes of the file.
// The new mapping is made before the old one is released, so that a failure
// leaves the index as it was. Callers hold mu exclusively (or own x alone).
func (x *indexFile) remap(length int) error {
	var buf []byte
	if length > 0 {
		var err error
		if buf, err = x.mm.Mmap(length); err != nil {
			return err
		}
	}
	old := x.buf
	x.buf = buf
	x.slots.Store(int64(length / x.entrySize))
	if len(old) > 0 {
		return x.mm.Munmap(old)
	}
	return nil
}

// truncateFile sets the file length and remembers that it must be synced.
func (x *indexFile) truncateFile(length int) error {
	if err := x.f.Truncate(int64(length)); err != nil {
		return err
	}
	x.fileLen = int64(length)
	x.sizeDirty.Store(true)
	return nil
}

// entries is the number of published entries. Safe without any lock.
func (x *indexFile) entries() int { return int(x.n.Load()) }

// isFull reports that no slot is left for another entry. Safe without any
// lock.
func (x *indexFile) isFull() bool { return x.n.Load() >= x.slots.Load() }

// capacity is how many entries the current file length holds.
func (x *indexFile) capacity() int { return int(x.slots.Load()) }

// sizeInBytes is the size of the valid entries, which is what the file will
// be trimmed to; the preallocated tail is not counted.
func (x *indexFile) sizeInBytes() int { return x.entries() * x.entrySize }

// path is the file's current name (it changes with renameTo).
func (x *indexFile) path() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.name
}

// appendEntry writes e (entrySize bytes) after the last entry and then
// publishes it. Writer only; it takes no lock, because the slot it writes is
// past the count every reader loaded and the buffer cannot move while the
// writer is here (only the writer remaps). On the heap path the entry is also
// written to the file, at the same place the mapping would have put it, so
// both paths leave identical files.
func (x *indexFile) appendEntry(e []byte) error {
	if x.closed {
		return ErrClosed
	}
	n := x.n.Load()
	off := int(n) * x.entrySize
	if off+x.entrySize > len(x.buf) {
		return fmt.Errorf("%w: %s holds %d entries", ErrIndexFull, x.name, n)
	}
	slot := x.buf[off : off+x.entrySize]
	copy(slot, e)
	if x.mm == nil {
		if _, err := x.f.WriteAt(slot, int64(off)); err != nil {
			clear(slot) // keep the zero-past-the-end invariant
			return err
		}
	}
	x.n.Store(n + 1) // publish only after the bytes are in place
	return nil
}

// at returns a copy of entry i, or ok=false when i is not a published entry
// (for example because a truncation just dropped it). Safe for readers.
func (x *indexFile) at(i int) (e entry, ok bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if i < 0 || int64(i) >= x.n.Load() {
		return e, false
	}
	copy(e[:], x.buf[i*x.entrySize:(i+1)*x.entrySize])
	return e, true
}

// last returns a copy of the last entry, or ok=false when there is none.
func (x *indexFile) last() (e entry, ok bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := int(x.n.Load())
	if n == 0 {
		return e, false
	}
	copy(e[:], x.buf[(n-1)*x.entrySize:n*x.entrySize])
	return e, true
}

// floor returns a copy of the entry with the largest key <= target, or
// ok=false when every entry's key is greater (or there are none). Keys must
// be non-decreasing. Safe for readers.
func (x *indexFile) floor(target int64, key keyFunc) (e entry, ok bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := int(x.n.Load())
	i := countLE(x.buf, n, x.entrySize, target, key) - 1
	if i < 0 {
		return e, false
	}
	copy(e[:], x.buf[i*x.entrySize:(i+1)*x.entrySize])
	return e, true
}

// countLE returns how many of the first n entries of buf have key <= target,
// given non-decreasing keys; that is the index of the first entry above
// target. It looks at the warm tail first (see warmIndexBytes) and binary
// searches the rest only for targets older than the tail.
func countLE(buf []byte, n, entrySize int, target int64, key keyFunc) int {
	// Invariant: entries below lo have key <= target, entries at or after hi
	// have key > target.
	lo, hi := 0, n
	if w := n - warmIndexBytes/entrySize; w > 0 {
		if key(buf[w*entrySize:]) <= target {
			lo = w + 1
		} else {
			hi = w
		}
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key(buf[m*entrySize:]) <= target {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// truncateAbove drops every entry whose key is greater than target (keys
// must be non-decreasing). Writer only.
func (x *indexFile) truncateAbove(target int64, key keyFunc) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.truncateEntriesLocked(countLE(x.buf, int(x.n.Load()), x.entrySize, target, key))
}

// truncateEntriesLocked keeps the first k entries. The dropped entries are
// zeroed so that, if the process dies before the file is trimmed, the file
// reads as valid entries followed by zeros, which sanity checks reject,
// rather than as plausible stale entries for log data that no longer exists.
// On the heap path zeroing the file is best effort (the in-memory state is
// what readers use, and a crash is caught by recovery either way), which is
// why truncation has no error to report. Callers hold mu exclusively.
func (x *indexFile) truncateEntriesLocked(k int) {
	n := int(x.n.Load())
	if k >= n {
		return
	}
	dropped := x.buf[k*x.entrySize : n*x.entrySize]
	clear(dropped)
	if x.mm == nil && !x.closed {
		_, _ = x.f.WriteAt(dropped, int64(k*x.entrySize))
	}
	x.n.Store(int64(k))
}

// reset drops every entry and grows the file back to the configured maximum,
// ready for a rebuild from the log (which appends every entry again). Writer
// only.
//
// The entries are zeroed by cutting the file to nothing and growing it back
// (the kernel supplies the zeros), not by clearing them as truncation does:
// recovery resets the indexes found after a crash, whose entry count then
// includes the whole zero-filled preallocated tail, and clearing that
// through the mapping would fault in and dirty every page of it (20 MiB of
// writes per partition with the default segment.index.bytes). A crash
// between the two steps leaves an empty or an all-zero file: an empty index
// either way.
func (x *indexFile) reset() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	if x.mm == nil {
		// The heap copy is reused when the file grows back (reslice):
		// it must hold zeros past the entries.
		clear(x.buf[:int(x.n.Load())*x.entrySize])
	}
	x.n.Store(0)
	if err := x.resizeLocked(0); err != nil {
		return err
	}
	return x.resizeLocked(x.maxBytes)
}

// resize sets the file length to newBytes rounded down to whole entries, but
// never below the valid entries (only truncation drops entries). The log
// grows a sealed segment's index with it when truncation makes that segment
// active again. Writer only.
func (x *indexFile) resize(newBytes int) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	return x.resizeLocked(newBytes)
}

// resizeLocked implements resize. It orders the steps so that the mapping is
// always backed by the file: grow the file before mapping more of it, and
// shrink it only after the mapping no longer covers the cut. Callers hold mu
// exclusively.
func (x *indexFile) resizeLocked(newBytes int) error {
	used := int(x.n.Load()) * x.entrySize
	length := max(newBytes/x.entrySize*x.entrySize, used)
	if int64(length) > x.fileLen {
		if err := x.truncateFile(length); err != nil {
			return err
		}
	}
	if length != len(x.buf) {
		if x.mm != nil {
			if err := x.remap(length); err != nil {
				return err
			}
		} else {
			x.reslice(length)
		}
	}
	if int64(length) < x.fileLen {
		return x.truncateFile(length)
	}
	return nil
}

// reslice changes the heap buffer's length. Within its capacity it only
// reslices (the bytes past the entries are zero by invariant); beyond it, it
// allocates and copies, which is safe because readers touch buf only under
// mu, which the caller holds exclusively.
func (x *indexFile) reslice(length int) {
	if length <= cap(x.buf) {
		x.buf = x.buf[:length]
	} else {
		buf := make([]byte, length)
		copy(buf, x.buf[:int(x.n.Load())*x.entrySize])
		x.buf = buf
	}
	x.slots.Store(int64(length / x.entrySize))
}

// trimToValidSize shrinks the file to exactly its entries, so that a reopen
// counts the entries from the length. The log calls it when a segment rolls
// (the index is sealed) and on close. Afterwards the index is full until it
// is resized. Writer only.
func (x *indexFile) trimToValidSize() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return ErrClosed
	}
	return x.resizeLocked(0)
}

// flush makes the entries durable: msync on the mapping (the Mmapper
// contract: stores into a mapping are durable only after it), then fdatasync
// when the heap path wrote through the file or the file length changed since
// the last flush. May run concurrently with the writer's appends; an entry
// published during the flush may or may not be covered.
func (x *indexFile) flush() error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return ErrClosed
	}
	if x.mm != nil {
		if used := int(x.n.Load()) * x.entrySize; used > 0 {
			if err := x.mm.Msync(x.buf[:used]); err != nil {
				return err
			}
		}
		if !x.sizeDirty.Load() {
			return nil
		}
	}
	x.sizeDirty.Store(false)
	if err := x.f.Sync(); err != nil {
		x.sizeDirty.Store(true)
		return err
	}
	return nil
}

// close trims the file to its entries, releases the mapping and closes the
// file. When the length changed since the last flush (the trim of an active
// index) it also syncs, so that a clean shutdown's index is found trimmed,
// not preallocated, after a later power cut; a sealed index, already
// trimmed, closes without an fsync. Later lookups see an empty index and appends fail with ErrClosed.
// Writer only; closing twice is a no-op.
func (x *indexFile) close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	var errs []error
	if err := x.resizeLocked(0); err != nil {
		errs = append(errs, err)
	}
	if x.sizeDirty.Load() {
		if err := x.f.Sync(); err != nil {
			errs = append(errs, err)
		}
	}
	if x.mm != nil && len(x.buf) > 0 {
		if err := x.mm.Munmap(x.buf); err != nil {
			errs = append(errs, err)
		}
	}
	if err := x.f.Close(); err != nil {
		errs = append(errs, err)
	}
	x.closed = true
	x.buf = nil
	x.n.Store(0)
	x.slots.Store(0)
	return errors.Join(errs...)
}

// renameTo renames the file, for example to its ".deleted" name before
// asynchronous deletion. The open file and mapping stay valid across the
// rename. Making the rename durable (SyncDir) is the caller's job, as it
// renames a segment's files together. Writer only.
func (x *indexFile) renameTo(fsys fileutil.FS, newPath string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := fsys.Rename(x.name, newPath); err != nil {
		return err
	}
	x.name = newPath
	return nil
}

// sanityCheck runs valid over each pair of consecutive entries (prev is nil
// for the first) and rejects a file whose length at open was not a whole
// number of entries. It reports ErrCorruptIndex; valid explains the
// violation. Safe for readers; the log runs it when it opens a segment whose
// index it did not just rebuild.
func (x *indexFile) sanityCheck(valid func(i int, prev, cur []byte) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.tornTail {
		return fmt.Errorf("%w: %s: length is not a multiple of the %d-byte entry size", ErrCorruptIndex, x.name, x.entrySize)
	}
	n := int(x.n.Load())
	var prev []byte
	for i := range n {
		cur := x.buf[i*x.entrySize : (i+1)*x.entrySize]
		if err := valid(i, prev, cur); err != nil {
			return fmt.Errorf("%w: %s: entry %d of %d: %v", ErrCorruptIndex, x.name, i, n, err)
		}
		prev = cur
	}
	return nil
}
