package storage

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// offsetEntry is one expected offset index entry.
type offsetEntry struct {
	offset   int64
	position int32
}

// newOffsetIndex opens a writable offset index in a fresh directory and
// appends entries.
func newOffsetIndex(t *testing.T, m fsMode, base int64, maxIndexBytes int, entries ...offsetEntry) *offsetIndex {
	t.Helper()
	idx, err := openOffsetIndex(m.fsys, indexPath(t.TempDir(), base, ".index"), base, maxIndexBytes, true)
	if err != nil {
		t.Fatal(err)
	}
	checkBackend(t, idx.f, m)
	t.Cleanup(func() { idx.close() })
	for _, e := range entries {
		if err := idx.append(e.offset, e.position); err != nil {
			t.Fatalf("append(%d, %d): %v", e.offset, e.position, err)
		}
	}
	return idx
}

// offsetEntries reads every entry back through entryAt.
func offsetEntries(idx *offsetIndex) []offsetEntry {
	var out []offsetEntry
	for n := range idx.entries() {
		off, pos := idx.entryAt(n)
		out = append(out, offsetEntry{off, pos})
	}
	return out
}

// equalOffsetEntries compares entry lists, treating nil and empty alike.
func equalOffsetEntries(a, b []offsetEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sampleOffsetEntries is a small index for base offset 1000.
var sampleOffsetEntries = []offsetEntry{{1005, 100}, {1010, 200}, {1020, 300}, {1030, 400}}

func TestOffsetIndexLookup(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		empty := newOffsetIndex(t, m, 1000, 1024)
		full := newOffsetIndex(t, m, 1000, 1024, sampleOffsetEntries...)
		tests := []struct {
			name    string
			idx     *offsetIndex
			target  int64
			wantOff int64
			wantPos int32
		}{
			{"empty index", empty, 1500, 1000, 0},
			{"below base offset", full, 3, 1000, 0},
			{"at base offset", full, 1000, 1000, 0},
			{"before first entry", full, 1004, 1000, 0},
			{"exact first entry", full, 1005, 1005, 100},
			{"between entries", full, 1015, 1010, 200},
			{"just below an entry", full, 1029, 1020, 300},
			{"exact last entry", full, 1030, 1030, 400},
			{"after last entry", full, 1031, 1030, 400},
			{"far beyond relative range", full, 1000 + 1<<40, 1030, 400},
			{"max int64", full, math.MaxInt64, 1030, 400},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				off, pos := tt.idx.lookup(tt.target)
				if off != tt.wantOff || pos != tt.wantPos {
					t.Fatalf("lookup(%d) = (%d, %d), want (%d, %d)", tt.target, off, pos, tt.wantOff, tt.wantPos)
				}
			})
		}
		if got := empty.lastOffset(); got != 1000 {
			t.Fatalf("empty lastOffset = %d, want base 1000", got)
		}
		if got := full.lastOffset(); got != 1030 {
			t.Fatalf("lastOffset = %d, want 1030", got)
		}
		if got := full.sizeInBytes(); got != 32 {
			t.Fatalf("sizeInBytes = %d, want 32", got)
		}
		if off, pos := full.entryAt(-1); off != 1000 || pos != 0 {
			t.Fatalf("entryAt(-1) = (%d, %d), want (1000, 0)", off, pos)
		}
		if off, pos := full.entryAt(4); off != 1000 || pos != 0 {
			t.Fatalf("entryAt(4) = (%d, %d), want (1000, 0)", off, pos)
		}
	})
}

// TestOffsetIndexLookupMatchesScan checks lookup against a linear scan on an
// index big enough to have a warm tail and a cold head.
func TestOffsetIndexLookupMatchesScan(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		const base, n = int64(1 << 33), 5000
		idx := newOffsetIndex(t, m, base, n*8)
		rng := rand.New(rand.NewPCG(1, 2))
		var want []offsetEntry
		off, pos := base, int32(0)
		for range n {
			off += 1 + rng.Int64N(20)
			pos += int32(rng.IntN(5000))
			if err := idx.append(off, pos); err != nil {
				t.Fatal(err)
			}
			want = append(want, offsetEntry{off, pos})
		}
		scan := func(target int64) offsetEntry {
			best := offsetEntry{base, 0}
			for _, e := range want {
				if e.offset <= target {
					best = e
				}
			}
			return best
		}
		targets := []int64{0, base, base + 1, want[0].offset, want[n-1].offset, want[n-1].offset + 1, want[n-1024].offset, want[n-1025].offset, want[n-1024].offset - 1}
		for range 2000 {
			targets = append(targets, base-10+rng.Int64N(off-base+20))
		}
		for _, target := range targets {
			gotOff, gotPos := idx.lookup(target)
			if w := scan(target); gotOff != w.offset || gotPos != w.position {
				t.Fatalf("lookup(%d) = (%d, %d), want (%d, %d)", target, gotOff, gotPos, w.offset, w.position)
			}
		}
	})
}

func TestOffsetIndexAppendErrors(t *testing.T) {
	const base = int64(1000)
	tests := []struct {
		name     string
		offset   int64
		position int32
		want     error
	}{
		{"next offset", 1011, 300, nil},
		{"equal position is allowed", 1011, 200, nil},
		{"max relative offset", base + math.MaxUint32, 300, nil},
		{"equal to last offset", 1010, 300, ErrInvalidOffset},
		{"below last offset", 1007, 300, ErrInvalidOffset},
		{"below base offset", base - 1, 300, ErrInvalidOffset},
		{"relative offset overflows uint32", base + math.MaxUint32 + 1, 300, ErrInvalidOffset},
		{"negative position", 1011, -1, ErrInvalidOffset},
		{"position goes backwards", 1011, 199, ErrInvalidOffset},
	}
	forEachFS(t, func(t *testing.T, m fsMode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				idx := newOffsetIndex(t, m, base, 1024, offsetEntry{1005, 100}, offsetEntry{1010, 200})
				err := idx.append(tt.offset, tt.position)
				if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
					t.Fatalf("append(%d, %d) = %v, want %v", tt.offset, tt.position, err, tt.want)
				}
				wantEntries := 2
				if tt.want == nil {
					wantEntries = 3
				}
				if idx.entries() != wantEntries {
					t.Fatalf("entries = %d, want %d", idx.entries(), wantEntries)
				}
			})
		}
	})
}

func TestOffsetIndexFull(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		idx := newOffsetIndex(t, m, 0, 3*8+5) // room for 3 entries
		for k := range 3 {
			if idx.isFull() {
				t.Fatalf("full after %d entries", k)
			}
			if err := idx.append(int64(k+1), int32(k)); err != nil {
				t.Fatal(err)
			}
		}
		if !idx.isFull() {
			t.Fatal("not full after 3 entries")
		}
		if err := idx.append(10, 10); !errors.Is(err, ErrIndexFull) {
			t.Fatalf("append to full index: %v, want ErrIndexFull", err)
		}
		if idx.entries() != 3 || idx.lastOffset() != 3 {
			t.Fatalf("after failed append: entries %d last %d", idx.entries(), idx.lastOffset())
		}
	})
}

func TestOffsetIndexTruncateTo(t *testing.T) {
	tests := []struct {
		name   string
		offset int64
		want   []offsetEntry // entries kept
	}{
		{"at an entry", 1020, sampleOffsetEntries[:2]},
		{"between entries", 1015, sampleOffsetEntries[:2]},
		{"just above an entry", 1021, sampleOffsetEntries[:3]},
		{"at the first entry", 1005, nil},
		{"before the first entry", 1003, nil},
		{"at the base offset", 1000, nil},
		{"below the base offset", 10, nil},
		{"above the last entry", 1031, sampleOffsetEntries},
		{"beyond the relative range", 1000 + 1<<33, sampleOffsetEntries},
	}
	forEachFS(t, func(t *testing.T, m fsMode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				idx := newOffsetIndex(t, m, 1000, 1024, sampleOffsetEntries...)
				idx.truncateTo(tt.offset)
				if got := offsetEntries(idx); !equalOffsetEntries(got, tt.want) {
					t.Fatalf("after truncateTo(%d): %v, want %v", tt.offset, got, tt.want)
				}
				wantLast := int64(1000)
				if len(tt.want) > 0 {
					wantLast = tt.want[len(tt.want)-1].offset
				}
				if idx.lastOffset() != wantLast {
					t.Fatalf("lastOffset = %d, want %d", idx.lastOffset(), wantLast)
				}
				checkZeroTail(t, idx.f)
				// Appending resumes right after the kept entries.
				if err := idx.append(wantLast+1, 1000); err != nil {
					t.Fatalf("append after truncation: %v", err)
				}
				if err := idx.sanityCheck(); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func TestOffsetIndexReset(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		idx := newOffsetIndex(t, m, 1000, 1024, sampleOffsetEntries...)
		if err := idx.trimToValidSize(); err != nil {
			t.Fatal(err)
		}
		if err := idx.reset(); err != nil {
			t.Fatal(err)
		}
		if idx.entries() != 0 || idx.lastOffset() != 1000 || idx.isFull() {
			t.Fatalf("after reset: entries %d last %d full %v", idx.entries(), idx.lastOffset(), idx.isFull())
		}
		if got := fileSize(t, idx.path()); got != 1024 {
			t.Fatalf("reset regrows the file to %d, want 1024", got)
		}
		checkZeroTail(t, idx.f)
		if err := idx.sanityCheck(); err != nil {
			t.Fatal(err)
		}
		if err := idx.append(1001, 0); err != nil {
			t.Fatal(err)
		}
		if off, pos := idx.lookup(2000); off != 1001 || pos != 0 {
			t.Fatalf("lookup after reset and append = (%d, %d)", off, pos)
		}
	})
}

func TestOffsetIndexReopen(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		t.Run("after clean close", func(t *testing.T) {
			idx := newOffsetIndex(t, m, 1000, 1024, sampleOffsetEntries...)
			path := idx.path()
			if err := idx.close(); err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, path); got != 32 {
				t.Fatalf("closed file size = %d, want 32", got)
			}

			// Sealed segment: read-only, at the trimmed size, full.
			ro, err := openOffsetIndex(m.fsys, path, 1000, 1024, false)
			if err != nil {
				t.Fatal(err)
			}
			checkBackend(t, ro.f, m)
			if got := offsetEntries(ro); !equalOffsetEntries(got, sampleOffsetEntries) {
				t.Fatalf("read-only reopen: %v", got)
			}
			if err := ro.sanityCheck(); err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, path); got != 32 {
				t.Fatalf("read-only open changed the size to %d", got)
			}
			if err := ro.append(1031, 500); !errors.Is(err, ErrIndexFull) {
				t.Fatalf("append to read-only index: %v, want ErrIndexFull", err)
			}
			if err := ro.close(); err != nil {
				t.Fatal(err)
			}

			// Active segment: writable, preallocated again, appends continue.
			rw, err := openOffsetIndex(m.fsys, path, 1000, 1024, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, path); got != 1024 {
				t.Fatalf("writable reopen size = %d, want 1024", got)
			}
			if err := rw.sanityCheck(); err != nil {
				t.Fatal(err)
			}
			if err := rw.append(1031, 500); err != nil {
				t.Fatal(err)
			}
			if err := rw.close(); err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, path); got != 40 {
				t.Fatalf("size after second close = %d, want 40", got)
			}
		})

		crashTests := []struct {
			name  string
			build func(t *testing.T, idx *offsetIndex)
		}{
			{"entries then zero tail", func(t *testing.T, idx *offsetIndex) {
				for _, e := range sampleOffsetEntries {
					if err := idx.append(e.offset, e.position); err != nil {
						t.Fatal(err)
					}
				}
				if err := idx.flush(); err != nil {
					t.Fatal(err)
				}
			}},
			{"no entries at all", func(*testing.T, *offsetIndex) {}},
			{"first entry at the base offset", func(t *testing.T, idx *offsetIndex) {
				if err := idx.append(1000, 0); err != nil {
					t.Fatal(err)
				}
			}},
		}
		for _, tt := range crashTests {
			t.Run("after crash with "+tt.name, func(t *testing.T) {
				idx := newOffsetIndex(t, m, 1000, 1024)
				tt.build(t, idx)
				abandon(t, idx.f)
				re, err := openOffsetIndex(m.fsys, idx.path(), 1000, 1024, true)
				if err != nil {
					t.Fatal(err)
				}
				defer re.close()
				if re.entries() != 1024/8 {
					t.Fatalf("entries = %d, want the whole preallocated file (128)", re.entries())
				}
				if err := re.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
					t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
				}
				// The log rebuilds: reset, then append from the log.
				if err := re.reset(); err != nil {
					t.Fatal(err)
				}
				if err := re.sanityCheck(); err != nil {
					t.Fatalf("after reset: %v", err)
				}
			})
		}

		t.Run("after crash following truncation of a full index", func(t *testing.T) {
			// The file holds only the 4 entries; truncation drops two. Had the
			// dropped entries stayed, they would pass as valid after a crash.
			idx := newOffsetIndex(t, m, 1000, 32, sampleOffsetEntries...)
			idx.truncateTo(1015)
			abandon(t, idx.f)
			re, err := openOffsetIndex(m.fsys, idx.path(), 1000, 32, true)
			if err != nil {
				t.Fatal(err)
			}
			defer re.close()
			if err := re.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
			}
		})

		t.Run("torn tail", func(t *testing.T) {
			path := indexPath(t.TempDir(), 1000, ".index")
			data := []byte{0, 0, 0, 5, 0, 0, 0, 100, 0, 0, 0, 10, 0, 0, 0, 200, 0, 0, 0}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			idx, err := openOffsetIndex(m.fsys, path, 1000, 1024, false)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.close()
			if idx.entries() != 2 {
				t.Fatalf("entries = %d, want 2 (length rounded down)", idx.entries())
			}
			if err := idx.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
			}
		})

		t.Run("single entry at the base offset is valid", func(t *testing.T) {
			path := indexPath(t.TempDir(), 1000, ".index")
			if err := os.WriteFile(path, make([]byte, 8), 0o644); err != nil {
				t.Fatal(err)
			}
			idx, err := openOffsetIndex(m.fsys, path, 1000, 1024, false)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.close()
			if err := idx.sanityCheck(); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("negative position", func(t *testing.T) {
			path := indexPath(t.TempDir(), 1000, ".index")
			if err := os.WriteFile(path, []byte{0, 0, 0, 1, 0x80, 0, 0, 0}, 0o644); err != nil {
				t.Fatal(err)
			}
			idx, err := openOffsetIndex(m.fsys, path, 1000, 1024, false)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.close()
			if err := idx.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
			}
		})
	})
}
