//go:build perf

package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/samsa-io/samsa/internal/broker"
	"github.com/samsa-io/samsa/internal/config"
)

// The workload of issue 3: 100-byte records, 6 partitions, no compression,
// linger 5 ms, the same franz-go settings against both systems.
const (
	recordSize = 100
	partitions = 6
	linger     = 5 * time.Millisecond
	topic      = "bench"
)

// envInt is the positive integer in the environment variable name, or def.
func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

type target struct {
	name  string
	addr  string
	close func()
}

func startSamsa(t *testing.T, durable bool) target {
	dir := t.TempDir()
	cfg, err := config.NewBroker(map[string]string{
		"node.id": "1", "process.roles": "broker,controller",
		"listeners": "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0", "controller.listener.names": "CONTROLLER",
		"log.dirs": dir, "samsa.admin.listener": "", "samsa.acks.all.durable": fmt.Sprint(durable),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return target{name: "samsa", addr: b.Addr("PLAINTEXT").String(), close: func() { b.Shutdown(context.Background()) }}
}

func startKfake(t *testing.T) target {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	return target{name: "kfake", addr: c.ListenAddrs()[0], close: c.Close}
}

func createTopic(t *testing.T, addr string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	res, err := kadm.NewClient(cl).CreateTopics(context.Background(), partitions, 1, nil, topic)
	if err != nil || res[topic].Err != nil {
		t.Fatalf("create topic: %v %v", err, res[topic].Err)
	}
}

// produce sends n records as fast as the client allows and returns records/s.
func produce(t *testing.T, addr string, n int, acks kgo.Acks) float64 {
	opts := []kgo.Opt{kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(linger),
		kgo.RequiredAcks(acks), kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.MaxBufferedRecords(100_000)}
	if acks != kgo.AllISRAcks() {
		opts = append(opts, kgo.DisableIdempotentWrite())
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	value := make([]byte, recordSize)
	var failed atomic.Int64
	start := time.Now()
	for i := range n {
		cl.Produce(context.Background(), &kgo.Record{Value: value, Partition: int32(i % partitions)}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
			}
		})
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d produce failures", f)
	}
	return float64(n) / elapsed.Seconds()
}

// consume reads n records from the start and returns records/s.
func consume(t *testing.T, addr string, n int) float64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(50<<20), kgo.FetchMaxPartitionBytes(10<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	got := 0
	start := time.Now()
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		got += fs.NumRecords()
	}
	return float64(got) / time.Since(start).Seconds()
}

// latency produces at rate records/s for dur and returns the end-to-end
// latencies (produce call to consumer receipt) in sorted order.
func latency(t *testing.T, addr string, rate int, dur time.Duration, lingerFor time.Duration) []time.Duration {
	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(lingerFor),
		kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	cons, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	// Let the consumer find its start offsets before producing: a poll
	// that ends at its deadline with nothing to read.
	warm, cancelWarm := context.WithTimeout(context.Background(), time.Second)
	cons.PollFetches(warm)
	cancelWarm()

	total := int(float64(rate) * dur.Seconds())
	var mu sync.Mutex
	lat := make([]time.Duration, 0, total)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), dur+30*time.Second)
		defer cancel()
		for n := 0; n < total; {
			fs := cons.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) {
				sent, _ := strconv.ParseInt(string(r.Value[:20]), 10, 64)
				mu.Lock()
				lat = append(lat, now.Sub(time.Unix(0, sent)))
				mu.Unlock()
				n++
			})
		}
	}()
	// Pacing as Kafka's ThroughputThrottler does it: send whatever the
	// schedule says is due, then sleep about a millisecond. (Spinning
	// between records would pace them evenly but burn one of the machine's
	// two cores, which the broker and the consumer need.) Each record
	// carries its own send time, so bursts of ~10 records per millisecond
	// are measured exactly.
	start := time.Now()
	for i := 0; i < total; {
		due := min(total, int(time.Since(start).Seconds()*float64(rate))+1)
		for ; i < due; i++ {
			v := fmt.Sprintf("%020d", time.Now().UnixNano()) + strings.Repeat("x", recordSize-20)
			prod.Produce(context.Background(), &kgo.Record{Value: []byte(v), Partition: int32(i % partitions)}, nil)
		}
		time.Sleep(time.Millisecond)
	}
	prod.Flush(context.Background())
	<-done
	slices.Sort(lat)
	return lat
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(float64(len(lat))*p))]
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	return s[len(s)/2]
}

// TestBrokerVsKfake runs the workload against Samsa and kfake in
// one process, interleaved over rounds, and prints medians and ratios.
func TestBrokerVsKfake(t *testing.T) {
	n := envInt("SAMSA_BENCH_RECORDS", 1_000_000) // records per throughput measurement
	rounds := envInt("SAMSA_BENCH_ROUNDS", 5)     // interleaved rounds
	res := map[string][]float64{}
	var durableRatios []float64 // per round: acks=all durable / acks=1, same broker
	for round := range rounds {
		order := []string{"samsa", "kfake"}
		if round%2 == 1 {
			order = []string{"kfake", "samsa"}
		}
		for _, name := range order {
			var tg target
			if name == "samsa" {
				tg = startSamsa(t, true)
			} else {
				tg = startKfake(t)
			}
			createTopic(t, tg.addr)
			var a float64
			// acks=all goes first on odd rounds, so that neither
			// variant always runs while the other's data is still being
			// written back.
			durableFirst := name == "samsa" && round%2 == 1
			if durableFirst {
				createTopicNamed(t, tg.addr, "bench-all")
				a = produceTopic(t, tg.addr, n, "bench-all")
			}
			p := produce(t, tg.addr, n, kgo.LeaderAck())
			c := consume(t, tg.addr, n)
			res[name+" produce acks=1"] = append(res[name+" produce acks=1"], p)
			res[name+" consume"] = append(res[name+" consume"], c)
			if name == "samsa" {
				if !durableFirst {
					createTopicNamed(t, tg.addr, "bench-all")
					a = produceTopic(t, tg.addr, n, "bench-all")
				}
				res["samsa produce acks=all durable"] = append(res["samsa produce acks=all durable"], a)
				durableRatios = append(durableRatios, a/p)
			}
			t.Logf("round %d %s: produce acks=1 %.0f rec/s, consume %.0f rec/s", round, name, p, c)
			tg.close()
		}
	}
	lat := map[string][3]time.Duration{}
	for _, name := range []string{"samsa", "kfake"} {
		for _, lg := range []time.Duration{0, linger} {
			var tg target
			if name == "samsa" {
				tg = startSamsa(t, true)
			} else {
				tg = startKfake(t)
			}
			createTopic(t, tg.addr)
			l := latency(t, tg.addr, 10_000, 5*time.Second, lg)
			lat[fmt.Sprintf("%s linger=%v", name, lg)] = [3]time.Duration{pct(l, 0.5), pct(l, 0.99), pct(l, 0.999)}
			tg.close()
		}
	}
	sp, kp := median(res["samsa produce acks=1"]), median(res["kfake produce acks=1"])
	sc, kc := median(res["samsa consume"]), median(res["kfake consume"])
	sa := median(res["samsa produce acks=all durable"])
	var b strings.Builder
	fmt.Fprintf(&b, "\nBroker performance, %s, %d records of %d B, %d partitions, linger %v, medians of %d rounds\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), n, recordSize, partitions, linger, rounds)
	fmt.Fprintf(&b, "| measurement | Samsa | reference | ratio | target |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| produce, acks=1 | %.0f rec/s (%.1f MB/s) | kfake %.0f rec/s | %.2f | >= 1.0 |\n", sp, sp*recordSize/1e6, kp, sp/kp)
	fmt.Fprintf(&b, "| consume from the start | %.0f rec/s (%.1f MB/s) | kfake %.0f rec/s | %.2f | >= 1.0 |\n", sc, sc*recordSize/1e6, kc, sc/kc)
	fmt.Fprintf(&b, "| produce, acks=all, durable group commit | %.0f rec/s | Samsa acks=1 %.0f rec/s | %.2f (median of per-round ratios %.2f) | >= 0.8 |\n", sa, sp, sa/sp, median(durableRatios))
	for _, k := range []string{"samsa linger=0s", "kfake linger=0s", "samsa linger=5ms", "kfake linger=5ms"} {
		l := lat[k]
		fmt.Fprintf(&b, "| end-to-end latency at 10k rec/s, %s | p50 %v, p99 %v, p99.9 %v | | | p50 <= 1 ms, p99 <= 5 ms |\n", k, l[0].Round(10*time.Microsecond), l[1].Round(10*time.Microsecond), l[2].Round(10*time.Microsecond))
	}
	fmt.Fprintf(&b, "\nRounds: %v\n", res)
	t.Log(b.String())
}

func createTopicNamed(t *testing.T, addr, name string) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopics(context.Background(), partitions, 1, nil, name); err != nil {
		t.Fatal(err)
	}
}

// produceTopic is produce with acks=all and idempotence (franz-go's
// default) to another topic.
func produceTopic(t *testing.T, addr string, n int, name string) float64 {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(name), kgo.ProducerLinger(linger),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.MaxBufferedRecords(100_000))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	value := make([]byte, recordSize)
	start := time.Now()
	for i := range n {
		cl.Produce(context.Background(), &kgo.Record{Value: value, Partition: int32(i % partitions)}, nil)
	}
	if err := cl.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds()
}
