package api

// Fetch: v4-12 advertised, v4-12 served.
//
// Behavior:
//   - Per partition: the partition exists here (UNKNOWN_TOPIC_OR_PARTITION),
//     v9+ CurrentLeaderEpoch is checked (KIP-320: FENCED_LEADER_EPOCH /
//     UNKNOWN_LEADER_EPOCH), the fetch offset lies within the log
//     (OFFSET_OUT_OF_RANGE), and records are returned from the batch holding
//     it, up to the partition's max bytes and below the high watermark
//     (read_uncommitted) or the last stable offset (read_committed).
//   - The response's MaxBytes bounds the total; the first partition with
//     data returns its first batch whole even when larger (KIP-74).
//   - Long poll: with less than MinBytes available, the request waits until
//     an append reaches one of its partitions or MaxWaitMillis passes, then
//     reads again.
//   - v7+ fetch sessions (KIP-227) are not kept: the answer carries session
//     id 0, which tells clients to keep sending full fetches. v11+ rack-aware
//     fetching: PreferredReadReplica is always -1.
//   - Zero copy: records are not read into memory. Each partition's records
//     field carries a placeholder for its file region (wire.RegionResponse),
//     and the server sends the region with sendfile(2) from the page cache
//     to the socket. Regions of files that are not real OS files (tests on a
//     memory file system) are copied instead.
//   - A partition with no records carries an empty, never a null, record
//     set, as Kafka does: librdkafka (<= 2.x) fails to parse a Fetch
//     response whose MessageSetSize is -1.

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/replica"
	"github.com/samsa-io/samsa/internal/storage"
	"github.com/samsa-io/samsa/internal/storage/fileutil"
	"github.com/samsa-io/samsa/internal/wire"
)

func (r *Router) fetch(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.FetchRequest)
	deadline := time.Now().Add(time.Duration(max(in.MaxWaitMillis, 0)) * time.Millisecond)
	var waiter *replica.FetchWaiter
	defer waiter.Close()
	for {
		resp, total, read := r.fetchOnce(rc, in)
		if total >= int(in.MinBytes) || len(read) == 0 || !time.Now().Before(deadline) {
			return resp, nil
		}
		if waiter == nil {
			// Register only now, so fetches that find data never touch the
			// waiter sets. An append between the read and Watch is caught
			// by the end-offset check; one after Watch signals the waiter.
			waiter = replica.NewFetchWaiter()
			moved := false
			for _, pr := range read {
				waiter.Watch(pr.p)
				moved = moved || pr.p.HighWatermark() != pr.hw
			}
			if moved {
				continue
			}
		}
		if !waitForAppend(ctx, deadline, waiter) {
			// Deadline or shutdown: answer with what there is now.
			resp, _, _ := r.fetchOnce(rc, in)
			return resp, nil
		}
	}
}

// partitionRead is a partition a fetch read, and the high watermark it saw.
type partitionRead struct {
	p  *replica.Partition
	hw int64
}

// attachRecords puts a partition's records into the response: a sendfile
// placeholder for a region of a real file, else a copy.
func attachRecords(wrapped *wire.RegionResponse, out *kmsg.FetchResponseTopicPartition, region storage.FileRegion) error {
	if f, ok := region.File.(fileutil.OSFile); ok {
		out.RecordBatches = wrapped.AddRegion(wire.Region{File: f.OSFile(), Offset: region.Position, Size: region.Size})
		return nil
	}
	data, err := region.ReadAll()
	if err != nil {
		return err
	}
	out.RecordBatches = data
	return nil
}

// fetchOnce reads every requested partition once. It returns the response,
// the record bytes in it, and the partitions that were read successfully
// (what a long poll waits on).
func (r *Router) fetchOnce(rc *requestContext, in *kmsg.FetchRequest) (*wire.RegionResponse, int, []partitionRead) {
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = rc.version
	wrapped := wire.NewRegionResponse(resp)
	budget := int(in.MaxBytes)
	if budget <= 0 {
		budget = 1 << 30
	}
	total := 0
	var read []partitionRead
	for _, t := range in.Topics {
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic = t.Topic
		for _, tp := range t.Partitions {
			out := kmsg.NewFetchResponseTopicPartition()
			out.Partition = tp.Partition
			out.HighWatermark, out.LastStableOffset, out.LogStartOffset = -1, -1, -1
			out.PreferredReadReplica = -1
			// Never null: Kafka sends an empty record set, and librdkafka
			// rejects a null one ("invalid MessageSetSize -1").
			out.RecordBatches = []byte{}
			p, err := r.fetchablePartition(t.Topic, tp, rc.version)
			if err != nil {
				out.ErrorCode = errorCode(err)
				rt.Partitions = append(rt.Partitions, out)
				continue
			}
			hw := p.HighWatermark()
			read = append(read, partitionRead{p, hw})
			visible := hw
			if in.IsolationLevel == 1 {
				visible = p.LastStableOffset()
			}
			out.HighWatermark, out.LastStableOffset = hw, p.LastStableOffset()
			out.LogStartOffset = p.Log().LogStartOffset()
			maxBytes := min(int(tp.PartitionMaxBytes), budget)
			rr, err := p.Log().Read(tp.FetchOffset, maxBytes, visible, total == 0)
			if err != nil {
				out.ErrorCode = errorCode(err)
				if errors.Is(err, storage.ErrOffsetOutOfRange) {
					out.LogStartOffset = rr.LogStartOffset
				}
				rt.Partitions = append(rt.Partitions, out)
				continue
			}
			if rr.Region.Size > 0 {
				if err := attachRecords(wrapped, &out, rr.Region); err != nil {
					out.ErrorCode = errorCode(err)
				} else {
					total += int(rr.Region.Size)
					budget -= int(rr.Region.Size)
					p.AddBytesOut(rr.Region.Size)
				}
			}
			rt.Partitions = append(rt.Partitions, out)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return wrapped, total, read
}

// fetchablePartition finds the partition and checks the client's epoch.
func (r *Router) fetchablePartition(topic string, tp kmsg.FetchRequestTopicPartition, version int16) (*replica.Partition, error) {
	p, err := r.deps.Replicas.Partition(topic, tp.Partition)
	if err != nil {
		return nil, err
	}
	if version >= 9 {
		if err := p.CheckEpoch(tp.CurrentLeaderEpoch); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// waitForAppend blocks until an append to a partition w watches, the
// deadline, or the end of ctx. It reports whether an append woke it.
func waitForAppend(ctx context.Context, deadline time.Time, w *replica.FetchWaiter) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-w.C:
		return true
	case <-timer.C:
		return false
	case <-ctx.Done():
		return false
	}
}
