package cli

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// usageError is a mistake in the command line (a flag, an argument, a
// malformed value or record): Main exits 2 for it, 1 for everything else.
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// explain adds what to try to a Kafka error code the user can act on.
func explain(what string, err error) error {
	if err == nil {
		return nil
	}
	hint := ""
	switch {
	case errors.Is(err, kerr.UnknownTopicOrPartition):
		hint = "; list topics with 'samsa topic list'"
	case errors.Is(err, kerr.TopicAlreadyExists):
		hint = "; use --if-not-exists to accept that"
	case errors.Is(err, kerr.InvalidConfig), errors.Is(err, kerr.InvalidRequest):
		hint = "; see 'samsa config get' for the current values"
	case errors.Is(err, kerr.InvalidPartitions):
		hint = "; partitions can only be added, give a total above the current count"
	case errors.Is(err, kerr.InvalidReplicationFactor):
		hint = "; the replication factor cannot exceed the number of brokers ('samsa cluster info')"
	case errors.Is(err, kerr.GroupIDNotFound):
		hint = "; list groups with 'samsa group list'"
	case errors.Is(err, kerr.NonEmptyGroup):
		hint = "; stop the group's consumers first"
	case errors.Is(err, kerr.CoordinatorNotAvailable), errors.Is(err, kerr.NotCoordinator):
		hint = "; the broker may not serve consumer groups"
	case errors.Is(err, kerr.UnsupportedVersion):
		hint = "; the broker does not support this request"
	}
	var me *messageError
	if errors.As(err, &me) {
		var ke *kerr.Error
		if errors.As(me.err, &ke) {
			return fmt.Errorf("%s: %s: %s%s", what, ke.Message, me.msg, hint)
		}
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return fmt.Errorf("%s: %s (%s)%s", what, ke.Message, ke.Description, hint)
	}
	return fmt.Errorf("%s: %w%s", what, err, hint)
}

// messageError is a Kafka error code with the broker's error message, which
// usually says more than the code's generic description.
type messageError struct {
	err error
	msg string
}

func (m *messageError) Error() string { return m.err.Error() + ": " + m.msg }
func (m *messageError) Unwrap() error { return m.err }

func withMessage(err error, msg string) error {
	if err == nil || msg == "" {
		return err
	}
	return &messageError{err, msg}
}
