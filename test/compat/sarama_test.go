//go:build compat

package compat

import (
	"fmt"
	"log"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// TestSarama: IBM/sarama at three Config.Version settings: V2_1_0_0 (the
// oldest that has zstd and that Kafka 4 accepts), sarama's default, and its
// newest. Topic admin with ClusterAdmin, an idempotent SyncProducer per
// codec with a manual partitioner, sarama.NewConsumer + ConsumePartition (no
// group), Client.GetOffset for the time lookups.
func TestSarama(t *testing.T) {
	if os.Getenv("COMPAT_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
		sarama.DebugLogger = sarama.Logger
	}
	seen := map[sarama.KafkaVersion]bool{}
	for _, v := range []sarama.KafkaVersion{sarama.V2_1_0_0, sarama.DefaultVersion, sarama.MaxVersion} {
		if seen[v] {
			continue
		}
		seen[v] = true
		t.Run("Version="+v.String(), func(t *testing.T) {
			topic := "compat-sarama-" + strings.ReplaceAll(v.String(), ".", "-")
			s := makeSpec("sarama", topic, allCodecs, specOptions{})
			scenario(t, s, phases{
				create: func(t *testing.T, s *spec) { saramaAdmin(t, v, s, true) },
				run:    func(t *testing.T, s *spec) *result { return runSarama(t, v, s) },
				delete: func(t *testing.T, s *spec) { saramaAdmin(t, v, s, false) },
			})
		})
	}
	recordVersion("sarama", modVersion("github.com/IBM/sarama")+fmt.Sprintf(" (Config.Version %s, %s, %s)", sarama.V2_1_0_0, sarama.DefaultVersion, sarama.MaxVersion))
}

func saramaConfig(v sarama.KafkaVersion) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = v
	cfg.ClientID = "samsa-compat"
	cfg.Net.DialTimeout = 10 * time.Second
	cfg.Net.ReadTimeout = 60 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Admin.Timeout = 30 * time.Second
	cfg.Metadata.AllowAutoTopicCreation = false
	return cfg
}

func saramaAdmin(t *testing.T, v sarama.KafkaVersion, s *spec, create bool) {
	t.Helper()
	adm, err := sarama.NewClusterAdmin([]string{s.Bootstrap}, saramaConfig(v))
	if err != nil {
		t.Fatalf("sarama NewClusterAdmin: %v", err)
	}
	defer adm.Close()
	if create {
		err = adm.CreateTopic(s.Topic, &sarama.TopicDetail{NumPartitions: numPartitions, ReplicationFactor: 1}, false)
	} else {
		err = adm.DeleteTopic(s.Topic)
	}
	if err != nil {
		t.Fatalf("sarama ClusterAdmin create=%v %s: %v", create, s.Topic, err)
	}
}

var saramaCodecs = map[string]sarama.CompressionCodec{
	"none": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
	"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
}

func runSarama(t *testing.T, v sarama.KafkaVersion, s *spec) *result {
	res := &result{Client: "sarama", Version: modVersion("github.com/IBM/sarama")}
	for _, c := range s.Codecs {
		cfg := saramaConfig(v)
		cfg.Producer.Compression = saramaCodecs[c]
		cfg.Producer.Partitioner = sarama.NewManualPartitioner
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
		cfg.Producer.Return.Successes = true
		cfg.Producer.Timeout = 30 * time.Second
		prod, err := sarama.NewSyncProducer([]string{s.Bootstrap}, cfg)
		if err != nil {
			t.Fatalf("sarama NewSyncProducer (%s): %v", c, err)
		}
		var msgs []*sarama.ProducerMessage
		for _, r := range s.Records {
			if r.Codec != c {
				continue
			}
			m := &sarama.ProducerMessage{Topic: s.Topic, Partition: r.Partition, Value: sarama.ByteEncoder(r.Value)}
			if r.Key != nil {
				m.Key = sarama.ByteEncoder(r.Key)
			}
			for _, h := range r.Headers {
				m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h.Key), Value: h.Value})
			}
			msgs = append(msgs, m)
		}
		if err := prod.SendMessages(msgs); err != nil {
			t.Fatalf("sarama SendMessages (%s): %v", c, err)
		}
		if err := prod.Close(); err != nil {
			t.Fatalf("sarama producer close: %v", err)
		}
		time.Sleep(codecPause)
	}

	client, err := sarama.NewClient([]string{s.Bootstrap}, saramaConfig(v))
	if err != nil {
		t.Fatalf("sarama NewClient: %v", err)
	}
	defer client.Close()
	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatalf("sarama NewConsumer: %v", err)
	}
	want := s.expected(nil)
	deadline := time.After(stepTimeout)
	for p := int32(0); p < numPartitions; p++ {
		pc, err := cons.ConsumePartition(s.Topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("sarama ConsumePartition %d: %v", p, err)
		}
		for n := 0; n < len(want[p]); n++ {
			select {
			case m := <-pc.Messages():
				c := consumed{Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp.UnixMilli()}
				for _, h := range m.Headers {
					c.Headers = append(c.Headers, header{string(h.Key), h.Value})
				}
				res.Records = append(res.Records, c)
			case err := <-pc.Errors():
				t.Fatalf("sarama consume partition %d: %v", p, err)
			case <-deadline:
				t.Fatalf("sarama consume partition %d: timed out after %d records", p, n)
			}
		}
		if err := pc.Close(); err != nil {
			t.Fatalf("sarama partition consumer close: %v", err)
		}
	}
	if err := cons.Close(); err != nil {
		t.Fatalf("sarama consumer close: %v", err)
	}
	for _, q := range lookupQueries(res.Records) {
		p, ts := q.Partition, q.Timestamp
		o, err := client.GetOffset(s.Topic, p, ts)
		if err != nil {
			t.Fatalf("sarama GetOffset(%d, %d): %v", p, ts, err)
		}
		res.TimeLookups = append(res.TimeLookups, timeLookup{Partition: p, Timestamp: ts, Offset: o, Method: "Client.GetOffset"})
	}
	return res
}
