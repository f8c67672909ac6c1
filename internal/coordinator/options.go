package coordinator

import (
	"fmt"
	"time"
)

// Options configure a Runtime.
type Options struct {
	// Name labels logs and metrics ("group").
	Name string
	// RewriteMinBytes is how many bytes a shard may append after its last
	// rewrite before it writes its live state afresh and moves the log start
	// offset past the older records; the effective threshold is the larger
	// of this and four times the live state, so a big state is not rewritten
	// on every small change. Tests use tiny values.
	RewriteMinBytes int64
	// MaxBatchBytes bounds one appended batch (a rewrite of a large state is
	// split into batches of about this size).
	MaxBatchBytes int
	// CommitTimeout bounds how long a parked reply waits for its records to
	// be committed (offsets.commit.timeout.ms).
	CommitTimeout time.Duration
	// LoadRetry is how long a shard waits before retrying a failed load.
	LoadRetry time.Duration
	// QueueSize is how many operations may wait for a shard's loop before
	// Run blocks (back-pressure, bounded by the caller's context).
	QueueSize int
	// Clock drives timers; nil means SystemClock.
	Clock Clock
}

// DefaultOptions are Kafka's defaults where Kafka has one.
func DefaultOptions() Options {
	return Options{Name: "coordinator", RewriteMinBytes: 64 << 20, MaxBatchBytes: 1 << 20,
		CommitTimeout: 5 * time.Second, LoadRetry: time.Second, QueueSize: 1024, Clock: SystemClock{}}
}

// Validate reports an unusable option.
func (o Options) Validate() error {
	switch {
	case o.RewriteMinBytes < 1:
		return fmt.Errorf("coordinator: RewriteMinBytes %d must be positive", o.RewriteMinBytes)
	case o.MaxBatchBytes < 1:
		return fmt.Errorf("coordinator: MaxBatchBytes %d must be positive", o.MaxBatchBytes)
	case o.CommitTimeout <= 0:
		return fmt.Errorf("coordinator: CommitTimeout %v must be positive", o.CommitTimeout)
	case o.QueueSize < 1:
		return fmt.Errorf("coordinator: QueueSize %d must be positive", o.QueueSize)
	}
	return nil
}
