package api

// ListOffsets: v1-9 advertised, v1-9 served.
//
// Behavior:
//   - Timestamp -1 (latest): the high watermark, or the last stable offset
//     for read_committed; -2 (earliest) and -4 (earliest local, v8+): the log
//     start offset; -3 (max timestamp, v7+, KIP-734): the offset of the record
//     with the largest timestamp; -5 (latest tiered, v9+): no tiered storage,
//     so -1 offset as Kafka answers without it; t >= 0: the earliest offset
//     whose record timestamp is >= t, or -1 when every record is older.
//   - v4+ CurrentLeaderEpoch is checked (KIP-320) and the response carries
//     the current leader epoch.
//   - Offsets at or past the high watermark are never returned for a time
//     lookup: a consumer must not be pointed at uncommitted data.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func (r *Router) listOffsets(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.ListOffsetsRequest)
	resp := kmsg.NewPtrListOffsetsResponse()
	resp.Version = rc.version
	for _, t := range in.Topics {
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = t.Topic
		for _, tp := range t.Partitions {
			out := kmsg.NewListOffsetsResponseTopicPartition()
			out.Partition = tp.Partition
			out.Timestamp, out.Offset, out.LeaderEpoch = -1, -1, -1
			off, ts, epoch, err := r.listOffset(t.Topic, tp, in.IsolationLevel, rc.version)
			if err != nil {
				out.ErrorCode = errorCode(err)
			} else {
				out.Offset, out.Timestamp, out.LeaderEpoch = off, ts, epoch
			}
			rt.Partitions = append(rt.Partitions, out)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

func (r *Router) listOffset(topic string, tp kmsg.ListOffsetsRequestTopicPartition, isolation int8, version int16) (offset, ts int64, epoch int32, err error) {
	p, err := r.deps.Replicas.Partition(topic, tp.Partition)
	if err != nil {
		return 0, 0, 0, err
	}
	if version >= 4 {
		if err := p.CheckEpoch(tp.CurrentLeaderEpoch); err != nil {
			return 0, 0, 0, err
		}
	}
	epoch = p.LeaderEpoch()
	hw := p.HighWatermark()
	if isolation == 1 {
		hw = p.LastStableOffset()
	}
	log := p.Log()
	switch tp.Timestamp {
	case -1:
		return hw, -1, epoch, nil
	case -2, -4:
		return log.LogStartOffset(), -1, epoch, nil
	case -3:
		off, mts, found, err := log.MaxTimestamp()
		if err != nil {
			return 0, 0, 0, err
		}
		if !found || off >= hw {
			return -1, -1, epoch, nil
		}
		return off, mts, epoch, nil
	case -5:
		return -1, -1, epoch, nil
	}
	off, rts, found, err := log.OffsetForTimestamp(tp.Timestamp)
	if err != nil {
		return 0, 0, 0, err
	}
	if !found || off >= hw {
		return -1, -1, epoch, nil
	}
	return off, rts, epoch, nil
}
