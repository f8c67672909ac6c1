package broker

import (
	"context"
	"time"

	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/metadata"
	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/replica"
)

// offsetsLog is the coordinator.PartitionWriter and PartitionReader of
// __consumer_offsets: the local replica partitions, written as an acks=all
// produce would be (so samsa.acks.all.durable makes a commit wait for
// fdatasync, like any acknowledged write).
type offsetsLog struct {
	replicas *replica.Manager
}

func (o offsetsLog) partition(p int32) (*replica.Partition, error) {
	return o.replicas.Partition(group.TopicName, p)
}

// Append implements coordinator.PartitionWriter.
func (o offsetsLog) Append(p int32, b record.Batch) (int64, error) {
	part, err := o.partition(p)
	if err != nil {
		return 0, err
	}
	res, err := part.Append(b, -1)
	if err != nil {
		return 0, err
	}
	return res.LastOffset + 1, nil
}

// WaitCommitted implements coordinator.PartitionWriter.
func (o offsetsLog) WaitCommitted(ctx context.Context, p int32, end int64) error {
	part, err := o.partition(p)
	if err != nil {
		return err
	}
	return part.WaitAcks(ctx, -1, end)
}

// DeleteRecordsBefore implements coordinator.PartitionWriter.
func (o offsetsLog) DeleteRecordsBefore(p int32, offset int64) error {
	part, err := o.partition(p)
	if err != nil {
		return err
	}
	_, err = part.Log().DeleteRecordsBefore(offset)
	return err
}

// Bounds implements coordinator.PartitionReader.
func (o offsetsLog) Bounds(p int32) (int64, int64, error) {
	part, err := o.partition(p)
	if err != nil {
		return 0, 0, err
	}
	return part.Log().LogStartOffset(), part.HighWatermark(), nil
}

// ReadBatches implements coordinator.PartitionReader.
func (o offsetsLog) ReadBatches(p int32, offset int64, maxBytes int) ([]record.Batch, error) {
	part, err := o.partition(p)
	if err != nil {
		return nil, err
	}
	return part.Log().ReadBatches(offset, maxBytes, part.HighWatermark())
}

// groupOptions turns the broker configuration into the coordinator's.
func (b *Broker) groupOptions() group.Options {
	o := group.DefaultOptions()
	o.NumPartitions = int32(b.cfg.Int("offsets.topic.num.partitions"))
	o.MinSessionTimeout = b.cfg.Duration("group.min.session.timeout.ms")
	o.MaxSessionTimeout = b.cfg.Duration("group.max.session.timeout.ms")
	o.InitialRebalanceDelay = b.cfg.Duration("group.initial.rebalance.delay.ms")
	o.MaxSize = int(b.cfg.Int("group.max.size"))
	o.OffsetsRetention = time.Duration(b.cfg.Int("offsets.retention.minutes")) * time.Minute
	o.RetentionCheckInterval = b.cfg.Duration("offsets.retention.check.interval.ms")
	o.MaxMetadataBytes = int(b.cfg.Int("offset.metadata.max.bytes"))
	o.Runtime.CommitTimeout = b.cfg.Duration("offsets.commit.timeout.ms")
	o.Runtime.RewriteMinBytes = b.cfg.Int("samsa.offsets.topic.rewrite.min.bytes")
	return o
}

// applyGroups loads the __consumer_offsets partitions this broker leads
// and unloads the others (Kafka's onElection / onResignation).
func (b *Broker) applyGroups(img *metadata.Image) {
	if b.groups == nil {
		return
	}
	led := map[int32]bool{}
	if t := img.Topic(group.TopicName); t != nil {
		b.groups.SetNumPartitions(t.NumPartitions())
		for id, p := range t.Partitions {
			if p.Leader == b.cfg.NodeID {
				if _, err := b.replicas.Partition(group.TopicName, id); err == nil {
					led[id] = true
				}
			}
		}
	}
	for _, p := range b.groups.Loaded() {
		if !led[p] {
			b.groups.Unload(p)
		}
	}
	for p := range led {
		b.groups.Load(p)
	}
}
