package api

// DeleteRecords: v0-2 advertised, v0-2 served.
//
// Behavior:
//   - Per partition, the log start offset moves forward to the requested
//     offset (KIP-107): records below it can no longer be fetched, segments
//     wholly below it are deleted, and ListOffsets earliest returns it. The
//     answer's LowWatermark is the new log start offset (-1 on error).
//   - Offset -1 means the high watermark (delete everything committed). Any
//     other negative offset, or one past the high watermark, is
//     OFFSET_OUT_OF_RANGE: uncommitted records cannot be deleted. An offset
//     at or below the current log start changes nothing and answers the
//     current start.
//   - The partition must be hosted here (UNKNOWN_TOPIC_OR_PARTITION), and
//     its cleanup.policy must include delete (POLICY_VIOLATION), as Kafka's
//     Partition.deleteRecordsOnLeader checks: compaction alone promises to
//     keep each key's latest record.
//   - TimeoutMillis is not used: Kafka waits for followers to move their
//     start offsets too, and a single node has none.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/storage"
)

// errPolicyViolation: DeleteRecords on a topic whose cleanup.policy does not
// include delete.
var errPolicyViolation = errors.New("api: request violates the topic's policy")

func (r *Router) deleteRecords(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DeleteRecordsRequest)
	resp := kmsg.NewPtrDeleteRecordsResponse()
	resp.Version = rc.version
	for _, t := range in.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		for _, tp := range t.Partitions {
			out := kmsg.NewDeleteRecordsResponseTopicPartition()
			out.Partition = tp.Partition
			out.LowWatermark = -1
			low, err := r.deleteRecordsBefore(t.Topic, tp.Partition, tp.Offset)
			if err != nil {
				out.ErrorCode = errorCode(err)
			} else {
				out.LowWatermark = low
			}
			rt.Partitions = append(rt.Partitions, out)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

// deleteRecordsBefore moves one partition's log start offset and returns the
// new one.
func (r *Router) deleteRecordsBefore(topic string, partition int32, offset int64) (int64, error) {
	p, err := r.deps.Replicas.Partition(topic, partition)
	if err != nil {
		return -1, err
	}
	if !slices.Contains(r.deps.Topics.CleanupPolicy(topic), "delete") {
		return -1, fmt.Errorf("%w: records of %s-%d cannot be deleted: cleanup.policy does not include delete", errPolicyViolation, topic, partition)
	}
	// On a single node the high watermark is the log end offset and only
	// grows, so an offset checked here still passes the log's own check
	// (against the log end offset, under the log lock).
	hw := p.HighWatermark()
	if offset == -1 {
		offset = hw
	}
	if offset < 0 || offset > hw {
		return -1, fmt.Errorf("%w: cannot delete records before %d of %s-%d: the high watermark is %d", storage.ErrOffsetOutOfRange, offset, topic, partition, hw)
	}
	return p.Log().DeleteRecordsBefore(offset)
}
