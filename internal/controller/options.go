package controller

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/samsa-io/samsa/internal/metadata"
)

// Options configure a Controller. The broker fills them from the
// controller.* and metadata.* configs; the controller never reads
// configuration itself.
type Options struct {
	// NodeID is this node's node.id, its raft server ID.
	NodeID int32
	// Dir is metadata.log.dir: the raft log and stable store (raft.db) and
	// the snapshots (snapshots/) live here. Created if missing.
	Dir string
	// ClusterID is written to a new metadata log at its first start. Empty
	// means generate one (a random Kafka UUID, 22 characters). On later
	// starts a non-empty ClusterID must match the log's, so a node pointed at
	// another cluster's directory refuses to start (ErrInconsistentClusterID).
	ClusterID string
	// Voters is the quorum (controller.quorum.voters). Empty means this node
	// alone, the only supported shape for now: a list must hold exactly
	// this node. Three or five voters come with clustering.
	Voters []Voter
	// Transport carries raft RPCs between voters. Nil means an in-memory
	// transport, which is all a single voter needs (it never sends an RPC).
	// This is the seam for clustering: a TCP transport on our own listener.
	Transport raft.Transport

	// DefaultNumPartitions (num.partitions) is used when CreateTopics asks
	// for -1 partitions.
	DefaultNumPartitions int32
	// DefaultReplicationFactor (default.replication.factor) is used when
	// CreateTopics asks for replication factor -1.
	DefaultReplicationFactor int16
	// ValidateTopicConfig checks a topic's configs: at creation the
	// requested ones, on alteration the topic's whole resulting set. Nil
	// accepts everything. The broker plugs in the config package here (the
	// controller must not import it); a returned error is wrapped in
	// ErrInvalidConfig. Called on the controller's event loop: it must be
	// fast and must not call the controller.
	ValidateTopicConfig func(configs map[string]*string) error
	// ValidateBrokerConfig is ValidateTopicConfig for broker resources
	// (a broker's or the cluster-wide dynamic configs).
	ValidateBrokerConfig func(configs map[string]*string) error

	// HeartbeatTimeout is how long a follower waits without hearing from a
	// leader before it stands for election; a single voter waits this long
	// (up to twice, randomized) after start before electing itself. See
	// DefaultOptions for why the default is short.
	HeartbeatTimeout time.Duration
	// ElectionTimeout is how long a candidate waits for votes before a new
	// election. At least HeartbeatTimeout.
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout is how long a leader keeps leading without hearing
	// from a quorum. At most HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout bounds how long a leader waits before telling followers
	// of a new commit index when there is nothing new to send.
	CommitTimeout time.Duration
	// SnapshotInterval is how often raft checks whether to snapshot.
	SnapshotInterval time.Duration
	// SnapshotThreshold is how many log entries since the last snapshot
	// trigger a new one.
	SnapshotThreshold uint64
	// TrailingLogs is how many log entries a snapshot leaves behind, so a
	// slightly lagging follower catches up from the log, not a snapshot.
	TrailingLogs uint64
	// SnapshotRetain is how many snapshots are kept on disk.
	SnapshotRetain int
}

// Voter is one member of the controller quorum.
type Voter struct {
	// ID is the voter's node.id.
	ID int32
	// Address is where its raft transport listens (host:port); unused for
	// the single in-memory voter.
	Address string
}

// DefaultOptions are Kafka's defaults for the broker-facing settings
// (num.partitions 1, default.replication.factor 1; node.id 1 as in Kafka's
// sample server.properties), single-voter timings for raft, and raft's own
// snapshot defaults. Dir must still be set.
//
// The raft timeouts are 50 ms, twenty times shorter than hashicorp/raft's
// defaults, because a single voter has nobody to wait for: after a start it
// sits as a follower for HeartbeatTimeout (randomized up to twice that)
// before it elects itself, and that delay is all of Start's time to
// leadership. Nothing else depends on them with one voter: there are no
// heartbeats to miss and no lease to lose. A multi-voter quorum needs
// timeouts above its network's worst pauses (Kafka's
// controller.quorum.election.timeout.ms is 1 s); clustering will set them.
func DefaultOptions() Options {
	return Options{
		NodeID:                   1,
		DefaultNumPartitions:     1,
		DefaultReplicationFactor: 1,
		HeartbeatTimeout:         50 * time.Millisecond,
		ElectionTimeout:          50 * time.Millisecond,
		LeaderLeaseTimeout:       50 * time.Millisecond,
		CommitTimeout:            10 * time.Millisecond,
		SnapshotInterval:         2 * time.Minute,
		SnapshotThreshold:        8192,
		TrailingLogs:             10240,
		SnapshotRetain:           2,
	}
}

// minRaftTimeout is hashicorp/raft's floor for its timeouts.
const minRaftTimeout = 5 * time.Millisecond

// Validate reports the first setting out of range.
func (o Options) Validate() error {
	switch {
	case o.NodeID < 0:
		return fmt.Errorf("controller: node.id %d is negative", o.NodeID)
	case o.Dir == "":
		return errors.New("controller: metadata.log.dir is not set")
	case o.DefaultNumPartitions < 1:
		return fmt.Errorf("controller: num.partitions %d must be at least 1", o.DefaultNumPartitions)
	case o.DefaultReplicationFactor < 1:
		return fmt.Errorf("controller: default.replication.factor %d must be at least 1", o.DefaultReplicationFactor)
	case o.HeartbeatTimeout < minRaftTimeout || o.ElectionTimeout < minRaftTimeout || o.LeaderLeaseTimeout < minRaftTimeout:
		return fmt.Errorf("controller: raft timeouts must be at least %v", minRaftTimeout)
	case o.ElectionTimeout < o.HeartbeatTimeout:
		return fmt.Errorf("controller: election timeout %v is below the heartbeat timeout %v", o.ElectionTimeout, o.HeartbeatTimeout)
	case o.LeaderLeaseTimeout > o.HeartbeatTimeout:
		return fmt.Errorf("controller: leader lease timeout %v exceeds the heartbeat timeout %v", o.LeaderLeaseTimeout, o.HeartbeatTimeout)
	case o.CommitTimeout < time.Millisecond:
		return fmt.Errorf("controller: commit timeout %v is below 1ms", o.CommitTimeout)
	case o.SnapshotInterval < minRaftTimeout:
		return fmt.Errorf("controller: snapshot interval %v is below %v", o.SnapshotInterval, minRaftTimeout)
	case o.SnapshotThreshold < 1:
		return errors.New("controller: snapshot threshold must be at least 1")
	case o.SnapshotRetain < 1:
		return errors.New("controller: at least one snapshot must be retained")
	}
	if o.ClusterID != "" {
		// Kafka accepts only its own UUID form (kafka-storage.sh format
		// --cluster-id), so Samsa does too: a cluster ID can then move
		// between the two.
		if _, err := metadata.ParseUUID(o.ClusterID); err != nil {
			return fmt.Errorf("controller: cluster.id: %w", err)
		}
	}
	switch {
	case len(o.Voters) > 1:
		return fmt.Errorf("controller: %d voters: only a single-voter quorum is supported so far", len(o.Voters))
	case len(o.Voters) == 1 && o.Voters[0].ID != o.NodeID:
		return fmt.Errorf("controller: the only voter is node %d, not this node %d", o.Voters[0].ID, o.NodeID)
	}
	return nil
}
