package config

import (
	"errors"
	"fmt"
)

// Errors returned by validation. Callers test them with errors.Is on the
// (possibly joined) error; the api package maps them to Kafka error codes
// (INVALID_CONFIG, INVALID_REQUEST).
var (
	// ErrUnknownConfig: a key that is not in the table for the scope at hand.
	ErrUnknownConfig = errors.New("config: unknown config")
	// ErrInvalidConfig: a value that does not parse as the key's type, fails
	// its validator, or contradicts another key.
	ErrInvalidConfig = errors.New("config: invalid value")
	// ErrReadOnlyConfig: a dynamic update of a key that is not Dynamic.
	ErrReadOnlyConfig = errors.New("config: read-only config")
)

// Error describes one rejected key. Functions that validate many keys return
// one *Error per bad key, joined with errors.Join in key order, so an
// operator sees every mistake at once.
type Error struct {
	// Key is the config name.
	Key string
	// Value is the value as given; "[hidden]" for sensitive keys.
	Value string
	// Reason says what is wrong and what is allowed.
	Reason string
	// Err is ErrUnknownConfig, ErrInvalidConfig or ErrReadOnlyConfig.
	Err error

	missing bool // a required key has no value (Err is ErrInvalidConfig)
}

// Error formats the rejection with the key, the value and the reason.
func (e *Error) Error() string {
	switch e.Err {
	case ErrUnknownConfig:
		if e.Reason != "" {
			return fmt.Sprintf("config: unknown config %q: %s", e.Key, e.Reason)
		}
		return fmt.Sprintf("config: unknown config %q", e.Key)
	case ErrReadOnlyConfig:
		return fmt.Sprintf("config: %q cannot be changed at runtime: %s", e.Key, e.Reason)
	}
	if e.missing {
		return fmt.Sprintf("config: %q must be set: %s", e.Key, e.Reason)
	}
	return fmt.Sprintf("config: invalid value %q for %q: %s", e.Value, e.Key, e.Reason)
}

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

// invalid builds the error for a bad value of k, hiding sensitive values.
func invalid(k *Key, value string, reason error) *Error {
	if k.Sensitive() {
		value = "[hidden]"
	}
	return &Error{Key: k.Name, Value: value, Reason: reason.Error(), Err: ErrInvalidConfig}
}
