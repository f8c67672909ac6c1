package api

// OffsetForLeaderEpoch: v2-4 advertised, v2-4 served.
//
// Behavior:
//   - For a consumer (ReplicaID -1) validating its position after a leader
//     change (KIP-320): CurrentLeaderEpoch is checked (FENCED_LEADER_EPOCH /
//     UNKNOWN_LEADER_EPOCH); for a requested epoch at or below the current
//     one, the answer is the current epoch and the log end offset. On a
//     single node the leader epoch never changes, so every epoch up to the
//     current one ends at the log end. With replication this becomes a
//     lookup in the leader-epoch cache (leader-epoch-checkpoint).
//   - A requested epoch above the current one: UNDEFINED (-1, -1), as Kafka
//     answers.
//   - v3+ ReplicaID: only consumers (-1) for now.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (r *Router) offsetForLeaderEpoch(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.OffsetForLeaderEpochRequest)
	resp := kmsg.NewPtrOffsetForLeaderEpochResponse()
	resp.Version = rc.version
	for _, t := range in.Topics {
		rt := kmsg.NewOffsetForLeaderEpochResponseTopic()
		rt.Topic = t.Topic
		for _, tp := range t.Partitions {
			out := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			out.Partition = tp.Partition
			out.LeaderEpoch, out.EndOffset = -1, -1
			p, err := r.deps.Replicas.Partition(t.Topic, tp.Partition)
			if err == nil {
				err = p.CheckEpoch(tp.CurrentLeaderEpoch)
			}
			if err != nil {
				out.ErrorCode = errorCode(err)
			} else if epoch := p.LeaderEpoch(); tp.LeaderEpoch <= epoch {
				out.LeaderEpoch, out.EndOffset = epoch, p.Log().LogEndOffset()
			}
			rt.Partitions = append(rt.Partitions, out)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
