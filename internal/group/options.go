package group

import (
	"fmt"
	"time"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// Options configure a Coordinator; broker fills them from the broker
// configuration (keys in parentheses).
type Options struct {
	// Runtime configures the shards (Clock, rewrite threshold, commit timeout).
	Runtime coordinator.Options
	// NumPartitions is __consumer_offsets' partition count
	// (offsets.topic.num.partitions until the topic exists; then its real
	// count, through SetNumPartitions).
	NumPartitions int32
	// MinSessionTimeout and MaxSessionTimeout bound a member's session
	// timeout (group.min/max.session.timeout.ms).
	MinSessionTimeout, MaxSessionTimeout time.Duration
	// InitialRebalanceDelay delays the first rebalance of an empty group
	// (group.initial.rebalance.delay.ms).
	InitialRebalanceDelay time.Duration
	// MaxSize is the most members a group may have (group.max.size).
	MaxSize int
	// OffsetsRetention is offsets.retention.minutes (KIP-211 semantics).
	OffsetsRetention time.Duration
	// RetentionCheckInterval is offsets.retention.check.interval.ms.
	RetentionCheckInterval time.Duration
	// MaxMetadataBytes is offset.metadata.max.bytes.
	MaxMetadataBytes int
}

// DefaultOptions are Kafka's defaults.
func DefaultOptions() Options {
	rt := coordinator.DefaultOptions()
	rt.Name = "group"
	return Options{Runtime: rt, NumPartitions: 50, MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: 30 * time.Minute,
		InitialRebalanceDelay: 3 * time.Second, MaxSize: 1<<31 - 1, OffsetsRetention: 7 * 24 * time.Hour,
		RetentionCheckInterval: 10 * time.Minute, MaxMetadataBytes: 4096}
}

// Validate reports an unusable option.
func (o Options) Validate() error {
	switch {
	case o.NumPartitions < 1:
		return fmt.Errorf("group: NumPartitions %d must be positive", o.NumPartitions)
	case o.MinSessionTimeout > o.MaxSessionTimeout:
		return fmt.Errorf("group: MinSessionTimeout %v exceeds MaxSessionTimeout %v", o.MinSessionTimeout, o.MaxSessionTimeout)
	case o.MaxSize < 1:
		return fmt.Errorf("group: MaxSize %d must be positive", o.MaxSize)
	case o.OffsetsRetention <= 0 || o.RetentionCheckInterval <= 0:
		return fmt.Errorf("group: OffsetsRetention and RetentionCheckInterval must be positive")
	}
	return o.Runtime.Validate()
}
