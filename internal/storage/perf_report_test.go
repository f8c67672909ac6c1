//go:build perf

package storage

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// perfRounds is how many times each pair runs. The table shows medians,
// which shrug off one round disturbed by other work on a shared machine.
const perfRounds = 3

// Iterations per measurement (test.benchtime "Nx"): fixed volumes, so the
// report takes the same few minutes on any machine and writes no more than
// benchWriteBytes per append measurement.
const (
	perfReadOps     = 1024    // ~1 MiB regions: four passes over the 256 MiB segment
	perfLookupOps   = 1 << 20 // index lookups
	perfRecoveryOps = 1       // each 1 GiB recovery or raw read is one op
)

type perfUnit int

const (
	unitMBps perfUnit = iota
	unitMicros
	unitSeconds
)

// perfRow is one line of the report: a Samsa benchmark, the reference that
// does the same I/O without the log engine (nil when the target is
// absolute), and the target.
type perfRow struct {
	name      string
	bench     string // the go test -bench name, to rerun it alone
	unit      perfUnit
	ops       int
	samsa     func(*testing.B)
	ref       func(*testing.B)
	refName   string
	target    string
	pass      func(samsa, ratio float64) bool
	samsaVals []float64
	refVals   []float64
	syncRates [2][]float64 // syncs/s of the samsa and ref runs, when reported
}

// TestStoragePerformanceReport measures the log engine's performance targets
// next to their references and prints a table of the medians (make
// bench-storage; docs/performance.md). Pairs run back to back, alternating
// which side goes first from round to round, so drift in the machine's load
// or the disk's state hits both sides alike.
//
// It never fails on a missed target: a timed assertion flakes on a loaded or
// slower machine. It fails only when a benchmark itself fails (an I/O error,
// a wrong read).
func TestStoragePerformanceReport(t *testing.T) {
	start := time.Now()
	writeOps := benchWriteBytes / len(benchBatch(t))

	t.Log("building fixtures: a 256 MiB cached segment and a 1 GiB log")
	readFx := newReadFixture(t)
	recDir := filepath.Join(t.TempDir(), "topic-0")
	leo := buildRecoveryLog(t, recDir)
	mmap := fsModes()[0]

	atLeast := func(threshold float64) func(float64, float64) bool {
		return func(_, ratio float64) bool { return ratio >= threshold }
	}
	rows := []*perfRow{
		{
			name: "append 16 KiB batches, no fsync", bench: "Append16KiB", unit: unitMBps, ops: writeOps,
			samsa: func(b *testing.B) { benchAppend(b, 0) }, ref: func(b *testing.B) { benchRawWrite(b, 0) },
			refName: "os.File.Write", target: "≥ 0.80 × raw", pass: atLeast(0.8),
		},
		{
			name: "append 16 KiB batches, group commit every 5 ms", bench: "AppendGroupCommit5ms", unit: unitMBps, ops: writeOps,
			samsa: func(b *testing.B) { benchAppend(b, benchSyncInterval) }, ref: func(b *testing.B) { benchRawWrite(b, benchSyncInterval) },
			refName: "Write + fdatasync/5 ms", target: "≥ 0.60 × raw", pass: atLeast(0.6),
		},
		{
			name: "read ~1 MiB regions, pread (cached)", bench: "ReadRegionPread", unit: unitMBps, ops: perfReadOps,
			samsa: func(b *testing.B) { benchReadPread(b, readFx) }, ref: func(b *testing.B) { benchRawPread(b, readFx) },
			refName: "pread, no Log.Read", target: "≥ 1000 MB/s", pass: func(v, _ float64) bool { return v >= 1000 },
		},
		{
			name: "read ~1 MiB regions, sendfile to loopback TCP (cached)", bench: "ReadRegionSendfile", unit: unitMBps, ops: perfReadOps,
			samsa: func(b *testing.B) { benchReadSendfile(b, readFx) }, ref: func(b *testing.B) { benchRawSendfile(b, readFx) },
			refName: "sendfile, no Log.Read", target: "≥ 1000 MB/s", pass: func(v, _ float64) bool { return v >= 1000 },
		},
		{
			name: "offset index lookup, full 1 GiB-segment index (mmap)", bench: "OffsetIndexLookup/mmap", unit: unitMicros, ops: perfLookupOps,
			samsa:  func(b *testing.B) { benchOffsetIndexLookup(b, mmap) },
			target: "≤ 2 µs", pass: func(v, _ float64) bool { return v <= 2 },
		},
		{
			name: "timestamp index lookup, full 1 GiB-segment index (mmap)", bench: "TimeIndexLookup/mmap", unit: unitMicros, ops: perfLookupOps,
			samsa:  func(b *testing.B) { benchTimeIndexLookup(b, mmap) },
			target: "≤ 2 µs", pass: func(v, _ float64) bool { return v <= 2 },
		},
		{
			name: "recovery of 1 GiB, unclean shutdown, warm page cache", bench: "Recovery1GiB/warm", unit: unitSeconds, ops: perfRecoveryOps,
			samsa: func(b *testing.B) { benchRecovery(b, recDir, leo, false) }, ref: func(b *testing.B) { benchRawRead(b, recDir, false) },
			refName: "pread 4 MiB chunks", target: "≤ 5 s", pass: func(v, _ float64) bool { return v <= 5 },
		},
		{
			name: "recovery of 1 GiB, unclean shutdown, cold page cache", bench: "Recovery1GiB/cold", unit: unitSeconds, ops: perfRecoveryOps,
			samsa: func(b *testing.B) { benchRecovery(b, recDir, leo, true) }, ref: func(b *testing.B) { benchRawRead(b, recDir, true) },
			refName: "pread 4 MiB chunks", target: "≤ 5 s", pass: func(v, _ float64) bool { return v <= 5 },
		},
	}

	for round := range perfRounds {
		for i, row := range rows {
			refFirst := (round+i)%2 == 0
			for _, side := range []bool{refFirst, !refFirst} {
				if side && row.ref == nil {
					continue
				}
				f, vals, rates, label := row.samsa, &row.samsaVals, &row.syncRates[0], "samsa"
				if side {
					f, vals, rates, label = row.ref, &row.refVals, &row.syncRates[1], "reference"
				}
				r := benchmarkN(t, row.ops, f)
				if r.N == 0 {
					t.Errorf("%s (%s) failed; run go test -run '^$' -bench 'Benchmark%s' to see why", row.name, label, row.bench)
					*vals = append(*vals, math.NaN())
					continue
				}
				v := perfValue(r, row.unit)
				*vals = append(*vals, v)
				if s, ok := r.Extra["syncs/s"]; ok {
					*rates = append(*rates, s)
				}
				t.Logf("round %d: %s, %s: %s", round+1, row.name, label, formatPerf(v, row.unit))
			}
		}
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\nStorage performance report, %s\n", start.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&out, "%s, %d CPUs (GOMAXPROCS %d), %s %s/%s, temp dir %s\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, os.TempDir())
	fmt.Fprintf(&out, "Medians of %d rounds. ratio = Samsa speed ÷ reference speed (for times: reference time ÷ Samsa time).\n\n", perfRounds)
	writePerfTable(&out, rows)
	fmt.Fprintf(&out, "\nRounds (Samsa | reference):\n")
	for _, row := range rows {
		fmt.Fprintf(&out, "  %s: %s", row.name, formatRounds(row.samsaVals, row.unit))
		if row.ref != nil {
			fmt.Fprintf(&out, " | %s", formatRounds(row.refVals, row.unit))
		}
		if len(row.syncRates[0]) > 0 {
			fmt.Fprintf(&out, "  (syncs/s: %.0f | %.0f)", median(row.syncRates[0]), median(row.syncRates[1]))
		}
		out.WriteString("\n")
	}
	fmt.Fprintf(&out, "\nTotal time %s. Targets are reported, not asserted.\n", time.Since(start).Round(time.Second))
	fmt.Print(out.String())
}

// benchmarkN runs f for exactly n iterations with testing.Benchmark, which
// reads the -test.benchtime flag; it is set for the call and restored.
func benchmarkN(t *testing.T, n int, f func(*testing.B)) testing.BenchmarkResult {
	t.Helper()
	fl := flag.Lookup("test.benchtime")
	if fl == nil {
		t.Fatal("no test.benchtime flag")
	}
	old := fl.Value.String()
	if err := fl.Value.Set(fmt.Sprintf("%dx", n)); err != nil {
		t.Fatal(err)
	}
	defer fl.Value.Set(old)
	return testing.Benchmark(f)
}

// perfValue converts a result to the row's unit.
func perfValue(r testing.BenchmarkResult, u perfUnit) float64 {
	switch u {
	case unitMBps:
		return float64(r.Bytes) * float64(r.N) / r.T.Seconds() / 1e6
	case unitMicros:
		return float64(r.T.Nanoseconds()) / float64(r.N) / 1e3
	default:
		return r.T.Seconds() / float64(r.N)
	}
}

// speedRatio is Samsa's speed over the reference's: for a time, the
// reference's time over Samsa's.
func speedRatio(samsa, ref float64, u perfUnit) float64 {
	if u == unitMBps {
		return samsa / ref
	}
	return ref / samsa
}

func formatPerf(v float64, u perfUnit) string {
	switch {
	case math.IsNaN(v):
		return "failed"
	case u == unitMBps:
		return fmt.Sprintf("%.0f MB/s", v)
	case u == unitMicros:
		return fmt.Sprintf("%.3f µs", v)
	default:
		return fmt.Sprintf("%.2f s", v)
	}
}

func formatRounds(vals []float64, u perfUnit) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = formatPerf(v, u)
	}
	return strings.Join(s, ", ")
}

// median of vals (NaN if any round failed).
func median(vals []float64) float64 {
	if len(vals) == 0 || slices.ContainsFunc(vals, math.IsNaN) {
		return math.NaN()
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// writePerfTable writes the rows as an aligned Markdown table, ready to
// paste into docs/performance.md.
func writePerfTable(out *strings.Builder, rows []*perfRow) {
	cells := [][]string{{"measurement", "Samsa", "reference", "ratio", "target", "result"}}
	for _, row := range rows {
		s := median(row.samsaVals)
		ref, ratio := "—", "—"
		r := math.NaN()
		if row.ref != nil {
			rv := median(row.refVals)
			ref = formatPerf(rv, row.unit) + " (" + row.refName + ")"
			r = speedRatio(s, rv, row.unit)
			ratio = fmt.Sprintf("%.2f", r)
		}
		result := "fail"
		switch {
		case math.IsNaN(s), row.ref != nil && math.IsNaN(r):
			result = "error"
		case row.pass(s, r):
			result = "pass"
		}
		cells = append(cells, []string{row.name, formatPerf(s, row.unit), ref, ratio, row.target, result})
	}
	widths := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			widths[i] = max(widths[i], len([]rune(s)))
		}
	}
	line := func(c []string) {
		out.WriteString("|")
		for i, s := range c {
			fmt.Fprintf(out, " %s%s |", s, strings.Repeat(" ", widths[i]-len([]rune(s))))
		}
		out.WriteString("\n")
	}
	line(cells[0])
	sep := make([]string, len(widths))
	for i, w := range widths {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	for _, c := range cells[1:] {
		line(c)
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
