package api

// ApiVersions: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - The answer is the registration table in router.go: every key with its
//     advertised range (shared/reference/kafka-protocol.md §3).
//   - A version above 4 gets the KIP-511 answer from package server: error
//     UNSUPPORTED_VERSION, v0 layout, with only ApiVersions' own range, so
//     the client retries at a version we speak.
//   - v3+ ClientSoftwareName/Version must be alphanumeric with '-' and '.'
//     inside (KIP-511), else INVALID_REQUEST (librdkafka then retries at v0).
//   - The response header is always v0 (package wire), even for v3+.

import (
	"context"
	"regexp"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// softwareField is KIP-511's pattern for client software name and version.
var softwareField = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func (r *Router) apiVersions(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.ApiVersionsRequest)
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = rc.version
	if rc.version >= 3 && (!softwareField.MatchString(in.ClientSoftwareName) || !softwareField.MatchString(in.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
		return resp, nil
	}
	keys := make([]int16, 0, len(r.routes))
	for k := range r.routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		rt := r.routes[k]
		ak := kmsg.NewApiVersionsResponseApiKey()
		ak.ApiKey, ak.MinVersion, ak.MaxVersion = k, rt.minAdvertised, rt.maxAdvertised
		resp.ApiKeys = append(resp.ApiKeys, ak)
	}
	return resp, nil
}
