package replica

import "errors"

// Errors the api package maps to Kafka codes.
var (
	// ErrUnknownTopicOrPartition: no such partition on this broker.
	ErrUnknownTopicOrPartition = errors.New("replica: unknown topic or partition")
	// ErrNotLeader: this broker does not lead the partition.
	ErrNotLeader = errors.New("replica: not the leader")
	// ErrFencedLeaderEpoch: the request's leader epoch is older than ours.
	ErrFencedLeaderEpoch = errors.New("replica: fenced leader epoch")
	// ErrUnknownLeaderEpoch: the request's leader epoch is newer than ours.
	ErrUnknownLeaderEpoch = errors.New("replica: unknown leader epoch")
	// ErrInvalidRequiredAcks: acks other than 0, 1 and -1.
	ErrInvalidRequiredAcks = errors.New("replica: invalid required acks")
)
