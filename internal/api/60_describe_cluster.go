package api

// DescribeCluster: v0-1 advertised, v0-1 served.
//
// Behavior:
//   - KIP-700: the cluster id, the controller id and the brokers, without
//     the topics Metadata would carry. Java's Admin.describeCluster and
//     Sarama use it.
//   - Brokers: the unfenced registered brokers, each with its endpoint for
//     the listener the request arrived on and its rack, as in Metadata.
//   - ControllerID is this broker's id: a single node is its own controller
//     (and, as with Metadata, clients reach it through a broker listener).
//   - ClusterAuthorizedOperations is INT32_MIN ("not computed") until ACLs
//     exist, even when IncludeClusterAuthorizedOperations is set.
//   - v1 EndpointType (KIP-919): 1 (brokers) is answered; any other value,
//     including 2 (controllers, which clients reach on the controller
//     listener, where this API is not served), is UNSUPPORTED_ENDPOINT_TYPE.
//     v2 (IncludeFencedBrokers) is not advertised yet.

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// endpointTypeBroker is DescribeCluster's EndpointType for brokers
// (KIP-919); 2 would be controllers.
const endpointTypeBroker = 1

// errUnsupportedEndpointType: DescribeCluster asked for endpoints other than
// brokers.
var errUnsupportedEndpointType = errors.New("api: unsupported endpoint type")

func (r *Router) describeCluster(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DescribeClusterRequest)
	resp := kmsg.NewPtrDescribeClusterResponse()
	resp.Version = rc.version
	resp.EndpointType = endpointTypeBroker
	resp.ClusterAuthorizedOperations = math.MinInt32
	// Before v1 the field is absent and decodes as its default, 1.
	if in.EndpointType != endpointTypeBroker {
		err := fmt.Errorf("%w: %d: this is a broker endpoint, which describes brokers (1)", errUnsupportedEndpointType, in.EndpointType)
		resp.ErrorCode, resp.ErrorMessage = errorCode(err), errorMessage(err)
		return resp, nil
	}
	img := r.deps.Controller.Image()
	resp.ClusterID = img.ClusterID()
	resp.ControllerID = r.deps.NodeID
	for _, b := range img.Brokers() {
		if b.Fenced {
			continue
		}
		ep, ok := endpointFor(b, rc.client.Listener)
		if !ok {
			continue
		}
		db := kmsg.NewDescribeClusterResponseBroker()
		db.NodeID, db.Host, db.Port, db.Rack = b.ID, ep.Host, ep.Port, b.Rack
		resp.Brokers = append(resp.Brokers, db)
	}
	return resp, nil
}
