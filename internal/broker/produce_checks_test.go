package broker

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/record"
)

// produceRaw sends one batch to partition 0 of topic with acks=1 and
// returns the partition's answer.
func produceRaw(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, b record.Batch) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = 1, 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = b
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl.Broker(1))
	if err != nil {
		t.Fatal(err)
	}
	if req.Version < 8 {
		t.Fatalf("sent Produce v%d; RecordErrors need v8+", req.Version)
	}
	return resp.Topics[0].Partitions[0]
}

func buildBatch(t *testing.T, c record.Compression, records ...record.Record) record.Batch {
	t.Helper()
	b, err := record.Build(record.BatchOptions{Compression: c, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}, records)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProducePerRecordChecks: the per-record rules of a topic's
// configuration (shared/reference/kafka-protocol.md §4.4): a compacted
// topic refuses null keys with INVALID_RECORD, CreateTime timestamps out of
// message.timestamp.before/after.max.ms get INVALID_TIMESTAMP, both naming
// the record (KIP-467), and nothing of a refused batch is stored.
func TestProducePerRecordChecks(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := client(t, b)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, "compacted", 1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")})
	createTopic(t, ctx, adm, "bounded", 1, map[string]*string{"message.timestamp.before.max.ms": kadm.StringPtr("60000")})
	createTopic(t, ctx, adm, "appendtime", 1, map[string]*string{"message.timestamp.type": kadm.StringPtr("LogAppendTime")})
	now := time.Now().UnixMilli()

	for _, tc := range []struct {
		name, topic string
		batch       record.Batch
		wantErr     error // nil: stored
		wantRecord  int32
	}{
		{"compacted, keyed", "compacted", buildBatch(t, record.CompressionNone, record.Record{Timestamp: now, Key: []byte("k"), Value: []byte("v")}), nil, 0},
		{"compacted, null key", "compacted", buildBatch(t, record.CompressionLZ4,
			record.Record{Timestamp: now, Key: []byte("k")}, record.Record{Timestamp: now, Value: []byte("no key")}), kerr.InvalidRecord, 1},
		{"an hour and more ahead", "bounded", buildBatch(t, record.CompressionNone,
			record.Record{Timestamp: now}, record.Record{Timestamp: now + 2*3600_000}), kerr.InvalidTimestamp, 1},
		{"more than a minute behind", "bounded", buildBatch(t, record.CompressionGzip,
			record.Record{Timestamp: now - 10*60_000}), kerr.InvalidTimestamp, 0},
		{"within bounds", "bounded", buildBatch(t, record.CompressionNone, record.Record{Timestamp: now - 1000}), nil, 0},
		{"LogAppendTime ignores producer timestamps", "appendtime", buildBatch(t, record.CompressionNone, record.Record{Timestamp: 1}), nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := produceRaw(t, ctx, cl, tc.topic, tc.batch)
			if tc.wantErr == nil {
				if p.ErrorCode != 0 {
					t.Fatalf("error %v: %v", kerr.ErrorForCode(p.ErrorCode), p.ErrorMessage)
				}
				return
			}
			if err := kerr.ErrorForCode(p.ErrorCode); err != tc.wantErr {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if len(p.ErrorRecords) != 1 || p.ErrorRecords[0].RelativeOffset != tc.wantRecord || p.ErrorMessage == nil {
				t.Fatalf("record errors %+v (message %v), want record %d", p.ErrorRecords, p.ErrorMessage, tc.wantRecord)
			}
		})
	}
	// Only the accepted batches are in the logs.
	ends, err := adm.ListEndOffsets(ctx, "compacted", "bounded", "appendtime")
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]int64{"compacted": 1, "bounded": 1, "appendtime": 1} {
		if o, _ := ends.Lookup(topic, 0); o.Offset != want {
			t.Errorf("%s: end offset %d, want %d", topic, o.Offset, want)
		}
	}
}

// TestProduceTopicCompressionType: a topic whose compression.type names a
// codec stores every batch in it, whatever the producer sent, and the
// records read back unchanged.
func TestProduceTopicCompressionType(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := client(t, b)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, "zipped", 1, map[string]*string{"compression.type": kadm.StringPtr("gzip")})
	createTopic(t, ctx, adm, "plain", 1, map[string]*string{"compression.type": kadm.StringPtr("uncompressed")})
	now := time.Now().UnixMilli()
	recs := []record.Record{{Timestamp: now, Key: []byte("a"), Value: []byte("one")}, {Timestamp: now + 1, Value: []byte("two")}}
	for topic, sent := range map[string]record.Compression{"zipped": record.CompressionSnappy, "plain": record.CompressionZstd} {
		if p := produceRaw(t, ctx, cl, topic, buildBatch(t, sent, recs...)); p.ErrorCode != 0 {
			t.Fatalf("%s: %v", topic, kerr.ErrorForCode(p.ErrorCode))
		}
	}
	for topic, want := range map[string]record.Compression{"zipped": record.CompressionGzip, "plain": record.CompressionNone} {
		stored := fetchBatch(t, ctx, cl, topic)
		if stored.Compression() != want {
			t.Errorf("%s: stored with %v, want %v", topic, stored.Compression(), want)
		}
		got, err := stored.Records()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || string(got[0].Key) != "a" || string(got[0].Value) != "one" || got[1].Key != nil || string(got[1].Value) != "two" || got[1].Timestamp != now+1 {
			t.Errorf("%s: records %+v", topic, got)
		}
	}
}

// fetchBatch reads the first stored batch of partition 0.
func fetchBatch(t *testing.T, ctx context.Context, cl *kgo.Client, topic string) record.Batch {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis, req.MaxBytes = 10, 1<<20
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes, rp.CurrentLeaderEpoch = 1<<20, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl.Broker(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := record.ParseBatch(resp.Topics[0].Partitions[0].RecordBatches)
	if err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	return b
}
