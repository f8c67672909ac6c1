package wire

import "errors"

// Errors returned by this package. Returned errors wrap one of them with the
// detail of what was wrong, so test them with errors.Is.
var (
	// ErrFrameTooLarge reports a frame whose declared size exceeds the
	// limit (socket.request.max.bytes). Nothing was allocated for it; the
	// stream is no longer in sync and the connection must be closed.
	ErrFrameTooLarge = errors.New("wire: frame too large")

	// ErrInvalidFrame reports a frame whose declared size is zero or
	// negative. The connection must be closed.
	ErrInvalidFrame = errors.New("wire: invalid frame size")

	// ErrUnknownAPIKey reports a request whose api key kmsg does not know.
	// The header returned alongside holds the key, version and correlation
	// id; the Java broker closes the connection (kafka-protocol.md §1.3).
	ErrUnknownAPIKey = errors.New("wire: unknown api key")

	// ErrUnsupportedVersion reports a request version outside the range
	// kmsg can decode (negative, or above the key's MaxVersion). The body
	// was not parsed. For ApiVersions the header is complete and the caller
	// answers with AppendAPIVersionsFallback (KIP-511); for other keys the
	// connection is closed.
	ErrUnsupportedVersion = errors.New("wire: unsupported api version")

	// ErrMalformedRequest reports a request header or body that does not
	// decode: truncated, with lengths that overrun the frame, or input that
	// made the decoder panic. Kafka answers this with a closed connection.
	ErrMalformedRequest = errors.New("wire: malformed request")
)
