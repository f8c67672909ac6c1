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

// perfConsumeOpts are perf consume's knobs.
type perfConsumeOpts struct {
	Topic     string
	Records   int64 // 0: everything in the topic when the run starts
	Consumers int
	Group     string
	Interval  time.Duration
}

// perfConsumeResult is perf consume's summary (kafka-consumer-perf-test's
// columns).
type perfConsumeResult struct {
	Topic     string  `json:"topic"`
	Records   int64   `json:"records"`
	Bytes     int64   `json:"bytes"`
	Consumers int     `json:"consumers"`
	Seconds   float64 `json:"seconds"`
	RecPerSec float64 `json:"records_per_sec"`
	MBPerSec  float64 `json:"mb_per_sec"`
	Fetches   int64   `json:"fetches"`
}

func perfConsumeCmd(e *env) *cobra.Command {
	o := perfConsumeOpts{}
	c := &cobra.Command{
		Use:   "consume",
		Short: "Read a topic from the beginning as fast as possible and report throughput",
		Long: `perf consume reads --topic from the beginning with --consumers clients
(partitions split between them, or shared through --group) until it has read
--records records (default: all the records in the topic when it starts), and
reports records/s and MB/s like kafka-consumer-perf-test.`,
		Example: `  samsa perf produce --records 1000000 && samsa perf consume --consumers 3`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := e.perfConsume(cmd.Context(), o, e.stderr)
			if err != nil {
				return err
			}
			if e.json() {
				return e.printJSON(res)
			}
			fmt.Fprintf(e.stdout, "%d records consumed, %.2f MB in %.2f s, %s, %d fetches.\n",
				res.Records, float64(res.Bytes)/mib, res.Seconds, fmtRate(res.RecPerSec, res.MBPerSec), res.Fetches)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Topic, "topic", "t", "samsa-perf", "topic to read")
	f.Int64VarP(&o.Records, "records", "n", 0, "records to read (0: all present at the start)")
	f.IntVar(&o.Consumers, "consumers", 1, "parallel consumer clients")
	f.StringVarP(&o.Group, "group", "g", "", "share partitions through this consumer group instead of splitting them")
	f.DurationVar(&o.Interval, "report-interval", 5*time.Second, "progress line interval (0: none)")
	return c
}

func (e *env) perfConsume(ctx context.Context, o perfConsumeOpts, progressOut io.Writer) (*perfConsumeResult, error) {
	if o.Consumers < 1 {
		return nil, usageErrorf("--consumers %d: want at least 1", o.Consumers)
	}
	if o.Records < 0 {
		return nil, usageErrorf("--records %d: must not be negative", o.Records)
	}
	adm, acl, err := e.admin(ctx)
	if err != nil {
		return nil, err
	}
	td, err := requireTopics(ctx, e, adm, o.Topic)
	if err != nil {
		acl.Close()
		return nil, err
	}
	starts, ends, err := e.listOffsets(ctx, adm, o.Topic)
	acl.Close()
	if err != nil {
		return nil, err
	}
	parts := td[o.Topic].Partitions.Numbers()
	var available int64
	for _, p := range parts {
		available += listedOffsetsOf(ends, o.Topic, p) - listedOffsetsOf(starts, o.Topic, p)
	}
	target := o.Records
	if target == 0 {
		target = available
	}
	if target == 0 {
		return nil, fmt.Errorf("topic %s is empty; write to it first, e.g. 'samsa perf produce --topic %s'", o.Topic, o.Topic)
	}

	var clients []*kgo.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 0; i < o.Consumers; i++ {
		opts := []kgo.Opt{kgo.FetchMaxWait(500 * time.Millisecond)}
		if o.Group != "" {
			opts = append(opts, kgo.ConsumerGroup(o.Group), kgo.ConsumeTopics(o.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit())
		} else {
			offs := map[int32]kgo.Offset{}
			for j, p := range parts {
				if j%o.Consumers == i {
					offs[p] = kgo.NewOffset().At(listedOffsetsOf(starts, o.Topic, p))
				}
			}
			if len(offs) == 0 {
				break // more consumers than partitions: the rest idle
			}
			opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{o.Topic: offs}))
		}
		cl, err := e.client(ctx, opts...)
		if err != nil {
			return nil, err
		}
		clients = append(clients, cl)
	}

	var recs, bytes, fetches, lastProgress atomic.Int64
	var win window
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	lastProgress.Store(start.UnixNano())
	prog := startProgress(progressOut, o.Interval, target, recs.Load, func(d time.Duration) string {
		w := win.take(d)
		return fmt.Sprintf("%d records consumed, %s.", w.Records, fmtRate(w.RecPerSec, w.MBPerSec))
	})
	var wg sync.WaitGroup
	var errOnce sync.Once
	var fetchErr error
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				fs := cl.PollFetches(runCtx)
				fs.EachError(func(t string, p int32, err error) {
					if runCtx.Err() == nil {
						errOnce.Do(func() { fetchErr = explain(fmt.Sprintf("fetch %s/%d", t, p), err); stop() })
					}
				})
				n, b := int64(0), int64(0)
				fs.EachRecord(func(r *kgo.Record) {
					n++
					b += int64(len(r.Key) + len(r.Value))
					win.add(len(r.Key)+len(r.Value), 0)
				})
				if n > 0 {
					fetches.Add(1)
					bytes.Add(b)
					lastProgress.Store(time.Now().UnixNano())
					if recs.Add(n) >= target {
						stop()
					}
				}
			}
		}()
	}
	// Watchdog: a consumer that stops making progress (records asked for
	// that never come) ends the run with an error instead of hanging.
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if time.Since(time.Unix(0, lastProgress.Load())) > e.timeout {
					errOnce.Do(func() {
						fetchErr = fmt.Errorf("perf consume: no records for %v after %d of %d; is --records more than the topic holds?", e.timeout, recs.Load(), target)
						stop()
					})
					return
				}
			}
		}
	}()
	wg.Wait()
	elapsed := time.Since(start)
	prog.finish()
	if fetchErr != nil {
		return nil, fetchErr
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("perf consume interrupted after %d records", recs.Load())
	}
	res := &perfConsumeResult{Topic: o.Topic, Records: recs.Load(), Bytes: bytes.Load(), Consumers: o.Consumers,
		Seconds: elapsed.Seconds(), Fetches: fetches.Load()}
	res.RecPerSec = float64(res.Records) / elapsed.Seconds()
	res.MBPerSec = float64(res.Bytes) / mib / elapsed.Seconds()
	return res, nil
}

func firstNonNil(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
