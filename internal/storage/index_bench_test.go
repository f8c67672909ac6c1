package storage

import (
	"math/rand/v2"
	"testing"
)

// benchIndexEntries is the entry count of a full index for a 1 GiB segment
// at Kafka's default index.interval.bytes of 4096: 2^30 / 2^12.
const benchIndexEntries = 1 << 18

// benchRecordsPerEntry spaces entries by a plausible number of offsets per
// 4 KiB of log (small records), so lookups land between entries.
const benchRecordsPerEntry = 40

// benchTargets is how many random targets a lookup benchmark cycles through;
// a power of two so the loop can mask instead of dividing.
const benchTargets = 1 << 16

// sinkOffset keeps lookups from being optimized away.
var sinkOffset int64

// BenchmarkOffsetIndexLookup measures lookup of random offsets in a full
// offset index of a 1 GiB segment (262,144 entries). The target is <= 2 µs.
func BenchmarkOffsetIndexLookup(b *testing.B) {
	for _, m := range fsModes() {
		b.Run(m.name, func(b *testing.B) { benchOffsetIndexLookup(b, m) })
	}
}

// benchOffsetIndexLookup is BenchmarkOffsetIndexLookup on one back end (the
// storage performance report calls it directly).
func benchOffsetIndexLookup(b *testing.B, m fsMode) {
	const base = int64(1 << 40)
	idx, err := openOffsetIndex(m.fsys, indexPath(b.TempDir(), base, ".index"), base, benchIndexEntries*offsetIndexEntrySize, true)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.close()
	for k := range int64(benchIndexEntries) {
		if err := idx.append(base+k*benchRecordsPerEntry, int32(k*4096)); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	targets := make([]int64, benchTargets)
	for i := range targets {
		targets[i] = base + rng.Int64N(benchIndexEntries*benchRecordsPerEntry)
	}
	i := 0
	for b.Loop() {
		off, _ := idx.lookup(targets[i&(benchTargets-1)])
		sinkOffset += off
		i++
	}
}

// BenchmarkTimeIndexLookup measures lookup of random timestamps in a full
// time index of a 1 GiB segment (262,144 entries). The target is <= 2 µs.
func BenchmarkTimeIndexLookup(b *testing.B) {
	for _, m := range fsModes() {
		b.Run(m.name, func(b *testing.B) { benchTimeIndexLookup(b, m) })
	}
}

// benchTimeIndexLookup is BenchmarkTimeIndexLookup on one back end.
func benchTimeIndexLookup(b *testing.B, m fsMode) {
	const base, firstTs = int64(1 << 40), int64(1_700_000_000_000)
	idx, err := openTimeIndex(m.fsys, indexPath(b.TempDir(), base, ".timeindex"), base, benchIndexEntries*timeIndexEntrySize, true)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.close()
	for k := range int64(benchIndexEntries) {
		if err := idx.maybeAppend(firstTs+k*10, base+k*benchRecordsPerEntry); err != nil {
			b.Fatal(err)
		}
	}
	if idx.entries() != benchIndexEntries {
		b.Fatalf("entries = %d", idx.entries())
	}
	rng := rand.New(rand.NewPCG(2, 2))
	targets := make([]int64, benchTargets)
	for i := range targets {
		targets[i] = firstTs + rng.Int64N(benchIndexEntries*10)
	}
	i := 0
	for b.Loop() {
		_, off := idx.lookup(targets[i&(benchTargets-1)])
		sinkOffset += off
		i++
	}
}

// BenchmarkOffsetIndexAppend measures append, the per-index-interval cost on
// the produce path. The heap fallback also pays a pwrite per entry.
func BenchmarkOffsetIndexAppend(b *testing.B) {
	for _, m := range fsModes() {
		b.Run(m.name, func(b *testing.B) {
			idx, err := openOffsetIndex(m.fsys, indexPath(b.TempDir(), 0, ".index"), 0, benchIndexEntries*offsetIndexEntrySize, true)
			if err != nil {
				b.Fatal(err)
			}
			defer idx.close()
			k := int64(0)
			for b.Loop() {
				if idx.isFull() {
					b.StopTimer()
					if err := idx.reset(); err != nil {
						b.Fatal(err)
					}
					k = 0
					b.StartTimer()
				}
				if err := idx.append(k*benchRecordsPerEntry, int32(k*4096)); err != nil {
					b.Fatal(err)
				}
				k++
			}
		})
	}
}

// BenchmarkTimeIndexAppend measures maybeAppend with an increasing timestamp
// (every call adds an entry).
func BenchmarkTimeIndexAppend(b *testing.B) {
	for _, m := range fsModes() {
		b.Run(m.name, func(b *testing.B) {
			idx, err := openTimeIndex(m.fsys, indexPath(b.TempDir(), 0, ".timeindex"), 0, benchIndexEntries*timeIndexEntrySize, true)
			if err != nil {
				b.Fatal(err)
			}
			defer idx.close()
			k := int64(0)
			for b.Loop() {
				if idx.isFull() {
					b.StopTimer()
					if err := idx.reset(); err != nil {
						b.Fatal(err)
					}
					k = 0
					b.StartTimer()
				}
				if err := idx.maybeAppend(1+k, k*benchRecordsPerEntry); err != nil {
					b.Fatal(err)
				}
				k++
			}
		})
	}
}
