package metadata

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Apply applies one batch of records, read from the metadata log at offset,
// and returns the new image with the delta from img to it. img itself is not
// changed and stays valid.
//
// The batch is all or nothing: if any record does not fit (errors wrap
// ErrInvalidRecord), Apply returns the error and no image. offset must be
// above img.Offset() (ErrOffsetRegression). An empty batch only moves the
// offset.
//
// Cost: copy-on-write at two levels. The first change to a topic, broker or
// config in the batch copies that top-level map (O(topics) pointer copies),
// and a changed topic copies its own partition map; unchanged topics are
// shared with img. That is cheap up to tens of thousands of topics; a
// persistent map can replace the top-level maps behind the same API when it
// is not.
func (img *Image) Apply(records []Record, offset int64) (*Image, *Delta, error) {
	if offset <= img.offset {
		return nil, nil, fmt.Errorf("%w: batch at %d, image at %d", ErrOffsetRegression, offset, img.offset)
	}
	a := newApplier(img)
	for i, r := range records {
		if isNil(r) {
			return nil, nil, fmt.Errorf("%w: record %d at offset %d is nil", ErrInvalidRecord, i, offset)
		}
		if err := a.apply(r); err != nil {
			return nil, nil, fmt.Errorf("%w: record %d (%v) at offset %d: %s", ErrInvalidRecord, i, r.Type(), offset, err)
		}
	}
	a.next.offset = offset
	return a.next, a.delta(), nil
}

// isNil reports whether r is nil or a nil pointer of a record type, which
// Apply rejects rather than dereferences.
func isNil(r Record) bool {
	switch r := r.(type) {
	case nil:
		return true
	case *BootstrapRecord:
		return r == nil
	case *TopicRecord:
		return r == nil
	case *PartitionRecord:
		return r == nil
	case *RemoveTopicRecord:
		return r == nil
	case *ConfigRecord:
		return r == nil
	case *RegisterBrokerRecord:
		return r == nil
	case *FenceBrokerRecord:
		return r == nil
	case *UnfenceBrokerRecord:
		return r == nil
	case *ProducerIDsRecord:
		return r == nil
	}
	return false
}

// applier builds the next image from base. next starts as a shallow copy of
// base sharing every map; the own* flags record which maps next already owns
// (copied), so each is copied at most once per batch. The touched* sets are
// what the delta compares between base and next at the end, so the delta
// shows the net change of the batch (a partition changed twice appears once,
// a topic created and deleted in one batch not at all).
type applier struct {
	base *Image
	next *Image

	ownTopicMaps bool
	ownTopics    map[UUID]bool // topics whose *TopicImage next owns
	ownBrokers   bool
	ownConfigs   bool
	ownConfigRes map[ConfigResource]bool

	touchedTopics     map[UUID]bool
	touchedPartitions map[partitionKey]bool
	touchedConfigs    map[configKey]bool
	touchedBrokers    map[int32]bool
	clusterIDChanged  bool
	producerIDChanged bool
}

type partitionKey struct {
	topic     UUID
	partition int32
}

type configKey struct {
	res  ConfigResource
	name string
}

func newApplier(base *Image) *applier {
	next := *base
	return &applier{
		base:              base,
		next:              &next,
		ownTopics:         map[UUID]bool{},
		ownConfigRes:      map[ConfigResource]bool{},
		touchedTopics:     map[UUID]bool{},
		touchedPartitions: map[partitionKey]bool{},
		touchedConfigs:    map[configKey]bool{},
		touchedBrokers:    map[int32]bool{},
	}
}

// apply applies one record to a.next, or reports why it does not fit. On an
// error a.next may be half changed; Apply then discards it.
func (a *applier) apply(r Record) error {
	switch r := r.(type) {
	case *BootstrapRecord:
		return a.bootstrap(r)
	case *TopicRecord:
		return a.createTopic(r)
	case *PartitionRecord:
		return a.setPartition(r)
	case *RemoveTopicRecord:
		return a.removeTopic(r)
	case *ConfigRecord:
		return a.setConfig(r)
	case *RegisterBrokerRecord:
		return a.registerBroker(r)
	case *FenceBrokerRecord:
		return a.setFenced(r.BrokerID, true)
	case *UnfenceBrokerRecord:
		return a.setFenced(r.BrokerID, false)
	case *ProducerIDsRecord:
		return a.allocateProducerIDs(r)
	}
	// Unreachable: Record is sealed. Reported rather than panicking so a
	// future record type that lacks a case here fails its tests loudly
	// without taking a broker down.
	return fmt.Errorf("record type %v has no apply rule", r.Type())
}

func (a *applier) bootstrap(r *BootstrapRecord) error {
	switch {
	case r.ClusterID == "":
		return fmt.Errorf("empty cluster ID")
	case a.next.clusterID != "" && a.next.clusterID != r.ClusterID:
		return fmt.Errorf("cluster ID %q is already %q", r.ClusterID, a.next.clusterID)
	}
	a.next.clusterID = r.ClusterID
	a.clusterIDChanged = a.next.clusterID != a.base.clusterID
	return nil
}

// ownTopicIndex makes next own its two topic maps.
func (a *applier) ownTopicIndex() {
	if !a.ownTopicMaps {
		a.next.topicsByName = maps.Clone(a.next.topicsByName)
		a.next.topicsByID = maps.Clone(a.next.topicsByID)
		a.ownTopicMaps = true
	}
}

// ownTopic returns next's own, modifiable copy of topic id, which exists.
func (a *applier) ownTopic(id UUID) *TopicImage {
	t := a.next.topicsByID[id]
	if a.ownTopics[id] {
		return t
	}
	a.ownTopicIndex()
	c := &TopicImage{Name: t.Name, ID: t.ID, Partitions: maps.Clone(t.Partitions)}
	a.next.topicsByName[c.Name] = c
	a.next.topicsByID[c.ID] = c
	a.ownTopics[id] = true
	return c
}

func (a *applier) createTopic(r *TopicRecord) error {
	switch {
	case r.Name == "":
		return fmt.Errorf("empty topic name")
	case r.TopicID.IsZero():
		return fmt.Errorf("topic %q has the zero topic ID", r.Name)
	case a.next.topicsByName[r.Name] != nil:
		return fmt.Errorf("topic %q already exists", r.Name)
	case a.next.topicsByID[r.TopicID] != nil:
		return fmt.Errorf("topic ID %v already exists (topic %q)", r.TopicID, a.next.topicsByID[r.TopicID].Name)
	}
	a.ownTopicIndex()
	t := &TopicImage{Name: r.Name, ID: r.TopicID, Partitions: map[int32]PartitionImage{}}
	a.next.topicsByName[t.Name] = t
	a.next.topicsByID[t.ID] = t
	a.ownTopics[t.ID] = true
	a.touchedTopics[t.ID] = true
	return nil
}

func (a *applier) setPartition(r *PartitionRecord) error {
	if a.next.topicsByID[r.TopicID] == nil {
		return fmt.Errorf("unknown topic ID %v", r.TopicID)
	}
	if err := checkPartition(r); err != nil {
		return fmt.Errorf("partition %d of topic ID %v: %s", r.Partition, r.TopicID, err)
	}
	t := a.ownTopic(r.TopicID)
	// Clone the slices: the image must not alias the caller's record.
	t.Partitions[r.Partition] = PartitionImage{
		Replicas:       slices.Clone(r.Replicas),
		ISR:            slices.Clone(r.ISR),
		Leader:         r.Leader,
		LeaderEpoch:    r.LeaderEpoch,
		PartitionEpoch: r.PartitionEpoch,
	}
	a.touchedTopics[r.TopicID] = true
	a.touchedPartitions[partitionKey{r.TopicID, r.Partition}] = true
	return nil
}

// checkPartition checks a partition state on its own: a non-empty replica
// set of distinct broker IDs, an ISR inside it, a leader in the ISR or none.
// Whether the replicas are registered brokers is the controller's business:
// an assignment may name a broker that registers later.
func checkPartition(r *PartitionRecord) error {
	switch {
	case r.Partition < 0:
		return fmt.Errorf("negative partition index")
	case len(r.Replicas) == 0:
		return fmt.Errorf("no replicas")
	case r.LeaderEpoch < 0 || r.PartitionEpoch < 0:
		return fmt.Errorf("negative epoch")
	}
	seen := make(map[int32]bool, len(r.Replicas))
	for _, b := range r.Replicas {
		if b < 0 || seen[b] {
			return fmt.Errorf("replicas %v: negative or repeated broker ID", r.Replicas)
		}
		seen[b] = true
	}
	inISR := make(map[int32]bool, len(r.ISR))
	for _, b := range r.ISR {
		if !seen[b] || inISR[b] {
			return fmt.Errorf("ISR %v is not a set of replicas %v", r.ISR, r.Replicas)
		}
		inISR[b] = true
	}
	if r.Leader != -1 && !inISR[r.Leader] {
		return fmt.Errorf("leader %d is not in the ISR %v", r.Leader, r.ISR)
	}
	return nil
}

func (a *applier) removeTopic(r *RemoveTopicRecord) error {
	t := a.next.topicsByID[r.TopicID]
	if t == nil {
		return fmt.Errorf("unknown topic ID %v", r.TopicID)
	}
	a.ownTopicIndex()
	delete(a.next.topicsByName, t.Name)
	delete(a.next.topicsByID, t.ID)
	a.touchedTopics[t.ID] = true
	// A topic's configs go with it, as in Kafka (the controller does not
	// write ConfigRecords to delete them), so a later topic of the same name
	// starts from the defaults.
	res := ConfigResource{Type: ConfigResourceTopic, Name: t.Name}
	for name := range a.next.configs[res] {
		a.touchedConfigs[configKey{res, name}] = true
	}
	if a.next.configs[res] != nil {
		a.ownConfigMap()
		delete(a.next.configs, res)
		delete(a.ownConfigRes, res)
	}
	return nil
}

func (a *applier) ownConfigMap() {
	if !a.ownConfigs {
		a.next.configs = maps.Clone(a.next.configs)
		a.ownConfigs = true
	}
}

func (a *applier) setConfig(r *ConfigRecord) error {
	res := ConfigResource{Type: r.ResourceType, Name: r.ResourceName}
	switch r.ResourceType {
	case ConfigResourceTopic:
		if a.next.topicsByName[r.ResourceName] == nil {
			return fmt.Errorf("config %q of unknown topic %q", r.Name, r.ResourceName)
		}
	case ConfigResourceBroker:
		// "" is the cluster-wide default; otherwise a broker ID, which need
		// not be registered (Kafka allows configuring a broker before it
		// first starts).
		if r.ResourceName != "" {
			if id, err := strconv.ParseInt(r.ResourceName, 10, 32); err != nil || id < 0 {
				return fmt.Errorf("broker config resource %q is not a broker ID", r.ResourceName)
			}
		}
	default:
		return fmt.Errorf("config resource type %v", r.ResourceType)
	}
	if r.Name == "" {
		return fmt.Errorf("empty config name")
	}
	a.ownConfigMap()
	m := a.next.configs[res]
	if !a.ownConfigRes[res] {
		m = maps.Clone(m)
		if m == nil {
			m = map[string]string{}
		}
		a.ownConfigRes[res] = true
	}
	if r.Value == nil {
		delete(m, r.Name)
	} else {
		m[r.Name] = *r.Value
	}
	if len(m) == 0 {
		delete(a.next.configs, res)
		delete(a.ownConfigRes, res)
	} else {
		a.next.configs[res] = m
	}
	a.touchedConfigs[configKey{res, r.Name}] = true
	return nil
}

func (a *applier) ownBrokerMap() {
	if !a.ownBrokers {
		a.next.brokers = maps.Clone(a.next.brokers)
		a.ownBrokers = true
	}
}

func (a *applier) registerBroker(r *RegisterBrokerRecord) error {
	if r.BrokerID < 0 {
		return fmt.Errorf("negative broker ID %d", r.BrokerID)
	}
	names := make(map[string]bool, len(r.Endpoints))
	for _, e := range r.Endpoints {
		if names[e.Name] {
			return fmt.Errorf("broker %d has two endpoints named %q", r.BrokerID, e.Name)
		}
		names[e.Name] = true
	}
	a.ownBrokerMap()
	var rack *string
	if r.Rack != nil {
		s := *r.Rack
		rack = &s
	}
	a.next.brokers[r.BrokerID] = BrokerImage{
		ID:            r.BrokerID,
		IncarnationID: r.IncarnationID,
		Endpoints:     slices.Clone(r.Endpoints),
		Rack:          rack,
		Fenced:        r.Fenced,
	}
	a.touchedBrokers[r.BrokerID] = true
	return nil
}

func (a *applier) setFenced(id int32, fenced bool) error {
	b, ok := a.next.brokers[id]
	if !ok {
		return fmt.Errorf("unknown broker %d", id)
	}
	a.ownBrokerMap()
	b.Fenced = fenced
	a.next.brokers[id] = b
	a.touchedBrokers[id] = true
	return nil
}

func (a *applier) allocateProducerIDs(r *ProducerIDsRecord) error {
	// Producer IDs are never reused, so the counter only grows; a record
	// that would move it back is a controller bug that could hand two
	// producers the same ID.
	if r.NextProducerID <= a.next.nextProducerID {
		return fmt.Errorf("next producer ID %d is not above %d", r.NextProducerID, a.next.nextProducerID)
	}
	a.next.nextProducerID = r.NextProducerID
	a.producerIDChanged = true
	return nil
}

// delta compares base and next over what the batch touched.
func (a *applier) delta() *Delta {
	d := &Delta{
		ClusterIDChanged:      a.clusterIDChanged,
		NextProducerIDChanged: a.producerIDChanged,
	}
	for id := range a.touchedTopics {
		old, cur := a.base.topicsByID[id], a.next.topicsByID[id]
		switch {
		case old == nil && cur != nil:
			d.addTopicCreated(cur)
		case old != nil && cur == nil:
			d.TopicsDeleted = append(d.TopicsDeleted, old)
		}
	}
	for k := range a.touchedPartitions {
		old, cur := a.base.topicsByID[k.topic], a.next.topicsByID[k.topic]
		if old == nil || cur == nil {
			continue // created (listed whole above) or deleted
		}
		d.addPartition(cur, k.partition, old.Partitions, cur.Partitions)
	}
	for k := range a.touchedConfigs {
		d.addConfig(k.res, k.name, a.base.configs, a.next.configs)
	}
	for id := range a.touchedBrokers {
		d.addBroker(id, a.base.brokers, a.next.brokers)
	}
	d.sort()
	return d
}
