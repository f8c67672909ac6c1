package controller

import (
	"errors"
	"fmt"
)

// Errors returned by the controller's operations, alone or wrapped with
// details. Callers test them with errors.Is; the api package maps them to
// Kafka error codes (the mapping is noted on each).
var (
	// ErrTopicAlreadyExists: CreateTopics named an existing topic
	// (TOPIC_ALREADY_EXISTS).
	ErrTopicAlreadyExists = errors.New("controller: topic already exists")
	// ErrUnknownTopic: the topic does not exist (UNKNOWN_TOPIC_OR_PARTITION).
	ErrUnknownTopic = errors.New("controller: unknown topic")
	// ErrUnknownTopicID: a topic named by ID does not exist
	// (UNKNOWN_TOPIC_ID). It wraps ErrUnknownTopic, so callers that do not
	// care how the topic was named need test only that.
	ErrUnknownTopicID = fmt.Errorf("%w ID", ErrUnknownTopic)
	// ErrInvalidTopic: a topic name breaks Kafka's rules, or collides with
	// an existing name once '.' and '_' are treated alike
	// (INVALID_TOPIC_EXCEPTION).
	ErrInvalidTopic = errors.New("controller: invalid topic")
	// ErrInvalidPartitions: a partition count is not positive, or
	// CreatePartitions does not increase it (INVALID_PARTITIONS).
	ErrInvalidPartitions = errors.New("controller: invalid partition count")
	// ErrInvalidReplicationFactor: the replication factor is not positive or
	// exceeds the unfenced brokers (INVALID_REPLICATION_FACTOR).
	ErrInvalidReplicationFactor = errors.New("controller: invalid replication factor")
	// ErrInvalidReplicaAssignment: a manual assignment is malformed: gaps in
	// partition indexes, repeated or unregistered brokers, lists of unequal
	// length (INVALID_REPLICA_ASSIGNMENT).
	ErrInvalidReplicaAssignment = errors.New("controller: invalid replica assignment")
	// ErrInvalidConfig: a config name, value or operation was rejected
	// (INVALID_CONFIG). The validator's error is wrapped too.
	ErrInvalidConfig = errors.New("controller: invalid config")
	// ErrInvalidRequest: the request contradicts itself (a topic named twice,
	// an assignment together with a partition count, an unknown resource
	// type, ...) (INVALID_REQUEST).
	ErrInvalidRequest = errors.New("controller: invalid request")
	// ErrNotController: this node is not the active controller, or lost
	// leadership before the operation committed; the outcome of an operation
	// that fails this way after it was proposed is unknown (NOT_CONTROLLER).
	ErrNotController = errors.New("controller: not the active controller")
	// ErrClosed: the controller is closed.
	ErrClosed = errors.New("controller: closed")
	// ErrInconsistentClusterID: Options.ClusterID differs from the cluster ID
	// already in the metadata log (INCONSISTENT_CLUSTER_ID).
	ErrInconsistentClusterID = errors.New("controller: inconsistent cluster ID")
)

// ErrBrokerNotRegistered: an operation named a broker that has not
// registered with the controller (BROKER_ID_NOT_REGISTERED).
var ErrBrokerNotRegistered = errors.New("controller: broker not registered")
