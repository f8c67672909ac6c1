package metadata

import (
	"cmp"
	"slices"
)

// Delta is what changed from one image to the next: the net effect of one
// Apply (or of Diff between any two images). Subscribers use it to act on
// changes without comparing whole images. A Delta is immutable and shares
// its topic and partition values with the images; it must not be modified.
//
// Every list is sorted (topics by name, partitions by topic name then index,
// configs by resource then name, brokers by ID), so deltas compare and log
// deterministically.
type Delta struct {
	// ClusterIDChanged is set when the cluster ID was set (bootstrap).
	ClusterIDChanged bool
	// TopicsCreated are the topics that did not exist before, in their new
	// state. Their partitions are also listed in Partitions, with Old nil.
	TopicsCreated []*TopicImage
	// TopicsDeleted are the topics that no longer exist, in their old state.
	// Their partitions are not listed in Partitions: a deleted topic's
	// partitions are all gone. Their configs are listed in Configs.
	TopicsDeleted []*TopicImage
	// Partitions are the partitions of existing topics that were created or
	// whose state changed.
	Partitions []PartitionChange
	// Configs are the dynamic configs set, changed or deleted.
	Configs []ConfigChange
	// Brokers are the registrations added, changed (re-registered, fenced,
	// unfenced) or removed.
	Brokers []BrokerChange
	// NextProducerIDChanged is set when a producer-ID block was allocated.
	NextProducerIDChanged bool
}

// PartitionChange is one partition's old and new state.
type PartitionChange struct {
	Topic     string
	TopicID   UUID
	Partition int32
	// Old is nil for a new partition.
	Old *PartitionImage
	// New is the partition's state now.
	New *PartitionImage
}

// ConfigChange is one dynamic config's old and new value.
type ConfigChange struct {
	Resource ConfigResource
	Name     string
	// Old is nil when the config was not set before.
	Old *string
	// New is nil when the config is now deleted (back to its default).
	New *string
}

// BrokerChange is one broker registration's old and new state.
type BrokerChange struct {
	ID int32
	// Old is nil for a newly registered broker.
	Old *BrokerImage
	// New is nil for a broker no longer registered.
	New *BrokerImage
}

// Empty reports whether the delta records no change.
func (d *Delta) Empty() bool {
	return !d.ClusterIDChanged && !d.NextProducerIDChanged && len(d.TopicsCreated) == 0 &&
		len(d.TopicsDeleted) == 0 && len(d.Partitions) == 0 && len(d.Configs) == 0 && len(d.Brokers) == 0
}

// Diff returns the delta from old to new, two images of any offsets: what a
// subscriber that holds old must change to match new. Diff(EmptyImage(), img)
// describes all of img. It is used where an image is replaced rather than
// stepped (a raft snapshot restore) and costs a walk of both images.
func Diff(old, new *Image) *Delta {
	d := &Delta{
		ClusterIDChanged:      old.clusterID != new.clusterID,
		NextProducerIDChanged: old.nextProducerID != new.nextProducerID,
	}
	for id, o := range old.topicsByID {
		n := new.topicsByID[id]
		if n == nil {
			d.TopicsDeleted = append(d.TopicsDeleted, o)
			continue
		}
		if n == o {
			continue // shared, so unchanged
		}
		for p := range o.Partitions {
			d.addPartition(n, p, o.Partitions, n.Partitions)
		}
		for p := range n.Partitions {
			if _, ok := o.Partitions[p]; !ok {
				d.addPartition(n, p, o.Partitions, n.Partitions)
			}
		}
	}
	for id, n := range new.topicsByID {
		if old.topicsByID[id] == nil {
			d.addTopicCreated(n)
		}
	}
	for res, m := range old.configs {
		for name := range m {
			d.addConfig(res, name, old.configs, new.configs)
		}
	}
	for res, m := range new.configs {
		for name := range m {
			if _, ok := old.configs[res][name]; !ok {
				d.addConfig(res, name, old.configs, new.configs)
			}
		}
	}
	for id := range old.brokers {
		d.addBroker(id, old.brokers, new.brokers)
	}
	for id := range new.brokers {
		if _, ok := old.brokers[id]; !ok {
			d.addBroker(id, old.brokers, new.brokers)
		}
	}
	d.sort()
	return d
}

// addTopicCreated lists t as created, and all its partitions as new.
func (d *Delta) addTopicCreated(t *TopicImage) {
	d.TopicsCreated = append(d.TopicsCreated, t)
	for p := range t.Partitions {
		d.addPartition(t, p, nil, t.Partitions)
	}
}

// addPartition lists partition p of topic t if its state differs between
// old and new. A partition missing from new is not listed: partitions are
// only removed with their topic.
func (d *Delta) addPartition(t *TopicImage, p int32, old, new map[int32]PartitionImage) {
	n, ok := new[p]
	if !ok {
		return
	}
	c := PartitionChange{Topic: t.Name, TopicID: t.ID, Partition: p, New: &n}
	if o, ok := old[p]; ok {
		if o.Equal(n) {
			return
		}
		c.Old = &o
	}
	d.Partitions = append(d.Partitions, c)
}

// addConfig lists config name of res if its value differs between old and new.
func (d *Delta) addConfig(res ConfigResource, name string, old, new map[ConfigResource]map[string]string) {
	o, hadOld := old[res][name]
	n, hasNew := new[res][name]
	if hadOld == hasNew && o == n {
		return
	}
	c := ConfigChange{Resource: res, Name: name}
	if hadOld {
		c.Old = &o
	}
	if hasNew {
		c.New = &n
	}
	d.Configs = append(d.Configs, c)
}

// addBroker lists broker id if its registration differs between old and new.
func (d *Delta) addBroker(id int32, old, new map[int32]BrokerImage) {
	o, hadOld := old[id]
	n, hasNew := new[id]
	if hadOld == hasNew && (!hadOld || o.Equal(n)) {
		return
	}
	c := BrokerChange{ID: id}
	if hadOld {
		c.Old = &o
	}
	if hasNew {
		c.New = &n
	}
	d.Brokers = append(d.Brokers, c)
}

// sort puts every list in its documented order.
func (d *Delta) sort() {
	byName := func(a, b *TopicImage) int { return cmp.Compare(a.Name, b.Name) }
	slices.SortFunc(d.TopicsCreated, byName)
	slices.SortFunc(d.TopicsDeleted, byName)
	slices.SortFunc(d.Partitions, func(a, b PartitionChange) int {
		if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return cmp.Compare(a.Partition, b.Partition)
	})
	slices.SortFunc(d.Configs, func(a, b ConfigChange) int {
		if c := compareResources(a.Resource, b.Resource); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	slices.SortFunc(d.Brokers, func(a, b BrokerChange) int { return cmp.Compare(a.ID, b.ID) })
}

// TopicNames returns the names of the topics in ts, in order: a convenience
// for logs and tests.
func TopicNames(ts []*TopicImage) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}
