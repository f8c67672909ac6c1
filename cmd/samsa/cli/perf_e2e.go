package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// perfE2EOpts are perf e2e's knobs.
type perfE2EOpts struct {
	Topic      string
	Records    int64
	RecordSize int
	Acks       string
	Interval   time.Duration
}

// perfE2EResult is perf e2e's summary.
type perfE2EResult struct {
	Topic      string         `json:"topic"`
	Records    int64          `json:"records"`
	RecordSize int            `json:"record_size"`
	Seconds    float64        `json:"seconds"`
	Latency    latencySummary `json:"latency"`
	latencyMs  []float64
}

func perfE2ECmd(e *env) *cobra.Command {
	o := perfE2EOpts{}
	c := &cobra.Command{
		Use:   "e2e",
		Short: "Measure end-to-end latency: time from send until a consumer receives the record",
		Long: `perf e2e sends --records records one at a time to a one-partition topic and,
for each, waits until a consumer tailing the topic receives it (as Kafka's
EndToEndLatency tool does). It prints the average, p50, p95, p99, p99.9 and
maximum latency. A record becomes visible to consumers only once it is
committed, so with --acks all this includes the broker's durability wait.`,
		Example: `  samsa perf e2e --records 10000 --record-size 100`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := e.perfE2E(cmd.Context(), o, e.stderr)
			if err != nil {
				return err
			}
			if e.json() {
				return e.printJSON(res)
			}
			l := res.Latency
			fmt.Fprintf(e.stdout, "%d records round-tripped in %.2f s: %.3f ms avg latency, %.3f ms 50th, %.3f ms 95th, %.3f ms 99th, %.3f ms 99.9th, %.3f ms max.\n",
				res.Records, res.Seconds, l.AvgMs, l.P50Ms, l.P95Ms, l.P99Ms, l.P999, l.MaxMs)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Topic, "topic", "t", "samsa-perf-e2e", "topic to use (created with one partition if missing)")
	f.Int64VarP(&o.Records, "records", "n", 10_000, "round trips to measure")
	f.IntVarP(&o.RecordSize, "record-size", "s", 100, "value size in bytes")
	f.StringVar(&o.Acks, "acks", "all", "acknowledgements: all or 1")
	f.DurationVar(&o.Interval, "report-interval", 5*time.Second, "progress line interval (0: none)")
	return c
}

func (e *env) perfE2E(ctx context.Context, o perfE2EOpts, progressOut io.Writer) (*perfE2EResult, error) {
	if o.Records < 1 {
		return nil, usageErrorf("--records %d: want at least 1", o.Records)
	}
	if o.Acks == "0" {
		return nil, usageErrorf("--acks 0 is not measurable end to end; use all or 1")
	}
	popts, err := producerOpts("none", o.Acks, 0, 0)
	if err != nil {
		return nil, err
	}
	if _, err := e.ensureTopic(ctx, o.Topic, 1); err != nil {
		return nil, err
	}
	adm, acl, err := e.admin(ctx)
	if err != nil {
		return nil, err
	}
	_, ends, err := e.listOffsets(ctx, adm, o.Topic)
	acl.Close()
	if err != nil {
		return nil, err
	}
	// Partition 0 only: a one-partition topic keeps the measurement free
	// of partitioner effects (EndToEndLatency does the same).
	prod, err := e.client(ctx, append(popts, kgo.DefaultProduceTopic(o.Topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))...)
	if err != nil {
		return nil, err
	}
	defer prod.Close()
	cons, err := e.client(ctx, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		o.Topic: {0: kgo.NewOffset().At(listedOffsetsOf(ends, o.Topic, 0))},
	}), kgo.FetchMaxWait(5*time.Second), kgo.FetchMinBytes(1))
	if err != nil {
		return nil, err
	}
	defer cons.Close()

	value := payload(o.RecordSize)
	lats := newLatencies(int(o.Records))
	var win window
	var done atomic.Int64
	prog := startProgress(progressOut, o.Interval, o.Records, done.Load, func(d time.Duration) string {
		w := win.take(d)
		return fmt.Sprintf("%d round trips, %.3f ms avg latency, %.3f ms max latency.", w.Records, w.AvgLatMs, w.MaxLatMs)
	})
	defer prog.finish()
	start := time.Now()
	key := make([]byte, 8)
	for i := int64(0); i < o.Records; i++ {
		binary.BigEndian.PutUint64(key, uint64(i))
		acked := make(chan error, 1)
		sent := time.Now()
		prod.Produce(ctx, &kgo.Record{Key: key, Value: value, Partition: 0}, func(_ *kgo.Record, err error) { acked <- err })
		if err := waitFor(ctx, cons, i, e.timeout); err != nil {
			return nil, err
		}
		lat := time.Since(sent)
		select {
		case err := <-acked:
			if err != nil {
				return nil, explain("perf e2e: produce", err)
			}
		case <-time.After(e.timeout):
			return nil, fmt.Errorf("perf e2e: record %d was consumed but not acknowledged within %v", i, e.timeout)
		}
		lats.add(lat)
		win.add(len(value), lat)
		done.Add(1)
	}
	res := &perfE2EResult{Topic: o.Topic, Records: o.Records, RecordSize: o.RecordSize, Seconds: time.Since(start).Seconds()}
	res.Latency, res.latencyMs = lats.summary()
	return res, nil
}

// waitFor polls until the record with sequence number seq (its key) arrives.
func waitFor(ctx context.Context, cons *kgo.Client, seq int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		pctx, cancel := context.WithDeadline(ctx, deadline)
		fs := cons.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return fmt.Errorf("perf e2e interrupted at record %d", seq)
		}
		var ferr error
		found := false
		fs.EachError(func(t string, p int32, err error) {
			if pctx.Err() == nil && ferr == nil {
				ferr = explain(fmt.Sprintf("perf e2e: fetch %s/%d", t, p), err)
			}
		})
		if ferr != nil {
			return ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			if len(r.Key) == 8 && int64(binary.BigEndian.Uint64(r.Key)) == seq {
				found = true
			}
		})
		if found {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("perf e2e: record %d not consumed within %v", seq, timeout)
		}
	}
}
