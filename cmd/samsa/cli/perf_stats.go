package cli

import (
	"math"
	"slices"
	"sync/atomic"
	"time"
)

// mib is Kafka's perf-tool megabyte (ProducerPerformance divides by
// 1024*1024), so MB/s figures compare directly with kafka-*-perf-test.
const mib = 1024 * 1024

// latencies records one latency per record into a preallocated slice: the
// producer's callbacks run on several goroutines, and an atomic index keeps
// them off a lock on the hot path. Microseconds in an int32 cover 35 minutes.
type latencies struct {
	us []int32
	n  atomic.Int64
}

func newLatencies(capacity int) *latencies {
	return &latencies{us: make([]int32, capacity)}
}

func (l *latencies) add(d time.Duration) {
	i := l.n.Add(1) - 1
	if int(i) < len(l.us) {
		l.us[i] = int32(min(d.Microseconds(), math.MaxInt32))
	}
}

// latencySummary is what kafka-producer-perf-test prints at the end.
type latencySummary struct {
	Count int64   `json:"count"`
	AvgMs float64 `json:"avg_ms"`
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	P99Ms float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	MaxMs float64 `json:"max_ms"`
}

// summary sorts the recorded latencies (call it once, after recording) and
// returns the summary and the sorted values in milliseconds (for charts).
func (l *latencies) summary() (latencySummary, []float64) {
	n := min(int(l.n.Load()), len(l.us))
	v := l.us[:n]
	slices.Sort(v)
	var s latencySummary
	if n == 0 {
		return s, nil
	}
	var sum int64
	for _, x := range v {
		sum += int64(x)
	}
	pct := func(p float64) float64 {
		i := int(math.Ceil(p*float64(n))) - 1
		return float64(v[min(max(i, 0), n-1)]) / 1000
	}
	s = latencySummary{Count: int64(n), AvgMs: float64(sum) / float64(n) / 1000,
		P50Ms: pct(0.50), P95Ms: pct(0.95), P99Ms: pct(0.99), P999: pct(0.999), MaxMs: float64(v[n-1]) / 1000}
	ms := make([]float64, n)
	for i, x := range v {
		ms[i] = float64(x) / 1000
	}
	return s, ms
}

// window accumulates one reporting interval (Kafka's perf tools print one
// line per 5 s window) and the run's totals.
type window struct {
	records, bytes, latUs, maxUs atomic.Int64
	totalRecords, totalBytes     atomic.Int64
}

func (w *window) add(bytes int, lat time.Duration) {
	us := lat.Microseconds()
	w.records.Add(1)
	w.bytes.Add(int64(bytes))
	w.latUs.Add(us)
	for {
		m := w.maxUs.Load()
		if us <= m || w.maxUs.CompareAndSwap(m, us) {
			break
		}
	}
	w.totalRecords.Add(1)
	w.totalBytes.Add(int64(bytes))
}

// windowStats is one interval's figures.
type windowStats struct {
	Records    int64
	Bytes      int64
	Seconds    float64
	RecPerSec  float64
	MBPerSec   float64
	AvgLatMs   float64
	MaxLatMs   float64
	TotalBytes int64
}

// take returns and resets the current window.
func (w *window) take(elapsed time.Duration) windowStats {
	r, b, l, m := w.records.Swap(0), w.bytes.Swap(0), w.latUs.Swap(0), w.maxUs.Swap(0)
	s := windowStats{Records: r, Bytes: b, Seconds: elapsed.Seconds(), MaxLatMs: float64(m) / 1000, TotalBytes: w.totalBytes.Load()}
	if elapsed > 0 {
		s.RecPerSec = float64(r) / elapsed.Seconds()
		s.MBPerSec = float64(b) / mib / elapsed.Seconds()
	}
	if r > 0 {
		s.AvgLatMs = float64(l) / float64(r) / 1000
	}
	return s
}
