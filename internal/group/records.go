package group

// The __consumer_offsets record formats, encoded with kmsg so the topic
// stays byte-compatible with Kafka (kafka-console-consumer's formatters,
// franz-go's kadm, a Kafka broker reading a moved log). Samsa writes what
// Kafka 3.x writes: offset commit key v1 / value v3 and group metadata key
// v2 / value v3; a deleted offset or group is the same key with a null
// value (a tombstone). Any key or value version Kafka defined is read back.

import (
	"encoding/binary"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/coordinator"
)

const (
	offsetKeyVersion   = 1
	offsetValueVersion = 3
	groupKeyVersion    = 2
	groupValueVersion  = 3
)

// offsetKey encodes the key of a committed offset.
func offsetKey(group, topic string, partition int32) []byte {
	k := kmsg.NewOffsetCommitKey()
	k.Version, k.Group, k.Topic, k.Partition = offsetKeyVersion, group, topic, partition
	return k.AppendTo(nil)
}

// offsetRecord is a committed offset's record.
func offsetRecord(group, topic string, partition int32, o offsetEntry) coordinator.Record {
	v := kmsg.NewOffsetCommitValue()
	v.Version = offsetValueVersion
	v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp = o.offset, o.leaderEpoch, o.metadata, o.commitTime
	return coordinator.Record{Key: offsetKey(group, topic, partition), Value: v.AppendTo(nil)}
}

// groupKey encodes the key of a group's metadata.
func groupKey(group string) []byte {
	k := kmsg.NewGroupMetadataKey()
	k.Version, k.Group = groupKeyVersion, group
	return k.AppendTo(nil)
}

// decoded is one record of the topic, decoded.
type decoded struct {
	// group is set for both kinds; topic is empty for group metadata.
	group, topic string
	partition    int32
	isOffset     bool
	offset       *kmsg.OffsetCommitValue // nil: tombstone
	meta         *kmsg.GroupMetadataValue
}

// decodeRecord reads a record of either kind. Unknown key versions (other
// record kinds a newer Kafka may write, such as KIP-848's) are skipped with
// ok false.
func decodeRecord(r coordinator.Record) (d decoded, ok bool, err error) {
	if len(r.Key) < 2 {
		return d, false, fmt.Errorf("group: record key of %d bytes", len(r.Key))
	}
	switch version := int16(binary.BigEndian.Uint16(r.Key)); version {
	case 0, 1:
		var k kmsg.OffsetCommitKey
		if err := k.ReadFrom(r.Key); err != nil {
			return d, false, fmt.Errorf("group: offset commit key: %w", err)
		}
		d = decoded{group: k.Group, topic: k.Topic, partition: k.Partition, isOffset: true}
		if r.Value != nil {
			var v kmsg.OffsetCommitValue
			if err := v.ReadFrom(r.Value); err != nil {
				return d, false, fmt.Errorf("group: offset commit value of %s: %w", k.Group, err)
			}
			d.offset = &v
		}
		return d, true, nil
	case 2:
		var k kmsg.GroupMetadataKey
		if err := k.ReadFrom(r.Key); err != nil {
			return d, false, fmt.Errorf("group: group metadata key: %w", err)
		}
		d = decoded{group: k.Group}
		if r.Value != nil {
			var v kmsg.GroupMetadataValue
			if err := v.ReadFrom(r.Value); err != nil {
				return d, false, fmt.Errorf("group: group metadata value of %s: %w", k.Group, err)
			}
			d.meta = &v
		}
		return d, true, nil
	}
	return d, false, nil
}

// groupValue encodes a group's metadata as Kafka persists it: protocol type,
// generation, selected protocol, leader, state timestamp and, per member,
// the metadata of the selected protocol and the member's assignment.
func (g *group) groupValue(now int64) []byte {
	v := kmsg.NewGroupMetadataValue()
	v.Version = groupValueVersion
	v.ProtocolType = g.protocolType
	v.Generation = g.generation
	if g.protocol != "" {
		p := g.protocol
		v.Protocol = &p
	}
	if g.leader != "" {
		l := g.leader
		v.Leader = &l
	}
	v.CurrentStateTimestamp = now
	for _, id := range g.order {
		m := g.members[id]
		vm := kmsg.NewGroupMetadataValueMember()
		vm.MemberID = m.id
		vm.InstanceID = m.instanceID
		vm.ClientID, vm.ClientHost = m.clientID, m.clientHost
		vm.RebalanceTimeoutMillis = int32(m.rebalanceTimeout.Milliseconds())
		vm.SessionTimeoutMillis = int32(m.sessionTimeout.Milliseconds())
		vm.Subscription = m.metadataFor(g.protocol)
		if vm.Subscription == nil {
			vm.Subscription = []byte{}
		}
		vm.Assignment = m.assignment
		if vm.Assignment == nil {
			vm.Assignment = []byte{}
		}
		v.Members = append(v.Members, vm)
	}
	return v.AppendTo(nil)
}
