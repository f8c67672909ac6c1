package api

// OffsetCommit: v2-8 advertised, v2-8 served.
//
// Behavior:
//   - A group member commits with its member id and generation: UNKNOWN_MEMBER_ID,
//     ILLEGAL_GENERATION, FENCED_INSTANCE_ID (v7+, KIP-345), and
//     REBALANCE_IN_PROGRESS while the group awaits its assignment. A commit
//     during PreparingRebalance is accepted, as in Kafka.
//   - Generation -1 with an empty member id is a standalone commit (a
//     consumer that assigns partitions itself): allowed while the group has
//     no members, creating the group if needed; UNKNOWN_MEMBER_ID otherwise.
//     Any other generation for an unknown group is ILLEGAL_GENERATION.
//   - Per partition: one that does not exist is UNKNOWN_TOPIC_OR_PARTITION
//     while the others commit; metadata longer than offset.metadata.max.bytes
//     is OFFSET_METADATA_TOO_LARGE.
//   - The answer waits until the offset records are committed in
//     __consumer_offsets (the durable acks=all path), bounded by
//     offsets.commit.timeout.ms (REQUEST_TIMED_OUT).
//   - v2-4 RetentionTimeMillis is ignored: offsets.retention.minutes applies
//     (KIP-211). v6+ leader epochs are stored and returned by OffsetFetch.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/replica"
)

func (r *Router) offsetCommit(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.OffsetCommitRequest)
	resp := kmsg.NewPtrOffsetCommitResponse()
	resp.Version = rc.version
	img := r.deps.Controller.Image()
	cr := group.CommitRequest{Group: in.Group, MemberID: in.MemberID, Generation: in.Generation}
	if rc.version >= 7 {
		cr.InstanceID = in.InstanceID
	}
	// errs is per request partition, in order; idx maps a commit to it.
	var errs [][]error
	var idx [][2]int
	for ti, t := range in.Topics {
		errs = append(errs, make([]error, len(t.Partitions)))
		for pi, p := range t.Partitions {
			if !r.partitionExists(img, t.Topic, p.Partition) {
				errs[ti][pi] = replica.ErrUnknownTopicOrPartition
				continue
			}
			epoch := int32(-1)
			if rc.version >= 6 {
				epoch = p.LeaderEpoch
			}
			cr.Offsets = append(cr.Offsets, group.OffsetCommit{TopicPartition: group.TopicPartition{Topic: t.Topic, Partition: p.Partition},
				Offset: p.Offset, LeaderEpoch: epoch, Metadata: p.Metadata})
			idx = append(idx, [2]int{ti, pi})
		}
	}
	if len(cr.Offsets) > 0 {
		g, err := r.groups()
		var results []error
		if err == nil {
			results, err = g.CommitOffsets(ctx, cr)
		}
		for i, at := range idx {
			if err != nil {
				errs[at[0]][at[1]] = err
			} else {
				errs[at[0]][at[1]] = results[i]
			}
		}
	}
	for ti, t := range in.Topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for pi, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = errorCode(errs[ti][pi])
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
