package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/samsa-io/samsa/internal/storage/fileutil"
)

// noMmapFS wraps an FS so that the files it opens do not implement
// fileutil.Mmapper, which forces indexes onto their heap-slice fallback (the
// path a memory FS without mmap takes) while still using real files.
type noMmapFS struct{ fileutil.FS }

// OpenFile hides the Mmapper of the opened file behind noMmapFile.
func (f noMmapFS) OpenFile(name string, flag int, perm fs.FileMode) (fileutil.File, error) {
	file, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noMmapFile{file}, nil
}

// noMmapFile embeds only the File interface, so its method set has no Mmap.
type noMmapFile struct{ fileutil.File }

// fsMode is one way of backing an index in tests: mapped, or heap slice.
type fsMode struct {
	name string
	fsys fileutil.FS
	mmap bool
}

// fsModes lists both index back ends, so every behaviour is tested on each.
func fsModes() []fsMode {
	return []fsMode{
		{name: "mmap", fsys: fileutil.OS(), mmap: true},
		{name: "heap", fsys: noMmapFS{fileutil.OS()}, mmap: false},
	}
}

// forEachFS runs fn as a subtest per back end.
func forEachFS(t *testing.T, fn func(t *testing.T, m fsMode)) {
	t.Helper()
	for _, m := range fsModes() {
		t.Run(m.name, func(t *testing.T) { fn(t, m) })
	}
}

// checkBackend fails the test if the index did not take the expected path,
// so that a test meant for the heap fallback cannot silently test mmap.
func checkBackend(t *testing.T, x *indexFile, m fsMode) {
	t.Helper()
	if got := x.mm != nil; got != m.mmap {
		t.Fatalf("index mapped = %v, want %v", got, m.mmap)
	}
}

// abandon releases an index's mapping and file without trimming or syncing,
// leaving the file as a killed process would (the page cache keeps what was
// written, the preallocated length stays).
func abandon(t *testing.T, x *indexFile) {
	t.Helper()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.mm != nil && len(x.buf) > 0 {
		if err := x.mm.Munmap(x.buf); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.f.Close(); err != nil {
		t.Fatal(err)
	}
	x.closed = true
	x.buf = nil
}

// fileSize returns the on-disk length of path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// indexPath names an index file the way the log does: the 20-digit base
// offset and the extension.
func indexPath(dir string, base int64, ext string) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", base, ext))
}

// checkZeroTail asserts the invariant the crash detection relies on: every
// byte after the published entries is zero, in memory and in the file.
func checkZeroTail(t *testing.T, x *indexFile) {
	t.Helper()
	used := x.entries() * x.entrySize
	for i, b := range x.buf[used:] {
		if b != 0 {
			t.Fatalf("byte %d past the %d entries is %#x, want 0", used+i, x.entries(), b)
		}
	}
	data, err := os.ReadFile(x.path())
	if err != nil {
		t.Fatal(err)
	}
	for i := used; i < len(data); i++ {
		if data[i] != 0 {
			t.Fatalf("file byte %d past the %d entries is %#x, want 0", i, x.entries(), data[i])
		}
	}
}

func TestIndexOpenRejectsTinyWritableIndex(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		dir := t.TempDir()
		if _, err := openOffsetIndex(m.fsys, indexPath(dir, 0, ".index"), 0, 7, true); err == nil {
			t.Fatal("writable offset index smaller than one entry: want error")
		}
		if _, err := openTimeIndex(m.fsys, indexPath(dir, 0, ".timeindex"), 0, 11, true); err == nil {
			t.Fatal("writable time index smaller than one entry: want error")
		}
		// A read-only index needs no room: it only serves what the file holds.
		idx, err := openOffsetIndex(m.fsys, indexPath(dir, 0, ".index"), 0, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if !idx.isFull() || idx.entries() != 0 {
			t.Fatalf("empty read-only index: full=%v entries=%d", idx.isFull(), idx.entries())
		}
		if err := idx.close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIndexPreallocatesAndTrims(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		path := indexPath(t.TempDir(), 0, ".index")
		idx, err := openOffsetIndex(m.fsys, path, 0, 8*100+5, true)
		if err != nil {
			t.Fatal(err)
		}
		checkBackend(t, idx.f, m)
		if got := fileSize(t, path); got != 800 {
			t.Fatalf("preallocated size = %d, want 800 (rounded down to whole entries)", got)
		}
		for k := range 3 {
			if err := idx.append(int64(k+1), int32(k*10)); err != nil {
				t.Fatal(err)
			}
		}
		if err := idx.trimToValidSize(); err != nil {
			t.Fatal(err)
		}
		if got := fileSize(t, path); got != 24 {
			t.Fatalf("trimmed size = %d, want 24", got)
		}
		if !idx.isFull() {
			t.Fatal("a trimmed index must report full until resized")
		}
		if err := idx.append(10, 100); !errors.Is(err, ErrIndexFull) {
			t.Fatalf("append to trimmed index: err = %v, want ErrIndexFull", err)
		}
		if err := idx.resize(8 * 100); err != nil {
			t.Fatal(err)
		}
		if got := fileSize(t, path); got != 800 {
			t.Fatalf("resized size = %d, want 800", got)
		}
		if err := idx.append(10, 100); err != nil {
			t.Fatal(err)
		}
		// resize never drops entries: shrinking below them stops at them.
		if err := idx.resize(0); err != nil {
			t.Fatal(err)
		}
		if got, want := fileSize(t, path), int64(4*8); got != want || idx.entries() != 4 {
			t.Fatalf("resize(0): size %d entries %d, want %d and 4", got, idx.entries(), want)
		}
		if err := idx.flush(); err != nil {
			t.Fatal(err)
		}
		if err := idx.close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIndexClosed(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		dir := t.TempDir()
		oi, err := openOffsetIndex(m.fsys, indexPath(dir, 100, ".index"), 100, 800, true)
		if err != nil {
			t.Fatal(err)
		}
		ti, err := openTimeIndex(m.fsys, indexPath(dir, 100, ".timeindex"), 100, 1200, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := oi.append(105, 10); err != nil {
			t.Fatal(err)
		}
		if err := ti.maybeAppend(1000, 105); err != nil {
			t.Fatal(err)
		}
		for _, c := range []func() error{oi.close, ti.close} {
			if err := c(); err != nil {
				t.Fatal(err)
			}
			if err := c(); err != nil {
				t.Fatalf("second close: %v", err)
			}
		}
		if off, pos := oi.lookup(200); off != 100 || pos != 0 {
			t.Fatalf("lookup after close = (%d, %d), want (100, 0)", off, pos)
		}
		if ts, off := ti.lookup(2000); ts != -1 || off != 100 {
			t.Fatalf("time lookup after close = (%d, %d), want (-1, 100)", ts, off)
		}
		if err := oi.append(106, 20); !errors.Is(err, ErrClosed) {
			t.Fatalf("append after close: %v, want ErrClosed", err)
		}
		if err := ti.maybeAppend(2000, 106); !errors.Is(err, ErrClosed) {
			t.Fatalf("maybeAppend after close: %v, want ErrClosed", err)
		}
		if err := oi.reset(); !errors.Is(err, ErrClosed) {
			t.Fatalf("reset after close: %v, want ErrClosed", err)
		}
		if err := oi.flush(); !errors.Is(err, ErrClosed) {
			t.Fatalf("flush after close: %v, want ErrClosed", err)
		}
	})
}

func TestIndexRename(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		dir := t.TempDir()
		oldPath := indexPath(dir, 0, ".index")
		newPath := oldPath + ".deleted"
		idx, err := openOffsetIndex(m.fsys, oldPath, 0, 800, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.append(5, 50); err != nil {
			t.Fatal(err)
		}
		if err := idx.renameTo(m.fsys, newPath); err != nil {
			t.Fatal(err)
		}
		if idx.path() != newPath {
			t.Fatalf("path() = %q, want %q", idx.path(), newPath)
		}
		if _, err := os.Stat(oldPath); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("old path still exists: %v", err)
		}
		// The open file and mapping follow the rename.
		if err := idx.append(9, 90); err != nil {
			t.Fatal(err)
		}
		if off, pos := idx.lookup(100); off != 9 || pos != 90 {
			t.Fatalf("lookup after rename = (%d, %d), want (9, 90)", off, pos)
		}
		if err := idx.close(); err != nil {
			t.Fatal(err)
		}
		if got := fileSize(t, newPath); got != 16 {
			t.Fatalf("renamed file trimmed to %d, want 16", got)
		}
		// A failed rename leaves the name alone.
		if err := idx.renameTo(m.fsys, filepath.Join(dir, "missing", "x.index")); err == nil {
			t.Fatal("rename into a missing directory: want error")
		}
		if idx.path() != newPath {
			t.Fatalf("path() after failed rename = %q, want %q", idx.path(), newPath)
		}
	})
}

func TestIndexFlushWritesFile(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		path := indexPath(t.TempDir(), 0, ".index")
		idx, err := openOffsetIndex(m.fsys, path, 0, 800, true)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.close()
		if err := idx.append(3, 0x01020304); err != nil {
			t.Fatal(err)
		}
		if err := idx.flush(); err != nil {
			t.Fatal(err)
		}
		if err := idx.flush(); err != nil { // nothing new: still fine
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := []byte{0, 0, 0, 3, 1, 2, 3, 4}
		if string(data[:8]) != string(want) {
			t.Fatalf("file starts % x, want % x (big-endian relative offset, position)", data[:8], want)
		}
	})
}

// TestIndexConcurrentReaders runs lookups against a writer that appends,
// truncates, resets, trims and regrows (remaps) the index. Every entry
// written maps offset to a position (or timestamp) by a fixed function, so
// any torn or misread entry breaks the relation; stale entries do not, which
// is the staleness the indexes allow. Run it with -race: on the heap path the
// race detector checks the publication protocol.
func TestIndexConcurrentReaders(t *testing.T) {
	const (
		base       = int64(5000)
		maxEntries = 2000
		writerOps  = 20000
		readers    = 3
	)
	posOf := func(rel int64) int32 { return int32(rel * 7) }
	tsOf := func(rel int64) int64 { return 1_000_000 + rel*3 }

	forEachFS(t, func(t *testing.T, m fsMode) {
		dir := t.TempDir()
		oi, err := openOffsetIndex(m.fsys, indexPath(dir, base, ".index"), base, maxEntries*8, true)
		if err != nil {
			t.Fatal(err)
		}
		defer oi.close()
		ti, err := openTimeIndex(m.fsys, indexPath(dir, base, ".timeindex"), base, maxEntries*12, true)
		if err != nil {
			t.Fatal(err)
		}
		defer ti.close()

		var done atomic.Bool
		var wg sync.WaitGroup
		for r := range readers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(r), 1))
				for !done.Load() {
					target := base - 5 + rng.Int64N(maxEntries*4+10)
					off, pos := oi.lookup(target)
					if off < base || (off > target && off != base) || pos != posOf(off-base) {
						t.Errorf("offset lookup(%d) = (%d, %d): inconsistent", target, off, pos)
						return
					}
					off, pos = oi.entryAt(rng.IntN(oi.entries() + 1))
					if pos != posOf(off-base) {
						t.Errorf("entryAt gave (%d, %d): inconsistent", off, pos)
						return
					}
					tsTarget := tsOf(target - base)
					ts, toff := ti.lookup(tsTarget)
					if ts == -1 {
						if toff != base {
							t.Errorf("time lookup(%d) = (-1, %d), want base", tsTarget, toff)
							return
						}
					} else if ts > tsTarget || ts != tsOf(toff-base) {
						t.Errorf("time lookup(%d) = (%d, %d): inconsistent", tsTarget, ts, toff)
						return
					}
					if n := oi.entries(); n < 0 || n > maxEntries {
						t.Errorf("entries() = %d", n)
						return
					}
				}
			})
		}

		rng := rand.New(rand.NewPCG(42, 42))
		next := int64(0) // relative offset of the next append
		for op := range writerOps {
			switch {
			case oi.isFull() || ti.isFull() || rng.IntN(300) == 0:
				cut := rng.Int64N(next + 1)
				oi.truncateTo(base + cut)
				ti.truncateTo(base + cut)
				next = cut
				if oi.isFull() || ti.isFull() {
					if err := oi.reset(); err != nil {
						t.Fatal(err)
					}
					if err := ti.reset(); err != nil {
						t.Fatal(err)
					}
					next = 0
				}
			case rng.IntN(1000) == 0:
				// Roll-like trim, then regrow as a truncation into the
				// segment would: both remap under readers.
				for _, err := range []error{oi.trimToValidSize(), ti.trimToValidSize(), oi.resize(maxEntries * 8), ti.resize(maxEntries * 12)} {
					if err != nil {
						t.Fatal(err)
					}
				}
			default:
				if err := oi.append(base+next, posOf(next)); err != nil {
					t.Fatalf("op %d: append(%d): %v", op, base+next, err)
				}
				if err := ti.maybeAppend(tsOf(next), base+next); err != nil {
					t.Fatalf("op %d: maybeAppend(%d): %v", op, base+next, err)
				}
				next += 1 + rng.Int64N(3)
			}
		}
		done.Store(true)
		wg.Wait()
		if err := oi.sanityCheck(); err != nil {
			t.Fatal(err)
		}
		if err := ti.sanityCheck(); err != nil {
			t.Fatal(err)
		}
	})
}
