package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// AppendResponse appends the complete response frame for a request with
// header hdr to dst and returns the extended slice: the size prefix, the
// response header, then resp encoded at hdr.APIVersion (AppendResponse sets
// resp's version; resp is otherwise unchanged).
//
// The response header is v1 (correlation id and an empty tagged-field
// section) for flexible versions and v0 (correlation id only) otherwise,
// except that ApiVersions always gets header v0, even at v3+ where kmsg
// reports the body flexible: clients read its error code before they know
// which version the broker accepted (KIP-511; kgo and kfake special-case it
// the same way).
//
// hdr must come from a successful ParseRequest (so its version is one kmsg
// can encode); answer an unsupported ApiVersions request with
// AppendAPIVersionsFallback instead. AppendResponse panics if resp is not the
// response type for hdr.APIKey: a client would misread it, and it is a
// caller bug.
func AppendResponse(dst []byte, hdr RequestHeader, resp kmsg.Response) []byte {
	if resp.Key() != hdr.APIKey {
		panic(fmt.Sprintf("wire: AppendResponse: %s response for a %s request", kmsg.NameForKey(resp.Key()), kmsg.NameForKey(hdr.APIKey)))
	}
	resp.SetVersion(hdr.APIVersion)
	dst, start := BeginFrame(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(hdr.CorrelationID))
	if resp.IsFlexible() && hdr.APIKey != keyAPIVersions {
		dst = append(dst, 0) // response header v1: no tagged fields
	}
	dst = resp.AppendTo(dst)
	return FinishFrame(dst, start)
}

// AppendAPIVersionsFallback appends the KIP-511 answer to an ApiVersions
// request whose version the broker cannot parse: an ApiVersions v0 response
// (header v0, non-flexible body) carrying errorCode, normally 35
// UNSUPPORTED_VERSION, and a single ApiKeys entry {18, minV, maxV} for
// ApiVersions itself. The client retries at maxV. Clients read this v0
// layout whatever version they sent, which is why it is the fallback.
func AppendAPIVersionsFallback(dst []byte, correlationID int32, errorCode int16, minV, maxV int16) []byte {
	resp := kmsg.NewApiVersionsResponse() // Version 0
	resp.ErrorCode = errorCode
	key := kmsg.NewApiVersionsResponseApiKey()
	key.ApiKey = keyAPIVersions
	key.MinVersion = minV
	key.MaxVersion = maxV
	resp.ApiKeys = append(resp.ApiKeys, key)
	hdr := RequestHeader{APIKey: keyAPIVersions, APIVersion: 0, CorrelationID: correlationID}
	return AppendResponse(dst, hdr, &resp)
}
