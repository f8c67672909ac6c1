package group

import "time"

// Protocol is one assignment protocol a member supports, with its metadata
// (for "consumer": a ConsumerMemberMetadata with the subscription).
type Protocol struct {
	Name     string
	Metadata []byte
}

// JoinRequest is a JoinGroup request.
type JoinRequest struct {
	Group      string
	MemberID   string  // "" for a new member
	InstanceID *string // KIP-345 static membership (v5+)
	ClientID   string
	ClientHost string
	// SessionTimeout must lie within group.min/max.session.timeout.ms.
	SessionTimeout time.Duration
	// RebalanceTimeout is how long the coordinator waits for members to
	// rejoin (v0 has none: the session timeout is used).
	RebalanceTimeout time.Duration
	ProtocolType     string
	Protocols        []Protocol
	// RequireKnownMemberID is v4+: a new dynamic member gets
	// ErrMemberIDRequired with its id and must rejoin with it (KIP-394).
	RequireKnownMemberID bool
	// SupportsSkipAssignment is v9+ (KIP-814): a static leader rejoining a
	// stable group is told it leads but must not reassign.
	SupportsSkipAssignment bool
}

// JoinMember is one member as the leader sees it.
type JoinMember struct {
	MemberID   string
	InstanceID *string
	Metadata   []byte
}

// JoinResult is a JoinGroup answer. Err is nil on success; with
// ErrMemberIDRequired, MemberID is the id to rejoin with.
type JoinResult struct {
	Generation   int32
	ProtocolType string
	Protocol     string
	LeaderID     string
	MemberID     string
	// Members is the membership with each member's metadata for the chosen
	// protocol; only the leader gets it.
	Members        []JoinMember
	SkipAssignment bool
	Err            error
}

// SyncRequest is a SyncGroup request.
type SyncRequest struct {
	Group      string
	MemberID   string
	InstanceID *string
	Generation int32
	// ProtocolType and Protocol (v5+) must match the group's when set.
	ProtocolType *string
	Protocol     *string
	// Assignments is the leader's, by member id; followers send none.
	Assignments map[string][]byte
}

// SyncResult is a SyncGroup answer.
type SyncResult struct {
	ProtocolType string
	Protocol     string
	Assignment   []byte
	Err          error
}

// HeartbeatRequest is a Heartbeat request.
type HeartbeatRequest struct {
	Group      string
	MemberID   string
	InstanceID *string
	Generation int32
}

// LeaveMember is one member leaving (v3+ may name several; static members
// may be named by instance id alone).
type LeaveMember struct {
	MemberID   string
	InstanceID *string
}

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// OffsetCommit is one partition's commit.
type OffsetCommit struct {
	TopicPartition
	Offset      int64
	LeaderEpoch int32 // -1 when unknown (before v6)
	Metadata    *string
}

// CommitRequest is an OffsetCommit request. Generation -1 with an empty
// member id is a standalone commit, allowed while the group has no members.
type CommitRequest struct {
	Group      string
	MemberID   string
	InstanceID *string
	Generation int32
	Offsets    []OffsetCommit
}

// OffsetValue is a committed offset.
type OffsetValue struct {
	Offset      int64
	LeaderEpoch int32
	Metadata    string
}

// MemberDescription describes a member for DescribeGroups.
type MemberDescription struct {
	MemberID   string
	InstanceID *string
	ClientID   string
	ClientHost string
	// Metadata and Assignment are set only for Stable groups (as Kafka).
	Metadata   []byte
	Assignment []byte
}

// Description describes one group. A group that does not exist is "Dead"
// with no members and Err nil, as Kafka answers.
type Description struct {
	Group        string
	State        string
	ProtocolType string
	Protocol     string
	Members      []MemberDescription
	Err          error
}

// Listing is one group for ListGroups.
type Listing struct {
	Group        string
	ProtocolType string
	State        string
}
