package group

import (
	"slices"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// describe serves DescribeGroups for the groups of this shard.
func (s *shardState) describe(ids []string, reply func([]Description)) {
	out := make([]Description, len(ids))
	for i, id := range ids {
		out[i] = s.describeOne(id)
	}
	s.respond(func(error) { reply(out) })
}

// describeOne is Kafka's GroupSummary: a missing group is Dead; member
// metadata and assignments are shown only for Stable groups.
func (s *shardState) describeOne(id string) Description {
	g := s.groups[id]
	if g == nil {
		return Description{Group: id, State: Dead.String()}
	}
	d := Description{Group: id, State: g.state.String(), ProtocolType: g.protocolType}
	if g.state == Stable {
		d.Protocol = g.protocol
	}
	for _, mid := range g.order {
		m := g.members[mid]
		md := MemberDescription{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost}
		if g.state == Stable {
			md.Metadata = m.metadataFor(g.protocol)
			md.Assignment = m.assignment
		}
		d.Members = append(d.Members, md)
	}
	return d
}

// list serves ListGroups for this shard: every group, or those in one of
// states when given.
func (s *shardState) list(states []State, reply func([]Listing)) {
	var out []Listing
	for _, g := range s.groups {
		if len(states) > 0 && !slices.Contains(states, g.state) {
			continue
		}
		out = append(out, Listing{Group: g.id, ProtocolType: g.protocolType, State: g.state.String()})
	}
	s.respond(func(error) { reply(out) })
}

// deleteGroups serves DeleteGroups: an Empty group's offsets and metadata
// are deleted with tombstones; a group with members is NON_EMPTY_GROUP.
func (s *shardState) deleteGroups(ids []string, reply func([]error)) {
	errs := make([]error, len(ids))
	var recs []coordinator.Record
	var gone []*group
	for i, id := range ids {
		g := s.groups[id]
		switch {
		case g == nil || g.state == Dead:
			errs[i] = ErrGroupIDNotFound
			continue
		case g.state != Empty || len(g.members) > 0:
			errs[i] = ErrNonEmptyGroup
			continue
		}
		for tp := range g.offsets {
			recs = append(recs, coordinator.Record{Key: offsetKey(g.id, tp.Topic, tp.Partition)})
		}
		recs = append(recs, coordinator.Record{Key: groupKey(g.id)})
		gone = append(gone, g)
	}
	if len(recs) > 0 {
		if _, err := s.env.Append(recs); err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
			s.respond(func(error) { reply(errs) })
			return
		}
	}
	for _, g := range gone {
		for id := range g.pending {
			s.env.Cancel(pendingTimerKey(g, id))
		}
		s.removeGroup(g)
	}
	s.respond(func(err error) {
		if err != nil {
			for i := range errs {
				if errs[i] == nil {
					errs[i] = err
				}
			}
		}
		reply(errs)
	})
}
