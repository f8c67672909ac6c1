package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// API keys this package treats specially.
const (
	keyControlledShutdown int16 = 7  // v0 uses request header v0
	keyAPIVersions        int16 = 18 // response header always v0; KIP-511
)

// fixedHeaderLen is the length of the fields every request header version
// starts with: api key, api version, correlation id.
const fixedHeaderLen = 8

// RequestHeader is a parsed Kafka request header.
//
// Header v1 is APIKey, APIVersion, CorrelationID and ClientID; header v2,
// used by flexible versions (KIP-482), adds a tagged-field section, which
// ParseRequest skips since no request header tag is defined. The response
// must echo CorrelationID.
type RequestHeader struct {
	// APIKey identifies the request type (0 Produce, 1 Fetch, ...).
	APIKey int16
	// APIVersion is the version of the request body, and of the response
	// the client expects.
	APIVersion int16
	// CorrelationID is chosen by the client and echoed in the response.
	CorrelationID int32
	// ClientID is the client.id setting, nil when the client sent a null
	// string. It is always an int16-length nullable string, never a
	// compact one, even in header v2. It is nil for ControlledShutdown v0
	// (header v0 has no client id) and when the api key is unknown.
	ClientID *string
	// Flexible reports that the header was v2 (the request version is
	// flexible, KIP-482). It is false when the version was not decoded.
	Flexible bool
}

// ParseRequest parses one request frame (a ReadFrame body: the header and
// the request body, without the size prefix). It returns the header and the
// request decoded by kmsg at the header's version. It is ParseHeader followed
// by DecodeBody, without creating the kmsg request twice.
//
// On error the header holds whatever was decoded before the failure, always
// the api key, version and correlation id when the frame is at least 8 bytes
// long, so the caller can log it and, for ApiVersions, answer:
//   - ErrUnknownAPIKey: kmsg.RequestForKey knows no such key. The client id
//     is not read, since the header layout of an unknown key is unknown.
//   - ErrUnsupportedVersion: the version is negative or above the key's
//     kmsg MaxVersion. The client id has been read (header v1 and v2 share
//     that prefix); the tagged fields and the body are not parsed, since
//     their layout is unknown. For ApiVersions this is the KIP-511 case: the
//     caller answers with AppendAPIVersionsFallback.
//   - ErrMalformedRequest: the header or the body does not decode,
//     including input that made kmsg's decoder panic.
//
// The request is nil whenever the error is not nil. Bytes after the end of
// the body are ignored, as Kafka ignores them. The request may alias frame
// (see the package documentation on buffer ownership).
func ParseRequest(frame []byte) (RequestHeader, kmsg.Request, error) {
	hdr, req, body, err := parseHeader(frame)
	if err != nil {
		return hdr, nil, err
	}
	if err := decodeBody(hdr, req, body); err != nil {
		return hdr, nil, err
	}
	return hdr, req, nil
}

// ParseHeader parses only the request header at the start of frame and
// returns it with the body bytes that follow (a subslice of frame). Its
// errors are ParseRequest's, except that the body is not examined.
//
// It lets the server decide on the header alone before paying for a decode:
// refuse a key not allowed before SASL authentication completes
// (kafka-protocol.md §1.3 rule 7), answer a version the broker does not
// serve, or drop a request from a muted connection. The body decoders are
// far larger attack surface than the header; gating on the header keeps an
// unauthenticated client to the few APIs it may use. Decode the body with
// DecodeBody.
func ParseHeader(frame []byte) (RequestHeader, []byte, error) {
	hdr, _, body, err := parseHeader(frame)
	return hdr, body, err
}

// DecodeBody decodes a request body returned by ParseHeader with the key
// and version of its header. Errors wrap ErrUnknownAPIKey or
// ErrUnsupportedVersion if hdr was not returned by a successful ParseHeader,
// and ErrMalformedRequest if the body does not decode (including a decoder
// panic). Trailing bytes are ignored. The request may alias body.
func DecodeBody(hdr RequestHeader, body []byte) (kmsg.Request, error) {
	req := kmsg.RequestForKey(hdr.APIKey)
	if req == nil {
		return nil, fmt.Errorf("%w: key %d", ErrUnknownAPIKey, hdr.APIKey)
	}
	if hdr.APIVersion < 0 || hdr.APIVersion > req.MaxVersion() {
		return nil, fmt.Errorf("%w: %s v%d (decodable: v0-v%d)", ErrUnsupportedVersion, kmsg.NameForKey(hdr.APIKey), hdr.APIVersion, req.MaxVersion())
	}
	req.SetVersion(hdr.APIVersion)
	if err := decodeBody(hdr, req, body); err != nil {
		return nil, err
	}
	return req, nil
}

// parseHeader does ParseHeader's work and also returns the kmsg request for
// the key, with its version set once the version is known to be decodable.
func parseHeader(frame []byte) (RequestHeader, kmsg.Request, []byte, error) {
	var hdr RequestHeader
	if len(frame) < fixedHeaderLen {
		return hdr, nil, nil, fmt.Errorf("%w: %d-byte frame is shorter than a request header", ErrMalformedRequest, len(frame))
	}
	hdr.APIKey = int16(binary.BigEndian.Uint16(frame[0:]))
	hdr.APIVersion = int16(binary.BigEndian.Uint16(frame[2:]))
	hdr.CorrelationID = int32(binary.BigEndian.Uint32(frame[4:]))
	b := frame[fixedHeaderLen:]

	req := kmsg.RequestForKey(hdr.APIKey)
	if req == nil {
		return hdr, nil, nil, fmt.Errorf("%w: key %d (version %d, correlation id %d)", ErrUnknownAPIKey, hdr.APIKey, hdr.APIVersion, hdr.CorrelationID)
	}
	name := kmsg.NameForKey(hdr.APIKey)

	// Request header v0 (no client id) survives only in ControlledShutdown
	// v0; Kafka's ApiKeys.requestHeaderVersion special-cases it and so does
	// kmsg.RequestFormatter.
	if hdr.APIKey != keyControlledShutdown || hdr.APIVersion != 0 {
		clientID, rest, ok := readNullableString(b)
		if !ok {
			return hdr, nil, nil, fmt.Errorf("%w: %s v%d: truncated client id", ErrMalformedRequest, name, hdr.APIVersion)
		}
		hdr.ClientID, b = clientID, rest
	}

	if hdr.APIVersion < 0 || hdr.APIVersion > req.MaxVersion() {
		return hdr, nil, nil, fmt.Errorf("%w: %s v%d (decodable: v0-v%d)", ErrUnsupportedVersion, name, hdr.APIVersion, req.MaxVersion())
	}
	req.SetVersion(hdr.APIVersion)

	if req.IsFlexible() {
		hdr.Flexible = true
		rest, ok := skipTaggedFields(b)
		if !ok {
			return hdr, nil, nil, fmt.Errorf("%w: %s v%d: malformed header tagged fields", ErrMalformedRequest, name, hdr.APIVersion)
		}
		b = rest
	}
	return hdr, req, b, nil
}

// decodeBody runs kmsg's decoder on req (its version already set), turning
// a panic into ErrMalformedRequest: kmsg's generated decoders are
// bounds-checked, but a broker must not crash on hostile input whatever a
// future kmsg release does.
func decodeBody(hdr RequestHeader, req kmsg.Request, body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s v%d: decoder panic: %v", ErrMalformedRequest, kmsg.NameForKey(hdr.APIKey), hdr.APIVersion, r)
		}
	}()
	if err := req.ReadFrom(body); err != nil {
		return fmt.Errorf("%w: %s v%d: %w", ErrMalformedRequest, kmsg.NameForKey(hdr.APIKey), hdr.APIVersion, err)
	}
	return nil
}

// readNullableString reads a Kafka NULLABLE_STRING: an int16 length, -1 for
// null, then that many bytes. The string is copied out of b.
func readNullableString(b []byte) (*string, []byte, bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	n := int16(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n < 0 {
		// Kafka treats any negative length as null.
		return nil, b, true
	}
	if int(n) > len(b) {
		return nil, nil, false
	}
	s := string(b[:n])
	return &s, b[n:], true
}

// skipTaggedFields skips a KIP-482 tagged-field section: an unsigned varint
// count, then per field an unsigned varint tag, an unsigned varint size and
// that many bytes. It returns the bytes after the section.
func skipTaggedFields(b []byte) ([]byte, bool) {
	count, b, ok := readUvarint(b)
	if !ok {
		return nil, false
	}
	// Every field takes at least two bytes (tag and size), so a count
	// larger than half of what is left cannot be honest. Checking it first
	// bounds the loop: five bytes could otherwise claim 4 billion fields.
	if uint64(count) > uint64(len(b))/2 {
		return nil, false
	}
	for ; count > 0; count-- {
		var size uint32
		if _, b, ok = readUvarint(b); !ok { // the tag; none is defined
			return nil, false
		}
		if size, b, ok = readUvarint(b); !ok || uint64(size) > uint64(len(b)) {
			return nil, false
		}
		b = b[size:]
	}
	return b, true
}

// readUvarint reads a Kafka UNSIGNED_VARINT: at most five bytes, value at
// most 2^32-1. Longer or overflowing encodings are malformed, as in Kafka's
// ByteUtils.readUnsignedVarint.
func readUvarint(b []byte) (uint32, []byte, bool) {
	var x uint32
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, nil, false
		}
		c := b[i]
		if i == 4 && c > 0x0f {
			return 0, nil, false // more than 32 bits, or a sixth byte
		}
		x |= uint32(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return x, b[i+1:], true
		}
	}
	return 0, nil, false // unreachable: the fifth byte has no continuation bit
}
