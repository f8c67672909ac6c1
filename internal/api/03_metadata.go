package api

// Metadata: v0-12 advertised, v0-12 served.
//
// Behavior:
//   - Brokers: the unfenced registered brokers, each with its endpoint for
//     the listener the request arrived on (so clients reconnect through the
//     same listener), and its rack.
//   - Topics: v0 an empty list means all topics, v1+ a null list does. A
//     topic named that does not exist is created when
//     auto.create.topics.enable is on and the request allows it (always
//     before v4, AllowAutoTopicCreation from v4), with the broker's
//     num.partitions and default.replication.factor; the controller commits
//     it before answering, so the response already holds its partitions.
//     Otherwise UNKNOWN_TOPIC_OR_PARTITION (or INVALID_TOPIC_EXCEPTION for a
//     bad name). v10+ topics may be named by ID; v10+ responses carry IDs.
//   - IsInternal (v1+) is true for __consumer_offsets, as Kafka marks its
//     internal topics.
//   - Partitions: leader, leader epoch (v7+), replicas, ISR; a partition
//     without a leader is LEADER_NOT_AVAILABLE.
//   - ControllerID (v1+) is this broker's id (a single node is its own
//     controller); ClusterID from v2.
//   - Authorized-operations fields (v8+) are INT32_MIN ("not requested /
//     not computed") until ACLs exist.

import (
	"context"
	"math"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/metadata"
)

func (r *Router) metadata(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.MetadataRequest)
	img := r.deps.Controller.Image()
	resp := kmsg.NewPtrMetadataResponse()
	resp.Version = rc.version
	resp.ControllerID = r.deps.NodeID
	cid := img.ClusterID()
	resp.ClusterID = &cid
	resp.AuthorizedOperations = math.MinInt32
	for _, b := range img.Brokers() {
		if b.Fenced {
			continue
		}
		ep, ok := endpointFor(b, rc.client.Listener)
		if !ok {
			continue
		}
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port, mb.Rack = b.ID, ep.Host, ep.Port, b.Rack
		resp.Brokers = append(resp.Brokers, mb)
	}

	all := in.Topics == nil || (rc.version == 0 && len(in.Topics) == 0)
	if all {
		topics := img.Topics()
		slices.SortFunc(topics, func(a, b *metadata.TopicImage) int { return compareStrings(a.Name, b.Name) })
		for _, t := range topics {
			resp.Topics = append(resp.Topics, topicMetadata(t, rc.version))
		}
		return resp, nil
	}
	autoCreate := r.deps.AutoCreateTopics && (rc.version < 4 || in.AllowAutoTopicCreation)
	for _, rt := range in.Topics {
		var t *metadata.TopicImage
		switch {
		case rt.Topic != nil && *rt.Topic != "":
			t = img.Topic(*rt.Topic)
			if t == nil && autoCreate {
				t = r.autoCreate(ctx, *rt.Topic)
			}
		default:
			t = img.TopicByID(metadata.UUID(rt.TopicID))
		}
		if t == nil {
			mt := kmsg.NewMetadataResponseTopic()
			mt.Topic, mt.TopicID = rt.Topic, rt.TopicID
			mt.ErrorCode = kerr.UnknownTopicOrPartition.Code
			if rt.Topic != nil && !controller.ValidTopicName(*rt.Topic) {
				mt.ErrorCode = kerr.InvalidTopicException.Code
			}
			mt.AuthorizedOperations = math.MinInt32
			resp.Topics = append(resp.Topics, mt)
			continue
		}
		resp.Topics = append(resp.Topics, topicMetadata(t, rc.version))
	}
	return resp, nil
}

// autoCreate creates a topic with the broker defaults and returns it, or nil.
func (r *Router) autoCreate(ctx context.Context, name string) *metadata.TopicImage {
	res := r.deps.Controller.CreateTopics(ctx, []controller.CreateTopic{{Name: name, NumPartitions: -1, ReplicationFactor: -1}})
	if len(res) == 1 && res[0].Err != nil && errorCode(res[0].Err) != kerr.TopicAlreadyExists.Code {
		r.deps.Logger.Debug("auto-creating topic failed", "topic", name, "err", res[0].Err)
		return nil
	}
	return r.deps.Controller.Image().Topic(name)
}

func topicMetadata(t *metadata.TopicImage, version int16) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	// Kafka marks its internal topics by name.
	mt.IsInternal = t.Name == group.TopicName
	mt.AuthorizedOperations = math.MinInt32
	ids := make([]int32, 0, len(t.Partitions))
	for id := range t.Partitions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := t.Partitions[id]
		mp := kmsg.NewMetadataResponseTopicPartition()
		mp.Partition = id
		mp.Leader = p.Leader
		mp.LeaderEpoch = p.LeaderEpoch
		mp.Replicas = slices.Clone(p.Replicas)
		mp.ISR = slices.Clone(p.ISR)
		mp.OfflineReplicas = []int32{}
		if p.Leader < 0 {
			mp.ErrorCode = kerr.LeaderNotAvailable.Code
		}
		mt.Partitions = append(mt.Partitions, mp)
	}
	return mt
}

// endpointFor picks a broker's endpoint for a listener.
func endpointFor(b metadata.BrokerImage, listener string) (metadata.Endpoint, bool) {
	for _, ep := range b.Endpoints {
		if ep.Name == listener {
			return ep, true
		}
	}
	return metadata.Endpoint{}, false
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
