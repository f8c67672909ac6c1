package api

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/coordinator"
	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/record"
	"github.com/samsa-io/samsa/internal/replica"
	"github.com/samsa-io/samsa/internal/storage"
)

// errorMessage is the text sent with an error code in versions that carry
// one; nil for success.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

// errorCode maps a domain error to its Kafka error code. It is the only
// place where Go errors become protocol codes; an error it does not know is
// UNKNOWN_SERVER_ERROR (-1), which clients treat as retriable-with-caution.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	for _, m := range errorCodes {
		if errors.Is(err, m.err) {
			return m.code.Code
		}
	}
	return kerr.UnknownServerError.Code
}

// errorCodes is ordered: the first match wins.
var errorCodes = []struct {
	err  error
	code *kerr.Error
}{
	// Group coordinator errors come first: a failed write wraps the storage
	// error that caused it, and a cancelled wait wraps the context's error.
	{coordinator.ErrNotCoordinator, kerr.NotCoordinator},
	{coordinator.ErrLoadInProgress, kerr.CoordinatorLoadInProgress},
	{coordinator.ErrWriteFailed, kerr.CoordinatorNotAvailable},
	{group.ErrInvalidGroupID, kerr.InvalidGroupID},
	{group.ErrInvalidSessionTimeout, kerr.InvalidSessionTimeout},
	{group.ErrInconsistentProtocol, kerr.InconsistentGroupProtocol},
	{group.ErrUnknownMemberID, kerr.UnknownMemberID},
	{group.ErrMemberIDRequired, kerr.MemberIDRequired},
	{group.ErrIllegalGeneration, kerr.IllegalGeneration},
	{group.ErrRebalanceInProgress, kerr.RebalanceInProgress},
	{group.ErrFencedInstanceID, kerr.FencedInstanceID},
	{group.ErrGroupMaxSizeReached, kerr.GroupMaxSizeReached},
	{group.ErrCoordinatorNotAvailable, kerr.CoordinatorNotAvailable},
	{group.ErrGroupIDNotFound, kerr.GroupIDNotFound},
	{group.ErrNonEmptyGroup, kerr.NonEmptyGroup},
	{group.ErrGroupSubscribedToTopic, kerr.GroupSubscribedToTopic},
	{group.ErrOffsetMetadataTooLarge, kerr.OffsetMetadataTooLarge},
	{errTxnCoordinatorUnavailable, kerr.CoordinatorNotAvailable},
	{errGroupsUnavailable, kerr.CoordinatorNotAvailable},
	{errInvalidCoordinatorType, kerr.InvalidRequest},
	{record.ErrCorrupt, kerr.CorruptMessage},
	{record.ErrInvalidRecord, kerr.InvalidRecord},
	{record.ErrUnsupportedCompression, kerr.UnsupportedCompressionType},
	{record.ErrInvalidTimestamp, kerr.InvalidTimestamp},
	{storage.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{storage.ErrRecordTooLarge, kerr.RecordListTooLarge},
	{storage.ErrOutOfOrderSequence, kerr.OutOfOrderSequenceNumber},
	{storage.ErrInvalidProducerEpoch, kerr.InvalidProducerEpoch},
	{storage.ErrLogDirFailed, kerr.KafkaStorageError},
	{storage.ErrClosed, kerr.NotLeaderForPartition},
	{replica.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{replica.ErrNotLeader, kerr.NotLeaderForPartition},
	{replica.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{replica.ErrUnknownLeaderEpoch, kerr.UnknownLeaderEpoch},
	{replica.ErrInvalidRequiredAcks, kerr.InvalidRequiredAcks},
	{controller.ErrTopicAlreadyExists, kerr.TopicAlreadyExists},
	{controller.ErrUnknownTopic, kerr.UnknownTopicOrPartition},
	{controller.ErrInvalidTopic, kerr.InvalidTopicException},
	{controller.ErrInvalidPartitions, kerr.InvalidPartitions},
	{controller.ErrInvalidReplicationFactor, kerr.InvalidReplicationFactor},
	{controller.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{controller.ErrInvalidConfig, kerr.InvalidConfig},
	{controller.ErrInvalidRequest, kerr.InvalidRequest},
	{controller.ErrNotController, kerr.NotController},
	{controller.ErrClosed, kerr.NotController},
	// The controller wraps config's errors in ErrInvalidConfig; these rows
	// cover a config error that reaches a handler unwrapped.
	{config.ErrUnknownConfig, kerr.InvalidConfig},
	{config.ErrInvalidConfig, kerr.InvalidConfig},
	{config.ErrReadOnlyConfig, kerr.InvalidConfig},
	{errPolicyViolation, kerr.PolicyViolation},
	{errUnsupportedEndpointType, kerr.UnsupportedEndpointType},
	{errMessageTooLarge, kerr.MessageTooLarge},
	{errTransactionsUnsupported, kerr.InvalidTxnState},
	{context.DeadlineExceeded, kerr.RequestTimedOut},
	{context.Canceled, kerr.RequestTimedOut},
}

// errMessageTooLarge: a batch exceeds the topic's max.message.bytes.
var errMessageTooLarge = errors.New("api: batch larger than max.message.bytes")
