// Package wire frames Kafka requests and responses and parses and writes the
// request and response headers around kmsg's generated body codecs.
//
// kmsg (github.com/twmb/franz-go/pkg/kmsg) encodes and decodes message
// bodies but has no server side: it neither parses a request header nor
// writes a response header. This package supplies exactly that, following
// shared/reference/kafka-protocol.md §1.3:
//
//   - Framing: every message is a 4-byte big-endian size and then that many
//     bytes. ReadFrame enforces socket.request.max.bytes on the declared size
//     before it allocates anything, then allocates only as bytes arrive;
//     BeginFrame and FinishFrame reserve and patch the size so a response is
//     encoded in place, without a copy.
//   - Request headers: header v1 (api key, api version, correlation id,
//     nullable client id) for non-flexible versions and header v2 (v1 plus a
//     tagged-field section, KIP-482) for flexible ones. The client id is an
//     int16-length nullable string even in header v2, so that a broker that
//     does not know a version can still read it. ControlledShutdown v0 is
//     the one request with header v0 (no client id). ParseRequest returns a
//     RequestHeader and the decoded kmsg.Request; ParseHeader and DecodeBody
//     are its two halves, for a server that gates on the header first.
//   - Response headers: v0 (correlation id) for non-flexible versions, v1
//     (plus an empty tagged-field section) for flexible ones, except that an
//     ApiVersions response always has header v0: a client reads its error
//     code before it knows which version the broker accepted (KIP-511).
//     AppendResponse writes the whole frame.
//   - KIP-511: an ApiVersions request above the highest version kmsg can
//     decode is not parsed beyond its header; ParseRequest returns the
//     header with ErrUnsupportedVersion and the caller answers with
//     AppendAPIVersionsFallback (the v0 layout, UNSUPPORTED_VERSION and the
//     single entry for ApiVersions itself), after which the client retries
//     at the advertised maximum.
//
// Which versions the broker serves is not this package's business: the api
// router checks that. wire refuses only what kmsg cannot decode (an unknown
// key, a version outside 0..MaxVersion, malformed bytes).
//
// Errors wrap the sentinels in errors.go. After ErrFrameTooLarge or
// ErrInvalidFrame the stream is out of sync; on ErrUnknownAPIKey and
// ErrMalformedRequest Kafka closes the connection as well. ErrUnsupportedVersion
// is answered for ApiVersions (KIP-511) and closes the connection otherwise.
//
// Decisions, so callers need not rediscover them:
//   - Trailing bytes after a request body are accepted and ignored, as the
//     Java broker does (it never checks that the buffer is exhausted).
//   - A decoder panic on hostile input is recovered inside ParseRequest and
//     reported as ErrMalformedRequest: bad bytes from the network must never
//     crash the broker.
//   - Unknown tagged fields in a request header are skipped (KIP-482); the
//     tag count is bounded by the bytes left before the skip loop runs.
//
// Limits inherited from kmsg v1.15.0, which wire cannot fix from outside
// (the body decoder is opaque; see the tests named below):
//   - Allocation: kmsg preallocates an array from its declared length,
//     checked only against the bytes left, so while failing on a hostile
//     frame it may allocate up to one element per remaining byte: 64 bytes
//     per frame byte for FetchRequestTopic, 152 for the largest element type
//     (TestDecodeAllocationAmplification). Budget request memory, and choose
//     socket.request.max.bytes, with that factor in mind.
//   - CPU: a tagged-field count in a flexible body that claims more fields
//     than there are bytes makes kmsg loop once per claimed field after its
//     input runs out: five bytes claiming 2^32-1 fields cost minutes of CPU
//     (TestDecodeHugeTagCount, skipped until kmsg bounds the loop). wire
//     bounds the count in the request header; ParseHeader lets the server
//     refuse disallowed keys before any body is decoded.
//   - Encoding: AppendResponse costs what kmsg's AppendTo costs. It copies
//     byte fields (Fetch records), and flexible Fetch responses compare
//     tagged-field structs with reflect.DeepEqual per partition (about 1 µs
//     each), so a zero-copy fetch path writes record bytes itself.
//
// Buffer ownership: a request returned by ParseRequest may alias the frame
// it was parsed from (kmsg returns byte fields such as Produce records as
// subslices; strings are copied). The frame must stay alive and unmodified
// while the request is in use, so a server reusing a read buffer with
// ReadFrame must be done with the previous request first.
//
// Invariants: every function is pure apart from ReadFrame's reads from its
// io.Reader. Nothing here starts a goroutine, keeps state between calls or
// holds package-level mutable state; all functions are safe for concurrent
// use on distinct arguments.
//
// This package is a leaf (layer L1): it may import only the standard library
// and github.com/twmb/franz-go/pkg/kmsg, never another samsa package.
package wire
