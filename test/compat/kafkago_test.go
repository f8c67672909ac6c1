//go:build compat

package compat

import (
	"context"
	"errors"
	"log"
	"os"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

// TestKafkaGo: segmentio/kafka-go. Topic admin with kafka.Client
// (CreateTopics/DeleteTopics), a Writer per codec whose Balancer sends each
// record to its spec partition, a Reader per partition with Partition set and
// no GroupID, and both time lookups: Conn.ReadOffset (ListOffsets v1 on the
// Conn path) and kafka.Client.ListOffsets (the Transport path).
func TestKafkaGo(t *testing.T) {
	s := makeSpec("kafka-go", "compat-kafka-go", allCodecs, specOptions{})
	cl := &kafka.Client{Addr: kafka.TCP(brokerAddr), Timeout: 30 * time.Second}
	scenario(t, s, phases{
		create: func(t *testing.T, s *spec) {
			res, err := cl.CreateTopics(stepCtx(t), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: s.Topic, NumPartitions: numPartitions, ReplicationFactor: 1}}})
			if err == nil {
				err = res.Errors[s.Topic]
			}
			if err != nil {
				t.Fatalf("kafka-go CreateTopics: %v", err)
			}
		},
		run: func(t *testing.T, s *spec) *result { return runKafkaGo(t, cl, s) },
		delete: func(t *testing.T, s *spec) {
			res, err := cl.DeleteTopics(stepCtx(t), &kafka.DeleteTopicsRequest{Topics: []string{s.Topic}})
			if err == nil {
				err = res.Errors[s.Topic]
			}
			if err != nil {
				t.Fatalf("kafka-go DeleteTopics: %v", err)
			}
		},
	})
}

var kafkaGoCodecs = map[string]kafka.Compression{
	"none": compress.None, "gzip": kafka.Gzip, "snappy": kafka.Snappy, "lz4": kafka.Lz4, "zstd": kafka.Zstd,
}

func kafkaGoLogger(prefix string) kafka.Logger {
	if os.Getenv("COMPAT_DEBUG") == "" {
		return nil
	}
	return log.New(os.Stderr, prefix, log.Lmicroseconds)
}

func runKafkaGo(t *testing.T, cl *kafka.Client, s *spec) *result {
	res := &result{Client: "kafka-go", Version: modVersion("github.com/segmentio/kafka-go")}
	ctx := stepCtx(t)
	// The Writer ignores Message.Partition; a Balancer places each record.
	partitionOf := map[string]int{}
	for _, r := range s.Records {
		partitionOf[string(r.Value)] = int(r.Partition)
	}
	for _, c := range s.Codecs {
		w := &kafka.Writer{
			Addr:         kafka.TCP(s.Bootstrap),
			Topic:        s.Topic,
			Balancer:     kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { return partitionOf[string(m.Value)] }),
			Compression:  kafkaGoCodecs[c],
			RequiredAcks: kafka.RequireAll,
			BatchSize:    1000,
			BatchTimeout: 10 * time.Millisecond,
			WriteTimeout: 30 * time.Second,
			ReadTimeout:  30 * time.Second,
			Logger:       kafkaGoLogger("[kafka-go writer] "),
		}
		var msgs []kafka.Message
		for _, r := range s.Records {
			if r.Codec != c {
				continue
			}
			m := kafka.Message{Key: r.Key, Value: r.Value}
			for _, h := range r.Headers {
				m.Headers = append(m.Headers, kafka.Header{Key: h.Key, Value: h.Value})
			}
			msgs = append(msgs, m)
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("kafka-go WriteMessages (%s): %v", c, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("kafka-go writer close: %v", err)
		}
		time.Sleep(codecPause)
	}
	want := s.expected(nil)
	for p := 0; p < numPartitions; p++ {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:   []string{s.Bootstrap},
			Topic:     s.Topic,
			Partition: p,
			MinBytes:  1,
			MaxBytes:  1 << 20,
			MaxWait:   500 * time.Millisecond,
			Logger:    kafkaGoLogger("[kafka-go reader] "),
		})
		if err := r.SetOffset(kafka.FirstOffset); err != nil {
			t.Fatalf("kafka-go Reader.SetOffset: %v", err)
		}
		for n := 0; n < len(want[int32(p)]); n++ {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("kafka-go ReadMessage partition %d after %d records: %v", p, n, err)
			}
			c := consumed{Partition: int32(m.Partition), Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Time.UnixMilli()}
			for _, h := range m.Headers {
				c.Headers = append(c.Headers, header{h.Key, h.Value})
			}
			res.Records = append(res.Records, c)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("kafka-go reader close: %v", err)
		}
	}
	for _, q := range lookupQueries(res.Records) {
		p, ts := q.Partition, q.Timestamp
		// Conn path: ListOffsets v1 on a connection to the leader.
		conn, err := kafka.DialLeader(ctx, "tcp", s.Bootstrap, s.Topic, int(p))
		if err != nil {
			t.Fatalf("kafka-go DialLeader: %v", err)
		}
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		o, err := conn.ReadOffset(time.UnixMilli(ts))
		conn.Close()
		if err != nil {
			t.Fatalf("kafka-go Conn.ReadOffset(%d) partition %d: %v", ts, p, err)
		}
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o, Method: "Conn.ReadOffset"})
		// Client path.
		o, err = kafkaGoListOffset(ctx, cl, s.Topic, int(p), ts)
		if err != nil {
			t.Fatalf("kafka-go Client.ListOffsets(%d) partition %d: %v", ts, p, err)
		}
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o, Method: "Client.ListOffsets"})
	}
	return res
}

// kafkaGoListOffset asks kafka.Client.ListOffsets for one partition and
// time. The answer comes back as PartitionOffsets.Offsets, one entry:
// offset → the timestamp asked for (kafka-go puts the request's timestamp
// there), with offset -1 when no record is at or after it.
func kafkaGoListOffset(ctx context.Context, cl *kafka.Client, topic string, p int, ts int64) (int64, error) {
	resp, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {{Partition: p, Timestamp: ts}}}})
	if err != nil {
		return 0, err
	}
	for _, po := range resp.Topics[topic] {
		if po.Partition != p {
			continue
		}
		if po.Error != nil {
			return 0, po.Error
		}
		for o := range po.Offsets {
			return o, nil
		}
		return 0, errors.New("no offset in the answer")
	}
	return 0, errors.New("partition missing from the answer")
}
