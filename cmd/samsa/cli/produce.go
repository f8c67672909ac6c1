package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kgo"
)

// maxLine bounds one input line (one record) of produce.
const maxLine = 64 << 20

func produceCmd(e *env) *cobra.Command {
	var (
		file, format, keySep, compression, acks string
		headers                                 []string
		partition                               int32
		linger                                  time.Duration
	)
	c := &cobra.Command{
		Use:   "produce TOPIC",
		Short: "Produce records read from stdin or a file, one per line",
		Long: `produce reads records, one per line, from stdin or --file and sends them to TOPIC.

Formats (--format):
  line  the line is the value; with --key-separator SEP, the text before the
        first SEP is the key and the rest the value (a line without SEP is an
        error). Empty lines are skipped.
  json  each line is an object {"key": "k" or null, "value": "v",
        "headers": [{"key": "h", "value": "x"}], "partition": 0}; every field
        is optional. This is what 'samsa consume --output json' prints, so the
        two round-trip.

All or nothing: the whole input is read and checked before the first record
is sent, so a malformed line, an unknown topic or a partition out of range
sends nothing. (The input must therefore fit in memory; split huge inputs.)`,
		Example: `  printf 'k1:hello\nk2:world\n' | samsa produce orders -K : -H source=cli
  samsa produce orders --file records.jsonl --format json --compression zstd --acks 1`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: e.completeTopics,
		RunE: func(cmd *cobra.Command, args []string) error {
			topic := args[0]
			copts, err := producerOpts(compression, acks, linger, 0)
			if err != nil {
				return err
			}
			static, err := parseHeaders(headers)
			if err != nil {
				return err
			}
			var in io.Reader = e.stdin
			if file != "" && file != "-" {
				f, err := os.Open(file)
				if err != nil {
					return usageErrorf("--file: %v", err)
				}
				defer f.Close()
				in = f
			}
			recs, err := readRecords(in, format, keySep, partition)
			if err != nil {
				return err
			}
			for _, r := range recs {
				r.Topic = topic
				r.Headers = append(append([]kgo.RecordHeader(nil), static...), r.Headers...)
			}
			ctx := cmd.Context()
			adm, acl, err := e.admin(ctx)
			if err != nil {
				return err
			}
			td, err := requireTopics(ctx, e, adm, topic)
			acl.Close()
			if err != nil {
				return err
			}
			nparts := int32(len(td[topic].Partitions))
			for i, r := range recs {
				if r.Partition >= nparts {
					return usageErrorf("record %d: partition %d out of range: topic %s has partitions 0-%d; nothing sent", i+1, r.Partition, topic, nparts-1)
				}
			}
			// Records with an explicit partition use the manual
			// partitioner; the rest go through the default one (sticky,
			// key-hashed like Kafka's).
			copts = append(copts, kgo.RecordPartitioner(mixedPartitioner{kgo.StickyKeyPartitioner(nil)}))
			cl, err := e.client(ctx, copts...)
			if err != nil {
				return err
			}
			defer cl.Close()
			sum, err := produceAll(ctx, cl, recs)
			if err != nil {
				return err
			}
			sum.Topic = topic
			if e.json() {
				return e.printJSON(sum)
			}
			fmt.Fprintf(e.stderr, "produced %d records (%d bytes) to %s\n", sum.Records, sum.Bytes, topic)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&file, "file", "f", "", "read records from this file instead of stdin")
	f.StringVar(&format, "format", "line", "input format: line or json")
	f.StringVarP(&keySep, "key-separator", "K", "", "in line format, split key and value at the first occurrence of this string")
	f.StringArrayVarP(&headers, "header", "H", nil, "header key=value added to every record (repeatable)")
	f.Int32VarP(&partition, "partition", "p", -1, "send every record to this partition (-1: partition by key)")
	f.StringVarP(&compression, "compression", "z", "none", "batch compression: none, gzip, snappy, lz4 or zstd")
	f.StringVar(&acks, "acks", "all", "acknowledgements: all (-1), 1 or 0")
	f.DurationVar(&linger, "linger", 0, "how long to wait to fill a batch")
	c.RegisterFlagCompletionFunc("format", fixedCompletion("line", "json"))
	c.RegisterFlagCompletionFunc("compression", fixedCompletion("none", "gzip", "snappy", "lz4", "zstd"))
	c.RegisterFlagCompletionFunc("acks", fixedCompletion("all", "1", "0"))
	return c
}

// producerOpts turns the common producer flags into kgo options.
func producerOpts(compression, acks string, linger time.Duration, batchBytes int32) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	switch strings.ToLower(compression) {
	case "none", "":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		return nil, usageErrorf("--compression %q: want none, gzip, snappy, lz4 or zstd", compression)
	}
	switch acks {
	case "all", "-1":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		// Idempotence needs acks=all (KIP-98); franz-go refuses otherwise.
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, usageErrorf("--acks %q: want all, 1 or 0", acks)
	}
	if linger < 0 {
		return nil, usageErrorf("--linger %v: must not be negative", linger)
	}
	opts = append(opts, kgo.ProducerLinger(linger))
	if batchBytes < 0 {
		return nil, usageErrorf("--batch-size %d: must not be negative", batchBytes)
	}
	if batchBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(batchBytes))
	}
	return opts, nil
}

func parseHeaders(hs []string) ([]kgo.RecordHeader, error) {
	var out []kgo.RecordHeader
	for _, h := range hs {
		k, v, ok := strings.Cut(h, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--header %q: want key=value", h)
		}
		out = append(out, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	return out, nil
}

// jsonRecord is the json input format (and a subset of consume's JSON).
type jsonRecord struct {
	Key       *string      `json:"key"`
	Value     *string      `json:"value"`
	Headers   []jsonHeader `json:"headers"`
	Partition *int32       `json:"partition"`
}

type jsonHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// readRecords parses all of in. Any malformed line fails the whole input,
// naming the line.
func readRecords(in io.Reader, format, keySep string, partition int32) ([]*kgo.Record, error) {
	if format != "line" && format != "json" {
		return nil, usageErrorf("--format %q: want line or json", format)
	}
	if partition < -1 {
		return nil, usageErrorf("--partition %d: want a partition number, or -1", partition)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var recs []*kgo.Record
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if len(line) == 0 {
			continue
		}
		r := &kgo.Record{Partition: partition}
		switch format {
		case "line":
			if keySep == "" {
				r.Value = bytes.Clone(line)
				break
			}
			k, v, ok := bytes.Cut(line, []byte(keySep))
			if !ok {
				return nil, usageErrorf("line %d: no key separator %q; nothing sent", n, keySep)
			}
			r.Key, r.Value = bytes.Clone(k), bytes.Clone(v)
		case "json":
			var jr jsonRecord
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&jr); err != nil {
				// Consume's JSON carries more fields (offset, ...); accept
				// those, reject anything that is not an object.
				if err2 := json.Unmarshal(line, &jr); err2 != nil {
					return nil, usageErrorf("line %d: not a JSON record: %v; nothing sent", n, err2)
				}
			}
			if jr.Key != nil {
				r.Key = []byte(*jr.Key)
			}
			if jr.Value != nil {
				r.Value = []byte(*jr.Value)
			}
			for _, h := range jr.Headers {
				r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: []byte(h.Value)})
			}
			if jr.Partition != nil && partition == -1 {
				if *jr.Partition < 0 {
					return nil, usageErrorf("line %d: partition %d is negative; nothing sent", n, *jr.Partition)
				}
				r.Partition = *jr.Partition
			}
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("reading records: %v; nothing sent", err)
	}
	return recs, nil
}

// mixedPartitioner sends records with Partition >= 0 there and the others
// through the default partitioner.
type mixedPartitioner struct{ def kgo.Partitioner }

func (m mixedPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return mixedTopic{m.def.ForTopic(t)}
}

type mixedTopic struct{ def kgo.TopicPartitioner }

func (m mixedTopic) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || m.def.RequiresConsistency(r)
}

func (m mixedTopic) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 {
		return int(r.Partition)
	}
	return m.def.Partition(r, n)
}

// produceSummary is what produce reports.
type produceSummary struct {
	Topic      string             `json:"topic"`
	Records    int                `json:"records"`
	Bytes      int64              `json:"bytes"`
	Partitions map[int32][2]int64 `json:"partitions"` // first and last offset per partition
}

// produceAll sends recs and waits for every acknowledgement.
func produceAll(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) (*produceSummary, error) {
	var mu sync.Mutex
	var firstErr error
	sum := &produceSummary{Partitions: map[int32][2]int64{}}
	for _, r := range recs {
		sum.Bytes += int64(len(r.Key) + len(r.Value))
		cl.Produce(ctx, r, func(r *kgo.Record, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			sum.Records++
			fl, ok := sum.Partitions[r.Partition]
			if !ok {
				fl = [2]int64{r.Offset, r.Offset}
			}
			fl[0], fl[1] = min(fl[0], r.Offset), max(fl[1], r.Offset)
			sum.Partitions[r.Partition] = fl
		})
	}
	if err := cl.Flush(ctx); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return nil, explain(fmt.Sprintf("produce: %d of %d records acknowledged", sum.Records, len(recs)), firstErr)
	}
	return sum, nil
}
