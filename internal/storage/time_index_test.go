package storage

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// timeEntry is one expected time index entry.
type timeEntry struct {
	timestamp int64
	offset    int64
}

// newTimeIndex opens a writable time index in a fresh directory and appends
// entries, which must all be accepted.
func newTimeIndex(t *testing.T, m fsMode, base int64, maxIndexBytes int, entries ...timeEntry) *timeIndex {
	t.Helper()
	idx, err := openTimeIndex(m.fsys, indexPath(t.TempDir(), base, ".timeindex"), base, maxIndexBytes, true)
	if err != nil {
		t.Fatal(err)
	}
	checkBackend(t, idx.f, m)
	t.Cleanup(func() { idx.close() })
	for _, e := range entries {
		if err := idx.maybeAppend(e.timestamp, e.offset); err != nil {
			t.Fatalf("maybeAppend(%d, %d): %v", e.timestamp, e.offset, err)
		}
	}
	return idx
}

// timeEntries reads every entry back. The time index has no entryAt, so this
// goes through the shared file.
func timeEntries(idx *timeIndex) []timeEntry {
	var out []timeEntry
	for n := range idx.entries() {
		e, _ := idx.f.at(n)
		ts, off := idx.decode(e[:])
		out = append(out, timeEntry{ts, off})
	}
	return out
}

// equalTimeEntries compares entry lists, treating nil and empty alike.
func equalTimeEntries(a, b []timeEntry) bool {
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

// sampleTimeEntries is a small index for base offset 1000.
var sampleTimeEntries = []timeEntry{{100, 1005}, {200, 1010}, {300, 1020}, {400, 1030}}

func TestTimeIndexMaybeAppend(t *testing.T) {
	const base = int64(1000)
	type step struct {
		timestamp, offset int64
		want              error
	}
	tests := []struct {
		name  string
		steps []step
		want  []timeEntry
	}{
		{"increasing timestamps", []step{{100, 1005, nil}, {200, 1010, nil}}, []timeEntry{{100, 1005}, {200, 1010}}},
		{"equal timestamp is skipped", []step{{100, 1005, nil}, {100, 1010, nil}}, []timeEntry{{100, 1005}}},
		{"lower timestamp is skipped", []step{{100, 1005, nil}, {50, 1010, nil}, {150, 1011, nil}}, []timeEntry{{100, 1005}, {150, 1011}}},
		{"no timestamp on empty index is skipped", []step{{-1, 1005, nil}}, nil},
		{"timestamp zero on empty index", []step{{0, 1000, nil}}, []timeEntry{{0, 1000}}},
		{"same offset, later timestamp", []step{{100, 1005, nil}, {200, 1005, nil}}, []timeEntry{{100, 1005}, {200, 1005}}},
		{"offset goes backwards", []step{{100, 1005, nil}, {200, 1004, ErrInvalidOffset}}, []timeEntry{{100, 1005}}},
		{"offset backwards beats skipping", []step{{100, 1005, nil}, {50, 1004, ErrInvalidOffset}}, []timeEntry{{100, 1005}}},
		{"below base offset", []step{{100, 999, ErrInvalidOffset}}, nil},
		{"relative offset overflows uint32", []step{{100, base + math.MaxUint32 + 1, ErrInvalidOffset}}, nil},
		{"max relative offset", []step{{100, base + math.MaxUint32, nil}}, []timeEntry{{100, base + math.MaxUint32}}},
	}
	forEachFS(t, func(t *testing.T, m fsMode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				idx := newTimeIndex(t, m, base, 1200)
				for _, s := range tt.steps {
					err := idx.maybeAppend(s.timestamp, s.offset)
					if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
						t.Fatalf("maybeAppend(%d, %d) = %v, want %v", s.timestamp, s.offset, err, s.want)
					}
				}
				if got := timeEntries(idx); !equalTimeEntries(got, tt.want) {
					t.Fatalf("entries = %v, want %v", got, tt.want)
				}
				if err := idx.sanityCheck(); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

func TestTimeIndexLookup(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		empty := newTimeIndex(t, m, 1000, 1200)
		full := newTimeIndex(t, m, 1000, 1200, sampleTimeEntries...)
		tests := []struct {
			name          string
			idx           *timeIndex
			target        int64
			wantTs, wantO int64
		}{
			{"empty index", empty, 500, -1, 1000},
			{"negative target", full, -5, -1, 1000},
			{"before first entry", full, 99, -1, 1000},
			{"exact first entry", full, 100, 100, 1005},
			{"between entries", full, 250, 200, 1010},
			{"exact last entry", full, 400, 400, 1030},
			{"after last entry", full, math.MaxInt64, 400, 1030},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts, off := tt.idx.lookup(tt.target)
				if ts != tt.wantTs || off != tt.wantO {
					t.Fatalf("lookup(%d) = (%d, %d), want (%d, %d)", tt.target, ts, off, tt.wantTs, tt.wantO)
				}
			})
		}
		if ts, off := empty.lastEntry(); ts != -1 || off != 1000 {
			t.Fatalf("empty lastEntry = (%d, %d), want (-1, 1000)", ts, off)
		}
		if ts, off := full.lastEntry(); ts != 400 || off != 1030 {
			t.Fatalf("lastEntry = (%d, %d), want (400, 1030)", ts, off)
		}
		if got := full.sizeInBytes(); got != 48 {
			t.Fatalf("sizeInBytes = %d, want 48", got)
		}
	})
}

// TestTimeIndexLookupMatchesScan checks lookup against a linear scan on an
// index big enough to have a warm tail and a cold head.
func TestTimeIndexLookupMatchesScan(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		const base, n = int64(77), 3000
		idx := newTimeIndex(t, m, base, n*12)
		rng := rand.New(rand.NewPCG(3, 4))
		var want []timeEntry
		ts, off := int64(1_700_000_000_000), base
		for range n {
			ts += 1 + rng.Int64N(1000)
			off += rng.Int64N(3) // offsets may repeat
			if err := idx.maybeAppend(ts, off); err != nil {
				t.Fatal(err)
			}
			want = append(want, timeEntry{ts, off})
		}
		scan := func(target int64) timeEntry {
			best := timeEntry{-1, base}
			for _, e := range want {
				if e.timestamp <= target {
					best = e
				}
			}
			return best
		}
		first := want[0].timestamp
		targets := []int64{0, first - 1, first, ts, ts + 1, want[n-682].timestamp, want[n-683].timestamp - 1}
		for range 2000 {
			targets = append(targets, first-10+rng.Int64N(ts-first+20))
		}
		for _, target := range targets {
			gotTs, gotOff := idx.lookup(target)
			if w := scan(target); gotTs != w.timestamp || gotOff != w.offset {
				t.Fatalf("lookup(%d) = (%d, %d), want (%d, %d)", target, gotTs, gotOff, w.timestamp, w.offset)
			}
		}
	})
}

func TestTimeIndexFull(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		idx := newTimeIndex(t, m, 0, 3*12+7) // three slots, the last reserved
		if err := idx.maybeAppend(10, 1); err != nil {
			t.Fatal(err)
		}
		if idx.isFull() {
			t.Fatal("full after one of three entries")
		}
		if err := idx.maybeAppend(20, 2); err != nil {
			t.Fatal(err)
		}
		if !idx.isFull() {
			t.Fatal("isFull must reserve the last slot for the roll entry")
		}
		// The roll entry still fits.
		if err := idx.maybeAppend(30, 3); err != nil {
			t.Fatalf("append into the reserved slot: %v", err)
		}
		if err := idx.maybeAppend(40, 4); !errors.Is(err, ErrIndexFull) {
			t.Fatalf("append with no slot left: %v, want ErrIndexFull", err)
		}
		// A timestamp that would be skipped anyway is not an error.
		if err := idx.maybeAppend(30, 5); err != nil {
			t.Fatalf("skipped append on a full index: %v", err)
		}
		if idx.entries() != 3 {
			t.Fatalf("entries = %d, want 3", idx.entries())
		}
	})
}

func TestTimeIndexTruncateTo(t *testing.T) {
	entries := []timeEntry{{100, 1005}, {200, 1010}, {300, 1010}, {400, 1020}}
	tests := []struct {
		name   string
		offset int64
		want   []timeEntry
	}{
		{"at a repeated offset", 1010, entries[:1]},
		{"just above a repeated offset", 1011, entries[:3]},
		{"at the last entry", 1020, entries[:3]},
		{"at the first entry", 1005, nil},
		{"at the base offset", 1000, nil},
		{"below the base offset", 0, nil},
		{"above the last entry", 1021, entries},
		{"beyond the relative range", 1000 + 1<<33, entries},
	}
	forEachFS(t, func(t *testing.T, m fsMode) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				idx := newTimeIndex(t, m, 1000, 1200, entries...)
				idx.truncateTo(tt.offset)
				if got := timeEntries(idx); !equalTimeEntries(got, tt.want) {
					t.Fatalf("after truncateTo(%d): %v, want %v", tt.offset, got, tt.want)
				}
				wantTs, wantOff := int64(-1), int64(1000)
				if len(tt.want) > 0 {
					wantTs, wantOff = tt.want[len(tt.want)-1].timestamp, tt.want[len(tt.want)-1].offset
				}
				if ts, off := idx.lastEntry(); ts != wantTs || off != wantOff {
					t.Fatalf("lastEntry = (%d, %d), want (%d, %d)", ts, off, wantTs, wantOff)
				}
				checkZeroTail(t, idx.f)
				if err := idx.maybeAppend(wantTs+1, wantOff); err != nil {
					t.Fatalf("append after truncation: %v", err)
				}
			})
		}
	})
}

func TestTimeIndexReset(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		idx := newTimeIndex(t, m, 1000, 1200, sampleTimeEntries...)
		if err := idx.trimToValidSize(); err != nil {
			t.Fatal(err)
		}
		if err := idx.reset(); err != nil {
			t.Fatal(err)
		}
		if ts, off := idx.lastEntry(); idx.entries() != 0 || ts != -1 || off != 1000 || idx.isFull() {
			t.Fatalf("after reset: entries %d last (%d, %d) full %v", idx.entries(), ts, off, idx.isFull())
		}
		if got := fileSize(t, idx.path()); got != 1200 {
			t.Fatalf("reset regrows the file to %d, want 1200", got)
		}
		// Timestamps are compared with the (now empty) index, not the old one.
		if err := idx.maybeAppend(5, 1000); err != nil {
			t.Fatal(err)
		}
		if idx.entries() != 1 {
			t.Fatalf("entries = %d, want 1", idx.entries())
		}
	})
}

func TestTimeIndexReopen(t *testing.T) {
	forEachFS(t, func(t *testing.T, m fsMode) {
		t.Run("after clean close", func(t *testing.T) {
			idx := newTimeIndex(t, m, 1000, 1200, sampleTimeEntries...)
			path := idx.path()
			if err := idx.close(); err != nil {
				t.Fatal(err)
			}
			if got := fileSize(t, path); got != 48 {
				t.Fatalf("closed file size = %d, want 48", got)
			}
			for _, writable := range []bool{false, true} {
				re, err := openTimeIndex(m.fsys, path, 1000, 1200, writable)
				if err != nil {
					t.Fatal(err)
				}
				if got := timeEntries(re); !equalTimeEntries(got, sampleTimeEntries) {
					t.Fatalf("writable=%v reopen: %v", writable, got)
				}
				if err := re.sanityCheck(); err != nil {
					t.Fatal(err)
				}
				if ts, off := re.lastEntry(); ts != 400 || off != 1030 {
					t.Fatalf("lastEntry = (%d, %d)", ts, off)
				}
				if err := re.close(); err != nil {
					t.Fatal(err)
				}
			}
		})

		crashTests := []struct {
			name    string
			entries []timeEntry
		}{
			{"entries then zero tail", sampleTimeEntries},
			{"no entries at all", nil},
			{"first timestamp zero", []timeEntry{{0, 1000}}},
		}
		for _, tt := range crashTests {
			t.Run("after crash with "+tt.name, func(t *testing.T) {
				idx := newTimeIndex(t, m, 1000, 1200, tt.entries...)
				if err := idx.flush(); err != nil {
					t.Fatal(err)
				}
				abandon(t, idx.f)
				re, err := openTimeIndex(m.fsys, idx.path(), 1000, 1200, true)
				if err != nil {
					t.Fatal(err)
				}
				defer re.close()
				if re.entries() != 100 {
					t.Fatalf("entries = %d, want the whole preallocated file (100)", re.entries())
				}
				if err := re.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
					t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
				}
				if err := re.reset(); err != nil {
					t.Fatal(err)
				}
				if err := re.sanityCheck(); err != nil {
					t.Fatalf("after reset: %v", err)
				}
			})
		}

		t.Run("torn tail", func(t *testing.T) {
			path := indexPath(t.TempDir(), 1000, ".timeindex")
			data := append(make([]byte, 12), 1, 2, 3)
			data[7] = 9 // timestamp 9, relative offset 0
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			idx, err := openTimeIndex(m.fsys, path, 1000, 1200, false)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.close()
			if idx.entries() != 1 {
				t.Fatalf("entries = %d, want 1", idx.entries())
			}
			if err := idx.sanityCheck(); !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("sanityCheck = %v, want ErrCorruptIndex", err)
			}
		})

		t.Run("offsets going backwards", func(t *testing.T) {
			path := indexPath(t.TempDir(), 1000, ".timeindex")
			data := []byte{
				0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9,
				0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 8,
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			idx, err := openTimeIndex(m.fsys, path, 1000, 1200, false)
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
