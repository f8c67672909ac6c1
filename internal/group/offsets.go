package group

import (
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// commit serves OffsetCommit. reply gets one error per offset (nil:
// committed), after the records are committed.
func (s *shardState) commit(req CommitRequest, reply func([]error)) {
	errs := make([]error, len(req.Offsets))
	failAll := func(err error) {
		for i := range errs {
			errs[i] = err
		}
		s.respond(func(error) { reply(errs) })
	}
	if req.Group == "" {
		failAll(ErrInvalidGroupID)
		return
	}
	g := s.groups[req.Group]
	created := false
	if g == nil {
		if req.Generation >= 0 {
			// A member of a generation the coordinator does not know
			// (Kafka: the group is gone or the request is stale).
			failAll(ErrIllegalGeneration)
			return
		}
		// Standalone commit: the group only stores offsets.
		g = s.getOrCreate(req.Group)
		created = true
	}
	if err := s.validateCommit(g, req); err != nil {
		failAll(err)
		return
	}
	now := s.env.Now().UnixMilli()
	var recs []coordinator.Record
	var written []int
	for i, o := range req.Offsets {
		md := ""
		if o.Metadata != nil {
			md = *o.Metadata
		}
		if len(md) > s.opts.MaxMetadataBytes {
			errs[i] = fmt.Errorf("%w: %d bytes, offset.metadata.max.bytes is %d", ErrOffsetMetadataTooLarge, len(md), s.opts.MaxMetadataBytes)
			continue
		}
		e := offsetEntry{offset: o.Offset, leaderEpoch: o.LeaderEpoch, metadata: md, commitTime: now}
		recs = append(recs, offsetRecord(g.id, o.Topic, o.Partition, e))
		written = append(written, i)
	}
	if len(recs) > 0 {
		if _, err := s.env.Append(recs); err != nil {
			for _, i := range written {
				errs[i] = err
			}
			if created && g.removable() {
				s.removeGroup(g)
			}
			s.respond(func(error) { reply(errs) })
			return
		}
		for _, i := range written {
			o := req.Offsets[i]
			md := ""
			if o.Metadata != nil {
				md = *o.Metadata
			}
			g.offsets[o.TopicPartition] = offsetEntry{offset: o.Offset, leaderEpoch: o.LeaderEpoch, metadata: md, commitTime: now}
		}
		s.metrics.offsetCommits.Add(float64(len(recs)))
	}
	s.respond(func(err error) {
		if err != nil {
			for _, i := range written {
				errs[i] = err
			}
		}
		reply(errs)
	})
}

// validateCommit is Kafka's validateOffsetCommit: a standalone commit
// (generation -1, no member id) needs an Empty group; a member's commit
// needs its current generation and a group not awaiting assignments.
func (s *shardState) validateCommit(g *group, req CommitRequest) error {
	if g.state == Dead {
		return ErrCoordinatorNotAvailable
	}
	if req.Generation < 0 && req.MemberID == "" && req.InstanceID == nil {
		if g.state != Empty {
			return fmt.Errorf("%w: standalone commit to a group with members", ErrUnknownMemberID)
		}
		return nil
	}
	if g.fenced(req.InstanceID, req.MemberID) {
		return ErrFencedInstanceID
	}
	m := g.members[req.MemberID]
	if m == nil {
		return ErrUnknownMemberID
	}
	if req.Generation != g.generation {
		return fmt.Errorf("%w: %d, the group is at %d", ErrIllegalGeneration, req.Generation, g.generation)
	}
	if g.state == CompletingRebalance {
		return ErrRebalanceInProgress
	}
	s.scheduleSession(g, m)
	return nil
}

// fetch serves OffsetFetch: the committed offsets of the partitions asked
// for, or of all (nil). A partition without one is absent from the result.
func (s *shardState) fetch(groupID string, partitions []TopicPartition, all bool, reply func(map[TopicPartition]OffsetValue)) {
	out := map[TopicPartition]OffsetValue{}
	if g := s.groups[groupID]; g != nil {
		if all {
			for tp, o := range g.offsets {
				out[tp] = OffsetValue{Offset: o.offset, LeaderEpoch: o.leaderEpoch, Metadata: o.metadata}
			}
		} else {
			for _, tp := range partitions {
				if o, ok := g.offsets[tp]; ok {
					out[tp] = OffsetValue{Offset: o.offset, LeaderEpoch: o.leaderEpoch, Metadata: o.metadata}
				}
			}
		}
	}
	s.respond(func(error) { reply(out) })
}

// deleteOffsets serves OffsetDelete: offsets of an Empty group go; a
// "consumer" group with members keeps those of topics its members
// subscribe to (GROUP_SUBSCRIBED_TO_TOPIC); any other group with members
// is NON_EMPTY_GROUP.
func (s *shardState) deleteOffsets(groupID string, partitions []TopicPartition, reply func([]error, error)) {
	errs := make([]error, len(partitions))
	g := s.groups[groupID]
	if g == nil || g.state == Dead {
		s.respond(func(error) { reply(nil, ErrGroupIDNotFound) })
		return
	}
	var subscribed func(string) bool
	switch {
	case g.state == Empty:
		subscribed = func(string) bool { return false }
	case g.protocolType == "consumer":
		topics, known := g.subscribedTopics()
		subscribed = func(t string) bool { return !known || slices.Contains(topics, t) }
	default:
		s.respond(func(error) { reply(nil, ErrNonEmptyGroup) })
		return
	}
	var recs []coordinator.Record
	var gone []TopicPartition
	for i, tp := range partitions {
		if subscribed(tp.Topic) {
			errs[i] = ErrGroupSubscribedToTopic
			continue
		}
		if _, ok := g.offsets[tp]; ok {
			recs = append(recs, coordinator.Record{Key: offsetKey(g.id, tp.Topic, tp.Partition)})
			gone = append(gone, tp)
		}
	}
	if len(recs) > 0 {
		if _, err := s.env.Append(recs); err != nil {
			s.respond(func(error) { reply(nil, err) })
			return
		}
		for _, tp := range gone {
			delete(g.offsets, tp)
		}
	}
	s.respond(func(err error) { reply(errs, err) })
}

// subscribedTopics is the union of the members' subscriptions for a
// "consumer" group, read from their metadata for the group's protocol
// (or their first protocol between generations). known is false when a
// subscription cannot be read: then every topic counts as subscribed.
func (g *group) subscribedTopics() (topics []string, known bool) {
	for _, m := range g.members {
		md := m.metadataFor(g.protocol)
		if g.protocol == "" && len(m.protocols) > 0 {
			md = m.protocols[0].Metadata
		}
		var cm kmsg.ConsumerMemberMetadata
		if err := cm.ReadFrom(md); err != nil {
			return nil, false
		}
		for _, t := range cm.Topics {
			if !slices.Contains(topics, t) {
				topics = append(topics, t)
			}
		}
	}
	return topics, true
}

// scheduleRetention runs the expiry check every
// offsets.retention.check.interval.ms.
func (s *shardState) scheduleRetention() {
	s.env.Schedule(retentionTimerKey, s.opts.RetentionCheckInterval, func() {
		s.expire()
		s.scheduleRetention()
	})
}

// expire removes offsets past offsets.retention.minutes with KIP-211's
// rules, then groups left Empty with nothing to keep:
//   - a group with a protocol type that is Empty: all its offsets, once the
//     retention has passed since it became Empty;
//   - a "consumer" group that is Stable: offsets of topics no member
//     subscribes to, once the retention has passed since their commit;
//   - a group that only stores offsets (standalone commits): each offset,
//     once the retention has passed since its commit.
func (s *shardState) expire() {
	now := s.env.Now()
	cutoff := now.Add(-s.opts.OffsetsRetention).UnixMilli()
	var recs []coordinator.Record
	var drop []*group
	for _, g := range s.groups {
		var expired []TopicPartition
		switch {
		case g.protocolType != "" && g.state == Empty:
			if g.stateTime.UnixMilli() <= cutoff {
				for tp := range g.offsets {
					expired = append(expired, tp)
				}
			}
		case g.protocolType == "consumer" && g.state == Stable:
			if topics, known := g.subscribedTopics(); known {
				for tp, o := range g.offsets {
					if !slices.Contains(topics, tp.Topic) && o.commitTime <= cutoff {
						expired = append(expired, tp)
					}
				}
			}
		case g.protocolType == "":
			for tp, o := range g.offsets {
				if o.commitTime <= cutoff {
					expired = append(expired, tp)
				}
			}
		}
		for _, tp := range expired {
			recs = append(recs, coordinator.Record{Key: offsetKey(g.id, tp.Topic, tp.Partition)})
			delete(g.offsets, tp)
		}
		if len(expired) > 0 {
			s.logger.Info("offsets expired", "group", g.id, "offsets", len(expired))
		}
		if g.removable() {
			if g.persisted != nil {
				recs = append(recs, coordinator.Record{Key: groupKey(g.id)})
			}
			drop = append(drop, g)
		}
		s.metrics.offsetsExpired.Add(float64(len(expired)))
	}
	if len(recs) > 0 {
		if _, err := s.env.Append(recs); err != nil {
			s.logger.Warn("writing expired offsets failed", "err", err)
		}
	}
	for _, g := range drop {
		s.removeGroup(g)
	}
}
