//go:build compat

package compat

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFranzGo: franz-go kgo + kadm against the binary (the in-process
// variant is internal/broker's TestProduceConsumeWithFranzGo). Every codec,
// idempotent producer (kgo's default), partitions assigned directly.
func TestFranzGo(t *testing.T) {
	s := makeSpec("franz-go", "compat-franz-go", allCodecs, specOptions{})
	scenario(t, s, phases{
		create: func(t *testing.T, s *spec) { kadmCreate(t, s.Topic) },
		run:    runFranz,
		delete: func(t *testing.T, s *spec) { kadmDelete(t, s.Topic) },
	})
}

func runFranz(t *testing.T, s *spec) *result {
	res := &result{Client: "franz-go", Version: modVersion("github.com/twmb/franz-go") + ", kadm " + modVersion("github.com/twmb/franz-go/pkg/kadm")}
	ctx := stepCtx(t)
	codecOf := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	for _, c := range s.Codecs {
		cl := newFranz(t, kgo.ProducerBatchCompression(codecOf[c]), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic(s.Topic))
		var rs []*kgo.Record
		for _, r := range s.Records {
			if r.Codec != c {
				continue
			}
			kr := &kgo.Record{Partition: r.Partition, Key: r.Key, Value: r.Value}
			for _, h := range r.Headers {
				kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
			}
			rs = append(rs, kr)
		}
		if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
			t.Fatalf("franz-go produce (%s): %v", c, err)
		}
		cl.Close()
		time.Sleep(codecPause)
	}
	want := s.expected(nil)
	offsets := map[int32]kgo.Offset{}
	remaining := 0
	for p := int32(0); p < numPartitions; p++ {
		offsets[p] = kgo.NewOffset().AtStart()
		remaining += len(want[p])
	}
	cl := newFranz(t, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.Topic: offsets}))
	for remaining > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("franz-go consume: timed out with %d records left", remaining)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("franz-go fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			c := consumed{Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp.UnixMilli()}
			for _, h := range r.Headers {
				c.Headers = append(c.Headers, header{h.Key, h.Value})
			}
			res.Records = append(res.Records, c)
			remaining--
		})
	}
	cl.Close()
	adm := kadm.NewClient(newFranz(t))
	for _, q := range lookupQueries(res.Records) {
		p, ts := q.Partition, q.Timestamp
		lo, err := adm.ListOffsetsAfterMilli(ctx, ts, s.Topic)
		if err != nil {
			t.Fatalf("kadm ListOffsetsAfterMilli: %v", err)
		}
		o, _ := lo.Lookup(s.Topic, p)
		if o.Err != nil {
			t.Fatalf("kadm ListOffsetsAfterMilli %d: %v", p, o.Err)
		}
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o.Offset, Method: "kadm.ListOffsetsAfterMilli"})
	}
	return res
}

// modVersion is a Go dependency's version as the module graph resolves it.
func modVersion(path string) string {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path)
	cmd.Dir = repoRoot()
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
