package metadata

import (
	"cmp"
	"iter"
	"maps"
	"slices"
)

// Image is the cluster metadata as of one metadata log offset. It is
// immutable: Apply builds a new Image and leaves the old one valid, so any
// number of goroutines may read an Image, and keep reading it, while the
// controller or a broker moves on to the next one.
//
// Accessors return the image's own topic, partition and broker values, not
// copies, where copying would cost a walk of the image; everything they
// return is read-only and must never be modified. Accessors that build a
// slice or map (Topics, Brokers, Configs, ...) return a new one the caller
// owns, holding those shared values.
type Image struct {
	offset    int64
	clusterID string
	// topicsByName and topicsByID index the same *TopicImage values.
	topicsByName map[string]*TopicImage
	topicsByID   map[UUID]*TopicImage
	brokers      map[int32]BrokerImage
	// configs holds only resources with at least one config set; an inner
	// map is never empty.
	configs        map[ConfigResource]map[string]string
	nextProducerID int64
}

// TopicImage is one topic. Like Image it is immutable and shared between
// images: Apply copies a topic only when one of its partitions changes.
type TopicImage struct {
	Name string
	ID   UUID
	// Partitions maps partition index to state. Read-only.
	Partitions map[int32]PartitionImage
}

// PartitionImage is one partition's state, as set by the last
// PartitionRecord for it. Its slices are shared and read-only.
type PartitionImage struct {
	// Replicas is the assignment, preferred leader first.
	Replicas []int32
	// ISR is the in-sync replica set.
	ISR []int32
	// Leader is the leader's broker ID, -1 for none.
	Leader         int32
	LeaderEpoch    int32
	PartitionEpoch int32
}

// BrokerImage is one registered broker. Its slices are shared and read-only.
type BrokerImage struct {
	ID            int32
	IncarnationID UUID
	Endpoints     []Endpoint
	// Rack is broker.rack, nil when unset.
	Rack   *string
	Fenced bool
}

// emptyImage is shared by every EmptyImage call: it is immutable.
var emptyImage = &Image{
	offset:       -1,
	topicsByName: map[string]*TopicImage{},
	topicsByID:   map[UUID]*TopicImage{},
	brokers:      map[int32]BrokerImage{},
	configs:      map[ConfigResource]map[string]string{},
}

// EmptyImage returns the image of an empty metadata log: offset -1, no
// cluster ID, no topics, brokers or configs.
func EmptyImage() *Image { return emptyImage }

// Offset is the metadata log offset of the last batch this image reflects,
// -1 for the empty image. (For the controller's raft log, the raft index.)
func (img *Image) Offset() int64 { return img.offset }

// ClusterID is the cluster ID set by the BootstrapRecord, "" before it.
func (img *Image) ClusterID() string { return img.clusterID }

// Topic returns the topic with the given name, or nil.
func (img *Image) Topic(name string) *TopicImage { return img.topicsByName[name] }

// TopicByID returns the topic with the given ID, or nil.
func (img *Image) TopicByID(id UUID) *TopicImage { return img.topicsByID[id] }

// NumTopics is the number of topics.
func (img *Image) NumTopics() int { return len(img.topicsByName) }

// Topics returns every topic, sorted by name, in a new slice.
func (img *Image) Topics() []*TopicImage {
	out := slices.Collect(maps.Values(img.topicsByName))
	slices.SortFunc(out, func(a, b *TopicImage) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// AllTopics yields every topic in no particular order, without the sort
// and the slice of Topics: for scans of large images.
func (img *Image) AllTopics() iter.Seq[*TopicImage] {
	return maps.Values(img.topicsByID)
}

// Partition returns one partition's state.
func (img *Image) Partition(topic string, partition int32) (PartitionImage, bool) {
	t := img.topicsByName[topic]
	if t == nil {
		return PartitionImage{}, false
	}
	p, ok := t.Partitions[partition]
	return p, ok
}

// Broker returns a registered broker.
func (img *Image) Broker(id int32) (BrokerImage, bool) {
	b, ok := img.brokers[id]
	return b, ok
}

// Brokers returns every registered broker, fenced or not, sorted by ID.
func (img *Image) Brokers() []BrokerImage {
	out := slices.Collect(maps.Values(img.brokers))
	slices.SortFunc(out, func(a, b BrokerImage) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// UnfencedBrokerIDs returns the IDs of the registered, unfenced brokers,
// sorted: the brokers that may be assigned new replicas.
func (img *Image) UnfencedBrokerIDs() []int32 {
	var out []int32
	for id, b := range img.brokers {
		if !b.Fenced {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Configs returns a copy of the dynamic configs set on res (nil when none).
// Only explicitly set values are stored; defaults live in the config package.
func (img *Image) Configs(res ConfigResource) map[string]string {
	if m := img.configs[res]; m != nil {
		return maps.Clone(m)
	}
	return nil
}

// Config returns one dynamic config of res.
func (img *Image) Config(res ConfigResource, name string) (string, bool) {
	v, ok := img.configs[res][name]
	return v, ok
}

// ConfigResources returns the resources with at least one config set,
// sorted by type then name.
func (img *Image) ConfigResources() []ConfigResource {
	out := slices.Collect(maps.Keys(img.configs))
	slices.SortFunc(out, compareResources)
	return out
}

// NextProducerID is the first producer ID not yet allocated to a broker.
func (img *Image) NextProducerID() int64 { return img.nextProducerID }

// NumPartitions is the topic's partition count.
func (t *TopicImage) NumPartitions() int32 { return int32(len(t.Partitions)) }

// ReplicationFactor is the replica count of partition 0 (every partition of
// a topic created by the controller has the same), 0 for no partitions.
func (t *TopicImage) ReplicationFactor() int16 {
	return int16(len(t.Partitions[0].Replicas))
}

// Equal reports whether p and q are the same state.
func (p PartitionImage) Equal(q PartitionImage) bool {
	return p.Leader == q.Leader && p.LeaderEpoch == q.LeaderEpoch &&
		p.PartitionEpoch == q.PartitionEpoch &&
		slices.Equal(p.Replicas, q.Replicas) && slices.Equal(p.ISR, q.ISR)
}

// Equal reports whether b and c are the same registration.
func (b BrokerImage) Equal(c BrokerImage) bool {
	return b.ID == c.ID && b.IncarnationID == c.IncarnationID && b.Fenced == c.Fenced &&
		slices.Equal(b.Endpoints, c.Endpoints) && equalNullable(b.Rack, c.Rack)
}

func equalNullable(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func compareResources(a, b ConfigResource) int {
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// Records returns records that rebuild this image from the empty one:
// EmptyImage().Apply(img.Records(), img.Offset()) equals img. The order is
// deterministic (the cluster ID, brokers by ID, topics by name each followed
// by its partitions in order, configs by resource and name, the producer-ID
// counter), so two equal images give byte-identical snapshots.
func (img *Image) Records() []Record {
	var out []Record
	if img.clusterID != "" {
		out = append(out, &BootstrapRecord{ClusterID: img.clusterID})
	}
	for _, b := range img.Brokers() {
		out = append(out, &RegisterBrokerRecord{
			BrokerID:      b.ID,
			IncarnationID: b.IncarnationID,
			Endpoints:     b.Endpoints,
			Rack:          b.Rack,
			Fenced:        b.Fenced,
		})
	}
	for _, t := range img.Topics() {
		out = append(out, &TopicRecord{Name: t.Name, TopicID: t.ID})
		for _, p := range slices.Sorted(maps.Keys(t.Partitions)) {
			pi := t.Partitions[p]
			out = append(out, &PartitionRecord{
				TopicID:        t.ID,
				Partition:      p,
				Replicas:       pi.Replicas,
				ISR:            pi.ISR,
				Leader:         pi.Leader,
				LeaderEpoch:    pi.LeaderEpoch,
				PartitionEpoch: pi.PartitionEpoch,
			})
		}
	}
	for _, res := range img.ConfigResources() {
		m := img.configs[res]
		for _, name := range slices.Sorted(maps.Keys(m)) {
			v := m[name]
			out = append(out, &ConfigRecord{ResourceType: res.Type, ResourceName: res.Name, Name: name, Value: &v})
		}
	}
	if img.nextProducerID != 0 {
		// The allocating broker is not part of the image (only the counter
		// matters), so the snapshot says -1, as Kafka's ProducerIdsImage does.
		out = append(out, &ProducerIDsRecord{BrokerID: -1, NextProducerID: img.nextProducerID})
	}
	return out
}
