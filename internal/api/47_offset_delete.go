package api

// OffsetDelete: v0 advertised, v0 served.
//
// Behavior (KIP-496):
//   - An Empty group's offsets for the named partitions are deleted
//     (tombstones); partitions without an offset succeed too.
//   - A "consumer" group with members keeps the offsets of topics its
//     members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC for those partitions)
//     and deletes the others; a group of any other protocol type with
//     members is NON_EMPTY_GROUP.
//   - GROUP_ID_NOT_FOUND for an unknown group; top-level NOT_COORDINATOR and
//     COORDINATOR_LOAD_IN_PROGRESS as for other group requests.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) offsetDelete(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.OffsetDeleteRequest)
	resp := kmsg.NewPtrOffsetDeleteResponse()
	resp.Version = rc.version
	var tps []group.TopicPartition
	for _, t := range in.Topics {
		for _, p := range t.Partitions {
			tps = append(tps, group.TopicPartition{Topic: t.Topic, Partition: p.Partition})
		}
	}
	g, err := r.groups()
	var errs []error
	if err == nil {
		errs, err = g.DeleteOffsets(ctx, in.Group, tps)
	}
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return resp, nil
	}
	i := 0
	for _, t := range in.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = errorCode(errs[i])
			i++
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
