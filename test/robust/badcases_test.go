package robust

import (
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/record"
)

// TestOversizedFrameRefusedWithoutAllocating runs the binary (so that RSS is
// the broker's alone) with the default socket.request.max.bytes (100 MiB):
//   - a frame declaring 2 GiB is refused on its size prefix and the
//     connection closed;
//   - frames declaring 100 MiB (allowed) whose bytes never come hold only
//     what actually arrived (wire.ReadFrame grows the buffer as bytes arrive).
//
// Neither may cost memory in proportion to the declared sizes (2.8 GiB in
// all): neither RSS nor the Go heap's cumulative allocations (which count
// even allocations the kernel never backs with pages) may grow by more than
// 64 MiB.
func TestOversizedFrameRefusedWithoutAllocating(t *testing.T) {
	n := newNode(t, nil)
	n.start()
	n.waitReady(30 * time.Second)
	// One ordinary round trip first, so that lazy start-up allocations are
	// not counted against the frames.
	meta := kmsg.NewPtrMetadataRequest()
	meta.SetVersion(12)
	dialRaw(t, n.addr).roundTrip(meta)
	pid := n.pid()
	rss0 := vmRSS(t, pid)
	alloc0 := metric(t, n.adminAddr, "go_memstats_alloc_bytes_total")

	huge := dialRaw(t, n.addr)
	prefix := binary.BigEndian.AppendUint32(nil, 1<<31-1)
	// Body bytes after the prefix: the broker must not read them into a
	// 2 GiB buffer. The write may fail once the broker has closed.
	huge.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := huge.nc.Write(append(prefix, make([]byte, 1<<20)...)); err != nil && !isConnReset(err) && !errors.Is(err, io.ErrClosedPipe) {
		t.Logf("write after an oversized prefix: %v", err)
	}
	huge.expectClosed("a frame declaring 2 GiB with socket.request.max.bytes = 100 MiB")

	const stalled = 8
	for range stalled {
		c := dialRaw(t, n.addr)
		frame := binary.BigEndian.AppendUint32(nil, 100<<20)
		frame = append(frame, make([]byte, 1024)...)
		if _, err := c.nc.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	// Let the broker read what was sent (this is not a timing assertion:
	// reading later would only make the check pass vacuously).
	time.Sleep(300 * time.Millisecond)
	rss1 := vmRSS(t, pid)
	alloc1 := metric(t, n.adminAddr, "go_memstats_alloc_bytes_total")
	t.Logf("RSS %d MiB → %d MiB; Go allocations during the test %.1f MiB (declared: 2 GiB + %d × 100 MiB)",
		rss0>>20, rss1>>20, (alloc1-alloc0)/(1<<20), stalled)
	if grew := rss1 - rss0; grew > 64<<20 {
		t.Errorf("RSS grew by %d MiB", grew>>20)
	}
	if grew := alloc1 - alloc0; grew > 64<<20 {
		t.Errorf("the Go heap allocated %.0f MiB", grew/(1<<20))
	}
	// Still serving.
	dialRaw(t, n.addr).roundTrip(meta)
	if !n.running() {
		t.Fatal("samsa exited")
	}
}

// TestProduceErrorCodes: specific bad produce requests get the Kafka error
// Kafka gives, or a closed connection where Kafka closes it.
func TestProduceErrorCodes(t *testing.T) {
	b := startInProcess(t, map[string]string{"auto.create.topics.enable": "false"})
	ctx := testContext(t, 30*time.Second)
	if res, err := kadm.NewClient(newClient(t, b.addr)).CreateTopics(ctx, 1, 1, nil, "codes"); err != nil || res.Error() != nil {
		t.Fatalf("create topic: %v %v", err, res.Error())
	}
	waitHosted(t, b.addr, "codes", 1)
	good := func() []byte {
		batch, err := record.Build(record.DefaultBatchOptions(), []record.Record{{Timestamp: time.Now().UnixMilli(), Key: []byte("k"), Value: []byte("value")}})
		if err != nil {
			t.Fatal(err)
		}
		return batch
	}

	t.Run("bad CRC is CORRUPT_MESSAGE", func(t *testing.T) {
		batch := good()
		batch[len(batch)-1] ^= 0xff // in the last record, covered by the CRC
		resp := produce(t, b.addr, 9, -1, "codes", 0, batch)
		wantProduceError(t, resp, kerr.CorruptMessage)
	})
	t.Run("missing topic is UNKNOWN_TOPIC_OR_PARTITION", func(t *testing.T) {
		resp := produce(t, b.addr, 9, -1, "no-such-topic", 0, good())
		wantProduceError(t, resp, kerr.UnknownTopicOrPartition)
	})
	t.Run("missing partition is UNKNOWN_TOPIC_OR_PARTITION", func(t *testing.T) {
		resp := produce(t, b.addr, 9, -1, "codes", 7, good())
		wantProduceError(t, resp, kerr.UnknownTopicOrPartition)
	})
	t.Run("acks=2 is INVALID_REQUIRED_ACKS", func(t *testing.T) {
		resp := produce(t, b.addr, 9, 2, "codes", 0, good())
		wantProduceError(t, resp, kerr.InvalidRequiredAcks)
	})
	t.Run("Produce v2 closes the connection", func(t *testing.T) {
		// v0-2 are advertised (librdkafka, KAFKA-18659) but not served;
		// Kafka 4 closes the connection, and so do we.
		c := dialRaw(t, b.addr)
		req := produceRequest(2, -1, "codes", 0, good())
		c.send(req)
		c.expectClosed("Produce v2")
	})
	t.Run("acks=all with timeout 0 succeeds", func(t *testing.T) {
		// Kafka answers at once with what can be had: on one node the ISR
		// is the leader, and the durable sync runs one round whatever the
		// deadline (storage.Log.WaitDurable).
		req := produceRequest(9, -1, "codes", 0, good())
		req.TimeoutMillis = 0
		resp := dialRaw(t, b.addr).roundTrip(req).(*kmsg.ProduceResponse)
		wantProduceError(t, resp.Topics[0].Partitions[0], nil)
	})
	t.Run("a good produce still works", func(t *testing.T) {
		for _, v := range []int16{3, 9, 11} {
			resp := produce(t, b.addr, v, -1, "codes", 0, good())
			wantProduceError(t, resp, nil)
		}
	})
}

// produceRequest is a one-partition Produce request.
func produceRequest(version, acks int16, topic string, partition int32, batch []byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(version)
	req.Acks = acks
	req.TimeoutMillis = 10_000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition = partition
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// produce sends a one-partition Produce on a new connection and returns the
// partition's answer.
func produce(t *testing.T, addr string, version, acks int16, topic string, partition int32, batch []byte) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	resp := dialRaw(t, addr).roundTrip(produceRequest(version, acks, topic, partition, batch)).(*kmsg.ProduceResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("Produce v%d: answer has %d topics", version, len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// wantProduceError checks a partition's error code (nil: success).
func wantProduceError(t *testing.T, p kmsg.ProduceResponseTopicPartition, want *kerr.Error) {
	t.Helper()
	code := int16(0)
	if want != nil {
		code = want.Code
	}
	if p.ErrorCode != code {
		msg := ""
		if p.ErrorMessage != nil {
			msg = *p.ErrorMessage
		}
		t.Errorf("error code %d (%v) %q, want %d (%v)", p.ErrorCode, kerr.ErrorForCode(p.ErrorCode), msg, code, want)
	}
}

// waitHosted waits until the broker hosts every partition of topic.
// CreateTopics answers once the controller committed the topic; the broker
// applies the new metadata asynchronously, and until then answers
// UNKNOWN_TOPIC_OR_PARTITION, which clients retry (as in Kafka).
func waitHosted(t *testing.T, addr, topic string, partitions int32) {
	t.Helper()
	c := dialRaw(t, addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		req := kmsg.NewPtrListOffsetsRequest()
		req.SetVersion(7)
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = topic
		for p := range partitions {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = p, -1, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp := c.roundTrip(req).(*kmsg.ListOffsetsResponse)
		ok := len(resp.Topics) == 1 && len(resp.Topics[0].Partitions) == int(partitions)
		for _, p := range resp.Topics[0].Partitions {
			ok = ok && p.ErrorCode == 0
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not hosted after 10s", topic)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
