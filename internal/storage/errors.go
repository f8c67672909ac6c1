package storage

import "errors"

// Errors returned by the log engine. Callers test them with errors.Is; the
// api package maps them to Kafka error codes.
var (
	// ErrOffsetOutOfRange: a read or lookup asked for an offset below the log
	// start offset or above the log end offset.
	ErrOffsetOutOfRange = errors.New("storage: offset out of range")
	// ErrClosed: the log or manager was closed.
	ErrClosed = errors.New("storage: log closed")
	// ErrLogDirFailed: the log directory had an I/O error and is offline.
	ErrLogDirFailed = errors.New("storage: log directory failed")
	// ErrLogDirLocked: another process holds the log directory's .lock.
	ErrLogDirLocked = errors.New("storage: log directory locked")
	// ErrIndexFull: an index has no room for another entry; the segment rolls.
	ErrIndexFull = errors.New("storage: index full")
	// ErrInvalidOffset: an index append or truncation went backwards.
	ErrInvalidOffset = errors.New("storage: invalid offset")
	// ErrCorruptIndex: an index file failed its sanity check; it is rebuilt.
	ErrCorruptIndex = errors.New("storage: corrupt index")
	// ErrRecordTooLarge: a batch is larger than a segment may hold.
	ErrRecordTooLarge = errors.New("storage: batch too large")
	// ErrNotLogDir: a directory is not a partition log (bad name or contents).
	ErrNotLogDir = errors.New("storage: not a partition log directory")
	// ErrCorruptSnapshot: a producer-state snapshot failed its checksum.
	ErrCorruptSnapshot = errors.New("storage: corrupt producer state snapshot")

	// Idempotent-producer outcomes (see producer_state.go).

	// ErrOutOfOrderSequence: a batch's first sequence does not follow the
	// producer's last one.
	ErrOutOfOrderSequence = errors.New("storage: out of order sequence number")
	// ErrInvalidProducerEpoch: a batch's producer epoch is older than the
	// producer's current epoch (a fenced, zombie producer).
	ErrInvalidProducerEpoch = errors.New("storage: invalid producer epoch")
)
