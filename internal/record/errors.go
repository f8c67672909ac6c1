package record

import "errors"

// Validation errors. The api package maps them to Kafka error codes:
// ErrCorrupt → CORRUPT_MESSAGE (2), ErrInvalidRecord → INVALID_RECORD (87),
// ErrUnsupportedCompression → UNSUPPORTED_COMPRESSION_TYPE (76),
// ErrInvalidTimestamp → INVALID_TIMESTAMP (32). Returned errors wrap one of
// them with a description of what exactly was wrong.
var (
	ErrCorrupt                = errors.New("record: corrupt batch")
	ErrInvalidRecord          = errors.New("record: invalid record")
	ErrUnsupportedCompression = errors.New("record: unsupported compression")
	ErrInvalidTimestamp       = errors.New("record: invalid timestamp")
)
