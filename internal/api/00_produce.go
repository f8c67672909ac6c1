package api

// Produce: v0-11 advertised, v3-11 served.
//
// Behavior:
//   - v0-2 (message format v0/v1) are advertised only so librdkafka <= 2.11.0
//     keeps compression enabled (KAFKA-18659); they are refused by closing
//     the connection, as Kafka 4 does.
//   - acks must be 0, 1 or -1 (INVALID_REQUIRED_ACKS). acks=0 gets no
//     response at all.
//   - Per partition, in Kafka's order (shared/reference/kafka-protocol.md
//     §4.4): the partition exists here (UNKNOWN_TOPIC_OR_PARTITION); exactly
//     one magic-2 batch (INVALID_RECORD; zstd below v7 is
//     UNSUPPORTED_COMPRESSION_TYPE); no larger than max.message.bytes
//     (MESSAGE_TOO_LARGE); framing and CRC (CORRUPT_MESSAGE); producer
//     checks (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH; a retried
//     duplicate is answered with its original offset).
//   - __consumer_offsets is written only by the group coordinator: a produce
//     to it is INVALID_TOPIC_EXCEPTION, as Kafka refuses appends to internal
//     topics from clients.
//   - Compressed batches are stored as sent. For LogAppendTime topics the
//     broker stamps the append time and returns it.
//   - Every partition is appended first, then the request waits for acks on
//     each (group commit covers them together), bounded by TimeoutMillis
//     (REQUEST_TIMED_OUT).
//   - v8+ ErrorMessage says what was wrong.
//   - Not yet: transactional batches (INVALID_TXN_STATE until transactions
//     exist), per-record timestamp-range and compacted-key checks.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/replica"
)

// errTransactionsUnsupported: transactional batches before transactions exist.
var errTransactionsUnsupported = errors.New("api: transactional produce is not supported yet")

func (r *Router) produce(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.ProduceRequest)
	resp := kmsg.NewPtrProduceResponse()
	resp.Version = rc.version
	acksErr := error(nil)
	if in.Acks != 0 && in.Acks != 1 && in.Acks != -1 {
		acksErr = fmt.Errorf("%w: %d", replica.ErrInvalidRequiredAcks, in.Acks)
	}
	var waits []pending
	now := time.Now().UnixMilli()
	for _, t := range in.Topics {
		rt := kmsg.NewProduceResponseTopic()
		rt.Topic = t.Topic
		rt.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(t.Partitions))
		for i, tp := range t.Partitions {
			out := &rt.Partitions[i]
			*out = kmsg.NewProduceResponseTopicPartition()
			out.Partition = tp.Partition
			p, res, err := r.appendPartition(t.Topic, tp, rc.version, acksErr, now)
			if err != nil {
				setProduceError(out, rc.version, err)
				continue
			}
			out.BaseOffset = res.FirstOffset
			out.LogAppendTime = res.LogAppendTime
			out.LogStartOffset = res.LogStartOffset
			waits = append(waits, pending{p, out, res.LastOffset + 1})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if in.Acks == 0 {
		return nil, nil
	}
	// The acks wait outlives a shutdown's cancellation (the write is done;
	// its durability is what the producer waits for), bounded by the
	// request's own timeout.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(max(in.TimeoutMillis, 0))*time.Millisecond)
	defer cancel()
	waitAll(wctx, in.Acks, waits, func(w pending, err error) { setProduceError(w.out, rc.version, err) })
	return resp, nil
}

// maxConcurrentSyncs bounds how many partitions of one request wait for
// their fdatasync at once: each waiter may hold an OS thread in a blocking
// syscall, so a request to 1,000 partitions must not start 1,000 of them.
const maxConcurrentSyncs = 16

// waitAll waits for acks on every appended partition. With acks=all the
// waits (each a log's group-commit fdatasync) run concurrently, so a
// request pays for its slowest partitions rather than the sum of all.
func waitAll(ctx context.Context, acks int16, waits []pending, fail func(pending, error)) {
	if acks != -1 || len(waits) < 2 {
		for _, w := range waits {
			if err := w.p.WaitAcks(ctx, acks, w.end); err != nil {
				fail(w, err)
			}
		}
		return
	}
	sem := make(chan struct{}, maxConcurrentSyncs)
	var wg sync.WaitGroup
	for _, w := range waits {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := w.p.WaitAcks(ctx, acks, w.end); err != nil {
				fail(w, err) // each waiter writes only its own partition's answer
			}
		})
	}
	wg.Wait()
}

// pending is an appended partition whose acks are still to be waited for.
type pending struct {
	p   *replica.Partition
	out *kmsg.ProduceResponseTopicPartition
	end int64
}

// appendPartition validates and appends one partition's batch.
func (r *Router) appendPartition(topic string, tp kmsg.ProduceRequestTopicPartition, version int16, acksErr error, now int64) (*replica.Partition, appendResult, error) {
	if acksErr != nil {
		return nil, appendResult{}, acksErr
	}
	if topic == group.TopicName {
		// Only the group coordinator writes its topic, as in Kafka: a
		// client's record there would have to be replayed as group state.
		return nil, appendResult{}, fmt.Errorf("%w: cannot append to internal topic %s", controller.ErrInvalidTopic, topic)
	}
	p, err := r.deps.Replicas.Partition(topic, tp.Partition)
	if err != nil {
		return nil, appendResult{}, err
	}
	b, err := record.ValidateProduce(tp.Records, version >= 7)
	if err != nil {
		return nil, appendResult{}, err
	}
	if max := r.deps.Topics.MaxMessageBytes(topic); len(b) > max {
		return nil, appendResult{}, fmt.Errorf("%w: %d bytes, max.message.bytes is %d", errMessageTooLarge, len(b), max)
	}
	if b.Transactional() {
		return nil, appendResult{}, errTransactionsUnsupported
	}
	appendTime := int64(-1)
	if r.deps.Topics.LogAppendTime(topic) {
		appendTime = now
	}
	res, err := p.Append(b, appendTime)
	if err != nil {
		return nil, appendResult{}, err
	}
	return p, appendResult{FirstOffset: res.FirstOffset, LastOffset: res.LastOffset, LogAppendTime: res.LogAppendTime, LogStartOffset: res.LogStartOffset}, nil
}

type appendResult struct {
	FirstOffset, LastOffset, LogAppendTime, LogStartOffset int64
}

func setProduceError(out *kmsg.ProduceResponseTopicPartition, version int16, err error) {
	out.ErrorCode = errorCode(err)
	out.BaseOffset = -1
	out.LogAppendTime = -1
	out.LogStartOffset = -1
	if version >= 8 {
		msg := err.Error()
		out.ErrorMessage = &msg
	}
}
