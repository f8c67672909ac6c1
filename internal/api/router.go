package api

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/replica"
	"github.com/samsa-io/samsa/internal/wire"
)

// handlerFunc serves one API.
type handlerFunc func(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error)

// route is one row of the registration table.
type route struct {
	// minAdvertised and maxAdvertised are what ApiVersions says.
	minAdvertised, maxAdvertised int16
	// minServed is the lowest version actually served; below it (but at or
	// above minAdvertised) the request is refused by closing the connection,
	// as Kafka 4 does for Produce v0-2 (KAFKA-18659).
	minServed int16
	handle    handlerFunc
}

// requestContext carries what a handler needs to know about its request.
type requestContext struct {
	client  *wire.ClientInfo
	hdr     wire.RequestHeader
	version int16
}

// Deps are the components the handlers use. broker fills them in.
type Deps struct {
	NodeID   int32
	Replicas *replica.Manager
	Topics   TopicConfigs
	// BrokerConfig describes this broker's own configuration.
	BrokerConfig BrokerConfigs
	// ProducerIDs reserves producer id blocks (the controller).
	ProducerIDs ProducerIDAllocator
	// Controller is the metadata quorum.
	Controller Controller
	// Groups is the group coordinator; nil answers group requests with
	// COORDINATOR_NOT_AVAILABLE.
	Groups *group.Coordinator
	// OffsetsTopic is how __consumer_offsets is created on first use.
	OffsetsTopic OffsetsTopic
	// AutoCreateTopics is auto.create.topics.enable.
	AutoCreateTopics bool
	Logger           *slog.Logger
}

// Router is the server.Handler: it dispatches each request by API key
// through the registration table.
type Router struct {
	deps   Deps
	routes map[int16]route
	pids   *producerIDs
}

// NewRouter builds the registration table.
func NewRouter(deps Deps) *Router {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{deps: deps, routes: map[int16]route{}, pids: newProducerIDs()}
	r.register(kmsg.Produce, 0, 11, 3, r.produce)
	r.register(kmsg.Fetch, 4, 12, 4, r.fetch)
	r.register(kmsg.ListOffsets, 1, 9, 1, r.listOffsets)
	r.register(kmsg.Metadata, 0, 12, 0, r.metadata)
	r.register(kmsg.CreateTopics, 0, 7, 0, r.createTopics)
	r.register(kmsg.DeleteTopics, 0, 6, 0, r.deleteTopics)
	r.register(kmsg.CreatePartitions, 0, 3, 0, r.createPartitions)
	r.register(kmsg.ApiVersions, 0, 4, 0, r.apiVersions)
	r.register(kmsg.InitProducerID, 0, 4, 0, r.initProducerID)
	r.register(kmsg.OffsetForLeaderEpoch, 2, 4, 2, r.offsetForLeaderEpoch)
	r.register(kmsg.DeleteRecords, 0, 2, 0, r.deleteRecords)
	r.register(kmsg.DescribeConfigs, 0, 4, 0, r.describeConfigs)
	r.register(kmsg.AlterConfigs, 0, 2, 0, r.alterConfigs)
	r.register(kmsg.IncrementalAlterConfigs, 0, 1, 0, r.incrementalAlterConfigs)
	r.register(kmsg.DescribeCluster, 0, 1, 0, r.describeCluster)
	r.register(kmsg.OffsetCommit, 2, 8, 2, r.offsetCommit)
	r.register(kmsg.OffsetFetch, 1, 8, 1, r.offsetFetch)
	r.register(kmsg.FindCoordinator, 0, 4, 0, r.findCoordinator)
	r.register(kmsg.JoinGroup, 0, 9, 0, r.joinGroup)
	r.register(kmsg.Heartbeat, 0, 4, 0, r.heartbeat)
	r.register(kmsg.LeaveGroup, 0, 5, 0, r.leaveGroup)
	r.register(kmsg.SyncGroup, 0, 5, 0, r.syncGroup)
	r.register(kmsg.DescribeGroups, 0, 5, 0, r.describeGroups)
	r.register(kmsg.ListGroups, 0, 4, 0, r.listGroups)
	r.register(kmsg.DeleteGroups, 0, 2, 0, r.deleteGroups)
	r.register(kmsg.OffsetDelete, 0, 0, 0, r.offsetDelete)
	return r
}

func (r *Router) register(key kmsg.Key, minAdv, maxAdv, minServed int16, h handlerFunc) {
	r.routes[key.Int16()] = route{minAdvertised: minAdv, maxAdvertised: maxAdv, minServed: minServed, handle: h}
}

// Handle implements server.Handler.
func (r *Router) Handle(ctx context.Context, client *wire.ClientInfo, hdr wire.RequestHeader, req kmsg.Request) (kmsg.Response, error) {
	rt, ok := r.routes[hdr.APIKey]
	if !ok {
		return nil, fmt.Errorf("api: key %d (%s) is not served", hdr.APIKey, kmsg.NameForKey(hdr.APIKey))
	}
	if hdr.APIVersion < rt.minServed || hdr.APIVersion > rt.maxAdvertised {
		// (ApiVersions above our range never gets here: package server
		// answers it per KIP-511.)
		return nil, fmt.Errorf("api: %s v%d is outside the served range %d-%d", kmsg.NameForKey(hdr.APIKey), hdr.APIVersion, rt.minServed, rt.maxAdvertised)
	}
	return rt.handle(ctx, &requestContext{client: client, hdr: hdr, version: hdr.APIVersion}, req)
}

// APIVersionsRange implements server.VersionRanger for the KIP-511 fallback.
func (r *Router) APIVersionsRange() (int16, int16) {
	rt := r.routes[kmsg.ApiVersions.Int16()]
	return rt.minAdvertised, rt.maxAdvertised
}
