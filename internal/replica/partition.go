package replica

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/storage"
)

// Partition is one local partition replica.
type Partition struct {
	Topic   string
	Index   int32
	TopicID [16]byte

	log *storage.Log
	// durableAcks makes acks=all wait for fdatasync (samsa.acks.all.durable).
	durableAcks bool

	mu          sync.RWMutex
	leaderEpoch int32

	// waiterSet holds the long-polling fetches to wake at the next append.
	waiterSet
	// bytesIn and bytesOut count appended and fetched record bytes, for
	// per-topic metrics.
	bytesIn, bytesOut atomic.Int64
}

func newPartition(topic string, index int32, id [16]byte, log *storage.Log, epoch int32, durableAcks bool) *Partition {
	return &Partition{Topic: topic, Index: index, TopicID: id, log: log, leaderEpoch: epoch, durableAcks: durableAcks}
}

// Log is the partition's storage log.
func (p *Partition) Log() *storage.Log { return p.log }

// LeaderEpoch is the current leader epoch.
func (p *Partition) LeaderEpoch() int32 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.leaderEpoch
}

// setLeaderEpoch records a new epoch from the metadata image.
func (p *Partition) setLeaderEpoch(e int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leaderEpoch = e
}

// CheckEpoch validates a client's current leader epoch (KIP-320): -1 skips
// the check; older is fenced, newer is unknown to us yet.
func (p *Partition) CheckEpoch(clientEpoch int32) error {
	if clientEpoch < 0 {
		return nil
	}
	ours := p.LeaderEpoch()
	switch {
	case clientEpoch < ours:
		return fmt.Errorf("%w: %d < %d", ErrFencedLeaderEpoch, clientEpoch, ours)
	case clientEpoch > ours:
		return fmt.Errorf("%w: %d > %d", ErrUnknownLeaderEpoch, clientEpoch, ours)
	}
	return nil
}

// HighWatermark is the offset below which records are committed and
// visible to consumers. On a single node the ISR is this broker alone, so it
// is the log end offset.
func (p *Partition) HighWatermark() int64 { return p.log.LogEndOffset() }

// LastStableOffset is the high watermark until transactions exist.
func (p *Partition) LastStableOffset() int64 { return p.HighWatermark() }

// Append writes a validated producer batch as leader. appendTime >= 0 makes
// it a LogAppendTime append. The batch is then in the log and readable below
// the high watermark; call WaitAcks for what the producer's acks require.
func (p *Partition) Append(b record.Batch, appendTime int64) (storage.AppendResult, error) {
	res, err := p.log.Append(b, storage.AppendOptions{LeaderEpoch: p.LeaderEpoch(), AppendTime: appendTime})
	if err != nil {
		return res, err
	}
	if !res.Duplicate {
		p.bytesIn.Add(int64(len(b)))
		p.notifyAppended()
	}
	return res, nil
}

// WaitAcks waits until an append ending before offset end satisfies acks:
// 0 and 1 need nothing more; -1 (all) needs the ISR, which on a single node
// is this broker, and with samsa.acks.all.durable an fdatasync (group
// commit: concurrent waiters share one). Produce handlers append to every
// partition first and wait afterwards, so a multi-partition request pays
// for the slowest sync, not their sum.
func (p *Partition) WaitAcks(ctx context.Context, acks int16, end int64) error {
	switch acks {
	case 0, 1:
		return nil
	case -1:
		if p.durableAcks {
			return p.log.WaitDurable(ctx, end)
		}
		return nil
	}
	return fmt.Errorf("%w: %d", ErrInvalidRequiredAcks, acks)
}

// BytesIn is the number of bytes appended since the partition was loaded.
func (p *Partition) BytesIn() int64 { return p.bytesIn.Load() }

// BytesOut is the number of record bytes fetched since the partition was loaded.
func (p *Partition) BytesOut() int64 { return p.bytesOut.Load() }

// AddBytesOut counts record bytes handed to a fetch.
func (p *Partition) AddBytesOut(n int64) { p.bytesOut.Add(n) }
