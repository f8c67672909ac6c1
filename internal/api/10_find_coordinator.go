package api

// FindCoordinator: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - Key type 0 (group, and the only one before v1): the coordinator is the
//     leader of the group's __consumer_offsets partition,
//     abs(javaHashCode(group)) % partitions as in Kafka, answered with its
//     endpoint on the listener the request came through.
//   - __consumer_offsets is created on the first group lookup, as Kafka
//     does (offsets.topic.num.partitions; replication factor
//     offsets.topic.replication.factor capped at the live brokers;
//     cleanup.policy=compact; segment.bytes from offsets.topic.segment.bytes).
//     When this broker leads the group's partition, the answer waits (up to
//     a second) until the broker has picked the partition up, so that the
//     client's next request finds it loading (COORDINATOR_LOAD_IN_PROGRESS,
//     retried in place) rather than unknown (NOT_COORDINATOR, which sends
//     the client back to FindCoordinator) right after the topic's creation.
//   - Key type 1 (transactional id) is COORDINATOR_NOT_AVAILABLE until
//     transactions exist; other key types are INVALID_REQUEST.
//   - v4 batches keys (CoordinatorKeys, KIP-699); v0-3 carry one key in the
//     top-level fields, with an error message from v1.
//   - Advertising v0 matters beyond groups: librdkafka <= 2.11.0 turns its
//     LZ4 (and group) features on only when FindCoordinator v0 is in range.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/group"
)

func (r *Router) findCoordinator(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.FindCoordinatorRequest)
	resp := kmsg.NewPtrFindCoordinatorResponse()
	resp.Version = rc.version
	if rc.version >= 4 {
		for _, key := range in.CoordinatorKeys {
			c := kmsg.NewFindCoordinatorResponseCoordinator()
			c.Key = key
			node, host, port, err := r.coordinatorFor(ctx, in.CoordinatorType, key, rc.client.Listener)
			c.NodeID, c.Host, c.Port = node, host, port
			c.ErrorCode, c.ErrorMessage = errorCode(err), errorMessage(err)
			resp.Coordinators = append(resp.Coordinators, c)
		}
		return resp, nil
	}
	keyType := in.CoordinatorType
	if rc.version == 0 {
		keyType = 0
	}
	node, host, port, err := r.coordinatorFor(ctx, keyType, in.CoordinatorKey, rc.client.Listener)
	resp.NodeID, resp.Host, resp.Port = node, host, port
	resp.ErrorCode = errorCode(err)
	if rc.version >= 1 {
		resp.ErrorMessage = errorMessage(err)
	}
	return resp, nil
}

// coordinatorFor finds the coordinator of one key: node id, host, port, or
// -1, "", -1 and an error.
func (r *Router) coordinatorFor(ctx context.Context, keyType int8, key, listener string) (int32, string, int32, error) {
	switch keyType {
	case 0:
	case 1:
		return -1, "", -1, errTxnCoordinatorUnavailable
	default:
		return -1, "", -1, errInvalidCoordinatorType
	}
	g, err := r.groups()
	if err != nil {
		return -1, "", -1, err
	}
	t, err := r.offsetsTopic(ctx)
	if err != nil {
		return -1, "", -1, err
	}
	g.SetNumPartitions(t.NumPartitions())
	index := g.PartitionFor(key)
	p, ok := t.Partitions[index]
	if !ok || p.Leader < 0 {
		return -1, "", -1, errGroupsUnavailable
	}
	if p.Leader == r.deps.NodeID {
		r.awaitHosted(ctx, g, index)
	}
	b, ok := r.deps.Controller.Image().Broker(p.Leader)
	if !ok || b.Fenced {
		return -1, "", -1, errGroupsUnavailable
	}
	ep, ok := endpointFor(b, listener)
	if !ok {
		return -1, "", -1, errGroupsUnavailable
	}
	return b.ID, ep.Host, ep.Port, nil
}

// awaitHosted waits briefly for this broker to start loading a partition it
// leads: the metadata publisher applies a new topic a moment after the
// controller commits it.
func (r *Router) awaitHosted(ctx context.Context, g *group.Coordinator, partition int32) {
	deadline := time.Now().Add(time.Second)
	for !g.Hosts(partition) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}
