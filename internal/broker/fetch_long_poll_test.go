package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFetchLongPollWakesOnAppend: a fetch waiting on several empty
// partitions (MinBytes 1, MaxWait far longer than the test) answers with
// the records as soon as one of them gets an append, and a fetch whose
// partitions stay empty answers empty when MaxWait passes. The waits
// themselves are the assertion: a missed wake-up would hold the first fetch
// for its full 60 s MaxWait, past the test's context.
func TestFetchLongPollWakesOnAppend(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := client(t, b)
	createTopic(t, ctx, kadm.NewClient(cl), "polled", 4, nil)

	fetch := func(maxWait int32, partitions ...int32) *kmsg.FetchResponse {
		req := kmsg.NewPtrFetchRequest()
		req.MaxWaitMillis, req.MinBytes, req.MaxBytes = maxWait, 1, 1<<20
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic = "polled"
		for _, p := range partitions {
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.Partition, rp.PartitionMaxBytes, rp.CurrentLeaderEpoch = p, 1<<20, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl.Broker(1))
		if err != nil {
			t.Error(err) // not Fatal: also called from another goroutine
			return kmsg.NewPtrFetchResponse()
		}
		return resp
	}

	// The partitions are servable once the broker applied the metadata,
	// which may trail CreateTopics' answer a little.
	eventually(t, "partitions servable", func() error {
		for _, p := range fetch(0, 0, 1, 2, 3).Topics[0].Partitions {
			if p.ErrorCode != 0 {
				return fmt.Errorf("partition %d: %v", p.Partition, kerr.ErrorForCode(p.ErrorCode))
			}
		}
		return nil
	})

	done := make(chan *kmsg.FetchResponse, 1)
	go func() { done <- fetch(60_000, 0, 1, 2, 3) }()
	// Produce to partition 2 until the fetch answers: the first append may
	// land before the fetch started waiting, which it must also see.
	prod := client(t, b, kgo.DefaultProduceTopic("polled"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var resp *kmsg.FetchResponse
	for resp == nil {
		if err := prod.ProduceSync(ctx, &kgo.Record{Partition: 2, Value: []byte("wake")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		select {
		case resp = <-done:
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("the long poll was not woken by appends")
		}
	}
	if len(resp.Topics) != 1 {
		t.Fatalf("response %+v", resp)
	}
	for _, p := range resp.Topics[0].Partitions {
		if got := len(p.RecordBatches) > 0; got != (p.Partition == 2) || p.ErrorCode != 0 {
			t.Errorf("partition %d: %d record bytes", p.Partition, len(p.RecordBatches))
		}
	}

	// Nothing arrives on 0, 1, 3: the fetch ends at MaxWait, empty.
	resp = fetch(300, 0, 1, 3)
	if len(resp.Topics) != 1 {
		t.Fatalf("response %+v", resp)
	}
	for _, p := range resp.Topics[0].Partitions {
		if p.ErrorCode != 0 || len(p.RecordBatches) != 0 {
			t.Errorf("partition %d: error %d, %d record bytes", p.Partition, p.ErrorCode, len(p.RecordBatches))
		}
	}
}
