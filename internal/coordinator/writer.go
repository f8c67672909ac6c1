package coordinator

import (
	"context"

	"github.com/samsa-io/samsa/internal/record"
)

// PartitionWriter appends a shard's records to its partition. broker
// implements it over replica.Partition. Calls for one partition come from
// that shard's goroutines only (Append and DeleteRecordsBefore from the
// event loop or the reply goroutine, WaitCommitted from the reply goroutine);
// different partitions are called concurrently.
type PartitionWriter interface {
	// Append writes one batch as the partition leader and returns the offset
	// after its last record. The batch is in the log, not necessarily
	// committed; the writer owns b until it returns.
	Append(partition int32, b record.Batch) (end int64, err error)
	// WaitCommitted returns once every record before end is committed: past
	// the high watermark, and durable if acks=all produces wait for that
	// (samsa.acks.all.durable). It honours ctx.
	WaitCommitted(ctx context.Context, partition int32, end int64) error
	// DeleteRecordsBefore moves the log start offset forward to offset, so
	// whole segments below it are deleted (DeleteRecords' semantics).
	DeleteRecordsBefore(partition int32, offset int64) error
}

// PartitionReader reads a partition's log for loading. broker implements
// it over the partition's storage log. Called from the shard's loop.
type PartitionReader interface {
	// Bounds returns the log start offset and the high watermark.
	Bounds(partition int32) (logStart, highWatermark int64, err error)
	// ReadBatches returns whole batches from offset onward, up to about
	// maxBytes (at least one batch), none at or past the high watermark.
	ReadBatches(partition int32, offset int64, maxBytes int) ([]record.Batch, error)
}
