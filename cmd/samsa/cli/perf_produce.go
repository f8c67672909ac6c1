package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// perfProduceOpts are perf produce's knobs (also what perf suite runs).
type perfProduceOpts struct {
	Topic       string
	Records     int64
	RecordSize  int
	Throughput  float64 // records/s over all producers; <= 0: unlimited
	Acks        string
	BatchBytes  int32
	Linger      time.Duration
	Compression string
	Partitions  int32
	Producers   int
	Interval    time.Duration
	// SampleEvery, if > 0, records throughput samples against bytes
	// written (the suite's "throughput versus stored data").
	SampleEvery time.Duration
}

// throughputSample is the throughput of one sampling interval and the bytes
// acknowledged by its end.
type throughputSample struct {
	ElapsedSec  float64 `json:"elapsed_sec"`
	StoredBytes int64   `json:"stored_bytes"`
	RecPerSec   float64 `json:"records_per_sec"`
	MBPerSec    float64 `json:"mb_per_sec"`
}

// perfProduceResult is perf produce's final summary.
type perfProduceResult struct {
	Topic      string             `json:"topic"`
	Records    int64              `json:"records"`
	Errors     int64              `json:"errors"`
	RecordSize int                `json:"record_size"`
	Producers  int                `json:"producers"`
	Seconds    float64            `json:"seconds"`
	RecPerSec  float64            `json:"records_per_sec"`
	MBPerSec   float64            `json:"mb_per_sec"`
	Latency    latencySummary     `json:"latency"`
	Samples    []throughputSample `json:"samples,omitempty"`
	latencyMs  []float64
}

func perfProduceCmd(e *env) *cobra.Command {
	o := perfProduceOpts{}
	c := &cobra.Command{
		Use:   "produce",
		Short: "Produce records as fast as allowed and report throughput and latency",
		Long: `perf produce sends --records records of --record-size random bytes to
--topic (created with --partitions if missing) from --producers clients, and
prints a line every --report-interval and a final summary of records/s,
MB/s (MiB, as Kafka's perf tools) and average, p50, p95, p99, p99.9 and
maximum latency (time from send to acknowledgement), like
kafka-producer-perf-test.`,
		Example: `  samsa perf produce --records 1000000 --record-size 100 --acks 1
  samsa perf produce --records 50000 --record-size 10240 --throughput 2000 --compression zstd`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := e.perfProduce(cmd.Context(), o, e.stderr)
			if err != nil {
				return err
			}
			if e.json() {
				return e.printJSON(res)
			}
			fmt.Fprintln(e.stdout, res.kafkaLine())
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Topic, "topic", "t", "samsa-perf", "topic to write (created if missing)")
	f.Int64VarP(&o.Records, "records", "n", 1_000_000, "number of records to send")
	f.IntVarP(&o.RecordSize, "record-size", "s", 100, "value size in bytes")
	f.Float64Var(&o.Throughput, "throughput", -1, "cap in records/s over all producers (-1: unlimited)")
	f.StringVar(&o.Acks, "acks", "all", "acknowledgements: all, 1 or 0")
	f.Int32Var(&o.BatchBytes, "batch-size", 0, "maximum batch size in bytes (0: franz-go's default, 1 MB)")
	f.DurationVar(&o.Linger, "linger", 0, "how long to wait to fill a batch")
	f.StringVarP(&o.Compression, "compression", "z", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	f.Int32VarP(&o.Partitions, "partitions", "p", 6, "partitions when the topic is created")
	f.IntVar(&o.Producers, "producers", 1, "parallel producer clients")
	f.DurationVar(&o.Interval, "report-interval", 5*time.Second, "progress line interval (0: none)")
	c.RegisterFlagCompletionFunc("acks", fixedCompletion("all", "1", "0"))
	c.RegisterFlagCompletionFunc("compression", fixedCompletion("none", "gzip", "snappy", "lz4", "zstd"))
	return c
}

// kafkaLine is kafka-producer-perf-test's final line.
func (r *perfProduceResult) kafkaLine() string {
	l := r.Latency
	s := fmt.Sprintf("%d records sent, %s, %.2f ms avg latency, %.2f ms max latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.",
		r.Records, fmtRate(r.RecPerSec, r.MBPerSec), l.AvgMs, l.MaxMs, l.P50Ms, l.P95Ms, l.P99Ms, l.P999)
	if r.Errors > 0 {
		s += fmt.Sprintf(" %d records FAILED.", r.Errors)
	}
	return s
}

func (e *env) perfProduce(ctx context.Context, o perfProduceOpts, progressOut io.Writer) (*perfProduceResult, error) {
	switch {
	case o.Records < 1:
		return nil, usageErrorf("--records %d: want at least 1", o.Records)
	case o.RecordSize < 0:
		return nil, usageErrorf("--record-size %d: must not be negative", o.RecordSize)
	case o.Producers < 1:
		return nil, usageErrorf("--producers %d: want at least 1", o.Producers)
	case o.Partitions < 1:
		return nil, usageErrorf("--partitions %d: want at least 1", o.Partitions)
	}
	popts, err := producerOpts(o.Compression, o.Acks, o.Linger, o.BatchBytes)
	if err != nil {
		return nil, err
	}
	if _, err := e.ensureTopic(ctx, o.Topic, o.Partitions); err != nil {
		return nil, err
	}
	// Buffer limits as Kafka's producer (buffer.memory 32 MiB): with an
	// unbounded buffer, large records would mostly time the client's queue.
	popts = append(popts, kgo.DefaultProduceTopic(o.Topic), kgo.MaxBufferedRecords(64<<10), kgo.MaxBufferedBytes(32<<20),
		kgo.RecordDeliveryTimeout(max(e.timeout, 30*time.Second)))
	clients := make([]*kgo.Client, o.Producers)
	for i := range clients {
		if clients[i], err = e.client(ctx, popts...); err != nil {
			for _, c := range clients[:i] {
				c.Close()
			}
			return nil, err
		}
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()

	value := payload(o.RecordSize)
	lats := newLatencies(int(o.Records))
	var win window
	var failed atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	prog := startProgress(progressOut, o.Interval, o.Records, win.totalRecords.Load, func(d time.Duration) string {
		w := win.take(d)
		return fmt.Sprintf("%d records sent, %s, %.1f ms avg latency, %.1f ms max latency.", w.Records, fmtRate(w.RecPerSec, w.MBPerSec), w.AvgLatMs, w.MaxLatMs)
	})
	samples, stopSampling := sampleThroughput(o.SampleEvery, start, &win)

	var wg sync.WaitGroup
	for i, cl := range clients {
		n := o.Records / int64(o.Producers)
		if int64(i) < o.Records%int64(o.Producers) {
			n++
		}
		rate := o.Throughput / float64(o.Producers)
		wg.Add(1)
		go func() {
			defer wg.Done()
			pstart := time.Now()
			for j := int64(0); j < n && ctx.Err() == nil; j++ {
				if rate > 0 {
					// Pace against the schedule, not the last send, so
					// that short stalls are caught up.
					if d := time.Until(pstart.Add(time.Duration(float64(j) / rate * float64(time.Second)))); d > 0 {
						time.Sleep(d)
					}
				}
				sent := time.Now()
				cl.Produce(ctx, &kgo.Record{Value: value}, func(r *kgo.Record, err error) {
					lat := time.Since(sent)
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
						return
					}
					lats.add(lat)
					win.add(len(r.Value), lat)
				})
			}
			cl.Flush(ctx)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopSampling()
	prog.finish()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("perf produce interrupted after %d records", win.totalRecords.Load())
	}
	res := &perfProduceResult{Topic: o.Topic, Records: win.totalRecords.Load(), Errors: failed.Load(), RecordSize: o.RecordSize,
		Producers: o.Producers, Seconds: elapsed.Seconds(), Samples: *samples}
	res.RecPerSec = float64(res.Records) / elapsed.Seconds()
	res.MBPerSec = float64(win.totalBytes.Load()) / mib / elapsed.Seconds()
	res.Latency, res.latencyMs = lats.summary()
	if err, _ := firstErr.Load().(error); err != nil {
		return res, explain(fmt.Sprintf("perf produce: %d of %d records failed", res.Errors, o.Records), err)
	}
	return res, nil
}

// sampleThroughput records, every interval, the throughput of the interval
// and the bytes acknowledged so far. The returned func stops it; the slice
// is complete once it returns.
func sampleThroughput(every time.Duration, start time.Time, w *window) (*[]throughputSample, func()) {
	out := &[]throughputSample{}
	if every <= 0 {
		return out, func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		last, lastRecs, lastBytes := start, int64(0), int64(0)
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				recs, bytes := w.totalRecords.Load(), w.totalBytes.Load()
				d := now.Sub(last).Seconds()
				*out = append(*out, throughputSample{now.Sub(start).Seconds(), bytes, float64(recs-lastRecs) / d, float64(bytes-lastBytes) / mib / d})
				last, lastRecs, lastBytes = now, recs, bytes
			}
		}
	}()
	return out, func() { close(stop); <-done }
}
