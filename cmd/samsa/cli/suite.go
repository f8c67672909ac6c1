package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// suiteOpts size the benchmark matrix.
type suiteOpts struct {
	Out        string
	Scale      float64
	Sizes      []int
	Partitions int32
	Keep       bool
	// StoredGiB is how much the stored-data run writes (before --scale):
	// more than the machine's page cache shows the disk's own rate.
	StoredGiB float64
}

// Record counts at --scale 1, sized for about five minutes on a 2-core
// machine with a fast disk.
const (
	suiteBaseRecords   = 10_000_000 // 100-byte scenarios (one and three producers, consumers): 1 GB
	suiteBothRecords   = 5_000_000  // producer and consumer at once
	suiteSizeBytes     = 1 << 30    // bytes per message-size point (100 KB: 10,737 records)...
	suiteSizeMaxRecs   = 10_000_000 // ...capped at this many records (10 B, 100 B)
	suiteE2ERecords    = 20_000     // end-to-end round trips
	suiteStoredRecSize = 1000       // record size of the stored-data run
	suiteMinRecords    = 200        // floor for tiny scales
	suiteRecordSize    = 100        // the 2014 benchmark's message size
	suiteSampleEvery   = 1 * time.Second
)

// suiteResult is everything the report shows; results.json keeps it.
type suiteResult struct {
	Started     time.Time          `json:"started"`
	Brokers     string             `json:"brokers"`
	Command     string             `json:"command"`
	Scale       float64            `json:"scale"`
	Machine     map[string]string  `json:"machine"`
	Scenarios   []scenarioResult   `json:"scenarios"`
	Sizes       []sizeResult       `json:"sizes"`
	E2E         *perfE2EResult     `json:"e2e"`
	Stored      []throughputSample `json:"stored"`
	StoredRun   *perfProduceResult `json:"stored_run"`
	DurationSec float64            `json:"duration_sec"`
	e2eMs       []float64
}

// scenarioResult is one row of the 2014 benchmark's table.
type scenarioResult struct {
	Name      string          `json:"name"`
	Records   int64           `json:"records"`
	RecPerSec float64         `json:"records_per_sec"`
	MBPerSec  float64         `json:"mb_per_sec"`
	Latency   *latencySummary `json:"latency,omitempty"`
	Note      string          `json:"note,omitempty"`
}

type sizeResult struct {
	Size      int            `json:"size"`
	Records   int64          `json:"records"`
	RecPerSec float64        `json:"records_per_sec"`
	MBPerSec  float64        `json:"mb_per_sec"`
	Latency   latencySummary `json:"latency"`
}

func perfSuiteCmd(e *env) *cobra.Command {
	o := suiteOpts{}
	var sizes string
	c := &cobra.Command{
		Use:   "suite --out DIR",
		Short: "Run the 2014 Kafka benchmark matrix on one machine and write a Markdown report with charts",
		Long: `perf suite reproduces the matrix of "Benchmarking Apache Kafka: 2 Million
Writes Per Second" (Kreps, 2014) against --brokers, without replication:
one producer; three producers; one and three consumers; a producer and a
consumer at once (100-byte messages); message sizes (--sizes); end-to-end
latency; and throughput as the stored data grows. It writes DIR/README.md
(tables), DIR/*.png (records/s and MB/s against message size, throughput
against bytes stored, the latency distribution, the scenarios) and
DIR/results.json.

--scale multiplies every record count (1: a few minutes on a 2-core machine;
0.001 runs in seconds for a smoke test). Producers use acks=1, as the
2014 runs without replication; the end-to-end test uses acks=all.`,
		Example: `  samsa perf suite --brokers 127.0.0.1:9092 --out docs/benchmarks/run1
  samsa perf suite --out /tmp/smoke --scale 0.001 --sizes 100,10000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Out == "" {
				return usageErrorf("--out DIR is required")
			}
			var err error
			if o.Sizes, err = parseSizes(sizes); err != nil {
				return err
			}
			if o.Scale <= 0 {
				return usageErrorf("--scale %v: must be positive", o.Scale)
			}
			if o.Partitions < 1 {
				return usageErrorf("--partitions %d: want at least 1", o.Partitions)
			}
			return e.perfSuite(cmd.Context(), o, "samsa "+strings.Join(os.Args[1:], " "))
		},
	}
	f := c.Flags()
	f.StringVar(&o.Out, "out", "", "directory for README.md, the PNG charts and results.json")
	f.Float64Var(&o.Scale, "scale", 1, "multiplier for every record count")
	f.StringVar(&sizes, "sizes", "10,100,1000,10000,100000", "message sizes in bytes for the size sweep")
	f.Int32Var(&o.Partitions, "partitions", 6, "partitions of each benchmark topic")
	f.BoolVar(&o.Keep, "keep-topics", false, "keep the benchmark topics (default: delete them at the end)")
	f.Float64Var(&o.StoredGiB, "stored-gib", 16, "GiB the throughput-versus-stored-data run writes (scaled by --scale)")
	return c
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, usageErrorf("--sizes %q: want comma-separated positive byte counts", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func (o suiteOpts) n(base int64) int64 {
	return max(int64(float64(base)*o.Scale), suiteMinRecords)
}

func (e *env) perfSuite(ctx context.Context, o suiteOpts, command string) error {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %v", err)
	}
	res := &suiteResult{Started: time.Now().UTC(), Brokers: e.brokers, Command: command, Scale: o.Scale, Machine: machineInfo()}
	run := fmt.Sprintf("suite-%d", time.Now().Unix())
	var topics []string
	topic := func(name string) string {
		t := run + "-" + name
		topics = append(topics, t)
		return t
	}
	// Topics are deleted at the end, not between scenarios: deleting a
	// gigabyte while the next scenario runs (the broker removes files in
	// the background; ext4 with online discard) stalled that scenario's
	// writes for seconds in a trial run. The disk needs room for all of
	// them (about 4 GB plus --stored-gib at --scale 1).
	defer func() {
		if !o.Keep && len(topics) > 0 {
			e.deleteTopics(context.WithoutCancel(ctx), topics)
		}
	}()
	step := func(name string) { fmt.Fprintf(e.stderr, "== %s\n", name) }
	prod := func(t string, n int64, size, producers int, sample bool) (*perfProduceResult, error) {
		po := perfProduceOpts{Topic: t, Records: n, RecordSize: size, Acks: "1", Compression: "none",
			Partitions: o.Partitions, Producers: producers, Interval: 5 * time.Second}
		if sample {
			po.SampleEvery = suiteSampleEvery
		}
		r, err := e.perfProduce(ctx, po, e.stderr)
		if err == nil {
			fmt.Fprintln(e.stderr, r.kafkaLine())
		}
		return r, err
	}
	cons := func(t string, consumers int) (*perfConsumeResult, error) {
		r, err := e.perfConsume(ctx, perfConsumeOpts{Topic: t, Consumers: consumers, Interval: 5 * time.Second}, e.stderr)
		if err == nil {
			fmt.Fprintf(e.stderr, "%d records consumed, %s\n", r.Records, fmtRate(r.RecPerSec, r.MBPerSec))
		}
		return r, err
	}
	addP := func(name string, r *perfProduceResult) {
		l := r.Latency
		res.Scenarios = append(res.Scenarios, scenarioResult{name, r.Records, r.RecPerSec, r.MBPerSec, &l, ""})
	}
	addC := func(name string, r *perfConsumeResult) {
		res.Scenarios = append(res.Scenarios, scenarioResult{name, r.Records, r.RecPerSec, r.MBPerSec, nil, ""})
	}

	base := topic("base")
	step("one producer, no replication")
	r, err := prod(base, o.n(suiteBaseRecords), suiteRecordSize, 1, false)
	if err != nil {
		return err
	}
	addP("Single producer thread, no replication", r)

	step("three producers")
	three := topic("three")
	if r, err = prod(three, o.n(suiteBaseRecords), suiteRecordSize, 3, false); err != nil {
		return err
	}
	addP("Three producers, no replication", r)

	step("one consumer")
	c, err := cons(base, 1)
	if err != nil {
		return err
	}
	addC("Single consumer", c)

	step("three consumers")
	if c, err = cons(base, 3); err != nil {
		return err
	}
	addC("Three consumers", c)

	step("producer and consumer at once")
	if err := e.suiteBoth(ctx, o, topic("both"), res); err != nil {
		return err
	}

	for _, size := range o.Sizes {
		step(fmt.Sprintf("message size %d B", size))
		n := o.n(min(int64(suiteSizeBytes/size), suiteSizeMaxRecs))
		r, err := prod(topic(fmt.Sprintf("size%d", size)), n, size, 1, false)
		if err != nil {
			return err
		}
		res.Sizes = append(res.Sizes, sizeResult{size, r.Records, r.RecPerSec, r.MBPerSec, r.Latency})
	}

	step("end-to-end latency")
	e2e, err := e.perfE2E(ctx, perfE2EOpts{Topic: topic("e2e"), Records: o.n(suiteE2ERecords), RecordSize: suiteRecordSize, Acks: "all", Interval: 5 * time.Second}, e.stderr)
	if err != nil {
		return err
	}
	res.E2E, res.e2eMs = e2e, e2e.latencyMs
	l := e2e.Latency
	fmt.Fprintf(e.stderr, "e2e: %.3f ms p50, %.3f ms p99, %.3f ms p99.9\n", l.P50Ms, l.P99Ms, l.P999)

	step("throughput versus stored data")
	stored, err := prod(topic("stored"), o.n(int64(o.StoredGiB*(1<<30))/suiteStoredRecSize), suiteStoredRecSize, 1, true)
	if err != nil {
		return err
	}
	res.Stored, res.StoredRun = stored.Samples, stored

	res.DurationSec = time.Since(res.Started).Seconds()
	if err := writeSuiteReport(o.Out, res); err != nil {
		return fmt.Errorf("writing the report: %v", err)
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(o.Out, "results.json"), b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "report written to %s (%.0f s)\n", filepath.Join(o.Out, "README.md"), res.DurationSec)
	if e.json() {
		return e.printJSON(res)
	}
	return printSuiteSummary(e, res)
}

// suiteBoth runs a producer and a consumer on one topic at the same time;
// the consumer tails the producer until it has read everything.
func (e *env) suiteBoth(ctx context.Context, o suiteOpts, t string, res *suiteResult) error {
	n := o.n(suiteBothRecords)
	if _, err := e.ensureTopic(ctx, t, o.Partitions); err != nil {
		return err
	}
	var wg sync.WaitGroup
	var pr *perfProduceResult
	var cr *perfConsumeResult
	var perr, cerr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		pr, perr = e.perfProduce(ctx, perfProduceOpts{Topic: t, Records: n, RecordSize: suiteRecordSize, Acks: "1",
			Compression: "none", Partitions: o.Partitions, Producers: 1}, e.stderr)
	}()
	go func() {
		defer wg.Done()
		cr, cerr = e.perfConsume(ctx, perfConsumeOpts{Topic: t, Records: n, Consumers: 1}, e.stderr)
	}()
	wg.Wait()
	if err := firstNonNil(perr, cerr); err != nil {
		return err
	}
	l := pr.Latency
	res.Scenarios = append(res.Scenarios,
		scenarioResult{"Producer and consumer at once: producer", pr.Records, pr.RecPerSec, pr.MBPerSec, &l, ""},
		scenarioResult{"Producer and consumer at once: consumer", cr.Records, cr.RecPerSec, cr.MBPerSec, nil, ""})
	fmt.Fprintf(e.stderr, "producer %s; consumer %s\n", fmtRate(pr.RecPerSec, pr.MBPerSec), fmtRate(cr.RecPerSec, cr.MBPerSec))
	return nil
}

func (e *env) deleteTopics(ctx context.Context, topics []string) {
	adm, cl, err := e.admin(ctx)
	if err != nil {
		return
	}
	defer cl.Close()
	rctx, cancel := e.rctx(ctx)
	defer cancel()
	adm.DeleteTopics(rctx, topics...)
}

func printSuiteSummary(e *env, res *suiteResult) error {
	tb := newTable(e.stdout, "SCENARIO", "RECORDS/S", "MB/S")
	for _, s := range res.Scenarios {
		tb.row(s.Name, fmt.Sprintf("%.0f", s.RecPerSec), fmt.Sprintf("%.1f", s.MBPerSec))
	}
	for _, s := range res.Sizes {
		tb.row(fmt.Sprintf("Message size %d B", s.Size), fmt.Sprintf("%.0f", s.RecPerSec), fmt.Sprintf("%.1f", s.MBPerSec))
	}
	tb.flush()
	l := res.E2E.Latency
	fmt.Fprintf(e.stdout, "End-to-end latency: %.2f ms p50, %.2f ms p99, %.2f ms p99.9\n", l.P50Ms, l.P99Ms, l.P999)
	return nil
}

// machineInfo describes the machine the suite runs on (best effort, Linux
// /proc): the report must say what produced its numbers.
func machineInfo() map[string]string {
	m := map[string]string{"cpus": strconv.Itoa(numCPU()), "go": goVersion(), "os": goOS()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				m["memory"] = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(b))
	}
	if h, err := os.Hostname(); err == nil {
		m["hostname"] = h
	}
	return m
}
