package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/samsa-io/samsa/internal/metadata"
)

// Operation names, the "op" label of the controller's metrics.
const (
	opCreateTopics     = "create_topics"
	opDeleteTopics     = "delete_topics"
	opCreatePartitions = "create_partitions"
	opAlterConfigs     = "alter_configs"
	opRegisterBroker   = "register_broker"
	opAllocateIDs      = "allocate_producer_ids"
)

// maxNewPartitions caps the partitions one topic creation or expansion may
// add. Kafka has no such limit; Samsa has it so that one request cannot put
// a raft entry of hundreds of megabytes in the metadata log.
const maxNewPartitions = 100_000

// CreateTopic is one topic of a CreateTopics request.
type CreateTopic struct {
	Name string
	// NumPartitions is the partition count; -1 means Options.DefaultNumPartitions.
	// Must be -1 when Assignments is given.
	NumPartitions int32
	// ReplicationFactor is the replica count; -1 means
	// Options.DefaultReplicationFactor. Must be -1 when Assignments is given.
	ReplicationFactor int16
	// Assignments, when not empty, places the replicas by hand: partition
	// index (0 to n-1, no gaps) to broker IDs, preferred leader first.
	Assignments map[int32][]int32
	// Configs are the topic's dynamic configs; a nil value is ignored.
	Configs map[string]*string
	// ValidateOnly checks the request and reports what would be created,
	// without creating it.
	ValidateOnly bool
}

// CreateTopicResult is the outcome for one CreateTopic.
type CreateTopicResult struct {
	Name string
	// TopicID is the new topic's ID (zero for validate-only requests and
	// errors).
	TopicID           metadata.UUID
	NumPartitions     int32
	ReplicationFactor int16
	// Err is nil on success, else wraps one of the package's errors.
	Err error
}

// CreateTopics creates topics. Each topic succeeds or fails on its own
// (results are in request order); the successful ones are committed together
// in one metadata log entry, and are in Image() when CreateTopics returns.
//
// Placement: unless assigned by hand, partition p's replicas are the
// unfenced brokers (sorted by ID) from a rotating start index plus p, so
// leaders spread over the brokers across topics; the leader is the first
// replica, the ISR all replicas, epochs 0.
func (c *Controller) CreateTopics(ctx context.Context, topics []CreateTopic) []CreateTopicResult {
	// The event loop may still read the request after a cancelled call has
	// returned, so it gets a copy the caller cannot change.
	topics = cloneCreateTopics(topics)
	res := make([]CreateTopicResult, len(topics))
	written := make([]bool, len(topics))
	ran, err := c.submit(ctx, opCreateTopics, func(img *metadata.Image) ([]metadata.Record, error) {
		return c.createTopics(img, topics, res, written), nil
	})
	if !ran {
		// The loop may still run the operation and write res: answer
		// from a fresh slice, without touching res or the variable.
		out := make([]CreateTopicResult, len(topics))
		for i, t := range topics {
			out[i] = CreateTopicResult{Name: t.Name, Err: err}
		}
		return out
	}
	for i := range res {
		if written[i] && err != nil {
			res[i].Err = err
			res[i].TopicID = metadata.UUID{}
		}
	}
	return res
}

func cloneCreateTopics(in []CreateTopic) []CreateTopic {
	out := slices.Clone(in)
	for i := range out {
		t := &out[i]
		if t.Assignments != nil {
			a := make(map[int32][]int32, len(t.Assignments))
			for p, replicas := range t.Assignments {
				a[p] = slices.Clone(replicas)
			}
			t.Assignments = a
		}
		if t.Configs != nil {
			cfg := make(map[string]*string, len(t.Configs))
			for k, v := range t.Configs {
				if v != nil {
					s := *v
					v = &s
				}
				cfg[k] = v
			}
			t.Configs = cfg
		}
	}
	return out
}

func cloneLists(in [][]int32) [][]int32 {
	if in == nil {
		return nil
	}
	out := make([][]int32, len(in))
	for i, l := range in {
		out[i] = slices.Clone(l)
	}
	return out
}

// createTopics validates topics against img on the event loop, fills res
// and written, and returns the records of the topics to create.
func (c *Controller) createTopics(img *metadata.Image, topics []CreateTopic, res []CreateTopicResult, written []bool) []metadata.Record {
	counts := map[string]int{}
	for _, t := range topics {
		counts[t.Name]++
	}
	// unified holds the unified names of topics created earlier in this
	// request, which later ones must not collide with either.
	unified := map[string]string{}
	newIDs := map[metadata.UUID]bool{}
	unfenced := img.UnfencedBrokerIDs()
	var records []metadata.Record
	for i, t := range topics {
		r := &res[i]
		r.Name = t.Name
		if counts[t.Name] > 1 {
			r.Err = fmt.Errorf("%w: topic %q appears %d times in the request", ErrInvalidRequest, t.Name, counts[t.Name])
			continue
		}
		assignment, err := c.validateNewTopic(img, t, unified, unfenced)
		if err != nil {
			r.Err = err
			continue
		}
		r.NumPartitions = int32(len(assignment))
		r.ReplicationFactor = int16(len(assignment[0]))
		unified[unifyTopicName(t.Name)] = t.Name
		if t.ValidateOnly {
			continue
		}
		id := metadata.RandomUUID()
		for img.TopicByID(id) != nil || newIDs[id] {
			id = metadata.RandomUUID()
		}
		newIDs[id] = true
		r.TopicID = id
		written[i] = true
		records = append(records, &metadata.TopicRecord{Name: t.Name, TopicID: id})
		for p, replicas := range assignment {
			records = append(records, newPartition(img, id, int32(p), replicas))
		}
		for _, name := range slices.Sorted(maps.Keys(t.Configs)) {
			if v := t.Configs[name]; v != nil {
				records = append(records, &metadata.ConfigRecord{
					ResourceType: metadata.ConfigResourceTopic, ResourceName: t.Name, Name: name, Value: v,
				})
			}
		}
	}
	return records
}

// validateNewTopic checks one new topic and returns its replica assignment,
// indexed by partition.
func (c *Controller) validateNewTopic(img *metadata.Image, t CreateTopic, unified map[string]string, unfenced []int32) ([][]int32, error) {
	if err := validateTopicName(t.Name); err != nil {
		return nil, err
	}
	if img.Topic(t.Name) != nil {
		return nil, fmt.Errorf("%w: %q", ErrTopicAlreadyExists, t.Name)
	}
	if other := topicCollision(img, t.Name); other != "" {
		return nil, fmt.Errorf("%w: topic %q collides with existing topic %q ('.' and '_' are alike in metric names)", ErrInvalidTopic, t.Name, other)
	}
	if other, ok := unified[unifyTopicName(t.Name)]; ok {
		return nil, fmt.Errorf("%w: topic %q collides with topic %q of the same request", ErrInvalidTopic, t.Name, other)
	}
	if err := c.validateConfigs(c.opts.ValidateTopicConfig, t.Configs); err != nil {
		return nil, err
	}
	var assignment [][]int32
	if len(t.Assignments) > 0 {
		if t.NumPartitions != -1 || t.ReplicationFactor != -1 {
			return nil, fmt.Errorf("%w: topic %q: a replica assignment requires partitions and replication factor -1", ErrInvalidRequest, t.Name)
		}
		if len(t.Assignments) > maxNewPartitions {
			return nil, fmt.Errorf("%w: %d partitions exceed the limit of %d", ErrInvalidPartitions, len(t.Assignments), maxNewPartitions)
		}
		assignment = make([][]int32, len(t.Assignments))
		for p, replicas := range t.Assignments {
			if p < 0 || int(p) >= len(assignment) {
				return nil, fmt.Errorf("%w: partitions must be numbered 0 to %d, got %d", ErrInvalidReplicaAssignment, len(assignment)-1, p)
			}
			assignment[p] = replicas
		}
		if err := validateAssignment(img, assignment, 0); err != nil {
			return nil, err
		}
	} else {
		n, rf := t.NumPartitions, t.ReplicationFactor
		if n == -1 {
			n = c.opts.DefaultNumPartitions
		}
		if rf == -1 {
			rf = c.opts.DefaultReplicationFactor
		}
		switch {
		case n <= 0:
			return nil, fmt.Errorf("%w: %d partitions; the count must be positive", ErrInvalidPartitions, n)
		case n > maxNewPartitions:
			return nil, fmt.Errorf("%w: %d partitions exceed the limit of %d", ErrInvalidPartitions, n, maxNewPartitions)
		case rf <= 0:
			return nil, fmt.Errorf("%w: replication factor %d; it must be positive", ErrInvalidReplicationFactor, rf)
		case int(rf) > len(unfenced):
			return nil, fmt.Errorf("%w: replication factor %d is larger than the %d available brokers", ErrInvalidReplicationFactor, rf, len(unfenced))
		}
		assignment = c.place(unfenced, 0, n, rf, !t.ValidateOnly)
	}
	return assignment, nil
}

// validateAssignment checks hand-placed replicas: each list non-empty, of
// registered brokers without repeats, at least one unfenced (to lead), all
// of the same length, which must be rf when rf > 0.
func validateAssignment(img *metadata.Image, assignment [][]int32, rf int) error {
	for i, replicas := range assignment {
		p := i
		switch {
		case len(replicas) == 0:
			return fmt.Errorf("%w: partition %d has no replicas", ErrInvalidReplicaAssignment, p)
		case rf > 0 && len(replicas) != rf:
			return fmt.Errorf("%w: partition %d has %d replicas, the others %d", ErrInvalidReplicaAssignment, p, len(replicas), rf)
		}
		rf = len(replicas)
		seen := map[int32]bool{}
		live := false
		for _, b := range replicas {
			if seen[b] {
				return fmt.Errorf("%w: partition %d names broker %d twice", ErrInvalidReplicaAssignment, p, b)
			}
			seen[b] = true
			reg, ok := img.Broker(b)
			if !ok {
				return fmt.Errorf("%w: partition %d names broker %d, which is not registered", ErrInvalidReplicaAssignment, p, b)
			}
			live = live || !reg.Fenced
		}
		if !live {
			return fmt.Errorf("%w: every broker of partition %d is fenced", ErrInvalidReplicaAssignment, p)
		}
	}
	return nil
}

// place assigns partitions [first, first+n) over the unfenced brokers: the
// replicas of partition p are rf consecutive brokers from the rotating start
// plus p. commit advances the rotation (not for validate-only requests), by
// n, so the next topic's first leader follows this one's last.
func (c *Controller) place(brokers []int32, first, n int32, rf int16, commit bool) [][]int32 {
	start := c.placement % len(brokers)
	if commit {
		c.placement = (c.placement + int(n)) % len(brokers)
	}
	out := make([][]int32, n)
	for i := range out {
		replicas := make([]int32, rf)
		for j := range replicas {
			replicas[j] = brokers[(start+int(first)+i+j)%len(brokers)]
		}
		out[i] = replicas
	}
	return out
}

// newPartition is the PartitionRecord of a new partition: the ISR is its
// unfenced replicas, in assignment order, and the leader the first of them
// (Kafka's rule); epochs start at 0.
func newPartition(img *metadata.Image, id metadata.UUID, p int32, replicas []int32) *metadata.PartitionRecord {
	var isr []int32
	for _, b := range replicas {
		if reg, ok := img.Broker(b); ok && !reg.Fenced {
			isr = append(isr, b)
		}
	}
	leader := int32(-1)
	if len(isr) > 0 {
		leader = isr[0]
	}
	return &metadata.PartitionRecord{TopicID: id, Partition: p, Replicas: replicas, ISR: isr, Leader: leader}
}

// DeleteTopicResult is the outcome for one topic of DeleteTopics.
type DeleteTopicResult struct {
	// Name is the topic's name (also when it was named by ID and exists).
	Name string
	// TopicID is the topic's ID (also when it was named by name and exists).
	TopicID metadata.UUID
	Err     error
}

// DeleteTopics deletes topics named by name or by ID (DeleteTopics v6+ may
// use either). Results are in order: the names, then the IDs. A topic named
// twice, either way, fails every time with ErrInvalidRequest. Deletions are
// committed together; each deleted topic's partitions and configs go with
// it.
func (c *Controller) DeleteTopics(ctx context.Context, names []string, ids [][16]byte) []DeleteTopicResult {
	names, ids = slices.Clone(names), slices.Clone(ids)
	n := len(names) + len(ids)
	res := make([]DeleteTopicResult, n)
	written := make([]bool, n)
	ran, err := c.submit(ctx, opDeleteTopics, func(img *metadata.Image) ([]metadata.Record, error) {
		return deleteTopics(img, names, ids, res, written), nil
	})
	if !ran {
		// The loop may still run the operation and write res: answer
		// from a fresh slice, without touching res or the variable.
		out := make([]DeleteTopicResult, n)
		for i, name := range names {
			out[i] = DeleteTopicResult{Name: name, Err: err}
		}
		for i, id := range ids {
			out[len(names)+i] = DeleteTopicResult{TopicID: id, Err: err}
		}
		return out
	}
	for i := range res {
		if written[i] && err != nil {
			res[i].Err = err
		}
	}
	return res
}

func deleteTopics(img *metadata.Image, names []string, ids [][16]byte, res []DeleteTopicResult, written []bool) []metadata.Record {
	topics := make([]*metadata.TopicImage, len(res))
	count := map[metadata.UUID]int{}
	for i, name := range names {
		res[i].Name = name
		if t := img.Topic(name); t != nil {
			topics[i] = t
			count[t.ID]++
		} else {
			res[i].Err = fmt.Errorf("%w: %q", ErrUnknownTopic, name)
		}
	}
	for j, id := range ids {
		i := len(names) + j
		res[i].TopicID = id
		if t := img.TopicByID(id); t != nil && !metadata.UUID(id).IsZero() {
			topics[i] = t
			count[t.ID]++
		} else {
			res[i].Err = fmt.Errorf("%w: %v", ErrUnknownTopicID, metadata.UUID(id))
		}
	}
	var records []metadata.Record
	for i, t := range topics {
		if t == nil {
			continue
		}
		res[i].Name, res[i].TopicID = t.Name, t.ID
		if count[t.ID] > 1 {
			res[i].Err = fmt.Errorf("%w: topic %q is named %d times in the request", ErrInvalidRequest, t.Name, count[t.ID])
			continue
		}
		written[i] = true
		records = append(records, &metadata.RemoveTopicRecord{TopicID: t.ID})
	}
	return records
}

// CreatePartitions is one topic of a CreatePartitions request.
type CreatePartitions struct {
	Topic string
	// Count is the new total partition count; it must exceed the current one.
	Count int32
	// Assignments, when not nil, places the new partitions by hand: one
	// replica list per new partition, in order, each as long as the topic's
	// replication factor.
	Assignments [][]int32
	// ValidateOnly checks without creating.
	ValidateOnly bool
}

// CreatePartitionsResult is the outcome for one CreatePartitions.
type CreatePartitionsResult struct {
	Topic string
	Err   error
}

// CreatePartitions adds partitions to existing topics. Unless assigned by
// hand, new partitions are placed as CreateTopics places them, with the
// topic's replication factor. Results are in request order.
func (c *Controller) CreatePartitions(ctx context.Context, reqs []CreatePartitions) []CreatePartitionsResult {
	reqs = slices.Clone(reqs)
	for i := range reqs {
		reqs[i].Assignments = cloneLists(reqs[i].Assignments)
	}
	res := make([]CreatePartitionsResult, len(reqs))
	written := make([]bool, len(reqs))
	ran, err := c.submit(ctx, opCreatePartitions, func(img *metadata.Image) ([]metadata.Record, error) {
		return c.createPartitions(img, reqs, res, written), nil
	})
	if !ran {
		// The loop may still run the operation and write res: answer
		// from a fresh slice, without touching res or the variable.
		out := make([]CreatePartitionsResult, len(reqs))
		for i, r := range reqs {
			out[i] = CreatePartitionsResult{Topic: r.Topic, Err: err}
		}
		return out
	}
	for i := range res {
		if written[i] && err != nil {
			res[i].Err = err
		}
	}
	return res
}

func (c *Controller) createPartitions(img *metadata.Image, reqs []CreatePartitions, res []CreatePartitionsResult, written []bool) []metadata.Record {
	counts := map[string]int{}
	for _, r := range reqs {
		counts[r.Topic]++
	}
	unfenced := img.UnfencedBrokerIDs()
	var records []metadata.Record
	for i, r := range reqs {
		res[i].Topic = r.Topic
		if counts[r.Topic] > 1 {
			res[i].Err = fmt.Errorf("%w: topic %q appears %d times in the request", ErrInvalidRequest, r.Topic, counts[r.Topic])
			continue
		}
		t := img.Topic(r.Topic)
		if t == nil {
			res[i].Err = fmt.Errorf("%w: %q", ErrUnknownTopic, r.Topic)
			continue
		}
		current := t.NumPartitions()
		switch {
		case r.Count < current:
			res[i].Err = fmt.Errorf("%w: topic %q has %d partitions, more than the requested %d", ErrInvalidPartitions, r.Topic, current, r.Count)
			continue
		case r.Count == current:
			res[i].Err = fmt.Errorf("%w: topic %q already has %d partitions", ErrInvalidPartitions, r.Topic, current)
			continue
		case int64(r.Count)-int64(current) > maxNewPartitions:
			res[i].Err = fmt.Errorf("%w: adding %d partitions exceeds the limit of %d", ErrInvalidPartitions, r.Count-current, maxNewPartitions)
			continue
		}
		added := r.Count - current
		rf := t.ReplicationFactor()
		if rf <= 0 {
			res[i].Err = fmt.Errorf("%w: topic %q has no replicas to copy the replication factor from", ErrInvalidReplicationFactor, r.Topic)
			continue
		}
		var assignment [][]int32
		if r.Assignments != nil {
			if len(r.Assignments) != int(added) {
				res[i].Err = fmt.Errorf("%w: %d assignments for %d new partitions", ErrInvalidReplicaAssignment, len(r.Assignments), added)
				continue
			}
			if err := validateAssignment(img, r.Assignments, int(rf)); err != nil {
				res[i].Err = err
				continue
			}
			assignment = r.Assignments
		} else {
			if int(rf) > len(unfenced) {
				res[i].Err = fmt.Errorf("%w: replication factor %d is larger than the %d available brokers", ErrInvalidReplicationFactor, rf, len(unfenced))
				continue
			}
			assignment = c.place(unfenced, current, added, rf, !r.ValidateOnly)
		}
		if r.ValidateOnly {
			continue
		}
		written[i] = true
		for j, replicas := range assignment {
			records = append(records, newPartition(img, t.ID, current+int32(j), slices.Clone(replicas)))
		}
	}
	return records
}
