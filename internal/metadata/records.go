package metadata

import "strconv"

// RecordType identifies a record's layout on the wire. The numbers are
// Kafka's metadata record API keys (its KRaft __cluster_metadata records) for
// the records that have a Kafka counterpart, so that the two are easy to
// compare; Samsa-only records take numbers from 100 up. Only the numbers are
// shared: the field encodings are Samsa's own (docs/format/metadata-records.md).
type RecordType int16

// Record types. Never renumber one: the numbers are on disk.
const (
	TypeRegisterBroker RecordType = 0   // Kafka RegisterBrokerRecord
	TypeTopic          RecordType = 2   // Kafka TopicRecord
	TypePartition      RecordType = 3   // Kafka PartitionRecord
	TypeConfig         RecordType = 4   // Kafka ConfigRecord
	TypeFenceBroker    RecordType = 7   // Kafka FenceBrokerRecord
	TypeUnfenceBroker  RecordType = 8   // Kafka UnfenceBrokerRecord
	TypeRemoveTopic    RecordType = 9   // Kafka RemoveTopicRecord
	TypeProducerIDs    RecordType = 15  // Kafka ProducerIdsRecord
	TypeBootstrap      RecordType = 100 // Samsa: the cluster ID, written once at bootstrap
)

// String names the record type as its Go struct.
func (t RecordType) String() string {
	switch t {
	case TypeRegisterBroker:
		return "RegisterBrokerRecord"
	case TypeTopic:
		return "TopicRecord"
	case TypePartition:
		return "PartitionRecord"
	case TypeConfig:
		return "ConfigRecord"
	case TypeFenceBroker:
		return "FenceBrokerRecord"
	case TypeUnfenceBroker:
		return "UnfenceBrokerRecord"
	case TypeRemoveTopic:
		return "RemoveTopicRecord"
	case TypeProducerIDs:
		return "ProducerIDsRecord"
	case TypeBootstrap:
		return "BootstrapRecord"
	}
	return "RecordType(" + strconv.Itoa(int(t)) + ")"
}

// Record is one metadata change. The set of records is closed: only the
// types of this package implement it (the unexported methods seal it),
// because the codec and Image.Apply must know every one.
//
// Every record has a Version field. Version 0 is the only version of every
// type today; a field change adds a version, and Decode keeps reading the old
// ones, because raft logs and snapshots written by an older Samsa must stay
// readable after an upgrade.
type Record interface {
	// Type is the record's wire type.
	Type() RecordType
	// version is the Version field.
	version() int16
	// encode appends the fields (not the header) to w.
	encode(w *writer)
	// decode reads the fields of the given version from r.
	decode(r *reader, version int16)
}

// maxVersion is, per record type, the highest version this build encodes
// and decodes.
var maxVersion = map[RecordType]int16{
	TypeRegisterBroker: 0,
	TypeTopic:          0,
	TypePartition:      0,
	TypeConfig:         0,
	TypeFenceBroker:    0,
	TypeUnfenceBroker:  0,
	TypeRemoveTopic:    0,
	TypeProducerIDs:    0,
	TypeBootstrap:      0,
}

// newRecord returns an empty record of type t, or nil for an unknown type.
func newRecord(t RecordType) Record {
	switch t {
	case TypeRegisterBroker:
		return &RegisterBrokerRecord{}
	case TypeTopic:
		return &TopicRecord{}
	case TypePartition:
		return &PartitionRecord{}
	case TypeConfig:
		return &ConfigRecord{}
	case TypeFenceBroker:
		return &FenceBrokerRecord{}
	case TypeUnfenceBroker:
		return &UnfenceBrokerRecord{}
	case TypeRemoveTopic:
		return &RemoveTopicRecord{}
	case TypeProducerIDs:
		return &ProducerIDsRecord{}
	case TypeBootstrap:
		return &BootstrapRecord{}
	}
	return nil
}

// BootstrapRecord sets the cluster ID. The controller writes it once, as the
// first record of a new metadata log; an image whose cluster ID is set
// rejects a different one.
type BootstrapRecord struct {
	Version int16
	// ClusterID is Kafka's cluster.id: 22 characters of URL-safe base64, as
	// kafka-storage.sh random-uuid prints, though any non-empty string is
	// accepted (operators may have formatted Kafka clusters with their own).
	ClusterID string
}

// TopicRecord creates a topic with no partitions; PartitionRecords follow in
// the same batch.
type TopicRecord struct {
	Version int16
	Name    string
	TopicID UUID
}

// PartitionRecord sets the whole state of one partition: it creates the
// partition or replaces its state. (Kafka separates creation from changes
// with PartitionChangeRecord; a full-state record is simpler to apply and
// the partitions' state is small.)
type PartitionRecord struct {
	Version   int16
	TopicID   UUID
	Partition int32
	// Replicas is the assignment, preferred leader first.
	Replicas []int32
	// ISR is the in-sync replica set, a subset of Replicas.
	ISR []int32
	// Leader is the leader's broker ID, -1 when the partition has none.
	Leader int32
	// LeaderEpoch grows by one at each leader change (KIP-101, KIP-279).
	LeaderEpoch int32
	// PartitionEpoch grows by one at each change of the partition's state,
	// so AlterPartition requests based on a stale state are rejected (KIP-497).
	PartitionEpoch int32
}

// RemoveTopicRecord deletes a topic, its partitions and its configs.
type RemoveTopicRecord struct {
	Version int16
	TopicID UUID
}

// ConfigResourceType is Kafka's ConfigResource.Type byte, as DescribeConfigs
// and AlterConfigs carry it.
type ConfigResourceType int8

// The config resource types Samsa stores. Kafka's others (BROKER_LOGGER 8,
// CLIENT_METRICS 16, GROUP 32) are not stored in the metadata log yet.
const (
	ConfigResourceTopic  ConfigResourceType = 2
	ConfigResourceBroker ConfigResourceType = 4
)

// String is the resource type's Kafka name.
func (t ConfigResourceType) String() string {
	switch t {
	case ConfigResourceTopic:
		return "TOPIC"
	case ConfigResourceBroker:
		return "BROKER"
	}
	return "ConfigResourceType(" + strconv.Itoa(int(t)) + ")"
}

// ConfigResource names a set of dynamic configs: a topic by name, or a
// broker by its decimal ID, or with the empty name every broker (Kafka's
// cluster-wide default, kafka-configs.sh --entity-default).
type ConfigResource struct {
	Type ConfigResourceType
	Name string
}

// ConfigRecord sets or deletes one dynamic config of one resource.
type ConfigRecord struct {
	Version      int16
	ResourceType ConfigResourceType
	ResourceName string
	Name         string
	// Value is the new value; nil deletes the config (back to its default).
	Value *string
}

// Endpoint is one listener a broker advertises to clients.
type Endpoint struct {
	// Name is the listener name (PLAINTEXT, SSL, or a custom name).
	Name string
	Host string
	Port int32
	// SecurityProtocol is Kafka's SecurityProtocol id: 0 PLAINTEXT, 1 SSL,
	// 2 SASL_PLAINTEXT, 3 SASL_SSL.
	SecurityProtocol int16
}

// RegisterBrokerRecord adds a broker, or replaces its registration after a
// restart (a new IncarnationID).
type RegisterBrokerRecord struct {
	Version  int16
	BrokerID int32
	// IncarnationID is random per broker process start, so the controller
	// tells a restarted broker from a retried registration.
	IncarnationID UUID
	Endpoints     []Endpoint
	// Rack is broker.rack, nil when unset.
	Rack *string
	// Fenced brokers lead nothing and are left out of new assignments.
	Fenced bool
}

// FenceBrokerRecord fences a registered broker.
type FenceBrokerRecord struct {
	Version  int16
	BrokerID int32
}

// UnfenceBrokerRecord unfences a registered broker.
type UnfenceBrokerRecord struct {
	Version  int16
	BrokerID int32
}

// ProducerIDsRecord hands out a block of producer IDs (KIP-730): the block
// is [previous NextProducerID, NextProducerID), allocated to BrokerID.
type ProducerIDsRecord struct {
	Version  int16
	BrokerID int32
	// NextProducerID is the first ID not yet allocated.
	NextProducerID int64
}

// Type implements Record.
func (*BootstrapRecord) Type() RecordType { return TypeBootstrap }

// Type implements Record.
func (*TopicRecord) Type() RecordType { return TypeTopic }

// Type implements Record.
func (*PartitionRecord) Type() RecordType { return TypePartition }

// Type implements Record.
func (*RemoveTopicRecord) Type() RecordType { return TypeRemoveTopic }

// Type implements Record.
func (*ConfigRecord) Type() RecordType { return TypeConfig }

// Type implements Record.
func (*RegisterBrokerRecord) Type() RecordType { return TypeRegisterBroker }

// Type implements Record.
func (*FenceBrokerRecord) Type() RecordType { return TypeFenceBroker }

// Type implements Record.
func (*UnfenceBrokerRecord) Type() RecordType { return TypeUnfenceBroker }

// Type implements Record.
func (*ProducerIDsRecord) Type() RecordType { return TypeProducerIDs }

func (r *BootstrapRecord) version() int16      { return r.Version }
func (r *TopicRecord) version() int16          { return r.Version }
func (r *PartitionRecord) version() int16      { return r.Version }
func (r *RemoveTopicRecord) version() int16    { return r.Version }
func (r *ConfigRecord) version() int16         { return r.Version }
func (r *RegisterBrokerRecord) version() int16 { return r.Version }
func (r *FenceBrokerRecord) version() int16    { return r.Version }
func (r *UnfenceBrokerRecord) version() int16  { return r.Version }
func (r *ProducerIDsRecord) version() int16    { return r.Version }
