package coordinator

import "errors"

// Errors returned by Run and passed to parked replies; api maps them to
// Kafka codes.
var (
	// ErrNotCoordinator: this broker does not (or no longer) host the shard
	// (NOT_COORDINATOR): the client looks the coordinator up again.
	ErrNotCoordinator = errors.New("coordinator: not the coordinator")
	// ErrLoadInProgress: the shard is still replaying its log
	// (COORDINATOR_LOAD_IN_PROGRESS): the client retries.
	ErrLoadInProgress = errors.New("coordinator: load in progress")
	// ErrWriteFailed: records could not be appended or committed
	// (COORDINATOR_NOT_AVAILABLE in Kafka's mapping of storage failures).
	ErrWriteFailed = errors.New("coordinator: write failed")
)
