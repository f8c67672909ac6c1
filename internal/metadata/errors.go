package metadata

import "errors"

// Errors returned by the codec and by Image.Apply. Callers test them with
// errors.Is; returned errors wrap one of them with the details.
var (
	// ErrCorruptRecord: bytes handed to Decode, DecodeBatch or ReadSnapshot
	// are not a well-formed encoding: truncated, trailing bytes, a length or
	// count out of range, an unknown record type or version, a bad checksum.
	ErrCorruptRecord = errors.New("metadata: corrupt record")
	// ErrUnsupportedVersion: a record has a type this build knows but a
	// version it does not (written by a newer Samsa). Such errors wrap
	// ErrCorruptRecord too, because this build cannot apply the record either
	// way.
	ErrUnsupportedVersion = errors.New("metadata: unsupported record version")
	// ErrInvalidRecord: a well-formed record does not apply to the image (a
	// partition of an unknown topic, a second topic with the same name, an
	// ISR outside the replica set, ...). The batch holding it changes nothing.
	ErrInvalidRecord = errors.New("metadata: record does not apply to the image")
	// ErrOffsetRegression: Apply was given an offset at or below the image's.
	// Metadata log offsets only grow; applying the same entry twice is a bug.
	ErrOffsetRegression = errors.New("metadata: offset does not advance")
)
