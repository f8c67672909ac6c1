package api

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/group"
	"github.com/samsa-io/samsa/internal/metadata"
)

// OffsetsTopic is how __consumer_offsets is created on first use
// (offsets.topic.num.partitions, offsets.topic.replication.factor,
// offsets.topic.segment.bytes).
type OffsetsTopic struct {
	Partitions        int32
	ReplicationFactor int16
	SegmentBytes      int64
}

var (
	// errTxnCoordinatorUnavailable: FindCoordinator for a transactional id
	// before transactions exist.
	errTxnCoordinatorUnavailable = errors.New("api: the transaction coordinator is not available yet")
	// errInvalidCoordinatorType: a key type other than group (0) or
	// transaction (1).
	errInvalidCoordinatorType = errors.New("api: invalid coordinator key type")
	// errGroupsUnavailable: no group coordinator wired (tests) or the
	// offsets topic cannot be created or has no leader.
	errGroupsUnavailable = errors.New("api: group coordinator not available")
)

// clientID is the request's client.id ("" when null).
func (rc *requestContext) clientID() string {
	if rc.hdr.ClientID == nil {
		return ""
	}
	return *rc.hdr.ClientID
}

// clientHost is what Kafka reports as a member's host: "/" and the IP.
func (rc *requestContext) clientHost() string {
	if rc.client == nil || rc.client.RemoteAddr == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(rc.client.RemoteAddr.String())
	if err != nil {
		host = rc.client.RemoteAddr.String()
	}
	return "/" + host
}

// groups returns the coordinator, or errGroupsUnavailable.
func (r *Router) groups() (*group.Coordinator, error) {
	if r.deps.Groups == nil {
		return nil, errGroupsUnavailable
	}
	return r.deps.Groups, nil
}

// offsetsTopic returns __consumer_offsets, creating it on first use as
// Kafka does: the configured partition count, a replication factor no
// larger than the live brokers, cleanup.policy=compact and
// offsets.topic.segment.bytes.
func (r *Router) offsetsTopic(ctx context.Context) (*metadata.TopicImage, error) {
	img := r.deps.Controller.Image()
	if t := img.Topic(group.TopicName); t != nil {
		return t, nil
	}
	live := int16(0)
	for _, b := range img.Brokers() {
		if !b.Fenced {
			live++
		}
	}
	rf := min(r.deps.OffsetsTopic.ReplicationFactor, live)
	if rf < 1 {
		return nil, errGroupsUnavailable
	}
	compact := "compact"
	seg := strconv.FormatInt(r.deps.OffsetsTopic.SegmentBytes, 10)
	res := r.deps.Controller.CreateTopics(ctx, []controller.CreateTopic{{Name: group.TopicName,
		NumPartitions: r.deps.OffsetsTopic.Partitions, ReplicationFactor: rf,
		Configs: map[string]*string{"cleanup.policy": &compact, "segment.bytes": &seg}}})
	if len(res) == 1 && res[0].Err != nil && errorCode(res[0].Err) != kerr.TopicAlreadyExists.Code {
		r.deps.Logger.Warn("creating the offsets topic failed", "topic", group.TopicName, "err", res[0].Err)
		return nil, errGroupsUnavailable
	}
	r.deps.Logger.Info("created the offsets topic", "topic", group.TopicName, "partitions", r.deps.OffsetsTopic.Partitions, "replication_factor", rf)
	if t := r.deps.Controller.Image().Topic(group.TopicName); t != nil {
		return t, nil
	}
	return nil, errGroupsUnavailable
}

// partitionExists reports whether topic has partition p (OffsetCommit
// refuses the others with UNKNOWN_TOPIC_OR_PARTITION, per partition).
func (r *Router) partitionExists(img *metadata.Image, topic string, p int32) bool {
	_, ok := img.Partition(topic, p)
	return ok
}
