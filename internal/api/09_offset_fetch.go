package api

// OffsetFetch: v1-8 advertised, v1-8 served.
//
// Behavior:
//   - Each partition asked for gets its committed offset, leader epoch (v5+)
//     and metadata, or offset -1 and empty metadata when none is committed
//     (also for a group that does not exist).
//   - v2+: a null topic list means every partition the group has an offset
//     for. Group-level errors (NOT_COORDINATOR,
//     COORDINATOR_LOAD_IN_PROGRESS) go in the top-level ErrorCode from v2;
//     v1 has none, so each partition carries it.
//   - v7 RequireStable is accepted: without transactions no offset is ever
//     pending, so UNSTABLE_OFFSET_COMMIT never applies.
//   - v8 asks for several groups at once (KIP-709), each answered on its own.

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) offsetFetch(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.OffsetFetchRequest)
	resp := kmsg.NewPtrOffsetFetchResponse()
	resp.Version = rc.version
	if rc.version >= 8 {
		for _, rg := range in.Groups {
			out := kmsg.NewOffsetFetchResponseGroup()
			out.Group = rg.Group
			var topics map[string][]int32
			var order []string
			if rg.Topics != nil {
				topics = map[string][]int32{}
				for _, t := range rg.Topics {
					order = append(order, t.Topic)
					topics[t.Topic] = t.Partitions
				}
			}
			got, err := r.fetchOffsets(ctx, rg.Group, order, topics)
			out.ErrorCode = errorCode(err)
			for _, ft := range got {
				ot := kmsg.NewOffsetFetchResponseGroupTopic()
				ot.Topic = ft.topic
				for _, fp := range ft.partitions {
					op := kmsg.NewOffsetFetchResponseGroupTopicPartition()
					op.Partition, op.Offset, op.LeaderEpoch, op.Metadata = fp.partition, fp.offset, fp.epoch, fp.metadata
					ot.Partitions = append(ot.Partitions, op)
				}
				out.Topics = append(out.Topics, ot)
			}
			resp.Groups = append(resp.Groups, out)
		}
		return resp, nil
	}
	var topics map[string][]int32
	var order []string
	if in.Topics != nil || rc.version < 2 {
		topics = map[string][]int32{}
		for _, t := range in.Topics {
			order = append(order, t.Topic)
			topics[t.Topic] = t.Partitions
		}
	}
	got, err := r.fetchOffsets(ctx, in.Group, order, topics)
	if rc.version >= 2 {
		resp.ErrorCode = errorCode(err)
	}
	for _, ft := range got {
		ot := kmsg.NewOffsetFetchResponseTopic()
		ot.Topic = ft.topic
		for _, fp := range ft.partitions {
			op := kmsg.NewOffsetFetchResponseTopicPartition()
			op.Partition, op.Offset, op.LeaderEpoch, op.Metadata = fp.partition, fp.offset, fp.epoch, fp.metadata
			if rc.version < 2 {
				op.ErrorCode = errorCode(err)
			}
			ot.Partitions = append(ot.Partitions, op)
		}
		resp.Topics = append(resp.Topics, ot)
	}
	return resp, nil
}

type fetchedTopic struct {
	topic      string
	partitions []fetchedPartition
}

type fetchedPartition struct {
	partition int32
	offset    int64
	epoch     int32
	metadata  *string
}

// fetchOffsets looks up one group's offsets: of the partitions in topics
// (in order), or all when topics is nil. On a group-level error the
// partitions asked for come back with offset -1 (and none for "all").
func (r *Router) fetchOffsets(ctx context.Context, groupID string, order []string, topics map[string][]int32) ([]fetchedTopic, error) {
	all := topics == nil
	var tps []group.TopicPartition
	for _, t := range order {
		for _, p := range topics[t] {
			tps = append(tps, group.TopicPartition{Topic: t, Partition: p})
		}
	}
	g, err := r.groups()
	var offsets map[group.TopicPartition]group.OffsetValue
	if err == nil {
		offsets, err = g.FetchOffsets(ctx, groupID, tps, all)
	}
	if all {
		byTopic := map[string][]group.TopicPartition{}
		for tp := range offsets {
			if _, ok := byTopic[tp.Topic]; !ok {
				order = append(order, tp.Topic)
			}
			byTopic[tp.Topic] = append(byTopic[tp.Topic], tp)
		}
		slices.Sort(order)
		topics = map[string][]int32{}
		for _, t := range order {
			ps := byTopic[t]
			for _, tp := range ps {
				topics[t] = append(topics[t], tp.Partition)
			}
			slices.Sort(topics[t])
		}
	}
	var out []fetchedTopic
	for _, t := range order {
		ft := fetchedTopic{topic: t}
		for _, p := range topics[t] {
			fp := fetchedPartition{partition: p, offset: -1, epoch: -1}
			empty := ""
			fp.metadata = &empty
			if o, ok := offsets[group.TopicPartition{Topic: t, Partition: p}]; ok {
				md := o.Metadata
				fp.offset, fp.epoch, fp.metadata = o.Offset, o.LeaderEpoch, &md
			}
			ft.partitions = append(ft.partitions, fp)
		}
		out = append(out, ft)
	}
	return out, err
}
