package group

import (
	"errors"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// Errors api maps to Kafka codes. The coordinator runtime's
// ErrNotCoordinator, ErrLoadInProgress and ErrWriteFailed pass through too.
var (
	// ErrNotCoordinator is coordinator.ErrNotCoordinator (NOT_COORDINATOR).
	ErrNotCoordinator = coordinator.ErrNotCoordinator
	// ErrInvalidGroupID: an empty group id (INVALID_GROUP_ID).
	ErrInvalidGroupID = errors.New("group: invalid group id")
	// ErrInvalidSessionTimeout: outside group.min/max.session.timeout.ms.
	ErrInvalidSessionTimeout = errors.New("group: invalid session timeout")
	// ErrInconsistentProtocol: a protocol type that differs from the group's,
	// or no protocol in common with the members.
	ErrInconsistentProtocol = errors.New("group: inconsistent group protocol")
	// ErrUnknownMemberID: the member is not in the group.
	ErrUnknownMemberID = errors.New("group: unknown member id")
	// ErrMemberIDRequired: KIP-394, a new member must rejoin with the id it
	// was given.
	ErrMemberIDRequired = errors.New("group: member id required")
	// ErrIllegalGeneration: the request's generation is not the group's.
	ErrIllegalGeneration = errors.New("group: illegal generation")
	// ErrRebalanceInProgress: the group is rebalancing; rejoin.
	ErrRebalanceInProgress = errors.New("group: rebalance in progress")
	// ErrFencedInstanceID: KIP-345, another member now holds the static
	// instance id.
	ErrFencedInstanceID = errors.New("group: fenced instance id")
	// ErrGroupMaxSizeReached: group.max.size members already.
	ErrGroupMaxSizeReached = errors.New("group: group max size reached")
	// ErrCoordinatorNotAvailable: the group is being removed.
	ErrCoordinatorNotAvailable = errors.New("group: coordinator not available")
	// ErrGroupIDNotFound: no such group (DeleteGroups, OffsetDelete).
	ErrGroupIDNotFound = errors.New("group: group id not found")
	// ErrNonEmptyGroup: the group still has members.
	ErrNonEmptyGroup = errors.New("group: group is not empty")
	// ErrGroupSubscribedToTopic: OffsetDelete of a topic the group consumes.
	ErrGroupSubscribedToTopic = errors.New("group: group is subscribed to the topic")
	// ErrOffsetMetadataTooLarge: longer than offset.metadata.max.bytes.
	ErrOffsetMetadataTooLarge = errors.New("group: offset metadata too large")
)
